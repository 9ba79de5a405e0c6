//! The warehouse documents itself: every table and column carries the spec's description as its
//! comment (`COMMENT ON`), so `DESCRIBE`, `\d+` or a BI tool shows what `last_active_at` or
//! `locked` means. Comments are read back in one query and only those that differ are written,
//! so a run on tables that are already described writes none.

use crate::dest::{literal, qualified, Destination, Dialect, Result};
use crate::schema::{Resource, Table, PARENT_ID, POSITION};
use std::collections::HashMap;

/// The comment of a child table's parent-id column.
pub const PARENT_ID_COMMENT: &str = "The `id` of the row of the parent table this row belongs to.";
/// The comment of a child table's position column.
pub const POSITION_COMMENT: &str = "The position of this item in the parent's array, from 0.";

/// What each column of `table` is, in order: its name and description.
pub fn column_descriptions(table: &Table, child: bool) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    if child {
        out.push((PARENT_ID, PARENT_ID_COMMENT));
        out.push((POSITION, POSITION_COMMENT));
    }
    out.extend(table.columns.iter().filter_map(|c| c.description.as_deref().map(|d| (&*c.name, d.trim()))));
    out
}

/// Sets the comments of the tables of `resources` that are missing or differ.
pub fn describe(dest: &mut dyn Destination, dataset: &str, resources: &[&Resource]) -> Result<()> {
    let d = dest.dialect();
    let existing = existing(dest, dataset)?;
    let mut statements = Vec::new();
    for resource in resources {
        for (index, table) in resource.tables().enumerate() {
            let table_name = d.name(&table.name);
            let target = qualified(d, dataset, &table.name);
            if let Some(description) = table.description.as_deref().map(str::trim) {
                if existing.get(&(table_name.clone(), String::new())).map(String::as_str) != Some(description) {
                    statements.push(format!("COMMENT ON TABLE {target} IS {}", literal(description)));
                }
            }
            for (column, description) in column_descriptions(table, index > 0) {
                if existing.get(&(table_name.clone(), d.name(column))).map(String::as_str) != Some(description) {
                    statements.push(format!(
                        "COMMENT ON COLUMN {target}.{} IS {}",
                        d.ident(column),
                        literal(description)
                    ));
                }
            }
        }
    }
    if statements.is_empty() {
        return Ok(());
    }
    dest.execute(&statements.join(";\n"))
}

/// The comments the dataset's tables (column `""`) and columns have, by (table, column).
fn existing(dest: &mut dyn Destination, dataset: &str) -> Result<HashMap<(String, String), String>> {
    let d = dest.dialect();
    let schema = literal(&d.name(dataset));
    let sql = match d {
        Dialect::DuckDb => format!(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = {schema} AND comment IS NOT NULL \
             UNION ALL SELECT table_name, '', comment FROM duckdb_tables() WHERE schema_name = {schema} AND comment IS NOT NULL"
        ),
        Dialect::Postgres => format!(
            "SELECT c.relname, a.attname, col_description(c.oid, a.attnum) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_attribute a ON a.attrelid = c.oid WHERE n.nspname = {schema} AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped \
             AND col_description(c.oid, a.attnum) IS NOT NULL \
             UNION ALL SELECT c.relname, '', obj_description(c.oid, 'pg_class') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {schema} AND c.relkind = 'r' AND obj_description(c.oid, 'pg_class') IS NOT NULL"
        ),
    };
    Ok(dest
        .query(&sql)?
        .into_iter()
        .filter_map(|row| {
            let mut values = row.into_iter();
            let (table, column, comment) =
                (values.next().flatten()?, values.next().flatten().unwrap_or_default(), values.next().flatten()?);
            Some(((table, column), comment))
        })
        .collect())
}
