//! Applies a group of deliveries in one transaction: the unit `serve` commits and acknowledges.
//!
//! Per delivery: a message id already committed (or repeated in the group) is a duplicate and
//! changes nothing; per object, only the newest change of the group is considered. The write
//! engine (`crate::write::deliveries`) weighs that change against what is stored and writes it,
//! recording its version, and the group's delivery ids go in with the same commit.

use super::event::{Change, Delivery};
use crate::dest::{Destination, DestinationError, Result};
use crate::rows::Batch;
use crate::schema::Resource;
use crate::write::deliveries::{self, Delivered, ResourceChanges};
use crate::write::rule::Incoming;
use crate::write::stored::Mirror;
use crate::write::upsert;
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

/// Applies `deliveries` and commits, or changes nothing and returns the error (see
/// `crate::write::deliveries::apply` for what the transaction holds). With a `mirror` (the
/// destination's only writer keeps what it holds in memory), the lookup comes from it.
pub fn apply_group(
    dest: &mut dyn Destination,
    dataset: &str,
    deliveries: &[Delivery],
    mirror: Option<&mut Mirror>,
    resources: &[&'static Resource],
) -> Result<Vec<Outcome>> {
    let (mut outcomes, newest) = newest_per_object(deliveries);
    let mut groups = Vec::new();
    for (resource, indexes) in by_resource(deliveries, &newest) {
        let mut rows = Batch::new(&resource.table);
        let mut changes = Vec::new();
        for i in indexes {
            let change = match &deliveries[i].change {
                Change::Upsert { id, version, item, .. } => {
                    rows.push_json(item.as_bytes(), None)
                        .map_err(|message| DestinationError { destination: "serve", message })?;
                    upsert::Change::Upsert { id: id.clone(), incoming: Incoming::Event { version: *version } }
                }
                Change::Delete { id, version, .. } => upsert::Change::Delete { id: id.clone(), version: *version },
                Change::NotSynced => continue,
            };
            changes.push((i, change));
        }
        groups.push(ResourceChanges { resource, changes, rows });
    }
    let delivered: Vec<Delivered<'_>> =
        deliveries.iter().map(|delivery| Delivered { id: &delivery.id, event_type: &delivery.event_type }).collect();
    let applied = deliveries::apply(dest, dataset, &delivered, groups, mirror, resources)?;
    // Deliveries committed before are duplicates, whatever else the group holds.
    for (outcome, before) in outcomes.iter_mut().zip(&applied.committed_before) {
        if *before {
            *outcome = Some(Outcome::Duplicate);
        }
    }
    for (i, written) in applied.written {
        outcomes[i] = Some(if written == upsert::Written::Stale { Outcome::Stale } else { Outcome::Applied });
    }
    Ok(outcomes.into_iter().map(|outcome| outcome.unwrap_or(Outcome::Stale)).collect())
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
