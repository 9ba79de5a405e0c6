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
use crate::dest::{Destination, DestinationError, Lists, Result};
use crate::rows::Batch;
use crate::schema::{ColumnType, Resource, PARENT_ID};
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
/// statement it plans, PostgreSQL for each round trip): the locks with `BEGIN`, one query for
/// the delivery ids, stored versions and child rows of every object concerned, then only the
/// deletes that find rows, the new rows in bulk, the versions and delivery ids, and `COMMIT`.
pub fn apply_group(dest: &mut dyn Destination, dataset: &str, deliveries: &[Delivery]) -> Result<Vec<Outcome>> {
    let d = dest.dialect();
    let mut touched: Vec<&'static Resource> = deliveries.iter().filter_map(|delivery| delivery.change.target()).map(|(resource, _)| resource).collect();
    touched.sort_by(|a, b| a.name.cmp(&b.name));
    touched.dedup_by(|a, b| a.name == b.name);
    // Locks in name order, so two groups never wait on each other.
    let begin: Vec<String> = std::iter::once("BEGIN".to_owned()).chain(touched.iter().filter_map(|r| sql::lock_statement(d, dataset, &r.name))).collect();
    let result = dest.execute(&begin.join(";\n")).and_then(|()| {
        let stored = stored_state(dest, dataset, deliveries, &touched)?;
        let (outcomes, applied) = decide(deliveries, &touched, &stored);
        write(dest, dataset, deliveries, &outcomes, &applied, &stored)?;
        Ok(outcomes)
    });
    if result.is_err() {
        let _ = dest.execute("ROLLBACK");
    }
    result
}

/// What the database holds about a group's deliveries and objects.
#[derive(Debug, Default)]
struct Stored {
    /// Delivery ids of the group committed before.
    deliveries: HashSet<String>,
    /// `_clerk_sync_objects`, by (resource, id): the version `serve` applied and whether it was
    /// a deletion.
    recorded: HashMap<(String, String), (i64, bool)>,
    /// The objects that have a row, by (resource, id), with the row's own `updated_at` where
    /// the table has one.
    rows: HashMap<(String, String), Option<i64>>,
    /// Child tables holding rows of any of the group's objects.
    children_with_rows: HashSet<String>,
}

