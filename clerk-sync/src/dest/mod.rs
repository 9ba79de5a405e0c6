//! Destinations: where rows go. Each one only knows how to run SQL, read a few numbers back and
//! bulk-load rows into a table; the SQL of creating, staging and merging is shared
//! ([`sql`]), with the few differences between DuckDB and PostgreSQL in [`Dialect`].

#[cfg(all(feature = "duckdb-engine", feature = "s3"))]
mod aws_files;
#[cfg(all(feature = "duckdb-engine", feature = "object-store"))]
pub mod bucket;
#[cfg(feature = "duckdb-engine")]
pub mod duckdb;
#[cfg(feature = "duckdb-engine")]
pub(crate) mod parquet;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(all(feature = "duckdb-engine", feature = "object-store"))]
mod redact;
pub mod sql;

use crate::rows::Cell;
use crate::schema::{ColumnType, Table};

/// A SQL string literal.
pub(crate) fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `dataset.table`, each quoted as the destination needs.
pub(crate) fn qualified(dialect: Dialect, dataset: &str, table: &str) -> String {
    format!("{}.{}", dialect.ident(dataset), dialect.ident(table))
}

/// Whether a table is the sync's own (state and staging), not data.
pub fn is_internal(table: &str) -> bool {
    table.starts_with("_clerk_sync")
}

/// A destination failed; the message names the statement or table.
#[derive(Debug, thiserror::Error)]
#[error("{destination}: {message}")]
pub struct DestinationError {
    pub destination: &'static str,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, DestinationError>;

/// The SQL differences between the destinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    DuckDb,
    Postgres,
}

impl Dialect {
    pub fn type_name(self, ty: ColumnType) -> &'static str {
        match (self, ty) {
            (Dialect::DuckDb, ColumnType::Text) => "VARCHAR",
            (Dialect::Postgres, ColumnType::Text) => "TEXT",
            (_, ColumnType::BigInt) => "BIGINT",
            (Dialect::DuckDb, ColumnType::Double) => "DOUBLE",
            (Dialect::Postgres, ColumnType::Double) => "DOUBLE PRECISION",
            (_, ColumnType::Boolean) => "BOOLEAN",
            (Dialect::DuckDb, ColumnType::Json) => "JSON",
            (Dialect::Postgres, ColumnType::Json) => "JSONB",
            (Dialect::DuckDb, ColumnType::Timestamp) => "TIMESTAMP",
            (Dialect::Postgres, ColumnType::Timestamp) => "TIMESTAMPTZ",
        }
    }

    /// The type a staged column has: JSON travels as text and is cast when merged.
    pub fn staged_type_name(self, ty: ColumnType) -> &'static str {
        match ty {
            ColumnType::Json => self.type_name(ColumnType::Text),
            other => self.type_name(other),
        }
    }

    /// An expression turning staged column `source` into a value of type `ty`.
    pub fn cast(self, ty: ColumnType, source: &str) -> String {
        match (self, ty) {
            (Dialect::DuckDb, ColumnType::Json) => format!("CAST({source} AS JSON)"),
            (Dialect::Postgres, ColumnType::Json) => format!("CAST({source} AS JSONB)"),
            (Dialect::DuckDb, ColumnType::Timestamp) => format!("epoch_ms({source})"),
            (Dialect::Postgres, ColumnType::Timestamp) => format!("to_timestamp({source} / 1000.0)"),
            _ => source.to_owned(),
        }
    }

    /// `now()` as the destination spells a UTC timestamp.
    pub fn now(self) -> &'static str {
        match self {
            Dialect::DuckDb => "CAST(now() AS TIMESTAMP)",
            Dialect::Postgres => "now()",
        }
    }

    /// A quoted identifier. PostgreSQL cuts names at 63 bytes, so longer ones (deeply
    /// flattened columns) are shortened here, the same way every time, with a hash of the
    /// whole name so two long names cannot collide.
    pub fn ident(self, name: &str) -> String {
        format!("\"{}\"", self.name(name).replace('"', "\"\""))
    }

    /// A name as the destination stores it (see [`Dialect::ident`]), unquoted.
    pub fn name(self, name: &str) -> String {
        const POSTGRES_MAX: usize = 63;
        if self == Dialect::Postgres && name.len() > POSTGRES_MAX {
            let mut cut = POSTGRES_MAX - 9;
            while !name.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}_{:08x}", &name[..cut], fnv1a(name) as u32)
        } else {
            name.to_owned()
        }
    }
}

/// 64-bit FNV-1a of the name's bytes: part of the names already stored in destinations, so it
/// never changes.
fn fnv1a(name: &str) -> u64 {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(name.as_bytes());
    hasher.finish()
}

