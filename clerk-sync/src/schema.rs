//! The shapes the generated table layouts (`generated/resources.rs`) are written in.

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

#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    /// Wire names from the row's JSON object to the value.
    pub path: &'static [&'static str],
    pub ty: ColumnType,
}

impl Column {
    /// Whether rows carry this column (timestamps are derived in the database).
    pub fn staged(&self) -> bool {
        self.ty != ColumnType::Timestamp
    }
}

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    /// Child tables of arrays of objects, with the wire name of the array field.
    pub children: &'static [(&'static str, Table)],
}

/// One list operation of the Backend API that is synced into one table (and its children).
#[derive(Debug)]
pub struct Resource {
    pub name: &'static str,
    /// The generated item type, `User`.
    pub item: &'static str,
    /// The HTTP path of the list operation.
    pub path: &'static str,
    /// Whether the list takes a `starting_after` cursor (and so can be synced incrementally).
    pub cursor: bool,
    /// Whether the list takes `created_at_after`.
    pub created_at_after: bool,
    pub table: Table,
}

impl Resource {
    /// Incremental resources keep their rows and add what is new; the others are replaced.
    pub fn incremental(&self) -> bool {
        self.cursor || self.created_at_after
    }

    /// The main table first, then each child table.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        std::iter::once(&self.table).chain(self.table.children.iter().map(|(_, child)| child))
    }
}

/// Where a list starts.
#[derive(Debug, Clone)]
pub struct PageStart {
    pub limit: i64,
    /// Oldest first (`order_by=+created_at`), where the list can order.
    pub ascending: bool,
    pub starting_after: Option<String>,
    pub created_at_after: Option<i64>,
}

/// Child tables carry the parent's `id` and the item's position in the array first.
pub const PARENT_ID: &str = "_parent_id";
pub const POSITION: &str = "_position";
