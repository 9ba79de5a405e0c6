//! The SQL the sync runs, shared by every destination: tables from the generated layout,
//! staging tables, the merge transaction and the `_clerk_sync_state` table.
//!
//! Rows are first bulk-loaded into staging tables (`_clerk_sync_stage__<table>`), then moved
//! into the real tables in one transaction with the state row, so a crash at any point leaves
//! each table as the last committed merge left it.
//!
//! `serve` (webhooks, [`crate::live`]) records what it applied in `_clerk_sync_objects` (each
//! object's version, whether it was deleted, when it was applied) and `_clerk_sync_deliveries`
//! (the delivery ids seen). A run's merge reads them so it never undoes a newer change `serve`
//! made while the run was listing: a staged row older than the object's recorded version, or
//! of a deleted object, is dropped, and a replace keeps the rows `serve` wrote since the
//! listing began. In PostgreSQL both take a per-resource advisory lock for the transaction, so
//! a `run` and a `serve` on one database take turns on each table.

use super::{query_i64, Destination, Dialect, Result};
use crate::rows::Batch;
use crate::schema::{Column, ColumnType, Resource, Table, PARENT_ID, POSITION};

pub const STATE_TABLE: &str = "_clerk_sync_state";
/// Per object: the version `serve` last applied, whether that was a deletion, and when.
pub const OBJECTS_TABLE: &str = "_clerk_sync_objects";
/// The webhook deliveries `serve` committed, by message id.
pub const DELIVERIES_TABLE: &str = "_clerk_sync_deliveries";
pub const STAGE_PREFIX: &str = "_clerk_sync_stage__";
/// `serve`'s own staging tables, apart from a run's.
pub const LIVE_PREFIX: &str = "_clerk_sync_live__";
/// How far before a listing began a row `serve` wrote is still kept by a replace: room for
/// the clocks of two machines to differ.
const CLOCK_MARGIN_MS: i64 = 60_000;

/// How staged rows replace the table's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// Rows with a staged `id` are replaced, others kept.
    Upsert,
    /// The table becomes exactly the staged rows.
    Replace,
}

/// What a merge changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
}

/// A resource's row of `_clerk_sync_state`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub cursor_id: Option<String>,
    pub cursor_created_at: Option<i64>,
    pub run_id: String,
    /// Rows in the resource's table after the last merge.
    pub rows: i64,
    /// What the run `run_id` changed so far.
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
    /// Whether the run that wrote it finished the resource.
    pub complete: bool,
}

pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn optional<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "NULL".to_owned(), |v| literal(&v.to_string()))
}

pub(crate) fn qualified(dialect: Dialect, dataset: &str, table: &str) -> String {
    format!("{}.{}", dialect.ident(dataset), dialect.ident(table))
}

pub fn stage_name(table: &str) -> String {
    format!("{STAGE_PREFIX}{table}")
}

/// Whether rows of `table` carry Clerk's `updated_at` (milliseconds), the version webhooks
/// are ordered by.
pub(crate) fn has_updated_at(table: &Table) -> bool {
    table.columns.iter().any(|c| c.name == "updated_at" && c.ty == ColumnType::BigInt)
}

/// Whether a table is the sync's own (state and staging), not data.
pub fn is_internal(table: &str) -> bool {
    table.starts_with("_clerk_sync")
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
    dest.execute(&format!(
        "CREATE TABLE IF NOT EXISTS {} (resource {text} NOT NULL, cursor_id {text}, cursor_created_at BIGINT, run_id {text} NOT NULL, \
         \"rows\" BIGINT NOT NULL, inserted BIGINT NOT NULL, updated BIGINT NOT NULL, deleted BIGINT NOT NULL, complete BOOLEAN NOT NULL, \
         synced_at {ts} NOT NULL)",
        qualified(d, dataset, STATE_TABLE),
        text = d.type_name(ColumnType::Text),
        ts = d.type_name(ColumnType::Timestamp),
    ))?;
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
        dest.execute(&format!("CREATE INDEX IF NOT EXISTS {} ON {} (resource, id)", d.ident(&format!("{OBJECTS_TABLE}__by_id")), qualified(d, dataset, OBJECTS_TABLE)))?;
        dest.execute(&format!("CREATE INDEX IF NOT EXISTS {} ON {} (delivery_id)", d.ident(&format!("{DELIVERIES_TABLE}__by_id")), qualified(d, dataset, DELIVERIES_TABLE)))?;
    }
    for resource in resources {
        for (index, table) in resource.tables().enumerate() {
            ensure_table(dest, dataset, table, index > 0)?;
        }
    }
    Ok(())
}

