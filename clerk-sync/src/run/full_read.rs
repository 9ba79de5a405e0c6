//! A list read whole, oldest first, by its cursor: the first load of an incremental resource.
//!
//! Before the first page, Clerk's time is taken from the list itself (its newest `updated_at`)
//! and kept in the state as the pending mark: whatever changes while the list is read has a
//! later `updated_at`, so the first changes pass after this read (which reads from the mark)
//! sees it. Batches commit as they come with the cursor of their last item; a killed read goes
//! on from there, keeping the mark it took first.

use super::listing::{self, Key};
use super::{Done, Failure, Job};
use crate::dest::sql::state::{RowCount, State};
use crate::rows::Batch;
use crate::schema::PageStart;
use crate::write;
use crate::write::listed::BatchWrite;
use futures_util::StreamExt;

impl Job<'_> {
    pub(super) async fn full_read(&mut self, previous: Option<State>) -> Result<Done, Failure> {
        let (resource, options) = (self.resource, self.options);
        let listed_from_ms = crate::now_ms();
        // An unfinished full read (it took its mark) goes on from its cursor; anything else
        // (nothing read yet, or a state an older clerk-sync wrote) starts from the beginning.
        let resume = previous.as_ref().filter(|p| p.pending_mark.is_some() && !p.complete);
        let mark = match resume.and_then(|p| p.pending_mark) {
            Some(mark) => Some(mark),
            None => listing::newest_change(self.clerk, resource).await.map_err(|e| self.api_error(e, true))?,
        };
        self.pages += 1;
        let mut state = State {
            run_id: self.run_id.to_owned(),
            complete: false,
            pending_mark: mark,
            cursor_id: resume.and_then(|p| p.cursor_id.clone()),
            cursor_created_at: resume.and_then(|p| p.cursor_created_at),
            ..previous.clone().unwrap_or_default()
        };
        let dataset = self.dataset();
        let new_tables = self
            .writer
            .call(move |dest| write::listed::tables_are_new(dest, &dataset, resource))
            .await
            .map_err(Failure::from)?;
        let write = if new_tables { BatchWrite::Append } else { BatchWrite::Upsert { listed_from_ms } };
        if new_tables && resume.is_none() {
            // Tables filled from empty by one listing hold no object deleted before it began:
            // as good as reconciled then (a resumed read keeps this from its first attempt).
            state.reconciled_ms = Some(listed_from_ms);
        }
        let mut start = PageStart {
            limit: options.page_size,
            ascending: true,
            starting_after: state.cursor_id.clone().filter(|_| resource.paging.starting_after.is_some()),
            created_at_after: None,
        };
        if start.starting_after.is_none() && resource.paging.created_at_after.is_some() {
            // `created_at_after` is strict and timestamps are milliseconds: one less repeats the
            // last item (the upsert absorbs it) rather than skipping one created in the same ms.
            start.created_at_after = state.cursor_created_at.map(|t| t - 1);
        }
        let mut stream = listing::stream(self.clerk, resource, &start);
        let (mut fetched, mut first) = (0u64, true);
        let mut batch = Batch::new(&resource.table);
        let mut seen = std::collections::HashSet::new();
        let mut pending = Vec::new();
        while let Some(item) = stream.next().await {
            let item = match item {
                Ok(item) => item,
                Err(error)
                    if first
                        && start.starting_after.is_some()
                        && resource.paging.created_at_after.is_some()
                        && matches!(&error, clerk_api::Error::Api(api) if api.status == 400 || api.status == 422) =>
                {
                    // The cursor's item is gone (deleted since): go on by creation time instead.
                    start.starting_after = None;
                    start.created_at_after = state.cursor_created_at.map(|t| t - 1);
                    stream = listing::stream(self.clerk, resource, &start);
                    continue;
                }
                Err(error) => return Err(self.api_error(error, first)),
            };
            first = false;
            // A batch holds an object once (the cursor's overlap repeats one).
            if write != BatchWrite::Append
                && !seen.insert(Key::of(&item).map_err(|message| self.item_error(message))?.id)
            {
                continue;
            }
            batch.push_json(item.as_bytes(), None).map_err(|message| self.item_error(message))?;
            fetched += 1;
            self.bar.records(fetched, options.page_size as u64);
            if batch.len() >= options.batch_rows {
                let full = std::mem::replace(&mut batch, Batch::new(&resource.table));
                advance_cursor(&mut state, &full);
                seen.clear();
                pending.push(self.submit(write, full, state.clone(), RowCount::Adjust).await?);
            }
        }
        // Pages end with a short one (an empty one after a full last page).
        self.pages += fetched / options.page_size.max(1) as u64 + 1;
        advance_cursor(&mut state, &batch);
        let now = crate::now_ms();
        state.complete = true;
        state.changes_mark = state.pending_mark.take().or(state.changes_mark);
        state.read_in_full_ms = Some(now);
        state.changed_ms = Some(now);
        pending.push(self.submit(write, batch, state, RowCount::Count).await?);
        let (counts, state) = self.wait(pending).await?;
        Ok(Done { fetched, counts, state })
    }

    pub(super) fn item_error(&self, message: String) -> Failure {
        Failure::Failed(super::SyncError::Item { resource: self.name(), message })
    }
}

/// The cursor moves to the last item of a batch about to be written.
fn advance_cursor(state: &mut State, batch: &Batch) {
    if let Some((id, created_at)) = &batch.last {
        state.cursor_id = Some(id.clone());
        state.cursor_created_at = *created_at;
    }
}
