//! The reconcile pass: the ids of the whole list, read oldest first by cursor (each item's id
//! only is parsed), and the rows of every other object removed ([`crate::write::reconcile`]).

use super::listing::{self, Key};
use super::{Failure, Job};
use crate::dest::sql::state::{Counts, State};
use crate::schema::PageStart;
use crate::write;
use futures_util::StreamExt;
use std::collections::HashSet;

impl Job<'_> {
    pub(super) async fn reconcile(&mut self, previous: State) -> Result<(Counts, State), Failure> {
        let resource = self.resource;
        let began_ms = crate::now_ms();
        // Clerk's time as the pass begins, for the tombstones: no object it removes can have a
        // later version.
        let version = listing::newest_change(self.clerk, resource)
            .await
            .map_err(|e| self.api_error(e, false))?
            .unwrap_or(i64::MIN);
        let start =
            PageStart { limit: self.options.page_size, ascending: true, starting_after: None, created_at_after: None };
        let mut stream = listing::stream(self.clerk, resource, &start);
        let mut listed = HashSet::new();
        while let Some(item) = stream.next().await {
            let item = item.map_err(|e| self.api_error(e, false))?;
            listed.insert(Key::of(&item).map_err(|m| self.item_error(m))?.id);
        }
        self.pages += 1 + listed.len() as u64 / self.options.page_size.max(1) as u64 + 1;
        let dataset = self.dataset();
        let state = State { run_id: self.run_id.to_owned(), reconciled_ms: Some(began_ms), ..previous };
        let result = self
            .writer
            .call(move |dest| write::listed::reconcile(dest, &dataset, resource, &listed, began_ms, version, &state))
            .await
            .map_err(Failure::from)?;
        Ok(result)
    }
}
