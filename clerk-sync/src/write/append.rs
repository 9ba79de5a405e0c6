//! Rows of objects known to be new, added without looking anything up: a first load into empty
//! tables that `serve` has not touched. DuckDB appends them straight into the tables; other
//! destinations stage them and move them with one `INSERT ... SELECT`.

use crate::dest::sql;
use crate::dest::{query_i64, Destination, Result, Statement};
use crate::rows::Batch;
use crate::schema::Resource;

/// Whether every item a listing of `resource` brings is new: its tables are empty and `serve`
/// recorded nothing about it.
pub fn tables_are_new(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<bool> {
    let d = dest.dialect();
    let mut rows = query_i64(dest, &sql::objects::count(d, dataset, &resource.name))?;
    for table in resource.tables() {
        rows += query_i64(dest, &sql::rows::count(d, dataset, &table.name))?;
    }
    Ok(rows == 0)
}

/// Adds `batch`'s rows, in the caller's transaction; statements that can wait for the commit
/// are left in `trailing`.
pub fn write(
    dest: &mut dyn Destination,
    dataset: &str,
    batch: &Batch,
    stage_prefix: &str,
    trailing: &mut Vec<Statement>,
) -> Result<()> {
    if dest.loads_final_tables() {
        return sql::load_final_batch(dest, dataset, batch);
    }
    let d = dest.dialect();
    sql::stage_into(dest, dataset, batch, stage_prefix)?;
    for (index, rows) in batch.tables.iter().enumerate().filter(|(_, rows)| !rows.rows.is_empty()) {
        trailing.extend(
            sql::insert_staged_statements(d, dataset, rows.table, index > 0, stage_prefix)
                .map(|statement| Statement::new(statement, Vec::new())),
        );
    }
    Ok(())
}
