//! `_clerk_sync_objects`: per object, the version `serve` last applied, whether that was a
//! deletion (a tombstone), and when.

use super::OBJECTS_TABLE;
use crate::dest::{literal, qualified, Dialect, Statement};

/// The columns [`recorded`] and [`all`] select after the id: version, deleted (0 or 1),
/// applied_ms.
const RECORD: &str = "version, CASE WHEN deleted THEN 1 ELSE 0 END, applied_ms";

/// The records of a resource's objects: id, then [`RECORD`].
pub(crate) fn recorded(d: Dialect, dataset: &str, resource: &str) -> String {
    format!("SELECT id, {RECORD} FROM {} WHERE resource = {}", qualified(d, dataset, OBJECTS_TABLE), literal(resource))
}

/// Every record: resource, id, then [`RECORD`].
pub(crate) fn all(d: Dialect, dataset: &str) -> String {
    format!("SELECT resource, id, {RECORD} FROM {}", qualified(d, dataset, OBJECTS_TABLE))
}

/// How many objects of a resource have a record.
pub(crate) fn count(d: Dialect, dataset: &str, resource: &str) -> String {
    format!("SELECT count(*) FROM {} WHERE resource = {}", qualified(d, dataset, OBJECTS_TABLE), literal(resource))
}

/// The lookup's part for the records of objects of list `$n` where `resource = <name>`
/// (`conditions`, one per resource, or-ed): kind `'object'`, resource, id, [`RECORD`].
pub(crate) fn lookup_part(d: Dialect, dataset: &str, conditions: &[String]) -> String {
    format!(
        "SELECT 'object', resource, id, {RECORD} FROM {} WHERE {}",
        qualified(d, dataset, OBJECTS_TABLE),
        conditions.join(" OR ")
    )
}

/// Replaces records: deletes the `old` ones (ids by resource), then inserts `records`
/// (resource, id, version, deleted, applied_ms, column by column).
pub(crate) fn replace(
    d: Dialect,
    dataset: &str,
    old: Vec<(String, Vec<String>)>,
    records: [Vec<String>; 5],
) -> Vec<Statement> {
    let objects = qualified(d, dataset, OBJECTS_TABLE);
    let mut statements = Vec::new();
    if !old.is_empty() {
        statements.push(match d {
            // PostgreSQL finds each resource's ids by the (resource, id) index.
            Dialect::Postgres => {
                let conditions: Vec<String> = old
                    .iter()
                    .enumerate()
                    .map(|(i, (resource, _))| format!("(resource = {} AND {})", literal(resource), Statement::member(d, "id", i + 1)))
                    .collect();
                Statement::new(format!("DELETE FROM {objects} WHERE {}", conditions.join(" OR ")), old.into_iter().map(|(_, ids)| ids).collect())
            }
            // DuckDB: one join on both columns, as a join per resource costs three times more.
            Dialect::DuckDb => {
                let (resources, ids): (Vec<String>, Vec<String>) =
                    old.into_iter().flat_map(|(resource, ids)| ids.into_iter().map(move |id| (resource.clone(), id))).unzip();
                Statement::new(
                    format!(
                        "DELETE FROM {objects} USING (SELECT unnest({}) AS resource, unnest({}) AS id) AS old WHERE {objects}.resource = old.resource AND {objects}.id = old.id",
                        Statement::param(d, 1),
                        Statement::param(d, 2)
                    ),
                    vec![resources, ids],
                )
            }
        });
    }
    statements.push(Statement::new(
        format!(
            "INSERT INTO {objects} (resource, id, version, deleted, applied_ms) SELECT resource, id, CAST(version AS BIGINT), CAST(deleted AS BOOLEAN), CAST(applied_ms AS BIGINT) \
             FROM (SELECT unnest({}) AS resource, unnest({}) AS id, unnest({}) AS version, unnest({}) AS deleted, unnest({}) AS applied_ms) AS v",
            Statement::param(d, 1),
            Statement::param(d, 2),
            Statement::param(d, 3),
            Statement::param(d, 4),
            Statement::param(d, 5)
        ),
        records.to_vec(),
    ));
    statements
}