/// What the sync needs from a database.
pub trait Destination {
    fn dialect(&self) -> Dialect;
    /// Where the data goes, for the summary (no password).
    fn describe(&self) -> String;
    /// Runs statements that return nothing.
    fn execute(&mut self, sql: &str) -> Result<()>;
    /// Runs a query and returns its rows, every value as text (`None` for NULL).
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>>;
    /// Runs a query whose `$1`, `$2`... are lists of text (see [`Statement`]). By default the
    /// lists are written into the text; a destination that prepares statements (DuckDB) keeps
    /// each one prepared, so a statement run again with other values is not parsed and
    /// planned again.
    fn query_statement(&mut self, statement: &Statement) -> Result<Vec<Vec<Option<String>>>> {
        let sql = statement.inline(self.dialect());
        self.query(&sql)
    }
    /// Runs statements like [`Destination::query_statement`], in order; by default all in one
    /// round trip.
    fn execute_statements(&mut self, statements: &[Statement]) -> Result<()> {
        let d = self.dialect();
        let sql: Vec<String> = statements.iter().map(|statement| statement.inline(d)).collect();
        self.execute(&sql.join(";\n"))
    }
    /// Appends rows to `schema.table`, whose columns are exactly the rows' values in order.
    fn load(&mut self, schema: &str, table: &str, rows: &[Vec<Cell>]) -> Result<()>;
    /// Whether [`Destination::load_final`] works here.
    fn loads_final_tables(&self) -> bool {
        false
    }
    /// Appends rows of staged cells straight into a final table, computing its derived
    /// (timestamp) columns: for first loads, which need no merge.
    fn load_final(&mut self, schema: &str, table: &Table, _child: bool, _rows: &[Vec<Cell>]) -> Result<()> {
        Err(DestinationError {
            destination: "load",
            message: format!("cannot load {schema}.{} without staging", table.name),
        })
    }
    /// A run is about to load: the destination may put off work it would otherwise do at
    /// every commit, until [`Destination::finish_bulk_load`].
    fn start_bulk_load(&mut self) -> Result<()> {
        Ok(())
    }
    /// The run has committed its last batch: the work put off is done now.
    fn finish_bulk_load(&mut self) -> Result<()> {
        Ok(())
    }
    /// Whether one connection at a time can write (DuckDB locks its file): its writer may then
    /// keep in memory what the database holds (`write::stored::Mirror`).
    fn sole_writer(&self) -> bool {
        false
    }
    /// How long `serve` may wait for more deliveries to join a group (see
    /// `serve::committer`): worth it where every statement has a high fixed cost.
    fn group_linger(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }
    /// `serve` is about to apply small groups of changes, one transaction after another.
    fn start_serving(&mut self) -> Result<()> {
        Ok(())
    }
    /// After a run: writes the dataset out for other tools, when this destination is files
    /// (Parquet), and says where. Databases have nothing to do.
    fn publish(&mut self, _dataset: &str) -> Result<Option<String>> {
        Ok(None)
    }
}

/// A statement whose parameters `$1`, `$2`... are lists of text, each used as
/// [`Statement::member`] or [`Statement::param`] spell them: the same text whatever the values, so it
/// can be prepared once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sql: String,
    pub lists: Vec<Vec<String>>,
}

impl Statement {
    pub fn new(sql: impl Into<String>, lists: Vec<Vec<String>>) -> Statement {
        Statement { sql: sql.into(), lists }
    }

    /// Whether `column` is one of list `$n`. PostgreSQL's `= ANY(array)` uses the column's
    /// index (an `IN` subquery over `unnest` is planned as a join over the whole table);
    /// DuckDB joins the list's rows.
    pub fn member(d: Dialect, column: &str, n: usize) -> String {
        match d {
            Dialect::DuckDb => format!("{column} IN (SELECT unnest({}) AS v)", Statement::param(d, n)),
            Dialect::Postgres => format!("{column} = ANY({})", Statement::param(d, n)),
        }
    }

    /// List `$n` as a value, typed so that a statement preparing it needs no other hint.
    pub fn param(d: Dialect, n: usize) -> String {
        format!("CAST(${n} AS {}[])", d.type_name(ColumnType::Text))
    }

