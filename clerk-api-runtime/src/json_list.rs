//! A list operation described by data instead of generated code, whose items stay raw JSON:
//! for tools that walk many lists the same way (clerk-sync loads every list into tables by
//! flattening each item's JSON) and would otherwise decode typed items only to encode them
//! back. Each item is a slice of its page's response body ([`RawItem`]): a page is checked
//! and split once, and no item is copied or decoded until its reader does it.

use crate::pagination::ListRequest;
use crate::request::{CallOptions, Request};
use crate::{Client, Error, Method};
use bytes::Bytes;
use serde_json::value::RawValue;
use std::future::Future;

/// One item of a [`JsonList`]: its JSON text, as sent, sharing the page's body.
#[derive(Clone, PartialEq, Eq)]
pub struct RawItem {
    body: Bytes,
    start: usize,
    end: usize,
}

impl std::fmt::Debug for RawItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawItem").field("len", &(self.end - self.start)).finish_non_exhaustive()
    }
}

impl RawItem {
    /// The item's JSON, exactly as the response had it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.body[self.start..self.end]
    }

    /// Decodes the item.
    pub fn parse<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(self.as_bytes())
    }
}

/// A page as fetched: its body, where each item lies in it, and the total when it has one.
#[derive(Debug)]
pub struct RawPage {
    body: Bytes,
    items: Vec<(usize, usize)>,
    total: Option<i64>,
}

/// How a list is paged: the wire names of its query parameters and of its page's fields. A
/// list without `limit` is returned whole in one response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonPaging {
    pub limit: Option<&'static str>,
    pub offset: Option<&'static str>,
    /// The cursor parameter (`starting_after`): pages continue after the last item's `id`.
    pub starting_after: Option<&'static str>,
    /// The ordering parameter (`order_by`): the cursor is used only under a `created_at`
    /// ordering, as for generated lists.
    pub order_by: Option<&'static str>,
    /// For pages that are objects, the field holding the items (`data`); pages that are
    /// arrays need none.
    pub items: Option<&'static str>,
    /// The field holding the total count (`total_count`), when pages have one.
    pub total: Option<&'static str>,
}

impl JsonPaging {
    /// Paging with the given `limit`, `offset`, `starting_after` and `order_by` parameters
    /// (each optional) and page fields.
    pub fn new(
        limit: Option<&'static str>,
        offset: Option<&'static str>,
        starting_after: Option<&'static str>,
        order_by: Option<&'static str>,
    ) -> JsonPaging {
        JsonPaging { limit, offset, starting_after, order_by, items: None, total: None }
    }

    /// Pages that are objects with their items (and total count) in these fields.
    pub fn page_fields(mut self, items: Option<&'static str>, total: Option<&'static str>) -> JsonPaging {
        self.items = items;
        self.total = total;
        self
    }
}

/// `GET path` paged as [`JsonPaging`] says, each item its raw JSON (`into_stream()`).
///
/// ```no_run
/// # async fn run(client: clerk_api_runtime::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use clerk_api_runtime::{JsonList, JsonPaging};
/// let paging = JsonPaging::new(Some("limit"), Some("offset"), Some("starting_after"), Some("order_by"));
/// let users = JsonList::new(client, "/users", paging).limit(500).order_by("+created_at");
/// for user in users.collect_all().await? {
///     let user: serde_json::Value = user.parse()?;
/// #   let _ = user;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct JsonList {
    client: Client,
    path: String,
    paging: JsonPaging,
    query: Vec<(&'static str, String)>,
    limit: Option<i64>,
    offset: Option<i64>,
    cursor: Option<String>,
    order_by: Option<String>,
    options: CallOptions,
}

impl JsonList {
    pub fn new(client: Client, path: impl Into<String>, paging: JsonPaging) -> JsonList {
        JsonList {
            client,
            path: path.into(),
            paging,
            query: Vec::new(),
            limit: None,
            offset: None,
            cursor: None,
            order_by: None,
            options: CallOptions::default(),
        }
    }

    /// The page size (sent as the `limit` parameter; default 100, at most 500).
    #[must_use]
    pub fn limit(mut self, limit: i64) -> JsonList {
        self.limit = Some(limit);
        self
    }

    /// Starts after the item with this id (where the list takes a cursor).
    #[must_use]
    pub fn starting_after(mut self, id: impl Into<String>) -> JsonList {
        self.cursor = Some(id.into());
        self
    }

