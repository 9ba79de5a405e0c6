//! `_clerk_sync_state`: a row per resource saying where its next run starts and what its runs did.
//! It is written in the same transaction as the rows it describes, so after a crash it is exactly
//! as true as the tables.

use super::columns::{add_missing_columns, column_names};
use crate::dest::{literal, qualified, Destination, Dialect, Result, Statement};
use crate::schema::{ColumnType, Resource};

pub const STATE_TABLE: &str = "_clerk_sync_state";

/// A resource's row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// Where an unfinished full read goes on: the last item it committed.
    pub cursor_id: Option<String>,
    pub cursor_created_at: Option<i64>,
    pub run_id: String,
    /// Rows in the resource's table after the last write.
    pub rows: i64,
    /// What the run `run_id` changed so far.
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
    /// Whether the run that wrote it finished the resource.
    pub complete: bool,
    /// Clerk's time (the newest `updated_at` in the list) when the last completed read of the
    /// resource's changes, or of all of it, began: the next run reads the changes since.
    pub changes_mark: Option<i64>,
    /// The same time, taken when a full read that has not finished yet began.
    pub pending_mark: Option<i64>,
    /// When (this machine's clock, milliseconds) a run last finished reading the resource's
    /// changes, reading it in full, and reconciling it (removing what Clerk no longer has).
    pub changed_ms: Option<i64>,
    pub read_in_full_ms: Option<i64>,
    pub reconciled_ms: Option<i64>,
}

/// The columns, in the order [`read`] selects them.
const COLUMNS: [(&str, ColumnType, bool); 15] = [
    ("resource", ColumnType::Text, true),
    ("cursor_id", ColumnType::Text, false),
    ("cursor_created_at", ColumnType::BigInt, false),
    ("run_id", ColumnType::Text, true),
    ("rows", ColumnType::BigInt, true),
    ("inserted", ColumnType::BigInt, true),
    ("updated", ColumnType::BigInt, true),
    ("deleted", ColumnType::BigInt, true),
    ("complete", ColumnType::Boolean, true),
    ("synced_at", ColumnType::Timestamp, true),
    ("changes_mark", ColumnType::BigInt, false),
    ("pending_mark", ColumnType::BigInt, false),
    ("changed_ms", ColumnType::BigInt, false),
    ("read_in_full_ms", ColumnType::BigInt, false),
    ("reconciled_ms", ColumnType::BigInt, false),
];

/// Creates the table, or adds the columns an older clerk-sync did not have.
pub fn prepare(dest: &mut dyn Destination, dataset: &str) -> Result<()> {
    let d = dest.dialect();
    let list: Vec<String> = COLUMNS
        .iter()
        .map(|(name, ty, required)| {
            format!("{} {}{}", d.ident(name), d.type_name(*ty), if *required { " NOT NULL" } else { "" })
        })
        .collect();
    dest.execute(&format!("CREATE TABLE IF NOT EXISTS {} ({})", qualified(d, dataset, STATE_TABLE), list.join(", ")))?;
    let wanted: Vec<(String, ColumnType)> = COLUMNS.iter().map(|(name, ty, _)| ((*name).to_owned(), *ty)).collect();
    add_missing_columns(dest, dataset, STATE_TABLE, &wanted)
}

fn number(value: Option<i64>) -> String {
    value.map_or_else(|| "NULL".to_owned(), |v| v.to_string())
}

/// What a write adds to a run's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub inserted: i64,
    pub updated: i64,
    pub deleted: i64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.deleted += other.deleted;
    }
}

/// How a write knows the table's rows after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCount {
    /// Counted (the last write of a run).
    Count,
    /// The stored count plus what this write inserted, less what it deleted (counting the
    /// whole table at every batch made a long first load quadratic).
    Adjust,
}

