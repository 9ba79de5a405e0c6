//! One sync run: for each resource, stream its items (the responses' JSON) through
//! `clerk_api::runtime::JsonList`, flatten them into rows, stage them and merge them, with the state row in the same transaction.
//!
//! Incremental resources (those whose list takes a `starting_after` cursor or
//! `created_at_after`, today `users`) are read oldest first from where the last committed
//! batch stopped and upserted by `id` every `batch_rows` items, so a run killed halfway keeps
//! what it committed and the next run goes on from there. Every other resource is staged
//! whole and swapped in by one transaction: until it commits, the previous rows stay.

use crate::dest::sql::{self, Counts, Merge, State};
use crate::dest::{Destination, DestinationError};
use crate::progress::Progress;
use crate::rows::Batch;
use crate::schema::{PageStart, Resource};
use crate::writer::Writer;
use clerk_api::runtime::{JsonList, JsonPaging};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// What to sync and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub resources: Vec<&'static Resource>,
    pub dataset: String,
    /// Re-read incremental resources from the start and replace their rows.
    pub full_refresh: bool,
    /// Items per request (Clerk allows at most 500).
    pub page_size: i64,
    /// Items per committed batch of an incremental resource.
    pub batch_rows: usize,
}

/// How a resource's sync ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Synced,
    /// The instance refused the list (a feature it does not have, a plan it is not on): the
    /// resource was left as it was.
    Skipped(String),
}

