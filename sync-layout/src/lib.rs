//! The shapes of clerk-sync's table layout, declared once: the generator's warehouse module
//! (`codegen::warehouse`, clerk-sync's policy applied to the generator's model) derives a
//! [`Resource`] per synced list from the spec and writes them as static data
//! (`clerk-sync/src/generated/resources.rs`); clerk-sync reads that data to page each list and
//! to flatten its items into rows. No dependencies, so the generator and the loader share it
//! without sharing anything else.
//!
//! Text and lists are `Cow<'static, _>`: borrowed in the generated statics, owned while the
//! generator builds them.

use std::borrow::Cow;

/// Text in the layout.
pub type Text = Cow<'static, str>;

/// A column's type in the warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    BigInt,
    Double,
    Boolean,
    /// Free-form JSON (metadata, unions, arrays of scalars): `JSON` in DuckDB, `JSONB` in
    /// PostgreSQL.
    Json,
    /// A millisecond Unix time as a timestamp: computed from the `BIGINT` column of the same
    /// path when rows are merged, never sent.
    Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: Text,
    /// Wire names from the row's JSON object to the value.
    pub path: Cow<'static, [Text]>,
    pub ty: ColumnType,
    /// What the value is, from the spec's description of the field: the warehouse's column
    /// comment.
    pub description: Option<Text>,
}

impl Column {
    /// Whether rows carry this column (timestamps are derived in the database).
    pub fn staged(&self) -> bool {
        self.ty != ColumnType::Timestamp
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: Text,
    /// What a row is, from the spec's description of the item (or of the array field, for a
    /// child table): the warehouse's table comment.
    pub description: Option<Text>,
    pub columns: Cow<'static, [Column]>,
    /// Child tables of arrays of objects.
    pub children: Cow<'static, [Child]>,
}

/// A child table, with the wire name of the array field its rows come from.
#[derive(Debug, Clone, PartialEq)]
pub struct Child {
    pub field: Text,
    pub table: Table,
}

/// How a list is paged: the wire names of its query parameters and of its page's fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Paging {
    /// `limit`; `None` for a list returned whole in one response.
    pub limit: Option<Text>,
    pub offset: Option<Text>,
    /// `starting_after`, the cursor.
    pub starting_after: Option<Text>,
    pub created_at_after: Option<Text>,
    pub order_by: Option<Text>,
    /// The items field of a page that is an object (`data`); `None` for an array.
    pub items: Option<Text>,
    /// The total field of such a page (`total_count`).
    pub total: Option<Text>,
}

/// One list operation of the Backend API that is synced into one table (and its children).
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub name: Text,
    /// The generated item type, `User` (for people reading the layout).
    pub item: Text,
    /// The constant `object` field of the items (`user`), when their type has one: a webhook
    /// event's `data` names the table it belongs to by the same value.
    pub object: Option<Text>,
    /// The HTTP path of the `GET` list operation.
    pub path: Text,
    pub paging: Paging,
    pub table: Table,
}

impl Resource {
    /// Incremental resources keep their rows and add what is new; the others are replaced.
    pub fn incremental(&self) -> bool {
        self.paging.starting_after.is_some() || self.paging.created_at_after.is_some()
    }

    /// The main table first, then each child table.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        std::iter::once(&self.table).chain(self.table.children.iter().map(|child| &child.table))
    }
}

/// Child tables carry the parent's `id` and the item's position in the array first.
pub const PARENT_ID: &str = "_parent_id";
pub const POSITION: &str = "_position";

#[cfg(test)]
mod tests {
    use super::*;

    /// The generated statics borrow everything: this is the form they take.
    static USERS: Resource = Resource {
        name: Cow::Borrowed("users"),
        item: Cow::Borrowed("User"),
        object: Some(Cow::Borrowed("user")),
        path: Cow::Borrowed("/users"),
        paging: Paging {
            limit: Some(Cow::Borrowed("limit")),
            offset: None,
            starting_after: Some(Cow::Borrowed("starting_after")),
            created_at_after: None,
            order_by: None,
            items: None,
            total: None,
        },
        table: Table {
            name: Cow::Borrowed("users"),
            description: None,
            columns: Cow::Borrowed(&[Column {
                name: Cow::Borrowed("created_at_ts"),
                path: Cow::Borrowed(&[Cow::Borrowed("created_at")]),
                ty: ColumnType::Timestamp,
                description: None,
            }]),
            children: Cow::Borrowed(&[Child {
                field: Cow::Borrowed("emails"),
                table: Table {
                    name: Cow::Borrowed("users__emails"),
                    description: None,
                    columns: Cow::Borrowed(&[]),
                    children: Cow::Borrowed(&[]),
                },
            }]),
        },
    };

    #[test]
    fn cursor_lists_are_incremental_and_tables_come_parent_first() {
        assert!(USERS.incremental());
        assert_eq!(USERS.tables().map(|t| &*t.name).collect::<Vec<_>>(), ["users", "users__emails"]);
        assert!(!USERS.table.columns[0].staged(), "timestamps are derived in the database");
        let whole = Resource { paging: Paging::default(), ..USERS.clone() };
        assert!(!whole.incremental());
    }
}