    /// The statement with each `$n` replaced by its list written out.
    pub fn inline(&self, d: Dialect) -> String {
        let mut out = String::with_capacity(self.sql.len());
        let mut rest = self.sql.as_str();
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let digits = rest[at + 1..].bytes().take_while(u8::is_ascii_digit).count();
            let list = rest[at + 1..at + 1 + digits]
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| self.lists.get(i));
            match list {
                Some(list) => {
                    let items: Vec<String> = list.iter().map(|item| literal(item)).collect();
                    match d {
                        Dialect::DuckDb => out.push_str(&format!("[{}]", items.join(", "))),
                        Dialect::Postgres => out.push_str(&format!("ARRAY[{}]", items.join(", "))),
                    }
                    rest = &rest[at + 1 + digits..];
                }
                None => {
                    out.push('$');
                    rest = &rest[at + 1..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// A query's single number.
pub fn query_i64(destination: &mut dyn Destination, sql: &str) -> Result<i64> {
    let rows = destination.query(sql)?;
    let text = rows.first().and_then(|r| r.first()).cloned().flatten().unwrap_or_default();
    text.parse().map_err(|_| DestinationError {
        destination: "query",
        message: format!("expected a number from `{sql}`, got `{text}`"),
    })
}

/// The prefix of a `--db` value naming a folder of Parquet files.
pub const PARQUET_PREFIX: &str = "parquet:";

/// The working database's file name beside a `parquet:` destination's files (in the folder, or
/// under the bucket's prefix).
pub const WORKING_FILE: &str = "clerk-sync.duckdb";

/// The URL schemes of object storage after `parquet:` (features `s3`, `gcs`, `azure`).
pub const BUCKET_SCHEMES: [&str; 3] = ["s3://", "gs://", "az://"];

/// Whether a `parquet:` place names object storage rather than a folder.
pub fn is_bucket(place: &str) -> bool {
    BUCKET_SCHEMES.iter().any(|scheme| place.starts_with(scheme))
}

/// Opens the destination a `--db` value names: a `postgres://` or `postgresql://` URL,
/// `parquet:DIR`, `parquet:s3://BUCKET/PREFIX` (or `gs://`, `az://`), or a DuckDB file path.
pub fn open(db: &str) -> Result<Box<dyn Destination + Send>> {
    open_with_state(db, None)
}

/// [`open`], with the working database of a `parquet:` destination kept in `state` instead of
/// beside the files (`--state FILE`).
pub fn open_with_state(db: &str, state: Option<&std::path::Path>) -> Result<Box<dyn Destination + Send>> {
    if let Some(dir) = db.strip_prefix(PARQUET_PREFIX) {
        #[cfg(feature = "duckdb-engine")]
        return Ok(Box::new(parquet::Parquet::open(dir, state)?));
        #[cfg(not(feature = "duckdb-engine"))]
        return Err(DestinationError { destination: "parquet", message: format!("this build writes Parquet ({dir}) through DuckDB, which it lacks (feature `duckdb`, or `duckdb-system` to link a DuckDB library you have)") });
    }
    if let Some(state) = state {
        return Err(DestinationError {
            destination: "state",
            message: format!(
                "--state ({}) is for `parquet:` destinations; {db} keeps its state in itself",
                state.display()
            ),
        });
    }
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        #[cfg(feature = "postgres")]
        return Ok(Box::new(postgres::Postgres::connect(db)?));
        #[cfg(not(feature = "postgres"))]
        return Err(DestinationError {
            destination: "postgres",
            message: "this build has no PostgreSQL support (feature `postgres`)".into(),
        });
    }
    #[cfg(feature = "duckdb-engine")]
    return Ok(Box::new(duckdb::DuckDb::open(db)?));
    #[cfg(not(feature = "duckdb-engine"))]
    Err(DestinationError {
        destination: "duckdb",
        message:
            "this build has no DuckDB support (feature `duckdb`, or `duckdb-system` to link a DuckDB library you have)"
                .into(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn long_postgres_names_are_shortened_exactly_as_before() {
        // Pinned: destinations already hold columns named this way (FNV-1a's low 32 bits).
        let name = "users__public_metadata__some_very_long_nested_property__and_even_deeper_key";
        assert_eq!(Dialect::Postgres.name(name), "users__public_metadata__some_very_long_nested_property_613ea160");
        assert_eq!(Dialect::Postgres.name(name).len(), 63);
        assert_eq!(Dialect::DuckDb.name(name), name);
    }

    #[test]
    fn lists_are_written_out_once_each_whatever_they_hold() {
        let statement = Statement::new(
            format!(
                "SELECT 1 WHERE {} AND {} AND z = '$9'",
                Statement::member(Dialect::Postgres, "x", 1),
                Statement::member(Dialect::Postgres, "y", 2)
            ),
            vec![vec!["a'b".into(), "$2".into()], vec![]],
        );
        assert_eq!(
            statement.inline(Dialect::Postgres),
            "SELECT 1 WHERE x = ANY(CAST(ARRAY['a''b', '$2'] AS TEXT[])) AND y = ANY(CAST(ARRAY[] AS TEXT[])) AND z = '$9'"
        );
        assert_eq!(Statement::new("SELECT $1", vec![vec!["x".into()]]).inline(Dialect::DuckDb), "SELECT ['x']");
    }

    #[test]
    fn long_postgres_names_are_shortened_without_collisions() {
        let a = "organization__public_organization_data__something_rather_long__x1";
        let b = "organization__public_organization_data__something_rather_long__x2";
        let (qa, qb) = (Dialect::Postgres.ident(a), Dialect::Postgres.ident(b));
        assert_eq!(qa.len(), 63 + 2);
        assert_ne!(qa, qb);
        assert_eq!(qa, Dialect::Postgres.ident(a));
        assert_eq!(Dialect::DuckDb.ident(a), format!("\"{a}\""));
        assert_eq!(Dialect::Postgres.ident("a\"b"), "\"a\"\"b\"");
    }
}
