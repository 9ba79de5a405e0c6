//! A table made equal to a complete listing of it, staged beforehand, in the caller's
//! transaction: rows the listing lacks are removed, every listed item's rows replace the old
//! ones, except where the rule says what is stored is newer (`serve` applied a later change or a
//! deletion; [`super::rule`]): those objects keep their rows, and so do objects `serve` wrote
//! since the listing began.

use super::rule::{is_stale, kept_by_replace, Incoming, Recorded};
use crate::dest::sql::state::Counts;
use crate::dest::sql::{self, stage_name};
use crate::dest::{query_i64, Destination, Result, Statement};
use crate::schema::Resource;
use std::collections::{HashMap, HashSet};

/// The staged listing: each item's id and `updated_at`, and when the listing began (this
/// machine's clock).
#[derive(Debug, Default)]
pub struct Listing {
    pub items: Vec<(String, Option<i64>)>,
    pub listed_from_ms: i64,
}

/// Replaces the rows of `resource` with what is staged for it; returns the counts. The swap's
/// statements are left in `trailing`, to run with the commit.
pub fn write(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &Resource,
    listing: &Listing,
    trailing: &mut Vec<Statement>,
) -> Result<Counts> {
    let d = dest.dialect();
    let recorded = recorded(dest, dataset, &resource.name)?;
    let rows: HashSet<String> = dest
        .query(&sql::rows::ids(d, dataset, &resource.table.name))?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .collect();
    let listed: HashSet<&str> = listing.items.iter().map(|(id, _)| id.as_str()).collect();
    // Listed versions older than what is stored: the stored rows stay.
    let stale: Vec<String> = listing
        .items
        .iter()
        .filter(|(id, updated_at)| {
            is_stale(
                Incoming::Listed { updated_at: *updated_at, listed_from_ms: listing.listed_from_ms },
                recorded.get(id.as_str()).copied(),
                None,
            )
        })
        .map(|(id, _)| id.clone())
        .collect();
    let mut kept: Vec<String> = stale.iter().filter(|id| rows.contains(*id)).cloned().collect();
    kept.extend(
        recorded
            .iter()
            .filter(|(id, record)| !listed.contains(id.as_str()) && kept_by_replace(**record, listing.listed_from_ms))
            .map(|(id, _)| id.clone()),
    );
    let kept_set: HashSet<&str> = kept.iter().map(String::as_str).collect();
    let deleted = rows.iter().filter(|id| !listed.contains(id.as_str()) && !kept_set.contains(id.as_str())).count();

    let stage = stage_name(&resource.table.name);
    if !stale.is_empty() {
        let mut statements = vec![sql::rows::delete_objects(d, dataset, &stage, false, stale.clone())];
        for child in resource.table.children.iter() {
            statements.push(sql::rows::delete_objects(d, dataset, &stage_name(&child.table.name), true, stale.clone()));
        }
        dest.execute_statements(&statements)?;
    }
    let staged = query_i64(dest, &sql::rows::count(d, dataset, &stage))?;
    let existing =
        listing.items.iter().filter(|(id, _)| rows.contains(id) && !kept_set.contains(id.as_str())).count() as i64;
    let new_or_changed =
        if existing == 0 { staged } else { query_i64(dest, &sql::rows::count_changed(d, dataset, &resource.table))? };
    let inserted = staged - existing;
    let counts = Counts { inserted, updated: (new_or_changed - inserted).max(0), deleted: deleted as i64 };

    for (index, table) in resource.tables().enumerate() {
        trailing.push(sql::rows::delete_all_but(d, dataset, &table.name, index > 0, &kept));
    }
    for (index, table) in resource.tables().enumerate() {
        trailing.extend(
            sql::insert_staged_statements(d, dataset, table, index > 0, sql::STAGE_PREFIX)
                .map(|statement| Statement::new(statement, Vec::new())),
        );
    }
    Ok(counts)
}

/// What `serve` recorded about a resource's objects, by id.
pub(crate) fn recorded(dest: &mut dyn Destination, dataset: &str, resource: &str) -> Result<HashMap<String, Recorded>> {
    let rows = dest.query(&sql::objects::recorded(dest.dialect(), dataset, resource))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let number = |i: usize| row.get(i).cloned().flatten().and_then(|v| v.parse::<i64>().ok());
            let id = row.first().cloned().flatten()?;
            Some((
                id,
                Recorded {
                    version: number(1).unwrap_or(i64::MIN),
                    deleted: number(2) == Some(1),
                    applied_ms: number(3).unwrap_or(i64::MIN),
                },
            ))
        })
        .collect())
}
