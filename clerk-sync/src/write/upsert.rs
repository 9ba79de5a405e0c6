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
use crate::dest::sql;
use crate::dest::{Destination, Dialect, Result, Statement};
use crate::rows::Batch;
use crate::schema::Resource;
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

impl Options<'static> {
    /// A run's writes: listings' versions are not recorded (only tombstones are), rows of the
    /// same version stay as they are, staged in the run's staging tables.
    pub fn for_run() -> Options<'static> {
        Options {
            record_upserts: false,
            rewrite_same_version: false,
            stage_prefix: crate::dest::sql::STAGE_PREFIX,
            applied_ms: crate::now_ms(),
        }
    }
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
    let mut deletes = Vec::new();
    let mut records = Records::default();
    let mut outcomes = Vec::with_capacity(groups.len());
    for group in groups.iter_mut() {
        let written: Vec<Written> =
            group.changes.iter().map(|change| weigh(stored, group.resource, change, options)).collect();
        let applied: Vec<&Change> = group
            .changes
            .iter()
            .zip(&written)
            .filter(|(_, outcome)| !matches!(outcome, Written::Stale | Written::Unchanged))
            .map(|(change, _)| change)
            .collect();
        for change in &applied {
            records.push(&group.resource.name, change, options);
        }
        deletes.extend(old_rows(d, dataset, stored, group.resource, &applied));
        let upserted: HashSet<&str> =
            applied.iter().filter(|change| matches!(change, Change::Upsert { .. })).map(|change| change.id()).collect();
        group.rows.retain(|id| upserted.contains(id));
        outcomes.push(written);
    }
    load(dest, dataset, groups, deletes, options.stage_prefix, trailing)?;
    if !records.columns[0].is_empty() {
        let old = records.old(stored);
        trailing.extend(sql::objects::replace(d, dataset, old, records.columns));
    }
    Ok(outcomes)
}

/// What becomes of `change`, given what is `stored`: the staleness rule, then whether it
/// inserts, replaces or deletes a row.
fn weigh(stored: &Stored, resource: &Resource, change: &Change, options: Options<'_>) -> Written {
    let recorded = stored.recorded(&resource.name, change.id());
    let row = stored.row(&resource.name, change.id());
    let outcome = match change {
        Change::Upsert { incoming, .. } if is_stale(*incoming, recorded, row.flatten()) => Written::Stale,
        Change::Delete { version, .. } if is_stale(Incoming::Event { version: *version }, recorded, row.flatten()) => {
            Written::Stale
        }
        Change::Upsert { incoming, .. } => match (row, incoming) {
            (None, _) => Written::Inserted,
            (Some(Some(at)), Incoming::Event { version } | Incoming::Listed { updated_at: Some(version), .. })
                if at == *version =>
            {
                Written::Rewritten
            }
            (Some(_), _) => Written::Updated,
        },
        Change::Delete { .. } => Written::Deleted { had_row: row.is_some() },
    };
    if outcome == Written::Rewritten && !options.rewrite_same_version {
        Written::Unchanged
    } else {
        outcome
    }
}

/// The deletes of the rows (and child rows) the `applied` changes replace or remove: only in
/// tables the stored state says hold some.
fn old_rows(d: Dialect, dataset: &str, stored: &Stored, resource: &Resource, applied: &[&Change]) -> Vec<Statement> {
    let name = &*resource.name;
    let mut deletes = Vec::new();
    let with_rows: Vec<String> = applied
        .iter()
        .filter(|change| stored.row(name, change.id()).is_some())
        .map(|change| change.id().to_owned())
        .collect();
    if !with_rows.is_empty() {
        deletes.push(sql::rows::delete_objects(d, dataset, &resource.table.name, false, with_rows));
    }
    let ids: Vec<String> = applied.iter().map(|change| change.id().to_owned()).collect();
    for child in resource.table.children.iter().filter(|child| stored.children_with_rows.contains(&*child.table.name)) {
        deletes.push(sql::rows::delete_objects(d, dataset, &child.table.name, true, ids.clone()));
    }
    deletes
}

/// `_clerk_sync_objects`' new rows, column by column: resource, id, version, deleted,
/// applied_ms.
#[derive(Default)]
struct Records {
    columns: [Vec<String>; 5],
}

impl Records {
    /// Records an applied change's version: every deletion (a tombstone), and upserts from
    /// events where `record_upserts`.
    fn push(&mut self, resource: &str, change: &Change, options: Options<'_>) {
        let (deleted, version) = match change {
            Change::Upsert { incoming: Incoming::Event { version }, .. } => (false, Some(*version)),
            Change::Upsert { .. } => (false, None),
            Change::Delete { version, .. } => (true, Some(*version)),
        };
        let Some(version) = version.filter(|_| deleted || options.record_upserts) else { return };
        let values = [
            resource.to_owned(),
            change.id().to_owned(),
            version.to_string(),
            deleted.to_string(),
            options.applied_ms.to_string(),
        ];
        for (column, value) in self.columns.iter_mut().zip(values) {
            column.push(value);
        }
    }

    /// The recorded objects that already have a record, ids by resource.
    fn old(&self, stored: &Stored) -> Vec<(String, Vec<String>)> {
        let mut old: Vec<(String, Vec<String>)> = Vec::new();
        for (resource, id) in self.columns[0].iter().zip(&self.columns[1]) {
            if stored.recorded(resource, id).is_none() {
                continue;
            }
            match old.iter_mut().find(|(name, _)| name == resource) {
                Some((_, ids)) => ids.push(id.clone()),
                None => old.push((resource.clone(), vec![id.clone()])),
            }
        }
        old
    }
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
