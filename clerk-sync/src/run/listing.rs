//! Reading a resource's list through `clerk-api`'s list walker (the same one generated lists
//! use), as the layout says it is paged: whole streams, single pages at an offset, and the
//! newest `updated_at`.

use crate::schema::{PageStart, Resource};
use clerk_api::runtime::{JsonList, JsonPaging, Paginator, RawItem};
use clerk_api::ListRequest;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use std::borrow::Cow;
use std::collections::HashSet;

/// The ordering by last change, newest first.
pub const NEWEST_CHANGE_FIRST: &str = "-updated_at";

fn json_list(clerk: &clerk_api::Clerk, resource: &'static Resource, limit: i64) -> JsonList {
    let p = &resource.paging;
    let name = |text: &'static Option<clerk_sync_layout::Text>| text.as_deref();
    let paging = JsonPaging::new(name(&p.limit), name(&p.offset), name(&p.starting_after), name(&p.order_by))
        .page_fields(name(&p.items), name(&p.total));
    JsonList::new(clerk.client().clone(), &*resource.path, paging).limit(limit)
}

/// The items of a resource's list from `start`, as the response's JSON.
pub fn stream(clerk: &clerk_api::Clerk, resource: &'static Resource, start: &PageStart) -> Paginator<JsonList> {
    let p = &resource.paging;
    let mut list = json_list(clerk, resource, start.limit);
    if start.ascending && p.order_by.is_some() {
        list = list.order_by("+created_at");
    }
    if let Some(cursor) = &start.starting_after {
        list = list.starting_after(cursor.clone());
    }
    if let (Some(param), Some(after)) = (p.created_at_after.as_deref(), start.created_at_after) {
        list = list.query(param, after.to_string());
    }
    list.into_stream()
}

/// Every item of a resource's list once, for a listing that must not miss what was there
/// throughout (a replace removes what it lacks): a list paged by offset only is read by
/// [`OffsetWalk`], whose pages overlap so that deletions while it reads cannot skip items; any
/// other, as [`stream`] reads it.
pub fn whole<'a>(
    clerk: &'a clerk_api::Clerk,
    resource: &'static Resource,
    start: &PageStart,
) -> BoxStream<'a, Result<RawItem, clerk_api::Error>> {
    let p = &resource.paging;
    if resource.incremental() || p.offset.is_none() || p.limit.is_none() {
        return stream(clerk, resource, start).boxed();
    }
    let walk = OffsetWalk::new(clerk, resource, start.limit);
    futures_util::stream::try_unfold(walk, |mut walk| async move {
        let page = walk.next_page().await?;
        Ok::<_, clerk_api::Error>(page.map(|page| (futures_util::stream::iter(page.into_iter().map(Ok)), walk)))
    })
    .try_flatten()
    .boxed()
}

/// A list read by offset in its default order (Clerk's newest first: `-created_at`) while
/// objects are created and deleted. A deletion among the items already read pulls the rest of
/// the list forward, so the next offset would pass over as many unread items as were deleted.
/// Each page therefore starts [`overlap`] items before where the last one ended and must hold
/// an item already read: the last such item is where the pages join, and only the items after
/// it are new. A page holding none (more deletions than the overlap) is asked for again half a
/// page earlier, down to offset 0, where every unread item comes after the read ones anyway.
/// This holds for any order in which objects keep their places relative to each other
/// (`created_at` orders): what has been read is then always a run at the front of the list,
/// after sign-ups at most (newest first) and before them (oldest first).
pub struct OffsetWalk<'a> {
    clerk: &'a clerk_api::Clerk,
    resource: &'static Resource,
    limit: i64,
    /// Where the last page ended, in the list as it was served then.
    next: i64,
    seen: HashSet<String>,
    done: bool,
}

/// How many items a page of `limit` repeats of the previous one: up to 20, less than half a
/// page (none for pages of 1 or 2, which then go unchecked).
fn overlap(limit: i64) -> i64 {
    ((limit - 1) / 2).clamp(0, 20)
}

impl<'a> OffsetWalk<'a> {
    pub fn new(clerk: &'a clerk_api::Clerk, resource: &'static Resource, limit: i64) -> OffsetWalk<'a> {
        OffsetWalk { clerk, resource, limit: limit.clamp(1, 500), next: 0, seen: HashSet::new(), done: false }
    }

    /// The items of the next page not read before; `None` once the list has been read to its end.
    pub async fn next_page(&mut self) -> Result<Option<Vec<RawItem>>, clerk_api::Error> {
        if self.done {
            return Ok(None);
        }
        let first = self.next == 0 && self.seen.is_empty();
        let mut start = if first { 0 } else { (self.next - overlap(self.limit)).max(0) };
        loop {
            let mut list = json_list(self.clerk, self.resource, self.limit);
            list.set_page(self.limit, Some(start), None);
            let (items, total) = JsonList::split(list.fetch().await?);
            let ids: Vec<Option<&str>> = items.iter().map(JsonList::id).collect();
            let joined = ids.iter().rposition(|id| id.is_some_and(|id| self.seen.contains(id)));
            let fresh = match joined {
                Some(at) => at + 1,
                // Nothing read before at the front of the list: all of it is unread.
                None if start == 0 || first || overlap(self.limit) == 0 => 0,
                // Pulled forward by more than the overlap: ask again half a page earlier.
                None => {
                    start = (start - (self.limit / 2).max(1)).max(0);
                    continue;
                }
            };
            let count = items.len() as i64;
            self.next = start + count;
            self.done = count == 0 || total.map_or(count < self.limit, |total| self.next >= total);
            if !self.done && count < self.limit {
                // The server's own cap on a page: pages of that size from now on.
                self.limit = count;
            }
            self.seen.extend(ids[fresh..].iter().flatten().map(|id| (*id).to_owned()));
            return Ok(Some(items.into_iter().skip(fresh).collect()));
        }
    }
}

/// One page: `limit` items from `offset` in `order`.
pub async fn page(
    clerk: &clerk_api::Clerk,
    resource: &'static Resource,
    order: &str,
    offset: i64,
    limit: i64,
) -> Result<Vec<RawItem>, clerk_api::Error> {
    let mut list = json_list(clerk, resource, limit).order_by(order.to_owned());
    list.set_page(limit, Some(offset), None);
    Ok(JsonList::split(list.fetch().await?).0)
}

/// What a run needs of an item before flattening it: its id and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub id: String,
    pub updated_at: Option<i64>,
}

impl Key {
    pub fn of(item: &RawItem) -> Result<Key, String> {
        #[derive(serde::Deserialize)]
        struct Head<'a> {
            #[serde(borrow)]
            id: Option<Cow<'a, str>>,
            updated_at: Option<i64>,
        }
        let head: Head<'_> =
            item.parse().map_err(|e| format!("an item is not a JSON object with an integer `updated_at`: {e}"))?;
        let id = head.id.ok_or("an item has no string `id`")?;
        Ok(Key { id: id.into_owned(), updated_at: head.updated_at })
    }
}

/// Clerk's time now, as the list says it: the newest `updated_at` (`None` for an empty list).
pub async fn newest_change(
    clerk: &clerk_api::Clerk,
    resource: &'static Resource,
) -> Result<Option<i64>, clerk_api::Error> {
    let items = page(clerk, resource, NEWEST_CHANGE_FIRST, 0, 1).await?;
    Ok(items.first().and_then(|item| Key::of(item).ok()).and_then(|key| key.updated_at))
}
