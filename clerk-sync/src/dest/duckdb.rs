//! DuckDB, embedded: one file, loaded through DuckDB's appender.

use super::{Destination, DestinationError, Dialect, Result};
use crate::rows::Cell;
use crate::schema::{ColumnType, Table};
use duckdb::types::{TimeUnit, ToSqlOutput, Value, ValueRef};

#[derive(Debug)]
pub struct DuckDb {
    connection: duckdb::Connection,
    path: String,
}

fn error(message: impl std::fmt::Display) -> DestinationError {
    DestinationError { destination: "duckdb", message: message.to_string() }
}

impl DuckDb {
    pub fn open(path: &str) -> Result<DuckDb> {
        let connection = duckdb::Connection::open(path).map_err(|e| error(format!("opening {path}: {e}")))?;
        Ok(DuckDb { connection, path: path.to_owned() })
    }
}

impl duckdb::ToSql for Cell {
    fn to_sql(&self) -> duckdb::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Cell::Null => ValueRef::Null,
            Cell::Text(text) => ValueRef::Text(text.as_bytes()),
            Cell::Int(value) => ValueRef::BigInt(*value),
            Cell::Float(value) => ValueRef::Double(*value),
            Cell::Bool(value) => ValueRef::Boolean(*value),
        }))
    }
}

/// A value of a final table's row: a staged cell, or a timestamp made from one's milliseconds.
enum FinalCell<'a> {
    Cell(&'a Cell),
    Timestamp(&'a Cell),
}

/// Milliseconds DuckDB can hold as a timestamp (in microseconds) without overflow.
const TIMESTAMP_MS_RANGE: std::ops::RangeInclusive<i64> = -9_000_000_000_000_000..=9_000_000_000_000_000;

impl duckdb::ToSql for FinalCell<'_> {
    fn to_sql(&self) -> duckdb::Result<ToSqlOutput<'_>> {
        match self {
            FinalCell::Cell(cell) => cell.to_sql(),
            FinalCell::Timestamp(Cell::Int(ms)) if TIMESTAMP_MS_RANGE.contains(ms) => Ok(ToSqlOutput::Borrowed(ValueRef::Timestamp(TimeUnit::Millisecond, *ms))),
            FinalCell::Timestamp(_) => Ok(ToSqlOutput::Borrowed(ValueRef::Null)),
        }
    }
}

/// Where each column of a final table takes its value from in a row of staged cells.
fn final_sources(table: &Table, child: bool) -> Vec<(usize, bool)> {
    let prefix = if child { 2 } else { 0 };
    let staged: Vec<&crate::schema::Column> = table.columns.iter().filter(|c| c.staged()).collect();
    let mut sources: Vec<(usize, bool)> = (0..prefix).map(|i| (i, false)).collect();
    for column in table.columns.iter() {
        if column.staged() {
            let at = staged.iter().position(|c| std::ptr::eq(*c, column)).unwrap_or(0);
            sources.push((prefix + at, false));
        } else {
            // A timestamp: the milliseconds column of the same path.
            let at = staged.iter().position(|c| c.path == column.path && c.ty == ColumnType::BigInt);
            sources.push(at.map_or((usize::MAX, true), |at| (prefix + at, true)));
        }
    }
    sources
}

fn text(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Boolean(b) => Some(b.to_string()),
        Value::TinyInt(v) => Some(v.to_string()),
        Value::SmallInt(v) => Some(v.to_string()),
        Value::Int(v) => Some(v.to_string()),
        Value::BigInt(v) => Some(v.to_string()),
        Value::HugeInt(v) => Some(v.to_string()),
        Value::UBigInt(v) => Some(v.to_string()),
        Value::Double(v) => Some(v.to_string()),
        Value::Text(s) => Some(s),
        other => Some(format!("{other:?}")),
    }
}

impl Destination for DuckDb {
    fn dialect(&self) -> Dialect {
        Dialect::DuckDb
    }

    fn describe(&self) -> String {
        format!("DuckDB file {}", self.path)
    }

    fn execute(&mut self, sql: &str) -> Result<()> {
        self.connection.execute_batch(sql).map_err(|e| error(format!("{e} (in `{sql}`)")))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let fail = |e: duckdb::Error| error(format!("{e} (in `{sql}`)"));
        let mut statement = self.connection.prepare(sql).map_err(fail)?;
        let mut rows = statement.query([]).map_err(fail)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(fail)? {
            let count = row.as_ref().column_count();
            let mut values = Vec::with_capacity(count);
            for index in 0..count {
                values.push(text(row.get::<usize, Value>(index).map_err(fail)?));
            }
            out.push(values);
        }
        Ok(out)
    }

    fn load(&mut self, schema: &str, table: &str, rows: &[Vec<Cell>]) -> Result<()> {
        let fail = |e: duckdb::Error| error(format!("appending to {schema}.{table}: {e}"));
        let mut appender = self.connection.appender_to_db(table, schema).map_err(fail)?;
        for row in rows {
            appender.append_row(duckdb::appender_params_from_iter(row.iter())).map_err(fail)?;
        }
        appender.flush().map_err(fail)
    }

    fn loads_final_tables(&self) -> bool {
        true
    }

    fn load_final(&mut self, schema: &str, table: &Table, child: bool, rows: &[Vec<Cell>]) -> Result<()> {
        let fail = |e: duckdb::Error| error(format!("appending to {schema}.{}: {e}", table.name));
        let sources = final_sources(table, child);
        let mut appender = self.connection.appender_to_db(&Dialect::DuckDb.name(&table.name), schema).map_err(fail)?;
        for row in rows {
            let cells = sources.iter().map(|&(at, timestamp)| {
                let cell = row.get(at).unwrap_or(&Cell::Null);
                if timestamp {
                    FinalCell::Timestamp(cell)
                } else {
                    FinalCell::Cell(cell)
                }
            });
            appender.append_row(duckdb::appender_params_from_iter(cells)).map_err(fail)?;
        }
        appender.flush().map_err(fail)
    }
}
