//! What the database holds about a set of objects, read in one query before deciding what to
//! write: their rows (with each row's `updated_at`), which child tables hold rows of them, what
//! `serve` recorded about them, and which of a group's delivery ids were committed before.
//!
//! One query, as a write commits while more work waits (DuckDB pays for each statement it plans,
//! PostgreSQL for each round trip). Its text depends only on which resources it covers; the ids
//! travel as list parameters, so DuckDB keeps it prepared.

use super::rule::Recorded;
use crate::dest::sql::{has_updated_at, literal, qualified, DELIVERIES_TABLE, OBJECTS_TABLE};
use crate::dest::{Destination, Result, Statement};
use crate::schema::{ColumnType, Resource, PARENT_ID};
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
pub fn read(dest: &mut dyn Destination, dataset: &str, objects: &[(&Resource, Vec<String>)], deliveries: &[String]) -> Result<Stored> {
    let d = dest.dialect();
    let null_text = format!("CAST(NULL AS {})", d.type_name(ColumnType::Text));
    let mut lists: Vec<Vec<String>> = Vec::new();
    let mut parts = Vec::new();
    if !deliveries.is_empty() {
        lists.push(deliveries.to_vec());
        parts.push(format!(
            "SELECT 'delivery', {null_text}, delivery_id, CAST(NULL AS BIGINT), 0, CAST(NULL AS BIGINT) FROM {} WHERE {}",
            qualified(d, dataset, DELIVERIES_TABLE),
            Statement::member(d, "delivery_id", lists.len())
        ));
    }
    let mut recorded_where = Vec::new();
    for (resource, ids) in objects {
        lists.push(ids.clone());
        let n = lists.len();
        let name = literal(&resource.name);
        recorded_where.push(format!("(resource = {name} AND {})", Statement::member(d, "id", n)));
        let updated_at = if has_updated_at(&resource.table) { "\"updated_at\"" } else { "CAST(NULL AS BIGINT)" };
        parts.push(format!(
            "SELECT 'row', {name}, \"id\", {updated_at}, 0, CAST(NULL AS BIGINT) FROM {} WHERE {}",
            qualified(d, dataset, &resource.table.name),
            Statement::member(d, "\"id\"", n)
        ));
        for child in resource.table.children.iter() {
            let table = qualified(d, dataset, &child.table.name);
            parts.push(format!(
                "SELECT 'child', {name}, {}, CAST(NULL AS BIGINT), 0, CAST(NULL AS BIGINT) FROM (SELECT 1 FROM {table} WHERE {} LIMIT 1) AS any_row",
                literal(&child.table.name),
                Statement::member(d, &d.ident(PARENT_ID), n)
            ));
        }
    }
    if !recorded_where.is_empty() {
        parts.push(format!(
            "SELECT 'object', resource, id, version, CASE WHEN deleted THEN 1 ELSE 0 END, applied_ms FROM {} WHERE {}",
            qualified(d, dataset, OBJECTS_TABLE),
            recorded_where.join(" OR ")
        ));
    }
    let mut stored = Stored::default();
    if parts.is_empty() {
        return Ok(stored);
    }
    for row in dest.query_statement(&Statement::new(parts.join(" UNION ALL "), lists))? {
        let [Some(kind), resource, Some(id), version, flag, applied] = <[Option<String>; 6]>::try_from(row).unwrap_or_default() else { continue };
        let number = |text: Option<String>| text.and_then(|v| v.parse::<i64>().ok());
        let version = number(version);
        match (kind.as_str(), resource) {
            ("delivery", _) => {
                stored.deliveries.insert(id);
            }
            ("object", Some(resource)) => {
                let record = Recorded { version: version.unwrap_or(i64::MIN), deleted: flag.as_deref() == Some("1"), applied_ms: number(applied).unwrap_or(i64::MIN) };
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
