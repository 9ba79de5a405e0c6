//! A list read whole, staged, and swapped in by one transaction ([`crate::write::replace`]):
//! until it commits, the previous rows stay. Incremental lists read this way (`--full-refresh`)
//! are read oldest first and leave the marks a full read leaves.

use super::listing::{self, Key};
use super::{Done, Failure, Job};
use crate::dest::sql::state::State;
use crate::rows::Batch;
use crate::schema::PageStart;
use crate::write::{self, replace::Listing};
use futures_util::StreamExt;
use std::collections::HashSet;

impl Job<'_> {
    pub(super) async fn replace(&mut self, previous: Option<State>) -> Result<Done, Failure> {
        let (resource, options) = (self.resource, self.options);
        let incremental = resource.incremental();
        let mut listing = Listing { items: Vec::new(), listed_from_ms: crate::now_ms() };
        let mark = if incremental {
            self.pages += 1;
            listing::newest_change(self.clerk, resource).await.map_err(|e| self.api_error(e, true))?
        } else {
            None
        };
        let start = PageStart {
            limit: options.page_size,
            ascending: incremental,
            starting_after: None,
            created_at_after: None,
        };
        // Offset pages overlap (`listing::OffsetWalk`): a deletion while the list is read must not
        // make it skip an item, which the replace would then remove.
        let mut stream = listing::whole(self.clerk, resource, &start);
        let (mut batch, mut seen, mut first) = (Batch::new(&resource.table), HashSet::new(), true);
        let mut staged = Vec::new();
        while let Some(item) = stream.next().await {
            let item = item.map_err(|e| self.api_error(e, first && !incremental))?;
            first = false;
            // Offset pages can repeat an item when the list changes while it is read.
            if !batch.push_json(item.as_bytes(), Some(&mut seen)).map_err(|m| self.item_error(m))? {
                continue;
            }
            let key = Key::of(&item).map_err(|m| self.item_error(m))?;
            listing.items.push((key.id, key.updated_at));
            self.bar.records(listing.items.len() as u64, options.page_size as u64);
            if batch.len() >= options.batch_rows {
                let full = std::mem::replace(&mut batch, Batch::new(&resource.table));
                let dataset = self.dataset();
                staged.push(self.writer.submit(move |dest| write::listed::stage(dest, &dataset, &full)).await?);
            }
        }
        self.pages += listing.items.len() as u64 / options.page_size.max(1) as u64 + 1;
        for receiver in staged {
            self.writer.wait(receiver).await?;
        }
        let now = crate::now_ms();
        let mut state = State {
            run_id: self.run_id.to_owned(),
            complete: true,
            read_in_full_ms: Some(now),
            changed_ms: Some(now),
            reconciled_ms: Some(listing.listed_from_ms),
            ..previous.unwrap_or_default()
        };
        if incremental {
            state.changes_mark = mark.or(state.changes_mark);
            state.pending_mark = None;
            if let Some((id, created_at)) = &batch.last {
                state.cursor_id = Some(id.clone());
                state.cursor_created_at = *created_at;
            }
        }
        let fetched = listing.items.len() as u64;
        let dataset = self.dataset();
        let (counts, state) = self
            .writer
            .call(move |dest| write::listed::replace(dest, &dataset, resource, &batch, &listing, &state))
            .await
            .map_err(Failure::from)?;
        Ok(Done { fetched, counts, state: Some(state) })
    }
}
