//! What changed since the last run, read newest `updated_at` first (`order_by=-updated_at`, by
//! offset: Clerk's cursor is for `created_at` orderings only) down to the last run's mark, and
//! upserted with the child tables.
//!
//! Why nothing is missed although the list reorders itself while it is read (also in
//! ARCHITECTURE.md's invariants). Call an object *unchanged* if its `updated_at` does not move
//! during the run. Unchanged objects keep their order, so the run only has to see every
//! unchanged object down to the mark; an object that changes during the run gets an
//! `updated_at` after the newest one on the first page, which becomes the next run's mark.
//! - A page is a contiguous slice of the list at the moment it is served. If a page's first item
//!   is newer than the previous page's last item `b` (strictly), every unchanged object newer
//!   than the new page's last item has been seen: those newer than `b` before, the rest in this
//!   page. Pages are requested [`OVERLAP`] items above the run of items that share `b`, so
//!   changes and creations (which move objects to the front, pushing the rest back) only make
//!   pages repeat items, and up to `OVERLAP` deletions above the page (which pull the rest
//!   forward) are absorbed.
//! - When the check fails (more deletions than that between two pages), the run backs up half a
//!   page and asks again; at offset 0 the check holds by definition.
//! - Ties: the mark is taken inclusive and minus [`SLACK_MS`], so objects sharing the mark's
//!   millisecond are read again. The only unchecked case is more than `OVERLAP` objects sharing
//!   one millisecond at a page boundary, where offsets cannot be checked at all.
//! - Clocks: marks are Clerk's own `updated_at` values, never this machine's clock. `SLACK_MS`
//!   covers a change Clerk stamped a little before the mark but made visible after it (two
//!   servers' clocks, a transaction committing after its timestamp).
//!
//! - Changes made while the run reads: after the first pass, catch-up passes read what is newer
//!   than the pass before saw first, until one finds nothing newer (at most `MAX_PASSES` in
//!   all); what changes after the last one is the next run's. Versions already read are not
//!   written again.
//!
//! The mark (the newest `updated_at` the last pass saw first) moves only when the run's passes
//! complete; a killed run leaves the old mark, so the next run reads again everything it had not
//! finished (the batches it committed stay).

use super::listing::{self, Key, NEWEST_CHANGE_FIRST};
use super::{Done, Failure, Job, Pending};
use crate::dest::sql::state::{RowCount, State};
use crate::rows::Batch;
use crate::write::listed::BatchWrite;
use clerk_api::runtime::RawItem;
use std::collections::{HashMap, HashSet};

/// How far below the last run's mark a run reads again (Clerk's clock, milliseconds).
pub const SLACK_MS: i64 = 5 * 60 * 1000;
/// Items each page repeats of the one before, above the run of items sharing its last version.
pub const OVERLAP: i64 = 20;
/// Times a pass backs up before it gives up (the list lost more items than it could follow).
const MAX_BACKUPS: u32 = 20;
/// Passes a run makes at most: the first, then one for what changed during the one before,
/// until a pass finds nothing newer than the last (what changes after the last pass is the next
/// run's).
const MAX_PASSES: u32 = 4;

/// What the passes of one run share: the items read so far and the batch being filled.
struct Reading {
    /// Versions read, by id: an item is upserted again only in a newer version.
    seen: HashMap<String, i64>,
    batch: Batch,
    /// Ids in `batch` (a batch holds an object once).
    in_batch: HashSet<String>,
    pending: Vec<Pending>,
    fetched: u64,
    write: BatchWrite,
}

