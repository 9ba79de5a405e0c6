//! Parquet files for warehouses (BigQuery, Snowflake, Databricks, ClickHouse load them): `--db
//! parquet:DIR`. The run itself goes into a DuckDB file in the folder, `DIR/clerk-sync.duckdb`,
//! with the same staging, merges and `_clerk_sync_state` as any DuckDB destination, so reruns
//! are incremental and `serve` can keep that file current; after each run every data table of
//! the dataset is written out as `DIR/<dataset>/<table>/<table>.parquet`, typed as in the
//! database (DuckDB's own Parquet writer), each file replaced whole by a rename so a reader never
//! sees half of one. `parquet:s3://BUCKET/PREFIX`, `gs://` and `az://` work the same on local
//! files, then put them in the bucket ([`super::bucket`]).

use super::duckdb::DuckDb;
use super::{Destination, DestinationError, Dialect, Result, Statement, WORKING_FILE};
use crate::dest::sql::comments;
use crate::rows::Cell;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Parquet {
    working: DuckDb,
    place: Place,
}

/// Where the files go.
#[derive(Debug)]
enum Place {
    /// A folder, and the working database's file when `--state` put it elsewhere.
    Folder(PathBuf, Option<PathBuf>),
    #[cfg(feature = "object-store")]
    Bucket(Box<super::bucket::Bucket>),
}

fn error(message: impl std::fmt::Display) -> DestinationError {
    DestinationError { destination: "parquet", message: message.to_string() }
}

impl Parquet {
    /// Opens `parquet:PLACE`: a folder, or a bucket URL. The working database is
    /// `PLACE/clerk-sync.duckdb` unless `state` names another file.
    pub fn open(place: &str, state: Option<&Path>) -> Result<Parquet> {
        if place.is_empty() {
            return Err(error(
                "`parquet:` needs a folder or a bucket: `--db parquet:DIR` or `parquet:s3://BUCKET/PREFIX`",
            ));
        }
        #[cfg(feature = "object-store")]
        if super::is_bucket(place) {
            let bucket = super::bucket::Bucket::open(place, state)?;
            let working = DuckDb::open(&bucket.working_file().to_string_lossy())?;
            return Ok(Parquet { working, place: Place::Bucket(Box::new(bucket)) });
        }
        #[cfg(not(feature = "object-store"))]
        if super::is_bucket(place) {
            return Err(error(format!(
                "this build has no object storage support ({place}): features `s3`, `gcs`, `azure`"
            )));
        }
        let dir = PathBuf::from(place);
        std::fs::create_dir_all(&dir).map_err(|e| error(format!("creating {}: {e}", dir.display())))?;
        let working = state.map_or_else(|| dir.join(WORKING_FILE), Path::to_owned);
        let working = DuckDb::open(&working.to_string_lossy())?;
        Ok(Parquet { working, place: Place::Folder(dir, state.map(Path::to_owned)) })
    }

    /// The folder the files are written into: the destination itself, or the scratch folder
    /// they go up from.
    fn files_dir(&self) -> PathBuf {
        match &self.place {
            Place::Folder(dir, _) => dir.clone(),
            #[cfg(feature = "object-store")]
            Place::Bucket(bucket) => bucket.files_dir(),
        }
    }

    /// Writes one table to its file through a temporary name.
    fn write_table(&mut self, dataset: &str, table: &str, folder: &Path) -> Result<()> {
        let dir = folder.join(table);
        std::fs::create_dir_all(&dir).map_err(|e| error(format!("creating {}: {e}", dir.display())))?;
        let file = dir.join(format!("{table}.parquet"));
        let partial = dir.join(format!(".{table}.parquet.partial"));
        let d = Dialect::DuckDb;
        self.working.execute(&format!(
            "COPY {}.{} TO {} (FORMAT PARQUET{})",
            d.ident(dataset),
            d.ident(table),
            super::literal(&partial.to_string_lossy()),
            key_value_metadata(table)
        ))?;
        std::fs::rename(&partial, &file).map_err(|e| error(format!("replacing {}: {e}", file.display())))
    }
}

