//! `clerk-sync run`: brings every selected table up to date with Clerk, one resource after
//! another, each by the strategy that fits it:
//!
//! - `full_read`: a list that can be read incrementally (`users`) and has never been read in
//!   full is read oldest first by its cursor, committed every `batch_rows` items (appended
//!   straight into empty tables, else upserted), so a killed run goes on from its last batch.
//! - `changes`: after that, a plain run reads only what changed since the last run, newest
//!   `updated_at` first, and upserts it (new objects included); see that module for why
//!   nothing is missed while the list reorders itself under the reading.
//! - `reconcile`: Clerk lists nothing that was deleted, so every `reconcile_after` (or on
//!   `--reconcile`) a run reads the ids of the whole list and removes the rows of the others.
//! - `replace`: every other list (and `--full-refresh`) is read whole, staged, and swapped in
//!   by one transaction.
//!
//! Rows are written by the write engine ([`crate::write`]), on the destination's thread
//! (`destination_thread.rs`), while the next pages are fetched and flattened.

pub(crate) mod changes;
mod destination_thread;
pub(crate) mod full_read;
mod listing;
pub(crate) mod reconcile;
pub(crate) mod replace;

use crate::dest::sql::state::{self, Counts, RowCount, State};
use crate::dest::{Destination, DestinationError};
use crate::progress::{Progress, ResourceProgress};
use crate::rows::Batch;
use crate::schema::Resource;
use crate::write::{self, listed::BatchWrite};
use destination_thread::Writer;
use std::time::{Duration, Instant};

/// What to sync and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub resources: Vec<&'static Resource>,
    pub dataset: String,
    /// Re-read incremental resources from the start and replace their rows.
    pub full_refresh: bool,
    /// Reconcile incremental resources in this run, however recent the last reconcile.
    pub reconcile: bool,
    /// Reconcile incremental resources when the last reconcile is older than this.
    pub reconcile_after: Duration,
    /// Items per request (Clerk allows at most 500).
    pub page_size: i64,
    /// Items per committed batch of an incremental resource.
    pub batch_rows: usize,
}

/// How often a run reconciles incremental resources unless told: once a day costs one read of
/// the ids of the whole list a day and leaves deleted users in the tables a day at most (`serve`
/// removes them at once).
pub const DEFAULT_RECONCILE_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How a resource's sync ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Synced,
    /// The instance refused the list (a feature it does not have, a plan it is not on): the
    /// resource was left as it was.
    Skipped(String),
}

