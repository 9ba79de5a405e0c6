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
pub fn apply_group(dest: &mut dyn Destination, dataset: &str, deliveries: &[Delivery]) -> Result<Vec<Outcome>> {
    dest.execute("BEGIN")?;
    match apply_in_transaction(dest, dataset, deliveries) {
        Ok(outcomes) => {
            dest.execute("COMMIT")?;
            Ok(outcomes)
        }
        Err(error) => {
            let _ = dest.execute("ROLLBACK");
            Err(error)
        }
    }
}

fn id_list<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    ids.map(literal).collect::<Vec<_>>().join(", ")
}

fn apply_in_transaction(dest: &mut dyn Destination, dataset: &str, deliveries: &[Delivery]) -> Result<Vec<Outcome>> {
    let d = dest.dialect();
    let mut touched: Vec<&'static Resource> = deliveries.iter().filter_map(|delivery| delivery.change.target()).map(|(resource, _)| resource).collect();
    touched.sort_by(|a, b| a.name.cmp(&b.name));
    touched.dedup_by(|a, b| a.name == b.name);
    // In name order, so two groups never wait on each other.
    for resource in &touched {
        sql::lock_resource(dest, dataset, &resource.name)?;
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; deliveries.len()];
    let committed: HashSet<String> = column(dest.query(&format!(
        "SELECT delivery_id FROM {} WHERE delivery_id IN ({})",
        qualified(d, dataset, DELIVERIES_TABLE),
        id_list(deliveries.iter().map(|delivery| delivery.id.as_str()))
    ))?)
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
    for resource in touched {
        let candidates: Vec<usize> = newest.iter().filter(|((name, _), _)| *name == &*resource.name).map(|(_, &index)| index).collect();
        for index in apply_resource(dest, dataset, resource, deliveries, &candidates)? {
            outcomes[index] = Some(Outcome::Applied);
        }
        for index in candidates {
            outcomes[index].get_or_insert(Outcome::Stale);
        }
    }
    let fresh: Vec<String> = deliveries
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| **outcome != Some(Outcome::Duplicate))
        .map(|(delivery, _)| format!("({}, {}, {})", literal(&delivery.id), literal(&delivery.event_type), d.now()))
        .collect();
    if !fresh.is_empty() {
        dest.execute(&format!("INSERT INTO {} (delivery_id, event_type, received_at) VALUES {}", qualified(d, dataset, DELIVERIES_TABLE), fresh.join(", ")))?;
    }
    Ok(outcomes.into_iter().map(|outcome| outcome.unwrap_or(Outcome::Stale)).collect())
}

/// Whether `change` wins over `other` for the same object: a higher version; on a tie a
/// deletion, else the later delivery.
fn supersedes(change: &Change, other: &Change) -> bool {
    let delete = |c: &Change| matches!(c, Change::Delete { .. });
    (change.version(), delete(change)) >= (other.version(), delete(other))
}

/// The first column of each row.
fn column(rows: Vec<Vec<Option<String>>>) -> impl Iterator<Item = String> {
    rows.into_iter().filter_map(|row| row.into_iter().next().flatten())
}

/// Applies the newest change of each object of one resource unless what is stored is newer;
/// returns the indexes applied.
fn apply_resource(dest: &mut dyn Destination, dataset: &str, resource: &'static Resource, deliveries: &[Delivery], candidates: &[usize]) -> Result<Vec<usize>> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let d = dest.dialect();
    let target = qualified(d, dataset, &resource.table.name);
    let objects = qualified(d, dataset, OBJECTS_TABLE);
    let name = literal(&resource.name);
    let ids = id_list(candidates.iter().filter_map(|&i| deliveries[i].change.target()).map(|(_, id)| id));
    let number = |text: Option<String>| text.and_then(|t| t.parse::<i64>().ok());
    let mut recorded: HashMap<String, (i64, bool)> = HashMap::new();
    for row in dest.query(&format!("SELECT id, version, deleted FROM {objects} WHERE resource = {name} AND id IN ({ids})"))? {
        let mut row = row.into_iter();
        let (Some(Some(id)), Some(version), Some(deleted)) = (row.next(), row.next(), row.next()) else { continue };
        let deleted = deleted.is_some_and(|v| matches!(v.as_str(), "true" | "t" | "1"));
        recorded.insert(id, (number(version).unwrap_or(i64::MIN), deleted));
    }
    let mut current: HashMap<String, i64> = HashMap::new();
    if sql::has_updated_at(&resource.table) {
        for row in dest.query(&format!("SELECT \"id\", \"updated_at\" FROM {target} WHERE \"id\" IN ({ids})"))? {
            let mut row = row.into_iter();
            if let (Some(Some(id)), Some(updated_at)) = (row.next(), row.next()) {
                current.insert(id, number(updated_at).unwrap_or(i64::MIN));
            }
        }
    }
    let applied: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| {
            let change = &deliveries[i].change;
            let Some((_, id)) = change.target() else { return false };
            let version = change.version();
            let newer_recorded = recorded.get(id).is_some_and(|&(stored, deleted)| if deleted { stored >= version } else { stored > version });
            let newer_row = current.get(id).is_some_and(|&stored| stored > version);
            !newer_recorded && !newer_row
        })
        .collect();
    if applied.is_empty() {
        return Ok(applied);
    }
    let applied_ids = id_list(applied.iter().filter_map(|&i| deliveries[i].change.target()).map(|(_, id)| id));
    dest.execute(&format!("DELETE FROM {target} WHERE \"id\" IN ({applied_ids})"))?;
    for child in resource.table.children.iter() {
        dest.execute(&format!("DELETE FROM {} WHERE {} IN ({applied_ids})", qualified(d, dataset, &child.table.name), d.ident(PARENT_ID)))?;
    }
    let mut batch = Batch::new(&resource.table);
    for &i in &applied {
        if let Change::Upsert { item, .. } = &deliveries[i].change {
            batch.push(item).map_err(|message| DestinationError { destination: "serve", message })?;
        }
    }
    if !batch.is_empty() {
        sql::stage_into(dest, dataset, &batch, LIVE_PREFIX)?;
        sql::insert_staged(dest, dataset, resource, LIVE_PREFIX)?;
    }
    let now = crate::now_ms();
    let versions: Vec<String> = applied
        .iter()
        .filter_map(|&i| {
            let change = &deliveries[i].change;
            let (_, id) = change.target()?;
            let deleted = matches!(change, Change::Delete { .. });
            // A tombstone keeps the newest time the object was deleted.
            let version = recorded.get(id).filter(|&&(_, was_deleted)| was_deleted && deleted).map_or(change.version(), |&(stored, _)| stored.max(change.version()));
            Some(format!("({name}, {}, {version}, {deleted}, {now})", literal(id)))
        })
        .collect();
    dest.execute(&format!("DELETE FROM {objects} WHERE resource = {name} AND id IN ({applied_ids})"))?;
    dest.execute(&format!("INSERT INTO {objects} (resource, id, version, deleted, applied_ms) VALUES {}", versions.join(", ")))?;
    Ok(applied)
}
