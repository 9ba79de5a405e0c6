//! Group commit: one thread owns the database connection (drivers block) and applies whatever
//! deliveries are waiting as one transaction, then answers each. Requests that arrive while a
//! group commits form the next group, so the busier the endpoint, the fewer commits per event,
//! and every acknowledgement still follows its own commit.
//!
//! A failed group changes nothing (its transaction rolls back) and each of its requests gets
//! the error, so Clerk retries them. The connection is then dropped and reopened for the next
//! group: a database that went away and came back is used again without a restart.

use super::apply::{apply_group, Outcome};
use super::event::Delivery;
use super::Stats;
use crate::dest::{Destination, DestinationError};
use crate::schema::Resource;
use crate::write;
use crate::write::stored::Mirror;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Opens the destination: again after any failure.
pub type Opener = Arc<dyn Fn() -> crate::dest::Result<Box<dyn Destination + Send>> + Send + Sync>;

type Reply = oneshot::Sender<Result<Outcome, String>>;

/// The handle on the committing thread, shared by every connection.
#[derive(Debug)]
pub struct Committer {
    requests: Mutex<Option<mpsc::Sender<(Delivery, Reply)>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// What the thread needs besides its queue.
pub struct Setup {
    pub open: Opener,
    pub dataset: String,
    pub resources: Vec<&'static Resource>,
    /// At most this many deliveries per transaction.
    pub max_group: usize,
    pub stats: Arc<Stats>,
}

impl std::fmt::Debug for Setup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setup")
            .field("dataset", &self.dataset)
            .field("max_group", &self.max_group)
            .finish_non_exhaustive()
    }
}

impl Committer {
    pub fn start(setup: Setup) -> Committer {
        let (requests, receiver) = mpsc::channel(setup.max_group.max(1) * 4);
        let thread = std::thread::spawn(move || commit_loop(receiver, setup));
        Committer { requests: Mutex::new(Some(requests)), thread: Mutex::new(Some(thread)) }
    }

    /// Queues a delivery and waits for the commit of its group.
    pub async fn submit(&self, delivery: Delivery) -> Result<Outcome, String> {
        let (reply, answer) = oneshot::channel();
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let Some(requests) = requests else { return Err("shutting down".into()) };
        requests.send((delivery, reply)).await.map_err(|_| "the committer has stopped".to_owned())?;
        answer.await.map_err(|_| "the committer has stopped".to_owned())?
    }

    /// Takes no more deliveries, commits what is queued and stops the thread (blocking).
    pub fn finish(&self) {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).take();
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// How long delivery ids are kept: Clerk (Svix) stops retrying a delivery after about three
/// days, so a redelivery older than a week cannot come.
const KEEP_DELIVERIES_DAYS: u64 = 7;

/// How often old delivery ids are dropped.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

fn commit_loop(mut receiver: mpsc::Receiver<(Delivery, Reply)>, setup: Setup) {
    let mut destination: Option<Box<dyn Destination + Send>> = None;
    // What the destination holds, where this thread is its only writer (DuckDB).
    let mut mirror: Option<Mirror> = None;
    let mut pruned: Option<std::time::Instant> = None;
    while let Some(first) = receiver.blocking_recv() {
        if pruned.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            if let Ok(dest) = connected(&mut destination, &setup) {
                let keep = Duration::from_secs(KEEP_DELIVERIES_DAYS * 86_400);
                match write::deliveries::prune(dest, &setup.dataset, keep, mirror.as_mut()) {
                    Ok(()) => pruned = Some(Instant::now()),
                    Err(error) => eprintln!(
                        "serve: dropping delivery ids older than {KEEP_DELIVERIES_DAYS} days: {}",
                        first_line(&error)
                    ),
                }
            }
        }
        let mut deliveries = vec![first.0];
        let mut replies = vec![first.1];
        let linger = destination.as_ref().map_or(Duration::ZERO, |dest| dest.group_linger());
        gather(&mut receiver, &mut deliveries, &mut replies, setup.max_group, linger);
        let result = connected(&mut destination, &setup).and_then(|dest| {
            if mirror.is_none() && dest.sole_writer() {
                mirror = Some(Mirror::load(dest, &setup.dataset, &setup.resources)?);
            }
            apply_group(dest, &setup.dataset, &deliveries, mirror.as_mut(), &setup.resources)
        });
        match result {
            Ok(outcomes) => {
                setup.stats.commits.fetch_add(1, Ordering::Relaxed);
                setup.stats.database_up.store(true, Ordering::Relaxed);
                for (outcome, reply) in outcomes.into_iter().zip(replies) {
                    setup.stats.count(outcome);
                    let _ = reply.send(Ok(outcome));
                }
            }
            Err(error) => {
                destination = None;
                mirror = None;
                setup.stats.database_up.store(false, Ordering::Relaxed);
                setup.stats.failed.fetch_add(deliveries.len() as u64, Ordering::Relaxed);
                eprintln!(
                    "serve: {} deliveries not committed (answered 503, Clerk retries them): {}",
                    deliveries.len(),
                    first_line(&error)
                );
                for reply in replies {
                    let _ = reply.send(Err("the database did not commit".to_owned()));
                }
            }
        }
    }
}

/// Adds what waits in the queue to the group, up to `max`; with a `linger`, keeps gathering while
/// deliveries go on arriving (each within a fifth of it), for at most `linger` in all. The
/// clients whose deliveries the last commit answered send their next ones within a fraction of a
/// millisecond: waiting for them makes one group of what would be two, which pays where each
/// statement costs more than the rows it writes (DuckDB).
fn gather(
    receiver: &mut mpsc::Receiver<(Delivery, Reply)>,
    deliveries: &mut Vec<Delivery>,
    replies: &mut Vec<Reply>,
    max: usize,
    linger: Duration,
) {
    let started = Instant::now();
    let mut last = started;
    while deliveries.len() < max {
        match receiver.try_recv() {
            Ok((delivery, reply)) => {
                deliveries.push(delivery);
                replies.push(reply);
                last = Instant::now();
            }
            Err(_) if started.elapsed() < linger && last.elapsed() < linger / 5 => {
                std::thread::sleep(Duration::from_micros(50))
            }
            Err(_) => break,
        }
    }
}

/// The open destination, opened and prepared (tables, serve's staging tables) if it is not.
fn connected<'a>(
    destination: &'a mut Option<Box<dyn Destination + Send>>,
    setup: &Setup,
) -> crate::dest::Result<&'a mut dyn Destination> {
    if destination.is_none() {
        let mut opened = (setup.open)()?;
        write::deliveries::prepare(opened.as_mut(), &setup.dataset, &setup.resources)?;
        *destination = Some(opened);
    }
    match destination {
        Some(destination) => Ok(destination.as_mut()),
        None => Err(DestinationError { destination: "serve", message: "no destination".into() }),
    }
}

/// The first line of an error, at most 300 characters: statements quote row data, which has
/// no place in a log line.
fn first_line(error: &DestinationError) -> String {
    let text = error.to_string();
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(300) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_owned(),
    }
}
