//! The table layout (declared once, in `clerk-sync-layout`, and generated into
//! `generated/resources.rs`) and where a list starts.

pub use clerk_sync_layout::{Child, Column, ColumnType, Paging, Resource, Table, PARENT_ID, POSITION};

/// Where a list starts.
#[derive(Debug, Clone)]
pub struct PageStart {
    pub limit: i64,
    /// Oldest first (`order_by=+created_at`), where the list can order.
    pub ascending: bool,
    pub starting_after: Option<String>,
    pub created_at_after: Option<i64>,
}