/// One query for everything the group's decisions need. Its text depends only on which
/// resources the group touches, the ids travel as lists: DuckDB plans it once per shape.
fn stored_state(dest: &mut dyn Destination, dataset: &str, deliveries: &[Delivery], touched: &[&'static Resource]) -> Result<Stored> {
    let d = dest.dialect();
    let null_text = format!("CAST(NULL AS {})", d.type_name(ColumnType::Text));
    let mut lists = vec![deliveries.iter().map(|delivery| delivery.id.clone()).collect::<Vec<String>>()];
    let mut parts = vec![format!(
        "SELECT 'delivery', {null_text}, delivery_id, CAST(NULL AS BIGINT), 0 FROM {} WHERE {}",
        qualified(d, dataset, DELIVERIES_TABLE),
        Lists::member(d, "delivery_id", 1)
    )];
    let mut recorded_where = Vec::new();
    for resource in touched {
        let mut ids: Vec<String> = deliveries.iter().filter_map(|delivery| delivery.change.target()).filter(|(r, _)| r.name == resource.name).map(|(_, id)| id.to_owned()).collect();
        ids.sort_unstable();
        ids.dedup();
        lists.push(ids);
        let n = lists.len();
        let name = literal(&resource.name);
        recorded_where.push(format!("(resource = {name} AND {})", Lists::member(d, "id", n)));
        let updated_at = if sql::has_updated_at(&resource.table) { "\"updated_at\"" } else { "CAST(NULL AS BIGINT)" };
        parts.push(format!("SELECT 'row', {name}, \"id\", {updated_at}, 0 FROM {} WHERE {}", qualified(d, dataset, &resource.table.name), Lists::member(d, "\"id\"", n)));
        for child in resource.table.children.iter() {
            let table = qualified(d, dataset, &child.table.name);
            parts.push(format!("SELECT 'child', {name}, {}, CAST(NULL AS BIGINT), 0 FROM (SELECT 1 FROM {table} WHERE {} LIMIT 1) AS any_row", literal(&child.table.name), Lists::member(d, &d.ident(PARENT_ID), n)));
        }
    }
    if !recorded_where.is_empty() {
        parts.push(format!(
            "SELECT 'object', resource, id, version, CASE WHEN deleted THEN 1 ELSE 0 END FROM {} WHERE {}",
            qualified(d, dataset, OBJECTS_TABLE),
            recorded_where.join(" OR ")
        ));
    }
    let mut stored = Stored::default();
    for row in dest.query_lists(&Lists::new(parts.join(" UNION ALL "), lists))? {
        let [Some(kind), resource, Some(id), version, flag] = <[Option<String>; 5]>::try_from(row).unwrap_or_default() else { continue };
        let version = version.and_then(|v| v.parse::<i64>().ok());
        match (kind.as_str(), resource) {
            ("delivery", _) => {
                stored.deliveries.insert(id);
            }
            ("object", Some(resource)) => {
                stored.recorded.insert((resource, id), (version.unwrap_or(i64::MIN), flag.as_deref() == Some("1")));
            }
            ("row", Some(resource)) => {
                stored.rows.insert((resource, id), version);
            }
            ("child", Some(_)) => {
                stored.children_with_rows.insert(id);
            }
            _ => {}
        }
    }
    Ok(stored)
}

/// Decides each delivery's outcome: duplicates, the newest change per object, and whether
/// what is stored is newer. Returns the outcomes and the indexes of the changes to apply.
fn decide(deliveries: &[Delivery], touched: &[&'static Resource], stored: &Stored) -> (Vec<Outcome>, Vec<usize>) {
    let mut outcomes: Vec<Option<Outcome>> = vec![None; deliveries.len()];
    let mut in_group = HashSet::new();
    // The newest change per object: (resource, id) -> delivery index.
    let mut newest: HashMap<(&str, &str), usize> = HashMap::new();
    for (index, delivery) in deliveries.iter().enumerate() {
        if stored.deliveries.contains(&delivery.id) || !in_group.insert(delivery.id.as_str()) {
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
    let mut applied: Vec<usize> = newest
        .into_values()
        .filter(|&i| {
            let change = &deliveries[i].change;
            let Some((resource, id)) = change.target() else { return false };
            let key = (resource.name.to_string(), id.to_owned());
            let version = change.version();
            let newer_recorded = stored.recorded.get(&key).is_some_and(|&(at, deleted)| if deleted { at >= version } else { at > version });
            let newer_row = stored.rows.get(&key).copied().flatten().is_some_and(|at| at > version);
            !newer_recorded && !newer_row
        })
        .collect();
    // Resource order, then arrival: the statements come out the same for the same group.
    let rank = |i: usize| deliveries[i].change.target().and_then(|(r, _)| touched.iter().position(|t| t.name == r.name));
    applied.sort_by_key(|&i| (rank(i), i));
    for &i in &applied {
        outcomes[i] = Some(Outcome::Applied);
    }
    // A candidate not applied lost to what was stored.
    (outcomes.into_iter().map(|outcome| outcome.unwrap_or(Outcome::Stale)).collect(), applied)
}

/// Whether `change` wins over `other` for the same object: a higher version; on a tie a
/// deletion, else the later delivery.
fn supersedes(change: &Change, other: &Change) -> bool {
    let delete = |c: &Change| matches!(c, Change::Delete { .. });
    (change.version(), delete(change)) >= (other.version(), delete(other))
}

/// Writes the applied changes, the objects' versions and the group's new delivery ids, and
/// commits. Rows of an applied object are deleted (where the query found any) and its new rows
/// loaded: straight into the tables where the destination appends to them (DuckDB: the deletes
/// go first), else through `serve`'s staging tables.
fn write(dest: &mut dyn Destination, dataset: &str, deliveries: &[Delivery], outcomes: &[Outcome], applied: &[usize], stored: &Stored) -> Result<()> {
    let d = dest.dialect();
    let mut deletes = Vec::new();
    let mut batches = Vec::new();
    // `_clerk_sync_objects`: the rows replaced, by resource, and the new rows, column by column.
    let (mut forgotten, mut forgotten_lists) = (Vec::new(), Vec::new());
    let mut versions: [Vec<String>; 5] = Default::default();
    let now = crate::now_ms().to_string();
    for (resource, indexes) in by_resource(deliveries, applied) {
        let key = |id: &str| (resource.name.to_string(), id.to_owned());
        let ids: Vec<String> = indexes.iter().filter_map(|&i| deliveries[i].change.target()).map(|(_, id)| id.to_owned()).collect();
        let with_rows: Vec<String> = ids.iter().filter(|id| stored.rows.contains_key(&key(id))).cloned().collect();
        if !with_rows.is_empty() {
            deletes.push(Lists::new(format!("DELETE FROM {} WHERE {}", qualified(d, dataset, &resource.table.name), Lists::member(d, "\"id\"", 1)), vec![with_rows]));
        }
        for child in resource.table.children.iter().filter(|child| stored.children_with_rows.contains(&*child.table.name)) {
            deletes.push(Lists::new(format!("DELETE FROM {} WHERE {}", qualified(d, dataset, &child.table.name), Lists::member(d, &d.ident(PARENT_ID), 1)), vec![ids.clone()]));
        }
        let mut batch = Batch::new(&resource.table);
        for &i in &indexes {
            if let Change::Upsert { item, .. } = &deliveries[i].change {
                batch.push_json(item.as_bytes(), None).map_err(|message| DestinationError { destination: "serve", message })?;
            }
        }
        batches.push(batch);
        let recorded: Vec<String> = ids.iter().filter(|id| stored.recorded.contains_key(&key(id))).cloned().collect();
        if !recorded.is_empty() {
            forgotten_lists.push(recorded);
            forgotten.push(format!("(resource = {} AND {})", literal(&resource.name), Lists::member(d, "id", forgotten_lists.len())));
        }
        for &i in &indexes {
            let change = &deliveries[i].change;
            let Some((_, id)) = change.target() else { continue };
            let deleted = matches!(change, Change::Delete { .. });
            // A tombstone keeps the newest time the object was deleted.
            let earlier = stored.recorded.get(&key(id)).filter(|&&(_, was_deleted)| was_deleted && deleted).map_or(i64::MIN, |&(at, _)| at);
            for (column, value) in versions.iter_mut().zip([resource.name.to_string(), id.to_owned(), change.version().max(earlier).to_string(), deleted.to_string(), now.clone()]) {
                column.push(value);
            }
        }
    }
    let mut rest = Vec::new();
    if dest.loads_final_tables() {
        dest.execute_lists(&deletes)?;
        for batch in &batches {
            sql::load_final_batch(dest, dataset, batch)?;
        }
    } else {
        for batch in &batches {
            sql::stage_into(dest, dataset, batch, LIVE_PREFIX)?;
        }
        rest = deletes;
        for batch in &batches {
            for (index, rows) in batch.tables.iter().enumerate().filter(|(_, rows)| !rows.rows.is_empty()) {
                rest.extend(sql::insert_staged_statements(d, dataset, rows.table, index > 0, LIVE_PREFIX).map(|statement| Lists::new(statement, Vec::new())));
            }
        }
    }
    let objects = qualified(d, dataset, OBJECTS_TABLE);
    if !forgotten.is_empty() {
        rest.push(Lists::new(format!("DELETE FROM {objects} WHERE {}", forgotten.join(" OR ")), forgotten_lists));
    }
    if !versions[0].is_empty() {
        rest.push(Lists::new(
            format!(
                "INSERT INTO {objects} (resource, id, version, deleted, applied_ms) SELECT resource, id, CAST(version AS BIGINT), CAST(deleted AS BOOLEAN), CAST(applied_ms AS BIGINT) \
                 FROM (SELECT unnest({}) AS resource, unnest({}) AS id, unnest({}) AS version, unnest({}) AS deleted, unnest({}) AS applied_ms) AS v",
                Lists::param(d, 1),
                Lists::param(d, 2),
                Lists::param(d, 3),
                Lists::param(d, 4),
                Lists::param(d, 5)
            ),
            versions.to_vec(),
        ));
    }
    let (fresh_ids, fresh_types): (Vec<String>, Vec<String>) =
        deliveries.iter().zip(outcomes).filter(|(_, outcome)| **outcome != Outcome::Duplicate).map(|(delivery, _)| (delivery.id.clone(), delivery.event_type.clone())).unzip();
    if !fresh_ids.is_empty() {
        rest.push(Lists::new(
            format!(
                "INSERT INTO {} (delivery_id, event_type, received_at) SELECT id, event_type, {} FROM (SELECT unnest({}) AS id, unnest({}) AS event_type) AS v",
                qualified(d, dataset, DELIVERIES_TABLE),
                d.now(),
                Lists::param(d, 1),
                Lists::param(d, 2)
            ),
            vec![fresh_ids, fresh_types],
        ));
    }
    rest.push(Lists::new("COMMIT", Vec::new()));
    dest.execute_lists(&rest)
}

/// The applied changes grouped by resource, in the order given.
fn by_resource(deliveries: &[Delivery], applied: &[usize]) -> Vec<(&'static Resource, Vec<usize>)> {
    let mut groups: Vec<(&'static Resource, Vec<usize>)> = Vec::new();
    for &i in applied {
        let Some((resource, _)) = deliveries[i].change.target() else { continue };
        match groups.iter_mut().find(|(r, _)| r.name == resource.name) {
            Some((_, indexes)) => indexes.push(i),
            None => groups.push((resource, vec![i])),
        }
    }
    groups
}
