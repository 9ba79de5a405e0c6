//! Applies a group of deliveries in one transaction: the unit `serve` commits and acknowledges.
//!
//! Within the transaction, per delivery: a message id already committed (or repeated in the
//! group) is a duplicate and changes nothing; per object, only the newest change of the group
//! is considered, and it is applied unless the object already holds a newer version (recorded
//! in `_clerk_sync_objects`, or the row's own `updated_at`, which a `run` may have written).
//! A deletion removes the row and its child rows and leaves a tombstone, so neither an older
//! event nor a listing made before the deletion brings the row back.

use super::event::{Change, Delivery};
use crate::dest::sql::{self, literal, qualified, DELIVERIES_TABLE, LIVE_PREFIX, OBJECTS_TABLE};
use crate::dest::{Destination, DestinationError, Result};
use crate::rows::Batch;
use crate::schema::{Resource, PARENT_ID};
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
/// Statements go in few round trips, as a group commits while more requests wait: the locks
/// with `BEGIN`, one query for the delivery ids, one for the stored versions of every object
/// concerned, a bulk load per table with new rows, and every write with `COMMIT`.
pub fn apply_group(dest: &mut dyn Destination, dataset: &str, deliveries: &[Delivery]) -> Result<Vec<Outcome>> {
    let d = dest.dialect();
    let mut touched: Vec<&'static Resource> = deliveries.iter().filter_map(|delivery| delivery.change.target()).map(|(resource, _)| resource).collect();
    touched.sort_by(|a, b| a.name.cmp(&b.name));
    touched.dedup_by(|a, b| a.name == b.name);
    // Locks in name order, so two groups never wait on each other.
    let begin: Vec<String> = std::iter::once("BEGIN".to_owned()).chain(touched.iter().filter_map(|r| sql::lock_statement(d, dataset, &r.name))).collect();
    let result = dest.execute(&begin.join(";\n")).and_then(|()| {
        let (outcomes, mut writes) = apply_in_transaction(dest, dataset, deliveries, &touched)?;
        writes.push("COMMIT".to_owned());
        dest.execute(&writes.join(";\n"))?;
        Ok(outcomes)
    });
    if result.is_err() {
        let _ = dest.execute("ROLLBACK");
    }
    result
}

fn id_list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.map(literal).collect::<Vec<_>>().join(", ")
}

/// Decides each delivery's outcome and loads the new rows; returns the outcomes and the
/// statements that write the rest.
fn apply_in_transaction(dest: &mut dyn Destination, dataset: &str, deliveries: &[Delivery], touched: &[&'static Resource]) -> Result<(Vec<Outcome>, Vec<String>)> {
    let d = dest.dialect();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; deliveries.len()];
    let committed: HashSet<String> = dest
        .query(&format!(
            "SELECT delivery_id FROM {} WHERE delivery_id IN ({})",
            qualified(d, dataset, DELIVERIES_TABLE),
            id_list(deliveries.iter().map(|delivery| delivery.id.as_str()))
        ))?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect();
    let mut in_group = HashSet::new();
    // The newest change per object: (resource, id) -> delivery index.
    let mut newest: HashMap<(&str, &str), usize> = HashMap::new();
    for (index, delivery) in deliveries.iter().enumerate() {
        if committed.contains(&delivery.id) || !in_group.insert(delivery.id.as_str()) {
            outcomes[index] = Some(Outcome::Duplicate);
            continue;
        }
        let Some((resource, id)) = delivery.change.target() else {
            outcomes[index] = Some(Outcome::NotSynced);
            continue;
        };
        match newest.get(&(&*resource.name, id)).copied() {
            Some(other) if !supersedes(&delivery.change, &deliveries[other].change) => outcomes[index] = Some(Outcome::Stale),
            other => {
                if let Some(other) = other {
                    outcomes[other] = Some(Outcome::Stale);
                }
                newest.insert((&resource.name, id), index);
            }
        }
    }
    let candidates: Vec<(&'static Resource, Vec<usize>)> = touched
        .iter()
        .map(|&resource| (resource, newest.iter().filter(|((name, _), _)| *name == &*resource.name).map(|(_, &index)| index).collect::<Vec<_>>()))
        .filter(|(_, indexes)| !indexes.is_empty())
        .collect();
    let stored = stored_versions(dest, dataset, deliveries, &candidates)?;
    let mut writes = Vec::new();
    for (resource, indexes) in &candidates {
        for index in apply_resource(dest, dataset, resource, deliveries, indexes, &stored, &mut writes)? {
            outcomes[index] = Some(Outcome::Applied);
        }
    }
    let fresh: Vec<String> = deliveries
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| **outcome != Some(Outcome::Duplicate))
        .map(|(delivery, _)| format!("({}, {}, {})", literal(&delivery.id), literal(&delivery.event_type), d.now()))
        .collect();
    if !fresh.is_empty() {
        writes.push(format!("INSERT INTO {} (delivery_id, event_type, received_at) VALUES {}", qualified(d, dataset, DELIVERIES_TABLE), fresh.join(", ")));
    }
    // A candidate not applied lost to what was stored.
    Ok((outcomes.into_iter().map(|outcome| outcome.unwrap_or(Outcome::Stale)).collect(), writes))
}

/// Whether `change` wins over `other` for the same object: a higher version; on a tie a
/// deletion, else the later delivery.
fn supersedes(change: &Change, other: &Change) -> bool {
    let delete = |c: &Change| matches!(c, Change::Delete { .. });
    (change.version(), delete(change)) >= (other.version(), delete(other))
}