/// How a resource was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Read whole by its cursor (a first load, or one that goes on after a killed run).
    FullRead,
    /// Only what changed since the last run.
    Changes,
    /// Read whole and swapped in.
    Replace,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::FullRead => "full-read",
            Strategy::Changes => "changes",
            Strategy::Replace => "replace",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ResourceReport {
    pub name: &'static str,
    pub strategy: Strategy,
    /// Whether a reconcile pass ran too.
    pub reconciled: bool,
    /// Items read (a reconcile's ids not included).
    pub fetched: u64,
    /// Pages requested, a reconcile's included.
    pub pages: u64,
    /// What the run could not check or do, in words.
    pub notes: Vec<String>,
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
pub async fn execute(
    clerk: &clerk_api::Clerk,
    destination: Box<dyn Destination + Send>,
    options: &Options,
    progress: &Progress,
) -> Result<Report, SyncError> {
    let started = Instant::now();
    let run_id = format!("run-{}", crate::now_ms());
    let described = destination.describe();
    let mut writer = Writer::start(destination, 2);
    let resources = options.resources.clone();
    let dataset = options.dataset.clone();
    writer.call(move |dest| write::listed::prepare(dest, &dataset, &resources)).await?;
    let mut reports = Vec::new();
    for &resource in &options.resources {
        let mut job = Job {
            clerk,
            writer: &mut writer,
            resource,
            options,
            run_id: &run_id,
            bar: progress.resource(&resource.name),
            pages: 0,
            notes: Vec::new(),
        };
        match job.sync().await {
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
    Ok(Report {
        run_id,
        destination: described,
        dataset: options.dataset.clone(),
        resources: reports,
        published,
        elapsed: started.elapsed(),
    })
}

/// Whether an error on a list's first page means "this instance does not offer this list as
/// called" (a feature or plan it lacks, a list that wants a filter on this instance) rather
/// than a failure: the resource is skipped and reported. A bad key (401), server errors and
/// anything after the first page stop the run.
fn refused(error: &clerk_api::Error) -> Option<String> {
    match error {
        clerk_api::Error::Api(api) if matches!(api.status, 400 | 402..=404 | 422) => {
            Some(api.to_string().lines().next().unwrap_or("").to_owned())
        }
        _ => None,
    }
}

/// One resource's part of a run.
struct Job<'a> {
    clerk: &'a clerk_api::Clerk,
    writer: &'a mut Writer,
    resource: &'static Resource,
    options: &'a Options,
    run_id: &'a str,
    bar: ResourceProgress,
    pages: u64,
    notes: Vec<String>,
}

/// What one strategy did.
#[derive(Debug, Default)]
struct Done {
    fetched: u64,
    counts: Counts,
    /// The state row it wrote last.
    state: Option<State>,
}

/// How a run reads an error: the resource is skipped (the instance refused the list on its
/// first page) or the run stops.
enum Failure {
    Skipped(String),
    Failed(SyncError),
}

impl From<SyncError> for Failure {
    fn from(error: SyncError) -> Failure {
        Failure::Failed(error)
    }
}

impl From<DestinationError> for Failure {
    fn from(error: DestinationError) -> Failure {
        Failure::Failed(error.into())
    }
}

impl Job<'_> {
    fn name(&self) -> &'static str {
        &self.resource.name
    }

    fn dataset(&self) -> String {
        self.options.dataset.clone()
    }

    /// An API error: a skip if it came on the resource's first page and the instance refused.
    fn api_error(&self, error: clerk_api::Error, first_page: bool) -> Failure {
        match refused(&error).filter(|_| first_page) {
            Some(reason) => Failure::Skipped(reason),
            None => Failure::Failed(SyncError::Api { resource: self.name(), source: error }),
        }
    }

    async fn sync(&mut self) -> Result<ResourceReport, SyncError> {
        let started = Instant::now();
        let (dataset, resource) = (self.dataset(), self.resource);
        let previous = self.writer.call(move |dest| state::read(dest, &dataset, &resource.name)).await?;
        let strategy = match &previous {
            _ if !resource.incremental() || self.options.full_refresh => Strategy::Replace,
            Some(previous)
                if previous.changes_mark.is_some()
                    && resource.paging.order_by.is_some()
                    && resource.paging.offset.is_some() =>
            {
                Strategy::Changes
            }
            _ => Strategy::FullRead,
        };
        {
            let dataset = self.dataset();
            self.writer.call(move |dest| write::listed::begin(dest, &dataset, resource)).await?;
        }
        let result = match strategy {
            Strategy::Replace => self.replace(previous.clone()).await,
            Strategy::Changes => self.changes(previous.clone().unwrap_or_default()).await,
            Strategy::FullRead => self.full_read(previous.clone()).await,
        };
        let mut done = match result {
            Ok(done) => done,
            Err(Failure::Skipped(reason)) => {
                let dataset = self.dataset();
                self.writer.call(move |dest| write::listed::end(dest, &dataset, resource)).await?;
                self.bar.finish("skipped");
                let report = ResourceReport {
                    name: self.name(),
                    strategy,
                    reconciled: false,
                    fetched: 0,
                    pages: self.pages,
                    notes: std::mem::take(&mut self.notes),
                    counts: Counts::default(),
                    rows: previous.map_or(0, |p| p.rows),
                    outcome: Outcome::Skipped(reason),
                    elapsed: started.elapsed(),
                };
                return Ok(report);
            }
            Err(Failure::Failed(error)) => return Err(error),
        };
        let mut reconciled = false;
        // A replace has just removed what the list lacks: nothing to reconcile.
        if let Some(state) = done
            .state
            .clone()
            .filter(|state| resource.incremental() && strategy != Strategy::Replace && self.reconcile_due(state))
        {
            let (counts, state) = self.reconcile(state).await.map_err(|failure| match failure {
                Failure::Skipped(reason) => SyncError::Item {
                    resource: self.name(),
                    message: format!("the list was refused while reconciling: {reason}"),
                },
                Failure::Failed(error) => error,
            })?;
            done.counts += counts;
            done.state = Some(state);
            reconciled = true;
        }
        let dataset = self.dataset();
        self.writer.call(move |dest| write::listed::end(dest, &dataset, resource)).await?;
        self.bar.finish("done");
        Ok(ResourceReport {
            name: self.name(),
            strategy,
            reconciled,
            fetched: done.fetched,
            pages: self.pages,
            notes: std::mem::take(&mut self.notes),
            counts: done.counts,
            rows: done.state.map_or(0, |s| s.rows),
            outcome: Outcome::Synced,
            elapsed: started.elapsed(),
        })
    }

    /// Whether this run reconciles: asked to, or the last reconcile is older than the age set.
    fn reconcile_due(&self, state: &State) -> bool {
        let age = i64::try_from(self.options.reconcile_after.as_millis()).unwrap_or(i64::MAX);
        let cutoff = crate::now_ms().saturating_sub(age);
        self.options.reconcile
            || match state.reconciled_ms {
                Some(at) => at < cutoff,
                None => true,
            }
    }

    /// Queues a batch's write and the state row after it, in one transaction, without waiting.
    async fn submit(
        &mut self,
        write: BatchWrite,
        batch: Batch,
        state: State,
        rows: RowCount,
    ) -> Result<Pending, SyncError> {
        let (dataset, resource) = (self.dataset(), self.resource);
        Ok(self
            .writer
            .submit(move |dest| write::listed::batch(dest, &dataset, resource, write, batch, &state, rows))
            .await?)
    }

    /// Waits for queued writes, in order: their counts added up, and the state the last wrote.
    async fn wait(&mut self, pending: Vec<Pending>) -> Result<(Counts, Option<State>), SyncError> {
        let mut counts = Counts::default();
        let mut last = None;
        for receiver in pending {
            let (written, state) = self.writer.wait(receiver).await?;
            counts += written;
            last = Some(state);
        }
        Ok((counts, last))
    }
}

pub(super) type Pending = tokio::sync::oneshot::Receiver<(Counts, State)>;