/// The file's key-value metadata: the table's description under `description` and each
/// column's under `description:<column>`, from the spec, as the databases' comments are. (DuckDB's
/// Parquet writer sets file metadata, not per-field metadata.)
fn key_value_metadata(table: &str) -> String {
    let Some((layout, child)) = crate::table_layout(table) else { return String::new() };
    let mut entries: Vec<String> = layout
        .description
        .iter()
        .map(|d| format!("{}: {}", super::literal("description"), super::literal(d.trim())))
        .collect();
    entries.extend(
        comments::column_descriptions(layout, child)
            .into_iter()
            .map(|(column, d)| format!("{}: {}", super::literal(&format!("description:{column}")), super::literal(d))),
    );
    if entries.is_empty() {
        return String::new();
    }
    format!(", KV_METADATA {{{}}}", entries.join(", "))
}

impl Destination for Parquet {
    fn dialect(&self) -> Dialect {
        Dialect::DuckDb
    }

    fn describe(&self) -> String {
        match &self.place {
            Place::Folder(dir, None) => format!("Parquet files in {} (state in {WORKING_FILE} there)", dir.display()),
            Place::Folder(dir, Some(state)) => {
                format!("Parquet files in {} (state in {})", dir.display(), state.display())
            }
            #[cfg(feature = "object-store")]
            Place::Bucket(bucket) => bucket.describe(),
        }
    }

    fn execute(&mut self, sql: &str) -> Result<()> {
        self.working.execute(sql)
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        self.working.query(sql)
    }

    fn query_statement(&mut self, statement: &Statement) -> Result<Vec<Vec<Option<String>>>> {
        self.working.query_statement(statement)
    }

    fn execute_statements(&mut self, statements: &[Statement]) -> Result<()> {
        self.working.execute_statements(statements)
    }

    fn load(&mut self, schema: &str, table: &str, rows: &[Vec<Cell>]) -> Result<()> {
        self.working.load(schema, table, rows)
    }

    fn loads_final_tables(&self) -> bool {
        true
    }

    fn load_final(
        &mut self,
        schema: &str,
        table: &crate::schema::Table,
        child: bool,
        rows: &[Vec<Cell>],
    ) -> Result<()> {
        self.working.load_final(schema, table, child, rows)
    }

    fn start_bulk_load(&mut self) -> Result<()> {
        self.working.start_bulk_load()
    }

    fn finish_bulk_load(&mut self) -> Result<()> {
        self.working.finish_bulk_load()
    }

    fn group_linger(&self) -> std::time::Duration {
        self.working.group_linger()
    }

    fn sole_writer(&self) -> bool {
        self.working.sole_writer()
    }

    fn start_serving(&mut self) -> Result<()> {
        self.working.start_serving()
    }

    fn publish(&mut self, dataset: &str) -> Result<Option<String>> {
        let tables: Vec<String> = self
            .working
            .query(&format!(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = {} ORDER BY table_name",
                super::literal(dataset)
            ))?
            .into_iter()
            .filter_map(|row| row.into_iter().next().flatten())
            .filter(|table| !super::is_internal(table))
            .collect();
        let folder = self.files_dir().join(dataset);
        for table in &tables {
            self.write_table(dataset, table, &folder)?;
        }
        let shown = match &mut self.place {
            Place::Folder(..) => folder.display().to_string(),
            #[cfg(feature = "object-store")]
            Place::Bucket(bucket) => {
                bucket.upload_tables(dataset, &tables)?;
                // The database file holds every committed change once checkpointed (nothing
                // left in its write-ahead log), so the copy that goes up is whole.
                self.working.execute("CHECKPOINT")?;
                bucket.upload_state()?;
                bucket.dataset_url(dataset)
            }
        };
        Ok(Some(format!("{} tables as {shown}/<table>/<table>.parquet", tables.len())))
    }
}
