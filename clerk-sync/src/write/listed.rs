//! What `run` hands the engine: batches of a listing, a whole listing to swap in, the ids of a
//! whole listing to reconcile with. Each write goes in one transaction with the resource's state
//! row, which is written last, with the commit, so it counts the rows it describes; `run` never
//! sees a staging table, a statement or a transaction.

use super::replace::Listing;
use super::rule::Incoming;
use super::{append, reconcile, replace, stored, transaction, upsert};
use crate::dest::sql;
use crate::dest::sql::state::{self, Counts, RowCount, State};
use crate::dest::{Destination, Result, Statement};
use crate::rows::Batch;
use crate::schema::Resource;
use std::collections::HashSet;

/// Creates or updates the tables of `resources` and the engine's own, before a run.
pub(crate) fn prepare(dest: &mut dyn Destination, dataset: &str, resources: &[&'static Resource]) -> Result<()> {
    sql::prepare(dest, dataset, resources)?;
    dest.start_bulk_load()
}

/// Makes the staging tables a run of `resource` loads through (emptied if an earlier run left
/// them behind).
pub(crate) fn begin(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<()> {
    sql::create_staging(dest, dataset, resource)
}

/// Drops what [`begin`] made.
pub(crate) fn end(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<()> {
    sql::drop_staging(dest, dataset, resource)
}

/// Whether every item a listing of `resource` brings is new (its tables are empty and `serve`
/// recorded nothing about it), so its batches may be appended.
pub(crate) fn tables_are_new(dest: &mut dyn Destination, dataset: &str, resource: &Resource) -> Result<bool> {
    append::tables_are_new(dest, dataset, resource)
}

/// How a batch of listed items is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchWrite {
    /// All new: appended without looking anything up.
    Append,
    /// Versioned upserts, from a listing that began at `listed_from_ms`.
    Upsert { listed_from_ms: i64 },
}

/// Writes a batch of a listing and the resource's state row in one transaction; returns the
/// batch's counts and the state row as committed.
pub(crate) fn batch(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &'static Resource,
    write: BatchWrite,
    batch: Batch,
    state: &State,
    rows: RowCount,
) -> Result<(Counts, State)> {
    let (counts, written) = transaction(dest, dataset, &[&resource.name], |dest, trailing| {
        let counts = match write {
            BatchWrite::Append => {
                append::write(dest, dataset, &batch, sql::STAGE_PREFIX, trailing)?;
                Counts { inserted: batch.len() as i64, ..Counts::default() }
            }
            BatchWrite::Upsert { listed_from_ms } => {
                upsert_listed(dest, dataset, resource, batch, listed_from_ms, trailing)?
            }
        };
        let written = state::write(dest, dataset, resource, state, counts, rows, trailing)?;
        Ok((counts, written))
    })?;
    Ok((counts, committed(dest, dataset, resource, written)?))
}

/// Stages a batch of a listing that [`replace`] swaps in once it is complete.
pub(crate) fn stage(dest: &mut dyn Destination, dataset: &str, batch: &Batch) -> Result<()> {
    sql::stage(dest, dataset, batch)
}

/// Stages the listing's `last` batch, then makes the resource's tables equal to the staged
/// listing ([`replace`]) and writes its state row, in one transaction.
pub(crate) fn replace(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &'static Resource,
    last: &Batch,
    listing: &Listing,
    state: &State,
) -> Result<(Counts, State)> {
    sql::stage(dest, dataset, last)?;
    let (counts, written) = transaction(dest, dataset, &[&resource.name], |dest, trailing| {
        let counts = replace::write(dest, dataset, resource, listing, trailing)?;
        let written = state::write(dest, dataset, resource, state, counts, RowCount::Count, trailing)?;
        Ok((counts, written))
    })?;
    Ok((counts, committed(dest, dataset, resource, written)?))
}

/// Removes the rows of objects a complete listing (its ids `listed`) no longer has
/// ([`reconcile`]) and writes the state row, in one transaction. `began_ms` is when the listing
/// began (this machine's clock), `version` Clerk's time then.
pub(crate) fn reconcile(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &'static Resource,
    listed: &HashSet<String>,
    began_ms: i64,
    version: i64,
    state: &State,
) -> Result<(Counts, State)> {
    let (counts, written) = transaction(dest, dataset, &[&resource.name], |dest, trailing| {
        let deleted = reconcile::write(dest, dataset, resource, listed, began_ms, version, trailing)?;
        let counts = Counts { deleted, ..Counts::default() };
        let written = state::write(dest, dataset, resource, state, counts, RowCount::Count, trailing)?;
        Ok((counts, written))
    })?;
    Ok((counts, committed(dest, dataset, resource, written)?))
}

/// The state row as committed: a row count that ran with the commit is read back.
fn committed(dest: &mut dyn Destination, dataset: &str, resource: &Resource, written: (State, bool)) -> Result<State> {
    let (written, counted) = written;
    if !counted {
        return Ok(written);
    }
    let rows = state::read(dest, dataset, &resource.name)?.map_or(0, |stored| stored.rows);
    Ok(State { rows, ..written })
}

/// Upserts listed items by their versions.
fn upsert_listed(
    dest: &mut dyn Destination,
    dataset: &str,
    resource: &'static Resource,
    batch: Batch,
    listed_from_ms: i64,
    trailing: &mut Vec<Statement>,
) -> Result<Counts> {
    let keys: Vec<(String, Option<i64>)> = batch.keys().map(|(id, at)| (id.to_owned(), at)).collect();
    let ids: Vec<String> = keys.iter().map(|(id, _)| id.clone()).collect();
    let stored = stored::read(dest, dataset, &[(resource, ids)], &[])?;
    let changes = keys
        .into_iter()
        .map(|(id, updated_at)| upsert::Change::Upsert {
            id,
            incoming: Incoming::Listed { updated_at, listed_from_ms },
        })
        .collect();
    let mut groups = [upsert::Group { resource, changes, rows: batch }];
    let written = upsert::write(dest, dataset, &stored, &mut groups, upsert::Options::for_run(), trailing)?;
    let mut counts = Counts::default();
    for outcome in written.iter().flatten() {
        match outcome {
            upsert::Written::Inserted => counts.inserted += 1,
            upsert::Written::Updated => counts.updated += 1,
            _ => {}
        }
    }
    Ok(counts)
}