impl Job<'_> {
    pub(super) async fn changes(&mut self, previous: State) -> Result<Done, Failure> {
        let resource = self.resource;
        let mark = previous.changes_mark;
        let mut state = State { run_id: self.run_id.to_owned(), complete: false, ..previous };
        let mut reading = Reading {
            seen: HashMap::new(),
            batch: Batch::new(&resource.table),
            in_batch: HashSet::new(),
            pending: Vec::new(),
            fetched: 0,
            write: BatchWrite::Upsert { listed_from_ms: crate::now_ms() },
        };
        let mut newest = mark;
        let mut threshold = mark.map_or(i64::MIN, |mark| mark.saturating_sub(SLACK_MS));
        for pass in 0..MAX_PASSES {
            let top = self.pass(threshold, &mut reading, &state).await?;
            let changed_since = match (top, newest) {
                (Some(top), Some(newest)) => top > newest,
                (top, _) => top.is_some(),
            };
            newest = newest.max(top);
            if !changed_since && pass > 0 {
                break;
            }
            // A catch-up pass reads what is newer than the pass before saw first; what it could
            // miss by a clock's lag, the next run's slack below the mark reads.
            match top {
                Some(top) => threshold = top,
                None => break,
            }
        }
        state.complete = true;
        state.changes_mark = newest;
        state.changed_ms = Some(crate::now_ms());
        let batch = std::mem::replace(&mut reading.batch, Batch::new(&resource.table));
        reading.pending.push(self.submit(reading.write, batch, state, RowCount::Count).await?);
        let (counts, state) = self.wait(reading.pending).await?;
        Ok(Done { fetched: reading.fetched, counts, state })
    }

    /// Reads the list newest first down to `threshold`, adding what is new to `reading`;
    /// returns the newest `updated_at` it saw first (`None` for an empty list).
    async fn pass(&mut self, threshold: i64, reading: &mut Reading, state: &State) -> Result<Option<i64>, Failure> {
        let limit = self.options.page_size.max(1);
        // Small pages overlap less (a quarter of a page at most), so every page moves on.
        let overlap = OVERLAP.min(limit / 4);
        let (mut offset, mut backups) = (0i64, 0u32);
        // Every unchanged object newer than `boundary` has been read; `ties_overflow`: the last
        // page's run of items sharing its last version was too long to start the next page
        // above it.
        let (mut top, mut boundary, mut ties_overflow) = (None::<i64>, None::<i64>, false);
        loop {
            let first_request = self.pages == 0;
            let items = listing::page(self.clerk, self.resource, NEWEST_CHANGE_FIRST, offset, limit)
                .await
                .map_err(|e| self.api_error(e, first_request))?;
            self.pages += 1;
            let keys: Vec<Key> = items.iter().map(Key::of).collect::<Result<_, _>>().map_err(|m| self.item_error(m))?;
            let versions: Vec<i64> = keys
                .iter()
                .map(|k| k.updated_at.ok_or_else(|| self.item_error(format!("`{}` has no `updated_at`", k.id))))
                .collect::<Result<_, _>>()?;
            if let Some(b) = boundary {
                let continuous = offset == 0 || versions.first().is_some_and(|&f| f > b || (ties_overflow && f == b));
                if !continuous {
                    backups += 1;
                    if backups > MAX_BACKUPS {
                        return Err(self.item_error(format!(
                            "the list lost items faster than it could be read ({MAX_BACKUPS} times); run again"
                        )));
                    }
                    offset = offset.saturating_sub((limit / 2).max(1)).max(0);
                    continue;
                }
            }
            if top.is_none() {
                top = versions.first().copied();
            }
            for ((item, key), &at) in items.iter().zip(keys).zip(&versions) {
                if at >= threshold && reading.seen.get(&key.id).is_none_or(|&seen| seen < at) {
                    self.add(reading, item, key.id, at, state).await?;
                }
            }
            let Some(&last) = versions.last() else { break };
            if (items.len() as i64) < limit || last < threshold {
                break;
            }
            let ties_from = versions.iter().position(|&at| at == last).unwrap_or(0) as i64;
            ties_overflow = ties_from <= overlap;
            if ties_overflow {
                self.notes.push(format!(
                    "{} or more items share updated_at {last} across a page boundary: the page after could not be checked (a reconcile or --full-refresh reads them for sure; larger --page-size avoids it)",
                    limit - ties_from
                ));
            }
            boundary = Some(last);
            offset += if ties_overflow { limit - overlap } else { ties_from - overlap };
        }
        Ok(top)
    }

    /// Adds an item to the batch, committing the batch first if it is full or holds the object.
    async fn add(
        &mut self,
        reading: &mut Reading,
        item: &RawItem,
        id: String,
        at: i64,
        state: &State,
    ) -> Result<(), Failure> {
        if reading.batch.len() >= self.options.batch_rows || reading.in_batch.contains(&id) {
            let full = std::mem::replace(&mut reading.batch, Batch::new(&self.resource.table));
            reading.in_batch.clear();
            reading.pending.push(self.submit(reading.write, full, state.clone(), RowCount::Adjust).await?);
        }
        reading.batch.push_json(item.as_bytes(), None).map_err(|m| self.item_error(m))?;
        reading.in_batch.insert(id.clone());
        reading.seen.insert(id, at);
        reading.fetched += 1;
        self.bar.records(reading.fetched, self.options.page_size as u64);
        Ok(())
    }
}