/// What is stored about the candidates' objects, by (resource, id).
#[derive(Debug, Default)]
struct Stored {
    /// `_clerk_sync_objects`: the version `serve` applied and whether it was a deletion.
    recorded: HashMap<(String, String), (i64, bool)>,
    /// The rows' own `updated_at`.
    rows: HashMap<(String, String), i64>,
}

/// One query for every candidate object: its recorded version and its row's `updated_at`.
fn stored_versions(dest: &mut dyn Destination, dataset: &str, deliveries: &[Delivery], candidates: &[(&'static Resource, Vec<usize>)]) -> Result<Stored> {
    let d = dest.dialect();
    let mut parts = Vec::new();
    let mut recorded_where = Vec::new();
    for (resource, indexes) in candidates {
        let ids = id_list(indexes.iter().filter_map(|&i| deliveries[i].change.target()).map(|(_, id)| id));
        recorded_where.push(format!("(resource = {} AND id IN ({ids}))", literal(&resource.name)));
        if sql::has_updated_at(&resource.table) {
            parts.push(format!(
                "SELECT 'row', {}, \"id\", \"updated_at\", 0 FROM {} WHERE \"id\" IN ({ids})",
                literal(&resource.name),
                qualified(d, dataset, &resource.table.name)
            ));
        }
    }
    let mut stored = Stored::default();
    if recorded_where.is_empty() {
        return Ok(stored);
    }
    parts.insert(
        0,
        format!("SELECT 'object', resource, id, version, CASE WHEN deleted THEN 1 ELSE 0 END FROM {} WHERE {}", qualified(d, dataset, OBJECTS_TABLE), recorded_where.join(" OR ")),
    );
    for row in dest.query(&parts.join(" UNION ALL "))? {
        let [Some(kind), Some(resource), Some(id), version, deleted] = <[Option<String>; 5]>::try_from(row).unwrap_or_default() else { continue };
        let version = version.and_then(|v| v.parse::<i64>().ok()).unwrap_or(i64::MIN);
        if kind == "object" {
            stored.recorded.insert((resource, id), (version, deleted.as_deref() == Some("1")));
        } else {
            stored.rows.insert((resource, id), version);
        }
    }
    Ok(stored)
}

/// Applies the newest change of each object of one resource unless what is stored is newer:
/// loads its new rows and adds the statements that replace the old ones. Returns the indexes
/// applied.
fn apply_resource(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &'static Resource,
    deliveries: &[Delivery],
    candidates: &[usize],
    stored: &Stored,
    writes: &mut Vec<String>,
) -> Result<Vec<usize>> {
    let d = dest.dialect();
    let key = |id: &str| (resource.name.to_string(), id.to_owned());
    let applied: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| {
            let change = &deliveries[i].change;
            let Some((_, id)) = change.target() else { return false };
            let version = change.version();
            let newer_recorded = stored.recorded.get(&key(id)).is_some_and(|&(at, deleted)| if deleted { at >= version } else { at > version });
            let newer_row = stored.rows.get(&key(id)).is_some_and(|&at| at > version);
            !newer_recorded && !newer_row
        })
        .collect();
    if applied.is_empty() {
        return Ok(applied);
    }
    let target = qualified(d, dataset, &resource.table.name);
    let objects = qualified(d, dataset, OBJECTS_TABLE);
    let name = literal(&resource.name);
    let applied_ids = id_list(applied.iter().filter_map(|&i| deliveries[i].change.target()).map(|(_, id)| id));
    writes.push(format!("DELETE FROM {target} WHERE \"id\" IN ({applied_ids})"));
    for child in resource.table.children.iter() {
        writes.push(format!("DELETE FROM {} WHERE {} IN ({applied_ids})", qualified(d, dataset, &child.table.name), d.ident(PARENT_ID)));
    }
    let mut batch = Batch::new(&resource.table);
    for &i in &applied {
        if let Change::Upsert { item, .. } = &deliveries[i].change {
            batch.push_json(item.as_bytes(), None).map_err(|message| DestinationError { destination: "serve", message })?;
        }
    }
    sql::stage_into(dest, dataset, &batch, LIVE_PREFIX)?;
    for (index, rows) in batch.tables.iter().enumerate().filter(|(_, rows)| !rows.rows.is_empty()) {
        writes.extend(sql::insert_staged_statements(d, dataset, rows.table, index > 0, LIVE_PREFIX));
    }
    let now = crate::now_ms();
    let versions: Vec<String> = applied
        .iter()
        .filter_map(|&i| {
            let change = &deliveries[i].change;
            let (_, id) = change.target()?;
            let deleted = matches!(change, Change::Delete { .. });
            // A tombstone keeps the newest time the object was deleted.
            let earlier = stored.recorded.get(&key(id)).filter(|&&(_, was_deleted)| was_deleted && deleted).map_or(i64::MIN, |&(at, _)| at);
            Some(format!("({name}, {}, {}, {deleted}, {now})", literal(id), change.version().max(earlier)))
        })
        .collect();
    writes.push(format!("DELETE FROM {objects} WHERE resource = {name} AND id IN ({applied_ids})"));
    writes.push(format!("INSERT INTO {objects} (resource, id, version, deleted, applied_ms) VALUES {}", versions.join(", ")));
    Ok(applied)
}
