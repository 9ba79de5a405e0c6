//! Versioned upserts and deletions of objects, inside the caller's [`super::transaction`].
//!
//! Each object's change is weighed against what is stored ([`super::rule::is_stale`]); the
//! winners' old rows and child rows are deleted (only in tables the stored state says hold some)
//! and their new rows loaded: straight into the tables where the destination appends to them
//! (DuckDB), else through staging tables (PostgreSQL's `COPY`). A deletion removes the rows and
//! leaves a tombstone in `_clerk_sync_objects`, so neither an older event nor an older listing
//! brings the object back; `serve` records the version of every change it applies there too.

use super::rule::{is_stale, Incoming};
use super::stored::Stored;
use crate::dest::sql::{self, OBJECTS_TABLE};
use crate::dest::{literal, qualified};
use crate::dest::{Destination, Dialect, Result, Statement};
use crate::rows::Batch;
use crate::schema::{Resource, PARENT_ID};
use std::collections::HashSet;

/// A change to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Its rows are in the group's batch.
    Upsert { id: String, incoming: Incoming },
    /// A deletion at `version` (Clerk's time).
    Delete { id: String, version: i64 },
}

impl Change {
    pub fn id(&self) -> &str {
        match self {
            Change::Upsert { id, .. } | Change::Delete { id, .. } => id,
        }
    }
}

/// The changes to one resource's objects, each object at most once, and the rows of its upserts.
#[derive(Debug)]
pub struct Group {
    pub resource: &'static Resource,
    pub changes: Vec<Change>,
    pub rows: Batch,
}

/// What became of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Inserted,
    /// Replaced a row of an older (or unknown) version.
    Updated,
    /// Replaced a row of the same version: nothing new.
    Rewritten,
    /// A row of the same version was there and was left as it was.
    Unchanged,
    /// Deleted; `had_row` says whether there was a row to delete.
    Deleted {
        had_row: bool,
    },
    /// What is stored is newer: nothing written.
    Stale,
}

#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Record the version of every upsert in `_clerk_sync_objects` (`serve`, whose changes a
    /// later listing must not undo). Deletions always leave a tombstone.
    pub record_upserts: bool,
    /// Write an upsert whose version equals the row's again (`serve`: an event may carry what a
    /// listing showed differently); a run's listings leave such rows as they are.
    pub rewrite_same_version: bool,
    /// The staging tables' prefix, for destinations that load through them.
    pub stage_prefix: &'a str,
    /// When the changes are applied (`applied_ms` of the records written), in milliseconds.
    pub applied_ms: i64,
}

/// Writes `groups` against `stored` (read in the same transaction). Statements that can wait
/// for the commit are left in `trailing`. Returns what became of each change, group by group.
pub fn write(
    dest: &mut dyn Destination,
    dataset: &str,
    stored: &Stored,
    groups: &mut [Group],
    options: Options<'_>,
    trailing: &mut Vec<Statement>,
) -> Result<Vec<Vec<Written>>> {
    let d = dest.dialect();
    let now = options.applied_ms.to_string();
    let mut deletes = Vec::new();
    // `_clerk_sync_objects`' new rows, column by column.
    let mut records: [Vec<String>; 5] = Default::default();
    let mut outcomes = Vec::with_capacity(groups.len());
    for group in groups.iter_mut() {
        let name = &*group.resource.name;
        let mut written = Vec::with_capacity(group.changes.len());
        let mut applied: Vec<&str> = Vec::new();
        for change in &group.changes {
            let recorded = stored.recorded(name, change.id());
            let row = stored.row(name, change.id());
            let outcome = match change {
                Change::Upsert { incoming, .. } if is_stale(*incoming, recorded, row.flatten()) => Written::Stale,
                Change::Delete { version, .. }
                    if is_stale(Incoming::Event { version: *version }, recorded, row.flatten()) =>
                {
                    Written::Stale
                }
                Change::Upsert { incoming, .. } => match (row, incoming) {
                    (None, _) => Written::Inserted,
                    (
                        Some(Some(at)),
                        Incoming::Event { version } | Incoming::Listed { updated_at: Some(version), .. },
                    ) if at == *version => Written::Rewritten,
                    (Some(_), _) => Written::Updated,
                },
                Change::Delete { .. } => Written::Deleted { had_row: row.is_some() },
            };
            let outcome = if outcome == Written::Rewritten && !options.rewrite_same_version {
                Written::Unchanged
            } else {
                outcome
            };
            if !matches!(outcome, Written::Stale | Written::Unchanged) {
                applied.push(change.id());
                let (deleted, version) = match change {
                    Change::Upsert { incoming: Incoming::Event { version }, .. } => (false, Some(*version)),
                    Change::Upsert { .. } => (false, None),
                    Change::Delete { version, .. } => (true, Some(*version)),
                };
                if let Some(version) = version.filter(|_| deleted || options.record_upserts) {
                    for (column, value) in records.iter_mut().zip([
                        name.to_owned(),
                        change.id().to_owned(),
                        version.to_string(),
                        deleted.to_string(),
                        now.clone(),
                    ]) {
                        column.push(value);
                    }
                }
            }
            written.push(outcome);
        }
        let with_rows: Vec<String> =
            applied.iter().filter(|id| stored.row(name, id).is_some()).map(|id| (*id).to_owned()).collect();
        if !with_rows.is_empty() {
            deletes.push(Statement::new(
                format!(
                    "DELETE FROM {} WHERE {}",
                    qualified(d, dataset, &group.resource.table.name),
                    Statement::member(d, "\"id\"", 1)
                ),
                vec![with_rows],
            ));
        }
        let ids: Vec<String> = applied.iter().map(|id| (*id).to_owned()).collect();
        for child in
            group.resource.table.children.iter().filter(|child| stored.children_with_rows.contains(&*child.table.name))
        {
            deletes.push(Statement::new(
                format!(
                    "DELETE FROM {} WHERE {}",
                    qualified(d, dataset, &child.table.name),
                    Statement::member(d, &d.ident(PARENT_ID), 1)
                ),
                vec![ids.clone()],
            ));
        }
        let upserted: HashSet<&str> = group
            .changes
            .iter()
            .zip(&written)
            .filter(|(change, outcome)| {
                matches!(change, Change::Upsert { .. }) && !matches!(outcome, Written::Stale | Written::Unchanged)
            })
            .map(|(change, _)| change.id())
            .collect();
        group.rows.retain(|id| upserted.contains(id));
        outcomes.push(written);
    }
    load(dest, dataset, groups, deletes, options.stage_prefix, trailing)?;
    record(dest, dataset, stored, &records, trailing);
    Ok(outcomes)
}