fn ensure_table(dest: &mut dyn Destination, dataset: &str, table: &Table, child: bool) -> Result<()> {
    let d = dest.dialect();
    let wanted = columns(table, child);
    let existing: Vec<String> = dest
        .query(&format!(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = {} AND table_name = {}",
            literal(&d.name(dataset)),
            literal(&d.name(&table.name))
        ))?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect();
    let target = qualified(d, dataset, &table.name);
    if existing.is_empty() {
        let list: Vec<String> = wanted.iter().map(|(name, ty)| format!("{} {}", d.ident(name), d.type_name(*ty))).collect();
        dest.execute(&format!("CREATE TABLE IF NOT EXISTS {target} ({})", list.join(", ")))?;
        if d == Dialect::Postgres {
            // Merges find rows by `id` (children by parent): without an index every batch would
            // scan the whole table. DuckDB's hash joins need none, and its indexes slow loading.
            let key = if child { PARENT_ID } else { "id" };
            dest.execute(&format!("CREATE INDEX IF NOT EXISTS {} ON {target} ({})", d.ident(&format!("{}__by_{key}", table.name)), d.ident(key)))?;
        }
        return Ok(());
    }
    for (name, ty) in wanted.iter().filter(|(name, _)| !existing.contains(&d.name(name))) {
        dest.execute(&format!("ALTER TABLE {target} ADD COLUMN {} {}", d.ident(name), d.type_name(*ty)))?;
    }
    Ok(())
}

