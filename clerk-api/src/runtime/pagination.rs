//! Lazy streams over the pages of list operations. Generated code describes each list
//! operation through [`ListRequest`]; the walking happens here, once.

use crate::Error;
use std::future::Future;

/// Page size when the caller sets no `limit`.
pub(crate) const DEFAULT_PAGE_SIZE: i64 = 100;
/// The largest `limit` Clerk accepts.
pub(crate) const MAX_PAGE_SIZE: i64 = 500;

/// A list operation's request builder, as the paginator sees it.
pub(crate) trait ListRequest: Clone + Send + 'static {
    type Page: Send;
    type Item: Send + 'static;
    /// The caller's `limit`, used as the page size.
    fn page_size(&self) -> Option<i64>;
    /// The caller's `offset` (0 without one).
    fn start_offset(&self) -> i64;
    /// The caller's `starting_after`.
    fn start_cursor(&self) -> Option<String>;
    /// Whether this request can page by cursor: the operation takes `starting_after`, its items
    /// have ids, and the chosen ordering is a `created_at` one.
    fn cursor_allowed(&self) -> bool;
    /// Sets the paging parameters of one page.
    fn set_page(&mut self, limit: i64, offset: Option<i64>, cursor: Option<String>);
    /// The items of a page and, for `{data, total_count}` pages, the total.
    fn split(page: Self::Page) -> (Vec<Self::Item>, Option<i64>);
    /// An item's id, for the next cursor.
    fn id(item: &Self::Item) -> Option<&str>;
    fn fetch(self) -> impl Future<Output = Result<Self::Page, Error>> + Send;
}

/// Whether an `order_by` value allows cursor paging: unset or a `created_at` ordering.
pub(crate) fn created_at_ordering(order_by: Option<&str>) -> bool {
    matches!(order_by, None | Some("created_at" | "+created_at" | "-created_at"))
}

enum Position {
    Offset(i64),
    Cursor(Option<String>),
}

struct State<R: ListRequest> {
    template: R,
    limit: i64,
    position: Position,
    buffer: std::vec::IntoIter<R::Item>,
    done: bool,
}

/// Streams every item of a list operation, one page in memory at a time: by `starting_after`
/// cursor where the operation and ordering allow it, by offset otherwise. Stops on an empty or
/// short page, or once `total_count` items have been passed.
pub(crate) fn paginate<R: ListRequest>(request: R) -> impl futures_core::Stream<Item = Result<R::Item, Error>> + Send + 'static {
    let limit = request.page_size().unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    let offset = request.start_offset();
    let position = if request.cursor_allowed() && offset == 0 { Position::Cursor(request.start_cursor()) } else { Position::Offset(offset) };
    let state = State { template: request, limit, position, buffer: Vec::new().into_iter(), done: false };
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.buffer.next() {
                return Some((Ok(item), state));
            }
            if state.done {
                return None;
            }
            let mut request = state.template.clone();
            match &state.position {
                Position::Offset(offset) => request.set_page(state.limit, Some(*offset), None),
                Position::Cursor(cursor) => request.set_page(state.limit, None, cursor.clone()),
            }
            let (items, total) = match request.fetch().await {
                Ok(page) => R::split(page),
                Err(error) => {
                    state.done = true;
                    return Some((Err(error), state));
                }
            };
            let count = i64::try_from(items.len()).unwrap_or(i64::MAX);
            match &mut state.position {
                Position::Offset(offset) => {
                    *offset += count;
                    // With a total, a short page may just be the server's own cap.
                    state.done = count == 0 || total.map_or(count < state.limit, |total| *offset >= total);
                }
                Position::Cursor(cursor) => {
                    state.done = count < state.limit;
                    if let Some(last) = items.last() {
                        match R::id(last) {
                            Some(id) => *cursor = Some(id.to_owned()),
                            None if !state.done => {
                                state.done = true;
                                state.buffer = Vec::new().into_iter();
                                return Some((Err(Error::Request("a page item has no id to continue from".into())), state));
                            }
                            None => {}
                        }
                    }
                }
            }
            state.buffer = items.into_iter();
        }
    })
}

/// Collects every item of a list operation.
pub(crate) async fn collect_all<R: ListRequest>(request: R) -> Result<Vec<R::Item>, Error> {
    use futures_util::StreamExt;
    let mut stream = std::pin::pin!(paginate(request));
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item?);
    }
    Ok(items)
}
