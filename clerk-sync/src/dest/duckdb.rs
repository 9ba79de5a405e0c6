//! DuckDB, embedded: one file, loaded through DuckDB's appender in Arrow chunks.

use super::{Destination, DestinationError, Dialect, Result, Statement};
use crate::rows::{Cell, CHILD_PREFIX};
use crate::schema::{ColumnType, Table};
use duckdb::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, StringBuilder, TimestampMicrosecondArray,
};
use duckdb::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::types::Value;
use std::sync::Arc;

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
        // `serve` prepares a statement per shape of group (which resources it touches).
        connection.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
        Ok(DuckDb { connection, path: path.to_owned() })
    }

    /// Appends `rows` to `schema.table`, whose columns are `sources` in order, a chunk of
    /// columns at a time (DuckDB's appender takes Arrow arrays whole, not value by value).
    fn append(&mut self, schema: &str, table: &str, sources: &[Source], rows: &[Vec<Cell>]) -> Result<()> {
        let fail = |e: &dyn std::fmt::Display| error(format!("appending to {schema}.{table}: {e}"));
        let fields: Vec<Field> = sources
            .iter()
            .enumerate()
            .map(|(index, source)| {
                let ty = match source {
                    Source::Cell(_, Kind::Text) => DataType::Utf8,
                    Source::Cell(_, Kind::Int) => DataType::Int64,
                    Source::Cell(_, Kind::Float) => DataType::Float64,
                    Source::Cell(_, Kind::Bool) => DataType::Boolean,
                    Source::Timestamp(_) | Source::NullTimestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
                };
                Field::new(format!("c{index}"), ty, true)
            })
            .collect();
        let schema_ref = Arc::new(Schema::new(fields));
        let mut appender = self.connection.appender_to_db(table, schema).map_err(|e| fail(&e))?;
        for chunk in rows.chunks(ROWS_PER_CHUNK) {
            let columns = sources.iter().map(|&source| array(chunk, source)).collect();
            let batch = RecordBatch::try_new(Arc::clone(&schema_ref), columns).map_err(|e| fail(&e))?;
            appender.append_record_batch(batch).map_err(|e| fail(&e))?;
        }
        appender.flush().map_err(|e| fail(&e))
    }
}

/// What one column of an appended chunk is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Source {
    /// The cell at this index of each row, as this kind of value.
    Cell(usize, Kind),
    /// A timestamp made from the milliseconds at this index of each row.
    Timestamp(usize),
    /// A timestamp column without a milliseconds column to make it from: NULL.
    NullTimestamp,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Int,
    Float,
    Bool,
}

impl Kind {
    fn of(ty: ColumnType) -> Kind {
        match ty {
            ColumnType::Text | ColumnType::Json => Kind::Text,
            ColumnType::BigInt | ColumnType::Timestamp => Kind::Int,
            ColumnType::Double => Kind::Float,
            ColumnType::Boolean => Kind::Bool,
        }
    }

    /// The kind of a column of rows whose table is not at hand (a staging table): that of its
    /// first value, text when every value is NULL (DuckDB casts a NULL to any type).
    fn of_cells(rows: &[Vec<Cell>], at: usize) -> Kind {
        let first = rows.iter().map(|row| row.get(at).unwrap_or(&Cell::Null)).find(|cell| **cell != Cell::Null);
        match first {
            Some(Cell::Int(_)) => Kind::Int,
            Some(Cell::Float(_)) => Kind::Float,
            Some(Cell::Bool(_)) => Kind::Bool,
            _ => Kind::Text,
        }
    }
}

/// Statements kept prepared by [`Destination::query_statement`] and
/// [`Destination::execute_statements`].
const PREPARED_STATEMENTS: usize = 256;

/// How much write-ahead log a run lets build up before DuckDB checkpoints (see
/// [`DuckDb::start_bulk_load`]): a user takes about 750 bytes of log, so about 170,000 users,
/// whose rows stay in memory uncompressed until then.
const BULK_CHECKPOINT: &str = "128MB";