/// (Re)creates the empty staging tables of a resource.
pub fn create_staging(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<()> {
    create_stage_tables(dest, dataset, resource, STAGE_PREFIX)
}

/// (Re)creates empty staging tables named `<prefix><table>` for each table of a resource.
pub(crate) fn create_stage_tables(dest: &mut dyn Destination, dataset: &str, resource: &Resource, prefix: &str) -> Result<()> {
    let d = dest.dialect();
    for (index, table) in resource.tables().enumerate() {
        let stage = qualified(d, dataset, &format!("{prefix}{}", table.name));
        let list: Vec<String> = staged_columns(table, index > 0).iter().map(|(name, ty)| format!("{} {}", d.ident(name), d.staged_type_name(*ty))).collect();
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

/// Moves the rows of each staging table `<prefix><table>` of a resource into its table.
pub(crate) fn insert_staged(dest: &mut dyn Destination, dataset: &str, resource: &Resource, prefix: &str) -> Result<()> {
    let d = dest.dialect();
    for (index, table) in resource.tables().enumerate() {
        for statement in insert_staged_statements(d, dataset, table, index > 0, prefix) {
            dest.execute(&statement)?;
        }
    }
    Ok(())
}

/// The statements moving the rows of staging table `<prefix><table>` into `table`.
pub(crate) fn insert_staged_statements(d: Dialect, dataset: &str, table: &Table, child: bool, prefix: &str) -> [String; 2] {
    let (names, values) = select_list(d, table, child);
    let from = qualified(d, dataset, &format!("{prefix}{}", table.name));
    [format!("INSERT INTO {} ({}) SELECT {} FROM {from}", qualified(d, dataset, &table.name), names.join(", "), values.join(", ")), format!("DELETE FROM {from}")]
}

/// The value expressions that fill a table from its staging table.
fn select_list(d: Dialect, table: &Table, child: bool) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut values = Vec::new();
    if child {
        for name in [PARENT_ID, POSITION] {
            names.push(d.ident(name));
            values.push(d.ident(name));
        }
    }
    for Column { name, path, ty } in table.columns.iter() {
        names.push(d.ident(name));
        let source = if *ty == ColumnType::Timestamp { path.join("__") } else { name.to_string() };
        values.push(d.cast(*ty, &d.ident(&source)));
    }
    (names, values)
}

/// Moves the staged rows into the resource's tables and writes its state, in one
/// transaction, then empties the staging tables. `listed_from_ms` is when the listing of these
/// rows began (milliseconds since the epoch): changes `serve` applied since then win.
pub fn merge(dest: &mut dyn Destination, dataset: &str, resource: &Resource, mode: Merge, state: &State, listed_from_ms: i64) -> Result<(Counts, i64)> {
    dest.execute("BEGIN")?;
    match merge_in_transaction(dest, dataset, resource, mode, state, listed_from_ms) {
        Ok(result) => {
            dest.execute("COMMIT")?;
            Ok(result)
        }
        Err(error) => {
            let _ = dest.execute("ROLLBACK");
            Err(error)
        }
    }
}

/// Takes the resource's lock for the rest of the transaction (PostgreSQL), so a `run` and a
/// `serve` writing one table take turns.
pub(crate) fn lock_resource(dest: &mut dyn Destination, dataset: &str, resource: &str) -> Result<()> {
    match lock_statement(dest.dialect(), dataset, resource) {
        Some(statement) => dest.execute(&statement),
        None => Ok(()),
    }
}

/// The statement taking a resource's transaction lock, where the destination has them.
pub(crate) fn lock_statement(d: Dialect, dataset: &str, resource: &str) -> Option<String> {
    (d == Dialect::Postgres).then(|| format!("SELECT pg_advisory_xact_lock(hashtext({}))", literal(&format!("clerk-sync:{dataset}.{resource}"))))
}

/// Drops staged rows that `serve` has superseded: of an object deleted since, or older than the
/// version it applied. Returns whether `serve` ever wrote this resource.
fn drop_superseded(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<bool> {
    let d = dest.dialect();
    let objects = qualified(d, dataset, OBJECTS_TABLE);
    let name = literal(&resource.name);
    if query_i64(dest, &format!("SELECT count(*) FROM {objects} WHERE resource = {name}"))? == 0 {
        return Ok(false);
    }
    let stage = qualified(d, dataset, &stage_name(&resource.table.name));
    let newer = if has_updated_at(&resource.table) {
        format!("((o.deleted AND o.version >= {stage}.\"updated_at\") OR (NOT o.deleted AND o.version > {stage}.\"updated_at\"))")
    } else {
        "o.deleted".to_owned()
    };
    let before = query_i64(dest, &format!("SELECT count(*) FROM {stage}"))?;
    dest.execute(&format!("DELETE FROM {stage} WHERE EXISTS (SELECT 1 FROM {objects} o WHERE o.resource = {name} AND o.id = {stage}.\"id\" AND {newer})"))?;
    if query_i64(dest, &format!("SELECT count(*) FROM {stage}"))? != before {
        for child in resource.table.children.iter() {
            let child_stage = qualified(d, dataset, &stage_name(&child.table.name));
            dest.execute(&format!("DELETE FROM {child_stage} WHERE {} NOT IN (SELECT \"id\" FROM {stage})", d.ident(PARENT_ID)))?;
        }
    }
    Ok(true)
}

fn merge_in_transaction(dest: &mut dyn Destination, dataset: &str, resource: &Resource, mode: Merge, state: &State, listed_from_ms: i64) -> Result<(Counts, i64)> {
    let d = dest.dialect();
    lock_resource(dest, dataset, &resource.name)?;
    let live = drop_superseded(dest, dataset, resource)?;
    let target = qualified(d, dataset, &resource.table.name);
    let stage = qualified(d, dataset, &stage_name(&resource.table.name));
    let staged_ids = format!("SELECT \"id\" FROM {stage}");
    // A replace keeps the rows `serve` wrote while the list was read and the list lacks.
    let kept = format!(
        "SELECT o.id FROM {} o WHERE o.resource = {} AND NOT o.deleted AND o.applied_ms >= {} AND o.id NOT IN ({staged_ids})",
        qualified(d, dataset, OBJECTS_TABLE),
        literal(&resource.name),
        listed_from_ms.saturating_sub(CLOCK_MARGIN_MS)
    );
    let staged = query_i64(dest, &format!("SELECT count(*) FROM {stage}"))?;
    let existing = query_i64(dest, &format!("SELECT count(*) FROM {target} WHERE \"id\" IN ({staged_ids})"))?;
    // Rows that are new or differ in some column: the rest are rewritten unchanged and not
    // counted as updates.
    let new_or_changed = if existing == 0 {
        staged
    } else {
        let (names, values) = select_list(d, &resource.table, false);
        query_i64(
            dest,
            &format!(
                "SELECT count(*) FROM (SELECT {} FROM {stage} EXCEPT SELECT {} FROM {target} WHERE \"id\" IN ({staged_ids})) AS changed",
                values.join(", "),
                names.join(", ")
            ),
        )?
    };
    let inserted = staged - existing;
    let mut counts = Counts { inserted, updated: (new_or_changed - inserted).max(0), deleted: 0 };
    match mode {
        Merge::Upsert if existing == 0 => {}
        Merge::Upsert => {
            dest.execute(&format!("DELETE FROM {target} WHERE \"id\" IN ({staged_ids})"))?;
            for child in resource.table.children.iter() {
                dest.execute(&format!("DELETE FROM {} WHERE {} IN ({staged_ids})", qualified(d, dataset, &child.table.name), d.ident(PARENT_ID)))?;
            }
        }
        Merge::Replace if live => {
            counts.deleted = query_i64(dest, &format!("SELECT count(*) FROM {target} WHERE \"id\" NOT IN ({staged_ids}) AND \"id\" NOT IN ({kept})"))?;
            dest.execute(&format!("DELETE FROM {target} WHERE \"id\" NOT IN ({kept})"))?;
            for child in resource.table.children.iter() {
                dest.execute(&format!("DELETE FROM {} WHERE {} NOT IN ({kept})", qualified(d, dataset, &child.table.name), d.ident(PARENT_ID)))?;
            }
        }
        Merge::Replace => {
            counts.deleted = query_i64(dest, &format!("SELECT count(*) FROM {target} WHERE \"id\" NOT IN ({staged_ids})"))?;
            dest.execute(&format!("DELETE FROM {target}"))?;
            for child in resource.table.children.iter() {
                dest.execute(&format!("DELETE FROM {}", qualified(d, dataset, &child.table.name)))?;
            }
        }
    }
    insert_staged(dest, dataset, resource, STAGE_PREFIX)?;
    // Batches of one run add up in its state row.
    let stored = read_state(dest, dataset, &resource.name)?;
    // The last batch counts the rows; one before it adds what it inserted to the stored count
    // (counting the whole table per batch made a long first load quadratic).
    let rows = match (&stored, state.complete, mode) {
        (Some(stored), false, Merge::Upsert) => stored.rows + counts.inserted,
        _ => query_i64(dest, &format!("SELECT count(*) FROM {target}"))?,
    };
    write_state(dest, dataset, resource, state, stored, counts, rows)?;
    Ok((counts, rows))
}

/// Replaces a resource's state row: the run's counts so far (this batch's added to those of the
/// run's earlier batches) and the rows after it.
fn write_state(dest: &mut dyn Destination, dataset: &str, resource: &Resource, state: &State, stored: Option<State>, counts: Counts, rows: i64) -> Result<()> {
    let d = dest.dialect();
    let base = stored.filter(|previous| previous.run_id == state.run_id).unwrap_or_default();
    dest.execute(&format!("DELETE FROM {} WHERE resource = {}", qualified(d, dataset, STATE_TABLE), literal(&resource.name)))?;
    dest.execute(&format!(
        "INSERT INTO {} (resource, cursor_id, cursor_created_at, run_id, \"rows\", inserted, updated, deleted, complete, synced_at) \
         VALUES ({}, {}, {}, {}, {rows}, {}, {}, {}, {}, {})",
        qualified(d, dataset, STATE_TABLE),
        literal(&resource.name),
        optional(state.cursor_id.as_deref()),
        state.cursor_created_at.map_or_else(|| "NULL".to_owned(), |v| v.to_string()),
        literal(&state.run_id),
        base.inserted + counts.inserted,
        base.updated + counts.updated,
        base.deleted + counts.deleted,
        state.complete,
        d.now(),
    ))
}

/// Whether a resource's batches can go straight into its tables, unstaged: the destination
/// can load final tables, and they are empty and untouched by `serve` (a first load). Every
/// item is then new, so there is nothing to merge.
pub fn can_append(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<bool> {
    if !dest.loads_final_tables() {
        return Ok(false);
    }
    let d = dest.dialect();
    let mut rows = query_i64(dest, &format!("SELECT count(*) FROM {} WHERE resource = {}", qualified(d, dataset, OBJECTS_TABLE), literal(&resource.name)))?;
    for table in resource.tables() {
        rows += query_i64(dest, &format!("SELECT count(*) FROM {}", qualified(d, dataset, &table.name)))?;
    }
    Ok(rows == 0)
}

/// Appends a batch of new items straight into the resource's tables and writes its state, in
/// one transaction (see [`can_append`]).
pub fn append(dest: &mut dyn Destination, dataset: &str, resource: &Resource, batch: &Batch, state: &State) -> Result<(Counts, i64)> {
    dest.execute("BEGIN")?;
    let result = (|| {
        load_final_batch(dest, dataset, batch)?;
        let stored = read_state(dest, dataset, &resource.name)?;
        let counts = Counts { inserted: i64::try_from(batch.len()).unwrap_or(i64::MAX), updated: 0, deleted: 0 };
        let before = stored.as_ref().filter(|previous| previous.run_id == state.run_id).map_or(0, |previous| previous.rows);
        let rows = before + counts.inserted;
        write_state(dest, dataset, resource, state, stored, counts, rows)?;
        dest.execute("COMMIT")?;
        Ok((counts, rows))
    })();
    if result.is_err() {
        let _ = dest.execute("ROLLBACK");
    }
    result
}

/// Appends a batch's rows straight into its tables (see [`Destination::load_final`]).
pub(crate) fn load_final_batch(dest: &mut dyn Destination, dataset: &str, batch: &Batch) -> Result<()> {
    let d = dest.dialect();
    for (index, rows) in batch.tables.iter().enumerate().filter(|(_, rows)| !rows.rows.is_empty()) {
        dest.load_final(&d.name(dataset), rows.table, index > 0, &rows.rows)?;
    }
    Ok(())
}

/// Records that a resource finished without changing its rows (an incremental run that found
/// nothing new), keeping its cursor.
pub fn mark_complete(dest: &mut dyn Destination, dataset: &str, resource: &Resource, run_id: &str) -> Result<()> {
    let d = dest.dialect();
    dest.execute(&format!(
        "UPDATE {} SET complete = TRUE, run_id = {}, synced_at = {} WHERE resource = {}",
        qualified(d, dataset, STATE_TABLE),
        literal(run_id),
        d.now(),
        literal(&resource.name)
    ))
}

/// The stored state of a resource, if it was ever synced.
pub fn read_state(dest: &mut dyn Destination, dataset: &str, resource: &str) -> Result<Option<State>> {
    let d = dest.dialect();
    let rows = dest.query(&format!(
        "SELECT cursor_id, cursor_created_at, run_id, \"rows\", inserted, updated, deleted, complete FROM {} WHERE resource = {}",
        qualified(d, dataset, STATE_TABLE),
        literal(resource)
    ))?;
    let Some(row) = rows.into_iter().next() else { return Ok(None) };
    let number = |i: usize| row.get(i).cloned().flatten().and_then(|v| v.parse::<i64>().ok());
    let complete = row.get(7).cloned().flatten().is_some_and(|v| matches!(v.as_str(), "true" | "t" | "1"));
    Ok(Some(State {
        cursor_id: row.first().cloned().flatten(),
        cursor_created_at: number(1),
        run_id: row.get(2).cloned().flatten().unwrap_or_default(),
        rows: number(3).unwrap_or(0),
        inserted: number(4).unwrap_or(0),
        updated: number(5).unwrap_or(0),
        deleted: number(6).unwrap_or(0),
        complete,
    }))
}

/// A data table's name, row count and the last time its resource was synced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    pub table: String,
    pub rows: i64,
    pub synced_at: Option<String>,
}

/// Every data table of the dataset, for `clerk-sync show`.
pub fn summarize(dest: &mut dyn Destination, dataset: &str) -> Result<Vec<TableSummary>> {
    let d = dest.dialect();
    let tables: Vec<String> = dest
        .query(&format!(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = {} ORDER BY table_name",
            literal(&d.name(dataset))
        ))?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect();
    let has_state = tables.iter().any(|t| t == STATE_TABLE);
    let mut out = Vec::new();
    for table in tables.into_iter().filter(|t| !is_internal(t)) {
        let rows = query_i64(dest, &format!("SELECT count(*) FROM {}", qualified(d, dataset, &table)))?;
        let resource = table.split("__").next().unwrap_or(&table).to_owned();
        let synced_at = if has_state {
            dest.query(&format!(
                "SELECT CAST(synced_at AS {}) FROM {} WHERE resource = {}",
                d.type_name(ColumnType::Text),
                qualified(d, dataset, STATE_TABLE),
                literal(&resource)
            ))?
            .into_iter()
            .next()
            .and_then(|row| row.into_iter().next().flatten())
        } else {
            None
        };
        out.push(TableSummary { table, rows, synced_at });
    }
    Ok(out)
}
