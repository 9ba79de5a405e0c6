//! The SQL building blocks every destination shares: tables from the generated layout, staging
//! tables and how their rows move into the real tables, names and literals. What to write and
//! when is decided by the write engine ([`crate::write`]); the state row is `dest::sql::state`,
//! what `show` reads [`summary`].
//!
//! Rows are bulk-loaded into staging tables (`_clerk_sync_stage__<table>`) where a destination
//! cannot append to its tables directly (PostgreSQL, by `COPY`), then moved by one
//! `INSERT ... SELECT` inside the engine's transaction.

pub(crate) mod columns;
pub(crate) mod comments;
pub(crate) mod deliveries;
pub(crate) mod lookup;
pub(crate) mod objects;
pub(crate) mod rows;
pub(crate) mod state;
pub mod summary;

use crate::dest::{literal, qualified, Destination, Dialect, Result};
use crate::rows::Batch;
use crate::schema::{Column, ColumnType, Resource, Table, PARENT_ID, POSITION};
use columns::{add_columns, column_names};

/// Per object: the version `serve` last applied, whether that was a deletion, and when.
pub const OBJECTS_TABLE: &str = "_clerk_sync_objects";
/// The webhook deliveries `serve` committed, by message id.
pub const DELIVERIES_TABLE: &str = "_clerk_sync_deliveries";
pub const STAGE_PREFIX: &str = "_clerk_sync_stage__";
/// `serve`'s own staging tables, apart from a run's.
pub const SERVE_STAGE_PREFIX: &str = "_clerk_sync_live__";
pub fn stage_name(table: &str) -> String {
    format!("{STAGE_PREFIX}{table}")
}

/// Whether rows of `table` carry Clerk's `updated_at` (milliseconds), the version webhooks
/// are ordered by.
pub(crate) fn has_updated_at(table: &Table) -> bool {
    table.columns.iter().any(|c| c.name == "updated_at" && c.ty == ColumnType::BigInt)
}

/// Names and types of a table's columns: the parent id and position first for child tables.
fn columns(table: &Table, child: bool) -> Vec<(String, ColumnType)> {
    let mut out = Vec::with_capacity(table.columns.len() + 2);
    if child {
        out.push((PARENT_ID.to_owned(), ColumnType::Text));
        out.push((POSITION.to_owned(), ColumnType::BigInt));
    }
    out.extend(table.columns.iter().map(|c| (c.name.to_string(), c.ty)));
    out
}

fn staged_columns(table: &Table, child: bool) -> Vec<(String, ColumnType)> {
    columns(table, child).into_iter().filter(|(_, ty)| *ty != ColumnType::Timestamp).collect()
}

/// Creates the dataset, the state table and each table of `resources`, and adds the columns a
/// newer spec brought to existing tables. Nothing is ever dropped.
pub fn prepare(dest: &mut dyn Destination, dataset: &str, resources: &[&Resource]) -> Result<()> {
    let d = dest.dialect();
    dest.execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", d.ident(dataset)))?;
    state::prepare(dest, dataset)?;
    dest.execute(&format!(
        "CREATE TABLE IF NOT EXISTS {} (resource {text} NOT NULL, id {text} NOT NULL, version BIGINT NOT NULL, deleted BOOLEAN NOT NULL, applied_ms BIGINT NOT NULL)",
        qualified(d, dataset, OBJECTS_TABLE),
        text = d.type_name(ColumnType::Text),
    ))?;
    dest.execute(&format!(
        "CREATE TABLE IF NOT EXISTS {} (delivery_id {text} NOT NULL, event_type {text} NOT NULL, received_at {ts} NOT NULL)",
        qualified(d, dataset, DELIVERIES_TABLE),
        text = d.type_name(ColumnType::Text),
        ts = d.type_name(ColumnType::Timestamp),
    ))?;
    if d == Dialect::Postgres {
        dest.execute(&format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} (resource, id)",
            d.ident(&format!("{OBJECTS_TABLE}__by_id")),
            qualified(d, dataset, OBJECTS_TABLE)
        ))?;
        dest.execute(&format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} (delivery_id)",
            d.ident(&format!("{DELIVERIES_TABLE}__by_id")),
            qualified(d, dataset, DELIVERIES_TABLE)
        ))?;
    }
    for resource in resources {
        for (index, table) in resource.tables().enumerate() {
            ensure_table(dest, dataset, table, index > 0)?;
        }
    }
    comments::describe(dest, dataset, resources)
}