#[derive(Debug, Clone)]
pub struct ResourceReport {
    pub name: &'static str,
    pub incremental: bool,
    pub fetched: u64,
    pub counts: Counts,
    /// Rows in the table afterwards.
    pub rows: i64,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub run_id: String,
    pub destination: String,
    pub dataset: String,
    pub resources: Vec<ResourceReport>,
    /// Where the files went, for a destination that writes files (Parquet).
    pub published: Option<String>,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("fetching `{resource}`: {source}")]
    Api {
        resource: &'static str,
        #[source]
        source: clerk_api::Error,
    },
    #[error("`{resource}`: {message}")]
    Item { resource: &'static str, message: String },
    #[error(transparent)]
    Destination(#[from] DestinationError),
}

/// Runs a sync into `destination`.
pub async fn run(clerk: &clerk_api::Clerk, destination: Box<dyn Destination + Send>, options: &Options, progress: &Progress) -> Result<Report, SyncError> {
    let started = Instant::now();
    let run_id = format!("run-{}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis());
    let described = destination.describe();
    let mut writer = Writer::start(destination, 2);
    let resources = options.resources.clone();
    let dataset = options.dataset.clone();
    writer.call(move |dest| sql::prepare(dest, &dataset, &resources).and_then(|()| dest.start_bulk_load())).await?;
    let mut reports = Vec::new();
    for &resource in &options.resources {
        let report = sync_resource(clerk, &mut writer, resource, options, &run_id, progress).await;
        match report {
            Ok(report) => reports.push(report),
            Err(error) => {
                // Staging tables are dropped at the start of the next run anyway.
                let _ = writer.finish();
                return Err(error);
            }
        }
    }
    let published = {
        let dataset = options.dataset.clone();
        writer.call(move |dest| dest.finish_bulk_load().and_then(|()| dest.publish(&dataset))).await?
    };
    writer.finish()?;
    Ok(Report { run_id, destination: described, dataset: options.dataset.clone(), resources: reports, published, elapsed: started.elapsed() })
}

/// Whether an error on a list's first page means "this instance does not offer this list as
/// called" (a feature or plan it lacks, a list that wants a filter on this instance) rather
/// than a failure: the resource is skipped and reported. A bad key (401), server errors and
/// anything after the first page stop the run.
fn refused(error: &clerk_api::Error) -> Option<String> {
    match error {
        clerk_api::Error::Api(api) if matches!(api.status, 400 | 402..=404 | 422) => Some(api.to_string().lines().next().unwrap_or("").to_owned()),
        _ => None,
    }
}

async fn sync_resource(
    clerk: &clerk_api::Clerk,
    writer: &mut Writer,
    resource: &'static Resource,
    options: &Options,
    run_id: &str,
    progress: &Progress,
) -> Result<ResourceReport, SyncError> {
    let started = Instant::now();
    let listed_from_ms = crate::now_ms();
    let name: &'static str = &resource.name;
    let mut bar = progress.resource(name);
    let dataset = options.dataset.clone();
    let previous = {
        let dataset = dataset.clone();
        writer.call(move |dest| sql::read_state(dest, &dataset, name)).await?
    };
    let incremental = resource.incremental() && !options.full_refresh;
    let mode = if incremental { Merge::Upsert } else { Merge::Replace };
    {
        let dataset = dataset.clone();
        writer.call(move |dest| sql::create_staging(dest, &dataset, resource)).await?;
    }
    let resume = previous.as_ref().filter(|_| incremental);
    let mut start = first_page(resource, options, resume);
    let mut state = State { run_id: run_id.to_owned(), ..State::default() };
    if let Some(previous) = resume {
        state.cursor_id.clone_from(&previous.cursor_id);
        state.cursor_created_at = previous.cursor_created_at;
    }

    // A first load into a destination that can take rows unstaged appends every batch
    // straight into the tables: all its items are new.
    let direct = mode == Merge::Upsert && {
        let dataset = dataset.clone();
        writer.call(move |dest| sql::can_append(dest, &dataset, resource)).await?
    };
    let mut fetched: u64 = 0;
    let mut seen: HashSet<String> = HashSet::new();
    let mut batch = Batch::new(&resource.table);
    let mut merges = Vec::new();
    let mut stream = list(clerk, resource, &start);
    let mut first = true;
    while let Some(item) = stream.next().await {
        let item = match item {
            Ok(item) => item,
            Err(error) if first && start.starting_after.is_some() && resource.paging.created_at_after.is_some() && matches!(&error, clerk_api::Error::Api(api) if api.status == 400 || api.status == 422) => {
                // The cursor's item is gone (deleted since): go on by creation time instead.
                start.starting_after = None;
                start.created_at_after = state.cursor_created_at.map(|t| t - 1);
                stream = list(clerk, resource, &start);
                continue;
            }
            Err(error) => {
                if let Some(reason) = refused(&error).filter(|_| first) {
                    let dataset = dataset.clone();
                    writer.call(move |dest| sql::drop_staging(dest, &dataset, resource)).await?;
                    bar.finish("skipped");
                    return Ok(ResourceReport { name, incremental, fetched, counts: Counts::default(), rows: 0, outcome: Outcome::Skipped(reason), elapsed: started.elapsed() });
                }
                return Err(SyncError::Api { resource: name, source: error });
            }
        };
        first = false;
        // Offset pages can repeat an item when the list changes while it is read.
        let seen = (mode == Merge::Replace || direct).then_some(&mut seen);
        if !batch.push_json(item.as_bytes(), seen).map_err(|message| SyncError::Item { resource: name, message })? {
            continue;
        }
        fetched += 1;
        bar.records(fetched, options.page_size as u64);
        if batch.len() >= options.batch_rows {
            let full = std::mem::replace(&mut batch, Batch::new(&resource.table));
            advance_cursor(&mut state, &full);
            if direct {
                merges.push(submit_append(writer, &options.dataset, resource, full, &state, false).await?);
                continue;
            }
            let dataset = dataset.clone();
            writer.submit(move |dest| sql::stage(dest, &dataset, &full)).await?;
            if mode == Merge::Upsert {
                merges.push(submit_merge(writer, &options.dataset, resource, mode, &state, false, listed_from_ms).await?);
            }
        }
    }
    advance_cursor(&mut state, &batch);
    if direct {
        merges.push(submit_append(writer, &options.dataset, resource, batch, &state, true).await?);
    } else {
        {
            let dataset = dataset.clone();
            writer.submit(move |dest| sql::stage(dest, &dataset, &batch)).await?;
        }
        if mode == Merge::Replace || fetched > 0 || previous.is_none() {
            merges.push(submit_merge(writer, &options.dataset, resource, mode, &state, true, listed_from_ms).await?);
        } else {
            let (dataset, run_id) = (dataset.clone(), run_id.to_owned());
            writer.call(move |dest| sql::mark_complete(dest, &dataset, resource, &run_id)).await?;
        }
    }
    let (counts, rows) = wait_for_merges(writer, merges, previous.map_or(0, |p| p.rows)).await?;
    writer.call(move |dest| sql::drop_staging(dest, &dataset, resource)).await?;
    bar.finish("done");
    Ok(ResourceReport { name, incremental, fetched, counts, rows, outcome: Outcome::Synced, elapsed: started.elapsed() })
}

/// Where the listing starts: after the stored cursor for an incremental run (by id where the
/// list takes `starting_after`, else by creation time); from the start otherwise. Lists that
/// can be read incrementally are always read oldest first.
fn first_page(resource: &Resource, options: &Options, resume: Option<&State>) -> PageStart {
    let mut start = PageStart {
        limit: options.page_size,
        // A full refresh of an incremental list reads it oldest first too, so the cursor it
        // leaves is the newest item and the next run goes on from there.
        ascending: resource.incremental(),
        starting_after: resume.and_then(|s| s.cursor_id.clone()).filter(|_| resource.paging.starting_after.is_some()),
        created_at_after: None,
    };
    if start.starting_after.is_none() && resource.paging.created_at_after.is_some() {
        // `created_at_after` is strict and timestamps are milliseconds: one less repeats the
        // last item (the upsert absorbs it) rather than skipping one created in the same ms.
        start.created_at_after = resume.and_then(|s| s.cursor_created_at).map(|t| t - 1);
    }
    start
}

/// The items of a resource's list from `start`, as the response's JSON: paged as the layout
/// says, through `clerk-api`'s list walker (the same one generated lists use).
fn list(clerk: &clerk_api::Clerk, resource: &'static Resource, start: &PageStart) -> clerk_api::runtime::Paginator<JsonList> {
    let p = &resource.paging;
    let name = |text: &'static Option<clerk_sync_layout::Text>| text.as_deref();
    let paging = JsonPaging::new(name(&p.limit), name(&p.offset), name(&p.starting_after), name(&p.order_by)).page_fields(name(&p.items), name(&p.total));
    let mut list = JsonList::new(clerk.client().clone(), &*resource.path, paging).limit(start.limit);
    if start.ascending && p.order_by.is_some() {
        list = list.order_by("+created_at");
    }
    if let Some(cursor) = &start.starting_after {
        list = list.starting_after(cursor.clone());
    }
    if let (Some(param), Some(after)) = (name(&p.created_at_after), start.created_at_after) {
        list = list.query(param, after.to_string());
    }
    list.into_stream()
}

/// The cursor moves to the last item of a batch about to be merged.
fn advance_cursor(state: &mut State, batch: &Batch) {
    if let Some((id, created_at)) = &batch.last {
        state.cursor_id = Some(id.clone());
        state.cursor_created_at = *created_at;
    }
}

/// Waits for the queued merges in order: their counts added up, and the rows after the last.
async fn wait_for_merges(writer: &mut Writer, merges: Vec<tokio::sync::oneshot::Receiver<(Counts, i64)>>, rows_before: i64) -> Result<(Counts, i64), SyncError> {
    let mut counts = Counts::default();
    let mut rows = rows_before;
    for merge in merges {
        let (merged, after) = writer.wait(merge).await?;
        counts.inserted += merged.inserted;
        counts.updated += merged.updated;
        counts.deleted += merged.deleted;
        rows = after;
    }
    Ok((counts, rows))
}

/// Queues the append of a batch of new items (a first load), with the state as of its last
/// item.
async fn submit_append(
    writer: &mut Writer,
    dataset: &str,
    resource: &'static Resource,
    batch: Batch,
    state: &State,
    complete: bool,
) -> Result<tokio::sync::oneshot::Receiver<(Counts, i64)>, SyncError> {
    let dataset = dataset.to_owned();
    let state = State { complete, ..state.clone() };
    Ok(writer.submit(move |dest| sql::append(dest, &dataset, resource, &batch, &state)).await?)
}

/// Queues the merge of what is staged, with the state as of its last item. The state's counts
/// are this run's so far, which the merge adds its own to.
async fn submit_merge(
    writer: &mut Writer,
    dataset: &str,
    resource: &'static Resource,
    mode: Merge,
    state: &State,
    complete: bool,
    listed_from_ms: i64,
) -> Result<tokio::sync::oneshot::Receiver<(Counts, i64)>, SyncError> {
    let dataset = dataset.to_owned();
    let state = State { complete, ..state.clone() };
    Ok(writer.submit(move |dest| sql::merge(dest, &dataset, resource, mode, &state, listed_from_ms)).await?)
}
