//! The destination runs on its own thread (database drivers block), fed jobs in order through
//! a short queue: fetching and decoding the next pages goes on while rows are written, and the
//! queue bound keeps memory flat however large the resource.

use crate::dest::{Destination, DestinationError};
use tokio::sync::{mpsc, oneshot};

type Job = Box<dyn FnOnce(&mut dyn Destination) -> Result<(), DestinationError> + Send>;

/// A handle on the writer thread.
#[derive(Debug)]
pub struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<Result<(), DestinationError>>>,
}

/// The writer stopped: a job failed (its error) or it was gone.
pub type WriterError = DestinationError;

impl Writer {
    /// Starts the thread; it owns the destination until [`Writer::finish`].
    pub fn start(mut destination: Box<dyn Destination + Send>, queue: usize) -> Writer {
        let (jobs, mut receiver) = mpsc::channel::<Job>(queue.max(1));
        let thread = std::thread::spawn(move || {
            while let Some(job) = receiver.blocking_recv() {
                // The first failure stops the writer: later jobs assume earlier ones happened.
                job(destination.as_mut())?;
            }
            Ok(())
        });
        Writer { jobs: Some(jobs), thread: Some(thread) }
    }

    /// Queues a job and returns the receiver of its result, without waiting for it to run.
    pub async fn submit<T: Send + 'static>(
        &mut self,
        job: impl FnOnce(&mut dyn Destination) -> Result<T, DestinationError> + Send + 'static,
    ) -> Result<oneshot::Receiver<T>, WriterError> {
        let (reply, receiver) = oneshot::channel();
        let boxed: Job = Box::new(move |destination| {
            let value = job(destination)?;
            let _ = reply.send(value);
            Ok(())
        });
        let sent = match &self.jobs {
            Some(jobs) => jobs.send(boxed).await.is_ok(),
            None => false,
        };
        if !sent {
            return Err(self.stopped());
        }
        Ok(receiver)
    }

    /// Runs a job and waits for its result.
    pub async fn call<T: Send + 'static>(
        &mut self,
        job: impl FnOnce(&mut dyn Destination) -> Result<T, DestinationError> + Send + 'static,
    ) -> Result<T, WriterError> {
        let receiver = self.submit(job).await?;
        self.wait(receiver).await
    }

    /// Waits for a submitted job's result.
    pub async fn wait<T>(&mut self, receiver: oneshot::Receiver<T>) -> Result<T, WriterError> {
        match receiver.await {
            Ok(value) => Ok(value),
            Err(_) => Err(self.stopped()),
        }
    }

    /// The error that stopped the thread.
    fn stopped(&mut self) -> WriterError {
        self.jobs = None;
        let outcome = self.thread.take().map(|t| t.join());
        match outcome {
            Some(Ok(Err(error))) => error,
            Some(Err(_)) => DestinationError { destination: "writer", message: "the writer thread panicked".into() },
            _ => DestinationError { destination: "writer", message: "the writer has stopped".into() },
        }
    }

    /// Lets queued jobs finish and stops the thread.
    pub fn finish(mut self) -> Result<(), WriterError> {
        self.jobs = None;
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => {
                Err(DestinationError { destination: "writer", message: "the writer thread panicked".into() })
            }
            None => Ok(()),
        }
    }
}