fn ensure_table(dest: &mut dyn Destination, dataset: &str, table: &Table, child: bool) -> Result<()> {
    let d = dest.dialect();
    let wanted = columns(table, child);
    let existing = column_names(dest, dataset, &table.name)?;
    let target = qualified(d, dataset, &table.name);
    if existing.is_empty() {
        let list: Vec<String> =
            wanted.iter().map(|(name, ty)| format!("{} {}", d.ident(name), d.type_name(*ty))).collect();
        dest.execute(&format!("CREATE TABLE IF NOT EXISTS {target} ({})", list.join(", ")))?;
        if d == Dialect::Postgres {
            // Merges find rows by `id` (children by parent): without an index every batch would
            // scan the whole table. DuckDB's hash joins need none, and its indexes slow loading.
            let key = if child { PARENT_ID } else { "id" };
            dest.execute(&format!(
                "CREATE INDEX IF NOT EXISTS {} ON {target} ({})",
                d.ident(&format!("{}__by_{key}", table.name)),
                d.ident(key)
            ))?;
        }
        return Ok(());
    }
    add_columns(dest, &target, &existing, &wanted)
}

/// (Re)creates the empty staging tables of a resource.
pub fn create_staging(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<()> {
    create_stage_tables(dest, dataset, resource, STAGE_PREFIX)
}

/// (Re)creates empty staging tables named `<prefix><table>` for each table of a resource.
pub(crate) fn create_stage_tables(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &Resource,
    prefix: &str,
) -> Result<()> {
    let d = dest.dialect();
    for (index, table) in resource.tables().enumerate() {
        let stage = qualified(d, dataset, &format!("{prefix}{}", table.name));
        let list: Vec<String> = staged_columns(table, index > 0)
            .iter()
            .map(|(name, ty)| format!("{} {}", d.ident(name), d.staged_type_name(*ty)))
            .collect();
        dest.execute(&format!("DROP TABLE IF EXISTS {stage}"))?;
        // Staged rows are loaded again by the merge: PostgreSQL need not write them to its WAL.
        let kind = if d == Dialect::Postgres { "UNLOGGED TABLE" } else { "TABLE" };
        dest.execute(&format!("CREATE {kind} {stage} ({})", list.join(", ")))?;
    }
    Ok(())
}

pub fn drop_staging(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<()> {
    let d = dest.dialect();
    for table in resource.tables() {
        dest.execute(&format!("DROP TABLE IF EXISTS {}", qualified(d, dataset, &stage_name(&table.name))))?;
    }
    Ok(())
}

/// Bulk-loads a batch into the staging tables.
pub fn stage(dest: &mut dyn Destination, dataset: &str, batch: &Batch) -> Result<()> {
    stage_into(dest, dataset, batch, STAGE_PREFIX)
}

/// Bulk-loads a batch into the staging tables named `<prefix><table>`.
pub(crate) fn stage_into(dest: &mut dyn Destination, dataset: &str, batch: &Batch, prefix: &str) -> Result<()> {
    let d = dest.dialect();
    for rows in batch.tables.iter().filter(|r| !r.rows.is_empty()) {
        dest.load(&d.name(dataset), &d.name(&format!("{prefix}{}", rows.table.name)), &rows.rows)?;
    }
    Ok(())
}

/// The statements moving the rows of staging table `<prefix><table>` into `table`.
pub(crate) fn insert_staged_statements(
    d: Dialect,
    dataset: &str,
    table: &Table,
    child: bool,
    prefix: &str,
) -> [String; 2] {
    let (names, values) = select_list(d, table, child);
    let from = qualified(d, dataset, &format!("{prefix}{}", table.name));
    [
        format!(
            "INSERT INTO {} ({}) SELECT {} FROM {from}",
            qualified(d, dataset, &table.name),
            names.join(", "),
            values.join(", ")
        ),
        format!("DELETE FROM {from}"),
    ]
}

/// The value expressions that fill a table from its staging table.
pub(crate) fn select_list(d: Dialect, table: &Table, child: bool) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut values = Vec::new();
    if child {
        for name in [PARENT_ID, POSITION] {
            names.push(d.ident(name));
            values.push(d.ident(name));
        }
    }
    for Column { name, path, ty, .. } in table.columns.iter() {
        names.push(d.ident(name));
        let source = if *ty == ColumnType::Timestamp { path.join("__") } else { name.to_string() };
        values.push(d.cast(*ty, &d.ident(&source)));
    }
    (names, values)
}

/// The statement taking a resource's transaction lock, where the destination has them
/// (PostgreSQL's advisory locks), so a `run` and a `serve` writing one table take turns.
pub(crate) fn lock_statement(d: Dialect, dataset: &str, resource: &str) -> Option<String> {
    (d == Dialect::Postgres).then(|| {
        format!("SELECT pg_advisory_xact_lock(hashtext({}))", literal(&format!("clerk-sync:{dataset}.{resource}")))
    })
}

/// Appends a batch's rows straight into its tables (see [`Destination::load_final`]).
pub(crate) fn load_final_batch(dest: &mut dyn Destination, dataset: &str, batch: &Batch) -> Result<()> {
    let d = dest.dialect();
    for (index, rows) in batch.tables.iter().enumerate().filter(|(_, rows)| !rows.rows.is_empty()) {
        dest.load_final(&d.name(dataset), rows.table, index > 0, &rows.rows)?;
    }
    Ok(())
}
