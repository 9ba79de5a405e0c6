//! What the database holds about a set of objects, read in one query before deciding what to
//! write: their rows (with each row's `updated_at`), which child tables hold rows of them, what
//! `serve` recorded about them, and which of a group's delivery ids were committed before.
//!
//! One query (`crate::dest::sql::lookup`), as a write commits while more work waits (DuckDB pays
//! for each statement it plans, PostgreSQL for each round trip).

use super::rule::Recorded;
use crate::dest::sql;
use crate::dest::{Destination, Result};
use crate::schema::Resource;
use std::collections::{HashMap, HashSet};

/// An object: its resource's name and its id.
pub type Key = (String, String);

#[derive(Debug, Default)]
pub struct Stored {
    /// Delivery ids asked about that were committed before.
    pub deliveries: HashSet<String>,
    /// `_clerk_sync_objects`.
    pub recorded: HashMap<Key, Recorded>,
    /// The objects that have a row, with the row's `updated_at` where the table has one.
    pub rows: HashMap<Key, Option<i64>>,
    /// Child tables holding rows of any of the objects.
    pub children_with_rows: HashSet<String>,
}

impl Stored {
    pub fn recorded(&self, resource: &str, id: &str) -> Option<Recorded> {
        self.recorded.get(&(resource.to_owned(), id.to_owned())).copied()
    }

    /// Whether the object has a row, and the row's `updated_at`.
    pub fn row(&self, resource: &str, id: &str) -> Option<Option<i64>> {
        self.rows.get(&(resource.to_owned(), id.to_owned())).copied()
    }
}

