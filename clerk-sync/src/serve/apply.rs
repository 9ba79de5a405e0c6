//! Applies a group of deliveries in one transaction: the unit `serve` commits and acknowledges.
//!
//! Per delivery: a message id already committed (or repeated in the group) is a duplicate and
//! changes nothing; per object, only the newest change of the group is considered. The write
//! engine weighs that change against what is stored and writes it (`crate::write::upsert`,
//! recording its version), and the group's delivery ids go in with the same commit.

use super::event::{Change, Delivery};
use crate::dest::qualified;
use crate::dest::sql::{DELIVERIES_TABLE, SERVE_STAGE_PREFIX};
use crate::dest::{Destination, DestinationError, Result, Statement};
use crate::rows::Batch;
use crate::rows::Cell;
use crate::schema::Resource;
use crate::write::rule::{Incoming, Recorded};
use crate::write::stored::{Mirror, Written};
use crate::write::{self, stored, upsert};
use std::collections::{HashMap, HashSet};

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// The delivery id was committed before (a retry or a redelivery).
    Duplicate,
    /// A newer version of the object was already stored, or came in the same group.
    Stale,
    /// The event is about an object no synced table holds.
    NotSynced,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Stale => "stale",
            Outcome::NotSynced => "not-synced",
        }
    }
}

/// Applies `deliveries` and commits, or changes nothing and returns the error.
///
/// A group takes few statements, as it commits while more requests wait (DuckDB pays for each
/// statement it plans, PostgreSQL for each round trip): `BEGIN` with the locks, one query for
/// the delivery ids, stored versions and child rows of every object concerned, then only the
/// deletes that find rows, the new rows in bulk, the versions and delivery ids, and `COMMIT`.
///
/// With a `mirror` (the destination's only writer keeps what it holds in memory), the lookup
/// comes from it, and it takes in what the group wrote once the group has committed.
pub fn apply_group(
    dest: &mut dyn Destination,
    dataset: &str,
    deliveries: &[Delivery],
    mirror: Option<&mut Mirror>,
    resources: &[&'static Resource],
) -> Result<Vec<Outcome>> {
    let (mut outcomes, newest) = newest_per_object(deliveries);
    let groups = by_resource(deliveries, &newest);
    let names: Vec<&str> = groups.iter().map(|(resource, _)| &*resource.name).collect();
    let known = mirror.as_deref();
    let applied_ms = crate::now_ms();
    let (outcomes, written) = write::transaction(dest, dataset, &names, |dest, trailing| {
        let ids: Vec<String> = deliveries.iter().map(|delivery| delivery.id.clone()).collect();
        let objects: Vec<(&Resource, Vec<String>)> = groups
            .iter()
            .map(|(resource, indexes)| {
                let mut ids: Vec<String> = indexes
                    .iter()
                    .filter_map(|&i| deliveries[i].change.target())
                    .map(|(_, id)| id.to_owned())
                    .collect();
                ids.sort_unstable();
                (*resource, ids)
            })
            .collect();
        let stored = match known {
            Some(mirror) => mirror.lookup(&objects, &ids),
            None => stored::read(dest, dataset, &objects, &ids)?,
        };
        // Deliveries committed before are duplicates, whatever else the group holds.
        for (outcome, delivery) in outcomes.iter_mut().zip(deliveries) {
            if stored.deliveries.contains(&delivery.id) {
                *outcome = Some(Outcome::Duplicate);
            }
        }
        let mut engine_groups = Vec::new();
        let mut order = Vec::new();
        for (resource, indexes) in &groups {
            let mut rows = Batch::new(&resource.table);
            let mut changes = Vec::new();
            for &i in indexes.iter().filter(|&&i| outcomes[i].is_none()) {
                match &deliveries[i].change {
                    Change::Upsert { id, version, item, .. } => {
                        rows.push_json(item.as_bytes(), None)
                            .map_err(|message| DestinationError { destination: "serve", message })?;
                        changes.push(upsert::Change::Upsert {
                            id: id.clone(),
                            incoming: Incoming::Event { version: *version },
                        });
                    }
                    Change::Delete { id, version, .. } => {
                        changes.push(upsert::Change::Delete { id: id.clone(), version: *version })
                    }
                    Change::NotSynced => continue,
                }
                order.push(i);
            }
            engine_groups.push(upsert::Group { resource, changes, rows });
        }
        let options = upsert::Options {
            record_upserts: true,
            rewrite_same_version: true,
            stage_prefix: SERVE_STAGE_PREFIX,
            applied_ms,
        };
        let results = upsert::write(dest, dataset, &stored, &mut engine_groups, options, trailing)?;
        let written = known.map(|_| mirrored(&engine_groups, &results, applied_ms));
        for (i, outcome) in order.into_iter().zip(results.into_iter().flatten()) {
            outcomes[i] = Some(if outcome == upsert::Written::Stale { Outcome::Stale } else { Outcome::Applied });
        }
        let outcomes: Vec<Outcome> = outcomes.into_iter().map(|outcome| outcome.unwrap_or(Outcome::Stale)).collect();
        trailing.extend(record_deliveries(dest, dataset, deliveries, &outcomes));
        Ok((outcomes, written))
    })?;
    if let (Some(mirror), Some(mut written)) = (mirror, written) {
        written.deliveries = deliveries
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| **outcome != Outcome::Duplicate)
            .map(|(delivery, _)| delivery.id.clone())
            .collect();
        mirror.commit(written, resources);
    }
    Ok(outcomes)
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

/// Decides duplicates within the group and, per object, which change is the newest: returns
/// the outcomes decided so far and the indexes of those newest changes, in arrival order.
fn newest_per_object(deliveries: &[Delivery]) -> (Vec<Option<Outcome>>, Vec<usize>) {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; deliveries.len()];
    let mut in_group = HashSet::new();
    let mut newest: HashMap<(&str, &str), usize> = HashMap::new();
    for (index, delivery) in deliveries.iter().enumerate() {
        if !in_group.insert(delivery.id.as_str()) {
            outcomes[index] = Some(Outcome::Duplicate);
            continue;
        }
        let Some((resource, id)) = delivery.change.target() else {
            outcomes[index] = Some(Outcome::NotSynced);
            continue;
        };
        match newest.get(&(&*resource.name, id)).copied() {
            Some(other) if !supersedes(&delivery.change, &deliveries[other].change) => {
                outcomes[index] = Some(Outcome::Stale)
            }
            other => {
                if let Some(other) = other {
                    outcomes[other] = Some(Outcome::Stale);
                }
                newest.insert((&resource.name, id), index);
            }
        }
    }
    let mut newest: Vec<usize> = newest.into_values().collect();
    newest.sort_unstable();
    (outcomes, newest)
}

