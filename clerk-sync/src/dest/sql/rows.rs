//! Statements on the rows of a resource's tables (or their staging copies) by object id: what
//! the engine's upserts, replaces and reconciles delete, count and compare.

use super::{has_updated_at, select_list, stage_name};
use crate::dest::{qualified, Dialect, Statement};
use crate::schema::{Table, PARENT_ID};

/// Deletes the rows of `table` whose `id` is in the list; in a child table (`child`), the rows
/// whose parent's is.
pub(crate) fn delete_objects(d: Dialect, dataset: &str, table: &str, child: bool, ids: Vec<String>) -> Statement {
    Statement::new(
        format!("DELETE FROM {} WHERE {}", qualified(d, dataset, table), Statement::member(d, &key(d, child), 1)),
        vec![ids],
    )
}

/// Deletes every row of `table` but those of the objects `kept` (all rows when none is kept).
pub(crate) fn delete_all_but(d: Dialect, dataset: &str, table: &str, child: bool, kept: &[String]) -> Statement {
    let table = qualified(d, dataset, table);
    if kept.is_empty() {
        return Statement::new(format!("DELETE FROM {table}"), Vec::new());
    }
    Statement::new(
        format!("DELETE FROM {table} WHERE NOT ({})", Statement::member(d, &key(d, child), 1)),
        vec![kept.to_vec()],
    )
}

/// The ids of a resource's table.
pub(crate) fn ids(d: Dialect, dataset: &str, table: &str) -> String {
    format!("SELECT \"id\" FROM {}", qualified(d, dataset, table))
}

/// The ids of a resource's table and each row's `updated_at` (NULL where the table has none).
pub(crate) fn ids_and_versions(d: Dialect, dataset: &str, table: &Table) -> String {
    format!("SELECT \"id\", {} FROM {}", updated_at(table), qualified(d, dataset, &table.name))
}

/// A row's version: its `updated_at`, or a typed NULL where the table has none.
pub(crate) fn updated_at(table: &Table) -> &'static str {
    if has_updated_at(table) {
        "\"updated_at\""
    } else {
        "CAST(NULL AS BIGINT)"
    }
}

/// The parents a child table holds rows of.
pub(crate) fn parents(d: Dialect, dataset: &str, child: &str) -> String {
    format!("SELECT DISTINCT {} FROM {}", d.ident(PARENT_ID), qualified(d, dataset, child))
}

/// The rows of a table.
pub(crate) fn count(d: Dialect, dataset: &str, table: &str) -> String {
    format!("SELECT count(*) FROM {}", qualified(d, dataset, table))
}

/// The staged rows of a resource's main table that are new or differ from the table's in some
/// column.
pub(crate) fn count_changed(d: Dialect, dataset: &str, table: &Table) -> String {
    let target = qualified(d, dataset, &table.name);
    let stage = qualified(d, dataset, &stage_name(&table.name));
    let (names, values) = select_list(d, table, false);
    format!(
        "SELECT count(*) FROM (SELECT {} FROM {stage} EXCEPT SELECT {} FROM {target} WHERE \"id\" IN (SELECT \"id\" FROM {stage})) AS changed",
        values.join(", "),
        names.join(", ")
    )
}

/// The column naming the object a row belongs to.
fn key(d: Dialect, child: bool) -> String {
    if child {
        d.ident(PARENT_ID)
    } else {
        "\"id\"".to_owned()
    }
}
