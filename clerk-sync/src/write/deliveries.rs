//! What `serve` hands the engine: a group of webhook deliveries and, per resource, the one change
//! each object gets from them. The engine looks up what is stored (from the [`Mirror`] where it
//! keeps one), drops the changes of deliveries committed before, weighs the rest
//! ([`super::upsert`]), and writes them with the group's delivery ids in one transaction; `serve`
//! never sees a statement, a staging table or a transaction.

use super::rule::{Incoming, Recorded};
use super::stored::{self, Mirror, Written};
use super::{transaction, upsert};
use crate::dest::{sql, Destination, Result};
use crate::rows::{Batch, Cell};
use crate::schema::Resource;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// A delivery of the group: its message id and event type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Delivered<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
}

/// The changes to one resource's objects, each object at most once, each tagged with the index
/// of the delivery that brought it; `rows` holds the upserts' rows.
#[derive(Debug)]
pub(crate) struct ResourceChanges {
    pub resource: &'static Resource,
    pub changes: Vec<(usize, upsert::Change)>,
    pub rows: Batch,
}

/// What a group's transaction did.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// Per delivery: whether its id was committed by an earlier group (it then changed nothing).
    pub committed_before: Vec<bool>,
    /// What became of each change that was weighed, with its delivery's index.
    pub written: Vec<(usize, upsert::Written)>,
}