/// Whether `change` wins over `other` for the same object: a higher version; on a tie a
/// deletion, else the later delivery.
fn supersedes(change: &Change, other: &Change) -> bool {
    let delete = |c: &Change| matches!(c, Change::Delete { .. });
    (change.version(), delete(change)) >= (other.version(), delete(other))
}

/// The group's delivery ids that were not duplicates, inserted with the commit.
fn record_deliveries(
    dest: &mut dyn Destination,
    dataset: &str,
    deliveries: &[Delivery],
    outcomes: &[Outcome],
) -> Option<Statement> {
    let d = dest.dialect();
    let (fresh_ids, fresh_types): (Vec<String>, Vec<String>) = deliveries
        .iter()
        .zip(outcomes)
        .filter(|(_, outcome)| **outcome != Outcome::Duplicate)
        .map(|(delivery, _)| (delivery.id.clone(), delivery.event_type.clone()))
        .unzip();
    (!fresh_ids.is_empty()).then(|| {
        Statement::new(
            format!(
                "INSERT INTO {} (delivery_id, event_type, received_at) SELECT id, event_type, {} FROM (SELECT unnest({}) AS id, unnest({}) AS event_type) AS v",
                qualified(d, dataset, DELIVERIES_TABLE),
                d.now(),
                Statement::param(d, 1),
                Statement::param(d, 2)
            ),
            vec![fresh_ids, fresh_types],
        )
    })
}

/// The newest changes grouped by resource (in name order), each in arrival order.
fn by_resource(deliveries: &[Delivery], newest: &[usize]) -> Vec<(&'static Resource, Vec<usize>)> {
    let mut groups: Vec<(&'static Resource, Vec<usize>)> = Vec::new();
    for &i in newest {
        let Some((resource, _)) = deliveries[i].change.target() else { continue };
        match groups.iter_mut().find(|(r, _)| r.name == resource.name) {
            Some((_, indexes)) => indexes.push(i),
            None => groups.push((resource, vec![i])),
        }
    }
    groups.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    groups
}