/// Reads what is stored about `objects` (ids per resource, each resource once) and about
/// `deliveries` (webhook message ids; empty for a run).
pub fn read(
    dest: &mut dyn Destination,
    dataset: &str,
    objects: &[(&Resource, Vec<String>)],
    deliveries: &[String],
) -> Result<Stored> {
    let mut stored = Stored::default();
    let Some(statement) = sql::lookup::statement(dest.dialect(), dataset, objects, deliveries) else {
        return Ok(stored);
    };
    for row in dest.query_statement(&statement)? {
        let [Some(kind), resource, Some(id), version, flag, applied] =
            <[Option<String>; 6]>::try_from(row).unwrap_or_default()
        else {
            continue;
        };
        let number = |text: Option<String>| text.and_then(|v| v.parse::<i64>().ok());
        let version = number(version);
        match (kind.as_str(), resource) {
            ("delivery", _) => {
                stored.deliveries.insert(id);
            }
            ("object", Some(resource)) => {
                let record = Recorded {
                    version: version.unwrap_or(i64::MIN),
                    deleted: flag.as_deref() == Some("1"),
                    applied_ms: number(applied).unwrap_or(i64::MIN),
                };
                stored.recorded.insert((resource, id), record);
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

/// What [`read`] would answer, kept in memory by a database's only writer (`serve` on a DuckDB
/// file, which one process at a time can open): loaded once per connection, then kept current
/// from what each transaction wrote, after its `COMMIT`. It spares every group the lookup query,
/// whose parts cost DuckDB 0.5-1 ms each however small the tables.
#[derive(Debug, Default)]
pub struct Mirror {
    /// Delivery ids, with when they were added here (pruned as the table is).
    deliveries: HashMap<String, std::time::Instant>,
    recorded: HashMap<Key, Recorded>,
    rows: HashMap<Key, Option<i64>>,
    /// Parent ids with rows, by child table.
    children: HashMap<String, HashSet<String>>,
}

/// What one committed transaction wrote, for [`Mirror::commit`].
#[derive(Debug, Default)]
pub struct Written {
    pub deliveries: Vec<String>,
    /// Objects upserted: their row's `updated_at`, and the child tables holding rows of them.
    pub upserted: Vec<(Key, Option<i64>, Vec<String>)>,
    pub deleted: Vec<Key>,
    pub recorded: Vec<(Key, Recorded)>,
}

impl Mirror {
    /// Reads what the database holds about `resources` and the delivery ids.
    pub fn load(dest: &mut dyn Destination, dataset: &str, resources: &[&'static Resource]) -> Result<Mirror> {
        let d = dest.dialect();
        let mut mirror = Mirror::default();
        let now = std::time::Instant::now();
        for row in dest.query(&sql::deliveries::all(d, dataset))? {
            if let Some(Some(id)) = row.into_iter().next() {
                mirror.deliveries.insert(id, now);
            }
        }
        let objects = dest.query(&sql::objects::all(d, dataset))?;
        for row in objects {
            let number = |i: usize| row.get(i).cloned().flatten().and_then(|v| v.parse::<i64>().ok());
            let (Some(Some(resource)), Some(Some(id))) = (row.first().cloned(), row.get(1).cloned()) else { continue };
            let record = Recorded {
                version: number(2).unwrap_or(i64::MIN),
                deleted: number(3) == Some(1),
                applied_ms: number(4).unwrap_or(i64::MIN),
            };
            mirror.recorded.insert((resource, id), record);
        }
        for resource in resources {
            for row in dest.query(&sql::rows::ids_and_versions(d, dataset, &resource.table))? {
                let mut values = row.into_iter();
                let Some(Some(id)) = values.next() else { continue };
                let version = values.next().flatten().and_then(|v| v.parse::<i64>().ok());
                mirror.rows.insert((resource.name.to_string(), id), version);
            }
            for child in resource.table.children.iter() {
                let parents = dest.query(&sql::rows::parents(d, dataset, &child.table.name))?;
                mirror.children.insert(
                    child.table.name.to_string(),
                    parents.into_iter().filter_map(|row| row.into_iter().next().flatten()).collect(),
                );
            }
        }
        Ok(mirror)
    }

    /// What [`read`] would answer for `objects` and `deliveries`.
    pub fn lookup(&self, objects: &[(&Resource, Vec<String>)], deliveries: &[String]) -> Stored {
        let mut stored = Stored {
            deliveries: deliveries.iter().filter(|id| self.deliveries.contains_key(*id)).cloned().collect(),
            ..Stored::default()
        };
        for (resource, ids) in objects {
            for id in ids {
                let key = (resource.name.to_string(), id.clone());
                if let Some(record) = self.recorded.get(&key) {
                    stored.recorded.insert(key.clone(), *record);
                }
                if let Some(version) = self.rows.get(&key) {
                    stored.rows.insert(key, *version);
                }
            }
            for child in resource.table.children.iter() {
                if self
                    .children
                    .get(&*child.table.name)
                    .is_some_and(|parents| ids.iter().any(|id| parents.contains(id)))
                {
                    stored.children_with_rows.insert(child.table.name.to_string());
                }
            }
        }
        stored
    }

    /// Takes in what a committed transaction wrote.
    pub fn commit(&mut self, written: Written, resources: &[&'static Resource]) {
        let now = std::time::Instant::now();
        self.deliveries.extend(written.deliveries.into_iter().map(|id| (id, now)));
        let children_of = |resource: &str| {
            resources
                .iter()
                .find(|r| r.name == resource)
                .map(|r| r.table.children.iter().map(|c| c.table.name.to_string()).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        for key in written.deleted {
            for table in children_of(&key.0) {
                if let Some(parents) = self.children.get_mut(&table) {
                    parents.remove(&key.1);
                }
            }
            self.rows.remove(&key);
        }
        for (key, version, tables) in written.upserted {
            for table in children_of(&key.0) {
                let parents = self.children.entry(table.clone()).or_default();
                if tables.contains(&table) {
                    parents.insert(key.1.clone());
                } else {
                    parents.remove(&key.1);
                }
            }
            self.rows.insert(key, version);
        }
        self.recorded.extend(written.recorded);
    }

    /// Forgets delivery ids older than `age`, as the table drops them.
    pub fn prune_deliveries(&mut self, age: std::time::Duration) {
        self.deliveries.retain(|_, added| added.elapsed() < age);
    }
}

/// Two mirrors are equal when they answer every lookup alike (when an id was added is not
/// compared).
impl PartialEq for Mirror {
    fn eq(&self, other: &Mirror) -> bool {
        let nonempty = |children: &HashMap<String, HashSet<String>>| {
            children
                .iter()
                .filter(|(_, parents)| !parents.is_empty())
                .map(|(table, parents)| (table.clone(), parents.clone()))
                .collect::<HashMap<_, _>>()
        };
        self.deliveries.len() == other.deliveries.len()
            && self.deliveries.keys().all(|id| other.deliveries.contains_key(id))
            && self.recorded == other.recorded
            && self.rows == other.rows
            && nonempty(&self.children) == nonempty(&other.children)
    }
}