/// Milliseconds DuckDB can hold as a timestamp (in microseconds) without overflow.
const TIMESTAMP_MS_RANGE: std::ops::RangeInclusive<i64> = -9_000_000_000_000_000..=9_000_000_000_000_000;

/// The columns of a final table, in order, from a row of staged cells.
fn final_sources(table: &Table, child: bool) -> Vec<Source> {
    let prefix = if child { CHILD_PREFIX } else { 0 };
    let staged: Vec<&crate::schema::Column> = table.columns.iter().filter(|c| c.staged()).collect();
    let mut sources: Vec<Source> =
        if child { vec![Source::Cell(0, Kind::Text), Source::Cell(1, Kind::Int)] } else { Vec::new() };
    for column in table.columns.iter() {
        if column.staged() {
            let at = staged.iter().position(|c| std::ptr::eq(*c, column)).unwrap_or(0);
            sources.push(Source::Cell(prefix + at, Kind::of(column.ty)));
        } else {
            // A timestamp: the milliseconds column of the same path.
            let at = staged.iter().position(|c| c.path == column.path && c.ty == ColumnType::BigInt);
            sources.push(at.map_or(Source::NullTimestamp, |at| Source::Timestamp(prefix + at)));
        }
    }
    sources
}

/// One column of `rows` as an Arrow array. A cell of another kind than the column's (which
/// flattening never makes) is written as text in text columns and as NULL in others.
fn array(rows: &[Vec<Cell>], source: Source) -> ArrayRef {
    fn cell(row: &[Cell], at: usize) -> &Cell {
        row.get(at).unwrap_or(&Cell::Null)
    }
    match source {
        Source::Cell(at, Kind::Text) => {
            let bytes = rows.iter().map(|row| if let Cell::Text(text) = cell(row, at) { text.len() } else { 0 }).sum();
            let mut builder = StringBuilder::with_capacity(rows.len(), bytes);
            for row in rows {
                match cell(row, at) {
                    Cell::Null => builder.append_null(),
                    Cell::Text(text) => builder.append_value(text),
                    Cell::Int(value) => builder.append_value(value.to_string()),
                    Cell::Float(value) => builder.append_value(value.to_string()),
                    Cell::Bool(value) => builder.append_value(value.to_string()),
                }
            }
            Arc::new(builder.finish())
        }
        Source::Cell(at, Kind::Int) => Arc::new(Int64Array::from_iter(rows.iter().map(|row| {
            if let Cell::Int(value) = cell(row, at) {
                Some(*value)
            } else {
                None
            }
        }))),
        Source::Cell(at, Kind::Float) => Arc::new(Float64Array::from_iter(rows.iter().map(|row| {
            if let Cell::Float(value) = cell(row, at) {
                Some(*value)
            } else {
                None
            }
        }))),
        Source::Cell(at, Kind::Bool) => Arc::new(BooleanArray::from_iter(rows.iter().map(|row| {
            if let Cell::Bool(value) = cell(row, at) {
                Some(*value)
            } else {
                None
            }
        }))),
        Source::Timestamp(at) => {
            Arc::new(TimestampMicrosecondArray::from_iter(rows.iter().map(|row| match cell(row, at) {
                Cell::Int(ms) if TIMESTAMP_MS_RANGE.contains(ms) => Some(ms * 1000),
                _ => None,
            })))
        }
        Source::NullTimestamp => Arc::new(TimestampMicrosecondArray::new_null(rows.len())),
    }
}

/// The largest number of rows turned into Arrow arrays at once: a chunk's strings are copied
/// into DuckDB before the next chunk is built, so memory stays flat however large the batch.
const ROWS_PER_CHUNK: usize = 2048;

/// A statement's lists as DuckDB values, in parameter order.
fn list_values(statement: &Statement) -> impl Iterator<Item = Value> + '_ {
    statement.lists.iter().map(|list| Value::List(list.iter().map(|item| Value::Text(item.clone())).collect()))
}