/// Replaces a resource's row with `state`, in the caller's transaction: the statements go to
/// `trailing`, after the rows' own, so the row is written with the commit and a count sees
/// the rows it describes. The counts are the run's: `counts` (this write's) added to what the
/// row held for the same `run_id`. Returns what is written and whether its `rows` is counted
/// with the commit (then [`read`] it after).
pub fn write(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &Resource,
    state: &State,
    counts: Counts,
    rows: RowCount,
    trailing: &mut Vec<Statement>,
) -> Result<(State, bool)> {
    let d = dest.dialect();
    let (resource, table) = (&*resource.name, &*resource.table.name);
    let stored = read(dest, dataset, resource)?;
    let run = stored.as_ref().filter(|stored| stored.run_id == state.run_id).map_or(Counts::default(), |s| Counts {
        inserted: s.inserted,
        updated: s.updated,
        deleted: s.deleted,
    });
    let (rows, rows_sql, counted) = match (rows, &stored) {
        (RowCount::Adjust, Some(stored)) => {
            let rows = stored.rows + counts.inserted - counts.deleted;
            (rows, rows.to_string(), false)
        }
        _ => (0, format!("(SELECT count(*) FROM {})", qualified(d, dataset, table)), true),
    };
    let written = State {
        rows,
        inserted: run.inserted + counts.inserted,
        updated: run.updated + counts.updated,
        deleted: run.deleted + counts.deleted,
        ..state.clone()
    };
    let table = qualified(d, dataset, STATE_TABLE);
    trailing.push(Statement::new(format!("DELETE FROM {table} WHERE resource = {}", literal(resource)), Vec::new()));
    let names: Vec<String> = COLUMNS.iter().map(|(name, _, _)| d.ident(name)).collect();
    trailing.push(Statement::new(
        format!(
            "INSERT INTO {table} ({}) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
            names.join(", "),
            literal(resource),
            written.cursor_id.as_deref().map_or_else(|| "NULL".to_owned(), literal),
            number(written.cursor_created_at),
            literal(&written.run_id),
            rows_sql,
            written.inserted,
            written.updated,
            written.deleted,
            written.complete,
            d.now(),
            number(written.changes_mark),
            number(written.pending_mark),
            number(written.changed_ms),
            number(written.read_in_full_ms),
            number(written.reconciled_ms),
        ),
        Vec::new(),
    ));
    Ok((written, counted))
}

/// The stored row of a resource, if it was ever synced.
pub fn read(dest: &mut dyn Destination, dataset: &str, resource: &str) -> Result<Option<State>> {
    let d = dest.dialect();
    // `synced_at` is not read (a typed NULL in its place keeps the indexes; DuckDB's driver
    // cannot read an untyped one).
    let names: Vec<String> = COLUMNS
        .iter()
        .skip(1)
        .map(
            |(name, ty, _)| {
                if *ty == ColumnType::Timestamp {
                    "CAST(NULL AS BIGINT)".to_owned()
                } else {
                    d.ident(name)
                }
            },
        )
        .collect();
    let rows = dest.query(&format!(
        "SELECT {} FROM {} WHERE resource = {}",
        names.join(", "),
        qualified(d, dataset, STATE_TABLE),
        literal(resource)
    ))?;
    let Some(row) = rows.into_iter().next() else { return Ok(None) };
    let text = |i: usize| row.get(i).cloned().flatten();
    let number = |i: usize| text(i).and_then(|v| v.parse::<i64>().ok());
    Ok(Some(State {
        cursor_id: text(0),
        cursor_created_at: number(1),
        run_id: text(2).unwrap_or_default(),
        rows: number(3).unwrap_or(0),
        inserted: number(4).unwrap_or(0),
        updated: number(5).unwrap_or(0),
        deleted: number(6).unwrap_or(0),
        complete: text(7).is_some_and(|v| matches!(v.as_str(), "true" | "t" | "1")),
        changes_mark: number(9),
        pending_mark: number(10),
        changed_ms: number(11),
        read_in_full_ms: number(12),
        reconciled_ms: number(13),
    }))
}

/// When a resource's tables were last changed by a run, read in full and reconciled, as UTC
/// text, for `clerk-sync show`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Times {
    pub changed: Option<String>,
    pub read_in_full: Option<String>,
    pub reconciled: Option<String>,
}

/// Every resource's [`Times`], by resource name.
pub fn times(dest: &mut dyn Destination, dataset: &str) -> Result<Vec<(String, Times)>> {
    let d = dest.dialect();
    let as_text = |column: &str| {
        let at = d.cast(ColumnType::Timestamp, &d.ident(column));
        match d {
            Dialect::DuckDb => format!("strftime({at}, '%Y-%m-%d %H:%M:%S')"),
            Dialect::Postgres => format!("to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"),
        }
    };
    // Read as it is: a state table an older clerk-sync made lacks some of these columns until
    // the next run adds them, and `show` never writes.
    let present = column_names(dest, dataset, STATE_TABLE)?;
    // A typed NULL: DuckDB's Rust driver cannot read a column of its NULL type.
    let missing = format!("CAST(NULL AS {})", d.type_name(ColumnType::Text));
    let time = |column: &str| if present.contains(&d.name(column)) { as_text(column) } else { missing.clone() };
    let rows = dest.query(&format!(
        "SELECT resource, {}, {}, {} FROM {}",
        time("changed_ms"),
        time("read_in_full_ms"),
        time("reconciled_ms"),
        qualified(d, dataset, STATE_TABLE)
    ))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let mut values = row.into_iter();
            let resource = values.next().flatten()?;
            let mut next = || values.next().flatten();
            Some((resource, Times { changed: next(), read_in_full: next(), reconciled: next() }))
        })
        .collect())
}
