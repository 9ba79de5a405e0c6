//! Reading a resource's list through `clerk-api`'s list walker (the same one generated lists
//! use), as the layout says it is paged: whole streams, single pages at an offset, and the
//! newest `updated_at`.

use crate::schema::{PageStart, Resource};
use clerk_api::runtime::{JsonList, JsonPaging, Paginator, RawItem};
use clerk_api::ListRequest;
use std::borrow::Cow;

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
