//! Rows of objects that a complete listing no longer has, removed in the caller's transaction:
//! Clerk lists nothing that was deleted, so this is how a run learns of deletions `serve` did not
//! see. Each removal leaves a tombstone at the listing's Clerk time, so an older event or listing
//! cannot bring the object back. Objects `serve` wrote since the listing began are spared
//! ([`super::rule::removable_by_reconcile`]): the listing may have ended before they existed.

use super::replace::recorded;
use super::rule::removable_by_reconcile;
use super::stored;
use super::upsert::{self, Change, Group, Written};
use crate::dest::sql;
use crate::dest::{Destination, Result, Statement};
use crate::rows::Batch;
use crate::schema::Resource;
use std::collections::HashSet;

/// Removes the rows of `resource` whose ids `listed` lacks; returns how many objects lost their
/// rows. `began_ms` is when the listing began (this machine's clock), `version` Clerk's time
/// then (the newest `updated_at` in the list), which the tombstones carry.
pub fn write(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &'static Resource,
    listed: &HashSet<String>,
    began_ms: i64,
    version: i64,
    trailing: &mut Vec<Statement>,
) -> Result<i64> {
    let recorded = recorded(dest, dataset, &resource.name)?;
    let doomed: Vec<String> = dest
        .query(&sql::rows::ids(dest.dialect(), dataset, &resource.table.name))?
        .into_iter()
        .filter_map(|row| row.into_iter().next().flatten())
        .filter(|id| !listed.contains(id) && removable_by_reconcile(recorded.get(id).copied(), began_ms))
        .collect();
    if doomed.is_empty() {
        return Ok(0);
    }
    let stored = stored::read(dest, dataset, &[(resource, doomed.clone())], &[])?;
    let changes = doomed.into_iter().map(|id| Change::Delete { id, version }).collect();
    let mut groups = [Group { resource, changes, rows: Batch::new(&resource.table) }];
    let written = upsert::write(dest, dataset, &stored, &mut groups, upsert::Options::for_run(), trailing)?;
    Ok(written.iter().flatten().filter(|outcome| matches!(outcome, Written::Deleted { had_row: true })).count() as i64)
}
