//! What `clerk-sync show` reads: each data table's row count and its resource's times. Reads
//! only: a state table an older clerk-sync made is read as it is, its missing times empty.

use super::state::{times, Times, STATE_TABLE};
use crate::dest::{is_internal, literal, qualified, query_i64, Destination, Result};

/// A data table's name, its row count, and when its resource was last changed by a run, read in
/// full and reconciled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSummary {
    pub table: String,
    pub rows: i64,
    pub times: Times,
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
    let times = if tables.iter().any(|t| t == STATE_TABLE) { times(dest, dataset)? } else { Vec::new() };
    let mut out = Vec::new();
    for table in tables.into_iter().filter(|t| !is_internal(t)) {
        let rows = query_i64(dest, &format!("SELECT count(*) FROM {}", qualified(d, dataset, &table)))?;
        let resource = table.split("__").next().unwrap_or(&table);
        let times = times.iter().find(|(name, _)| name == resource).map(|(_, times)| times.clone()).unwrap_or_default();
        out.push(TableSummary { table, rows, times });
    }
    Ok(out)
}