/// Deletes the replaced rows and loads the new ones.
fn load(
    dest: &mut dyn Destination,
    dataset: &str,
    groups: &[Group],
    deletes: Vec<Statement>,
    prefix: &str,
    trailing: &mut Vec<Statement>,
) -> Result<()> {
    let d = dest.dialect();
    if dest.loads_final_tables() {
        dest.execute_statements(&deletes)?;
        for group in groups {
            sql::load_final_batch(dest, dataset, &group.rows)?;
        }
        return Ok(());
    }
    for group in groups {
        sql::stage_into(dest, dataset, &group.rows, prefix)?;
    }
    trailing.extend(deletes);
    for group in groups {
        for (index, rows) in group.rows.tables.iter().enumerate().filter(|(_, rows)| !rows.rows.is_empty()) {
            trailing.extend(
                sql::insert_staged_statements(d, dataset, rows.table, index > 0, prefix)
                    .map(|statement| Statement::new(statement, Vec::new())),
            );
        }
    }
    Ok(())
}

/// Replaces the records of the objects in `records` (resource, id, version, deleted, applied_ms,
/// column by column).
fn record(
    dest: &mut dyn Destination,
    dataset: &str,
    stored: &Stored,
    records: &[Vec<String>; 5],
    trailing: &mut Vec<Statement>,
) {
    if records[0].is_empty() {
        return;
    }
    let d = dest.dialect();
    let objects = qualified(d, dataset, OBJECTS_TABLE);
    // The old records of those objects, by resource.
    let mut old: Vec<(&str, Vec<String>)> = Vec::new();
    for (resource, id) in records[0].iter().zip(&records[1]) {
        if stored.recorded(resource, id).is_none() {
            continue;
        }
        match old.iter_mut().find(|(name, _)| name == resource) {
            Some((_, ids)) => ids.push(id.clone()),
            None => old.push((resource, vec![id.clone()])),
        }
    }
    if !old.is_empty() {
        trailing.push(match d {
            // PostgreSQL finds each resource's ids by the (resource, id) index.
            Dialect::Postgres => {
                let conditions: Vec<String> = old.iter().enumerate().map(|(i, (resource, _))| format!("(resource = {} AND {})", literal(resource), Statement::member(d, "id", i + 1))).collect();
                Statement::new(format!("DELETE FROM {objects} WHERE {}", conditions.join(" OR ")), old.into_iter().map(|(_, ids)| ids).collect())
            }
            // DuckDB: one join on both columns, as a join per resource costs three times more.
            Dialect::DuckDb => {
                let (resources, ids): (Vec<String>, Vec<String>) = old.into_iter().flat_map(|(resource, ids)| ids.into_iter().map(move |id| (resource.to_owned(), id))).unzip();
                Statement::new(
                    format!("DELETE FROM {objects} USING (SELECT unnest({}) AS resource, unnest({}) AS id) AS old WHERE {objects}.resource = old.resource AND {objects}.id = old.id", Statement::param(d, 1), Statement::param(d, 2)),
                    vec![resources, ids],
                )
            }
        });
    }
    trailing.push(Statement::new(
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
}