/// A query's rows, every value as text.
fn every_row(mut rows: duckdb::Rows<'_>) -> duckdb::Result<Vec<Vec<Option<String>>>> {
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let count = row.as_ref().column_count();
        let mut values = Vec::with_capacity(count);
        for index in 0..count {
            values.push(text(row.get::<usize, Value>(index)?));
        }
        out.push(values);
    }
    Ok(out)
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
        let rows = statement.query([]).map_err(fail)?;
        every_row(rows).map_err(fail)
    }

    fn query_statement(&mut self, statement: &Statement) -> Result<Vec<Vec<Option<String>>>> {
        let fail = |e: duckdb::Error| error(format!("{e} (in `{}`)", statement.sql));
        let mut prepared = self.connection.prepare_cached(&statement.sql).map_err(fail)?;
        let rows = prepared.query(duckdb::params_from_iter(list_values(statement))).map_err(fail)?;
        every_row(rows).map_err(fail)
    }

    fn execute_statements(&mut self, statements: &[Statement]) -> Result<()> {
        for statement in statements {
            if statement.lists.is_empty() {
                self.execute(&statement.sql)?;
                continue;
            }
            let fail = |e: duckdb::Error| error(format!("{e} (in `{}`)", statement.sql));
            let mut prepared = self.connection.prepare_cached(&statement.sql).map_err(fail)?;
            prepared.execute(duckdb::params_from_iter(list_values(statement))).map_err(fail)?;
        }
        Ok(())
    }

    fn load(&mut self, schema: &str, table: &str, rows: &[Vec<Cell>]) -> Result<()> {
        let width = rows.first().map_or(0, Vec::len);
        let sources: Vec<Source> = (0..width).map(|at| Source::Cell(at, Kind::of_cells(rows, at))).collect();
        self.append(schema, table, &sources, rows)
    }

    fn loads_final_tables(&self) -> bool {
        true
    }

    /// Two settings for the length of a run. DuckDB checkpoints (compresses the tables into
    /// the file) whenever its write-ahead log passes 16 MB; a table's last row group holds up to
    /// 122,880 rows and every checkpoint writes it anew, so a load committing batch after batch
    /// would compress the same rows again and again: it checkpoints only past
    /// `BULK_CHECKPOINT`, and once at the end. And DuckDB's worker threads, one per core, would
    /// compete with the run's own fetching and decoding for the cores: one core is left to those.
    fn start_bulk_load(&mut self) -> Result<()> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1));
        self.execute(&format!("SET checkpoint_threshold = '{BULK_CHECKPOINT}'; SET threads = {threads}"))
    }

    fn finish_bulk_load(&mut self) -> Result<()> {
        // The final checkpoint has the machine to itself.
        self.execute("RESET threads; CHECKPOINT; RESET checkpoint_threshold")
    }

    /// `serve` commits small groups one after another from one thread: DuckDB's worker threads
    /// only add scheduling to statements that small (measured: about 10 % more deliveries a
    /// second without them).
    fn start_serving(&mut self) -> Result<()> {
        self.execute("SET threads = 1")
    }

    /// A statement costs DuckDB about a millisecond whatever it writes (measured: 0.5-1 ms for
    /// each part of `serve`'s lookup, even on empty tables), so a group of 32 costs little more
    /// than one of 16: `serve` waits up to 2 ms for the deliveries on their way.
    fn group_linger(&self) -> std::time::Duration {
        std::time::Duration::from_millis(2)
    }

    /// A DuckDB file is opened for writing by one process at a time.
    fn sole_writer(&self) -> bool {
        true
    }

    fn load_final(&mut self, schema: &str, table: &Table, child: bool, rows: &[Vec<Cell>]) -> Result<()> {
        self.append(schema, &Dialect::DuckDb.name(&table.name), &final_sources(table, child), rows)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schema::Column;
    use std::borrow::Cow;

    fn column(name: &'static str, path: &'static str, ty: ColumnType) -> Column {
        Column { name: Cow::Borrowed(name), path: vec![Cow::Borrowed(path)].into(), ty, description: None }
    }

    #[test]
    fn rows_are_appended_column_by_column_with_their_timestamps() {
        let table = Table {
            name: Cow::Borrowed("t"),
            description: None,
            columns: vec![
                column("id", "id", ColumnType::Text),
                column("at", "at", ColumnType::BigInt),
                column("at_ts", "at", ColumnType::Timestamp),
                column("meta", "meta", ColumnType::Json),
                column("ok", "ok", ColumnType::Boolean),
                column("score", "score", ColumnType::Double),
                column("gone_ts", "gone", ColumnType::Timestamp),
            ]
            .into(),
            children: Cow::Borrowed(&[]),
        };
        let mut db = DuckDb::open(":memory:").unwrap();
        db.execute("CREATE TABLE t (id VARCHAR, \"at\" BIGINT, at_ts TIMESTAMP, meta JSON, ok BOOLEAN, score DOUBLE, gone_ts TIMESTAMP)").unwrap();
        // More rows than one chunk, so chunk boundaries are crossed.
        let mut rows: Vec<Vec<Cell>> = (0..ROWS_PER_CHUNK as i64 + 5)
            .map(|i| {
                vec![
                    Cell::Text(format!("u{i}")),
                    Cell::Int(1_700_000_000_000 + i),
                    Cell::Text(r#"{"a":1}"#.into()),
                    Cell::Bool(i % 2 == 0),
                    Cell::Float(0.5),
                ]
            })
            .collect();
        // Cells of another kind than their column (flattening never makes them): text kept as
        // text, others dropped; milliseconds out of a timestamp's range make no timestamp.
        rows.push(vec![Cell::Int(7), Cell::Int(i64::MAX), Cell::Null, Cell::Text("yes".into()), Cell::Bool(true)]);
        db.load_final("main", &table, false, &rows).unwrap();
        let read = db
            .query("SELECT count(*), count(at_ts), count(gone_ts), epoch_ms(max(at_ts)), sum(CASE WHEN ok THEN 1 ELSE 0 END), max(CAST(meta AS VARCHAR)) FROM t WHERE id <> '7'")
            .unwrap();
        assert_eq!(
            read[0],
            ["2053", "2053", "0", "1700000002052", "1027", r#"{"a":1}"#].map(|v| Some(v.to_owned())).to_vec(),
            "every row, timestamps made from the milliseconds"
        );
        let odd = db.query("SELECT id, \"at\", at_ts, meta, ok, score FROM t WHERE id = '7'").unwrap();
        assert_eq!(odd[0], vec![Some("7".into()), Some(i64::MAX.to_string()), None, None, None, None]);
    }

    #[test]
    fn staging_rows_take_the_kind_of_their_first_value() {
        let mut db = DuckDb::open(":memory:").unwrap();
        db.execute("CREATE TABLE s (a VARCHAR, b BIGINT, c DOUBLE, d BOOLEAN, e BIGINT)").unwrap();
        let rows = vec![
            vec![Cell::Null, Cell::Null, Cell::Float(1.5), Cell::Bool(false), Cell::Null],
            vec![Cell::Text("x".into()), Cell::Int(3), Cell::Null, Cell::Bool(true), Cell::Null],
        ];
        db.load("main", "s", &rows).unwrap();
        let read = db.query("SELECT a, b, c, d, e FROM s ORDER BY a NULLS FIRST").unwrap();
        assert_eq!(
            read[0],
            vec![None, None, Some("1.5".into()), Some("false".into()), None],
            "a column of NULLs goes in as NULLs"
        );
        assert_eq!(read[1], vec![Some("x".into()), Some("3".into()), None, Some("true".into()), None]);
    }
}