/// Makes the destination ready for `serve`: its serving mode, the tables, and the staging
/// tables where it loads through them.
pub(crate) fn prepare(dest: &mut dyn Destination, dataset: &str, resources: &[&'static Resource]) -> Result<()> {
    dest.start_serving()?;
    sql::prepare(dest, dataset, resources)?;
    // A destination that appends to its tables directly needs no staging tables.
    if !dest.loads_final_tables() {
        for resource in resources {
            sql::create_stage_tables(dest, dataset, resource, sql::SERVE_STAGE_PREFIX)?;
        }
    }
    Ok(())
}

/// Applies a group and commits, or changes nothing and returns the error. Each delivery id not
/// committed before is recorded once, with the commit.
///
/// A group takes few statements, as it commits while more requests wait (DuckDB pays for each
/// statement it plans, PostgreSQL for each round trip): `BEGIN` with the locks, one query for
/// the delivery ids, stored versions and child rows of every object concerned, then only the
/// deletes that find rows, the new rows in bulk, the versions and delivery ids, and `COMMIT`.
///
/// With a `mirror` (the destination's only writer keeps what it holds in memory), the lookup
/// comes from it, and it takes in what the group wrote once the group has committed.
pub(crate) fn apply(
    dest: &mut dyn Destination,
    dataset: &str,
    deliveries: &[Delivered<'_>],
    groups: Vec<ResourceChanges>,
    mirror: Option<&mut Mirror>,
    resources: &[&'static Resource],
) -> Result<Applied> {
    let names: Vec<&str> = groups.iter().map(|group| &*group.resource.name).collect();
    let known = mirror.as_deref();
    let applied_ms = crate::now_ms();
    let (applied, written, recorded_ids) = transaction(dest, dataset, &names, |dest, trailing| {
        let ids: Vec<String> = deliveries.iter().map(|delivery| delivery.id.to_owned()).collect();
        let objects: Vec<(&Resource, Vec<String>)> = groups
            .iter()
            .map(|group| {
                let mut ids: Vec<String> = group.changes.iter().map(|(_, change)| change.id().to_owned()).collect();
                ids.sort_unstable();
                (group.resource, ids)
            })
            .collect();
        let stored = match known {
            Some(mirror) => mirror.lookup(&objects, &ids),
            None => stored::read(dest, dataset, &objects, &ids)?,
        };
        let committed_before: Vec<bool> =
            deliveries.iter().map(|delivery| stored.deliveries.contains(delivery.id)).collect();
        // The changes of deliveries committed before are dropped; the rest are weighed.
        let mut order = Vec::new();
        let mut engine_groups: Vec<upsert::Group> = groups
            .into_iter()
            .map(|group| {
                let changes = group
                    .changes
                    .into_iter()
                    .filter(|(index, _)| !committed_before[*index])
                    .map(|(index, change)| {
                        order.push(index);
                        change
                    })
                    .collect();
                upsert::Group { resource: group.resource, changes, rows: group.rows }
            })
            .collect();
        let options = upsert::Options {
            record_upserts: true,
            rewrite_same_version: true,
            stage_prefix: sql::SERVE_STAGE_PREFIX,
            applied_ms,
        };
        let results = upsert::write(dest, dataset, &stored, &mut engine_groups, options, trailing)?;
        let written = known.map(|_| mirrored(&engine_groups, &results, applied_ms));
        let mut seen = HashSet::new();
        let (fresh_ids, fresh_types): (Vec<String>, Vec<String>) = deliveries
            .iter()
            .zip(&committed_before)
            .filter(|(delivery, before)| !**before && seen.insert(delivery.id))
            .map(|(delivery, _)| (delivery.id.to_owned(), delivery.event_type.to_owned()))
            .unzip();
        if !fresh_ids.is_empty() {
            trailing.push(sql::deliveries::record(dest.dialect(), dataset, fresh_ids.clone(), fresh_types));
        }
        let applied =
            Applied { committed_before, written: order.into_iter().zip(results.into_iter().flatten()).collect() };
        Ok((applied, written, fresh_ids))
    })?;
    if let (Some(mirror), Some(mut written)) = (mirror, written) {
        written.deliveries = recorded_ids;
        mirror.commit(written, resources);
    }
    Ok(applied)
}

/// Drops the delivery ids recorded more than `keep` ago (no redelivery comes that late), from
/// the destination and the `mirror`.
pub(crate) fn prune(
    dest: &mut dyn Destination,
    dataset: &str,
    keep: Duration,
    mirror: Option<&mut Mirror>,
) -> Result<()> {
    dest.execute(&sql::deliveries::prune(dest.dialect(), dataset, keep))?;
    if let Some(mirror) = mirror {
        mirror.prune_deliveries(keep);
    }
    Ok(())
}

/// What a group's writes leave in the database, for a [`Mirror`]: rows and their versions, the
/// child tables holding rows of each upserted object, deletions and recorded versions.
fn mirrored(groups: &[upsert::Group], results: &[Vec<upsert::Written>], now: i64) -> Written {
    let mut written = Written::default();
    for (group, results) in groups.iter().zip(results) {
        let name = group.resource.name.to_string();
        let versions: HashMap<&str, Option<i64>> = group.rows.keys().collect();
        // The child tables holding rows of each parent, from one pass over the child rows.
        let mut children: HashMap<&str, Vec<String>> = HashMap::new();
        for rows in group.rows.tables.iter().skip(1) {
            let parents: HashSet<&str> = rows
                .rows
                .iter()
                .filter_map(|row| match row.first() {
                    Some(Cell::Text(parent)) => Some(parent.as_str()),
                    _ => None,
                })
                .collect();
            for parent in parents {
                children.entry(parent).or_default().push(rows.table.name.to_string());
            }
        }
        for (change, result) in group.changes.iter().zip(results) {
            let key = (name.clone(), change.id().to_owned());
            match (change, result) {
                (_, upsert::Written::Stale | upsert::Written::Unchanged) => {}
                (upsert::Change::Upsert { incoming, .. }, _) => {
                    let tables = children.get(change.id()).cloned().unwrap_or_default();
                    written.upserted.push((key.clone(), versions.get(change.id()).copied().flatten(), tables));
                    if let Incoming::Event { version } = incoming {
                        written.recorded.push((key, Recorded { version: *version, deleted: false, applied_ms: now }));
                    }
                }
                (upsert::Change::Delete { version, .. }, _) => {
                    written.deleted.push(key.clone());
                    written.recorded.push((key, Recorded { version: *version, deleted: true, applied_ms: now }));
                }
            }
        }
    }
    written
}