    /// Sets the ordering (`+created_at` for oldest first), where the list takes one.
    #[must_use]
    pub fn order_by(mut self, order: impl Into<String>) -> JsonList {
        self.order_by = Some(order.into());
        self
    }

    /// Adds a query parameter to every page's request (a filter such as `created_at_after`).
    #[must_use]
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> JsonList {
        self.query.push((name, value.into()));
        self
    }

    /// Streams every item, fetching pages lazily.
    pub fn into_stream(self) -> crate::Paginator<JsonList> {
        crate::pagination::paginate(self)
    }

    /// Collects every item.
    pub async fn collect_all(self) -> Result<Vec<RawItem>, Error> {
        crate::pagination::collect_all(self).await
    }

    fn request(&self) -> Request {
        let mut request =
            Request::new(Method::GET, "list", "(a list described by data)", self.path.clone(), self.options.clone());
        request.query.extend(self.query.iter().cloned());
        let paging = &self.paging;
        let pairs = [
            (paging.limit, self.limit.map(|v| v.to_string())),
            (paging.offset, self.offset.map(|v| v.to_string())),
            (paging.starting_after, self.cursor.clone()),
            (paging.order_by, self.order_by.clone()),
        ];
        for (name, value) in pairs {
            if let (Some(name), Some(value)) = (name, value) {
                request.query.push((name, value));
            }
        }
        request
    }
}

impl ListRequest for JsonList {
    type Page = RawPage;
    type Item = RawItem;

    fn page_size(&self) -> Option<i64> {
        self.limit
    }

    fn start_offset(&self) -> i64 {
        self.offset.unwrap_or(0)
    }

    fn start_cursor(&self) -> Option<String> {
        self.cursor.clone()
    }

    fn cursor_allowed(&self) -> bool {
        self.paging.starting_after.is_some()
            && self.paging.limit.is_some()
            && crate::pagination::created_at_ordering(self.order_by.as_deref())
    }

    fn set_page(&mut self, limit: i64, offset: Option<i64>, cursor: Option<String>) {
        self.limit = Some(limit);
        self.offset = offset;
        self.cursor = cursor;
    }

    /// The items of a page and its total; a list returned whole reports its length as the
    /// total, so it is read once.
    fn split(page: RawPage) -> (Vec<RawItem>, Option<i64>) {
        let RawPage { body, items, total } = page;
        (items.into_iter().map(|(start, end)| RawItem { body: body.clone(), start, end }).collect(), total)
    }

    fn id(item: &RawItem) -> Option<&str> {
        #[derive(serde::Deserialize)]
        struct Id<'a> {
            #[serde(borrow)]
            id: Option<&'a str>,
        }
        item.parse::<Id<'_>>().ok().and_then(|item| item.id)
    }

    fn fetch(self) -> impl Future<Output = Result<RawPage, Error>> + Send {
        let request = self.request();
        let (items, total, whole) = (self.paging.items, self.paging.total, self.paging.limit.is_none());
        async move {
            let answer = self.client.execute_answer(request).await?;
            let (status, body) = (answer.status(), answer.bytes());
            split_page(status, body, items, total, whole)
        }
    }
}

/// Finds the items of a page (an array, or an object's items field) and its total.
fn split_page(
    status: u16,
    body: Bytes,
    items_field: Option<&str>,
    total_field: Option<&str>,
    whole: bool,
) -> Result<RawPage, Error> {
    let (raw_items, total): (Vec<&RawValue>, Option<i64>) =
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            (crate::decode::decode(status, &body)?, None)
        } else {
            let fields: std::collections::HashMap<String, &RawValue> = crate::decode::decode(status, &body)?;
            let total = total_field.and_then(|field| fields.get(field)).and_then(|raw| raw.get().parse::<i64>().ok());
            let items = match items_field.and_then(|field| fields.get(field)) {
                Some(raw) if raw.get().starts_with('[') => crate::decode::decode(status, raw.get().as_bytes())?,
                _ => Vec::new(),
            };
            (items, total)
        };
    // Every item is a slice of `body`: its place is its pointer's distance from the start.
    let base = body.as_ptr() as usize;
    let items: Vec<(usize, usize)> = raw_items
        .iter()
        .map(|raw| {
            let start = raw.get().as_ptr() as usize - base;
            (start, start + raw.get().len())
        })
        .collect();
    let total = if whole { Some(i64::try_from(items.len()).unwrap_or(i64::MAX)) } else { total };
    Ok(RawPage { body, items, total })
}
