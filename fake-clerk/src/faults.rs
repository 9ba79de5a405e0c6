//! Fault injection: scripted faults for the next requests, or random ones at a rate.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// What the fake does instead of (or before) answering normally.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this status and a `ClerkErrors` body, and the given wait headers.
    Status { status: u16, retry_after: Option<String>, retry_after_ms: Option<u64> },
    /// Send the headers and half the body of the normal answer, then break the connection.
    ResetMidResponse,
    /// Wait this long, then answer normally.
    Delay(Duration),
}

impl Fault {
    pub fn status(status: u16) -> Fault {
        Fault::Status { status, retry_after: None, retry_after_ms: None }
    }

    pub fn status_retry_after(status: u16, retry_after: &str) -> Fault {
        Fault::Status { status, retry_after: Some(retry_after.to_owned()), retry_after_ms: None }
    }
}

/// Scripted faults are used first, in order, one per request; then random ones at `rate`.
#[derive(Debug, Default)]
pub struct Faults {
    script: Mutex<VecDeque<Fault>>,
    random: Option<(f64, Vec<Fault>)>,
    rng: Mutex<fastrand::Rng>,
}

impl Faults {
    /// Faults drawn at random for a `rate` (0 to 1) of requests, from `kinds`.
    pub fn random(rate: f64, kinds: Vec<Fault>, seed: u64) -> Faults {
        Faults {
            script: Mutex::default(),
            random: Some((rate, kinds)),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
        }
    }

    pub fn push(&self, faults: impl IntoIterator<Item = Fault>) {
        self.script.lock().unwrap_or_else(|e| e.into_inner()).extend(faults);
    }

    /// Drops the scripted faults not used yet.
    pub fn clear(&self) {
        self.script.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    pub fn next(&self) -> Option<Fault> {
        if let Some(fault) = self.script.lock().unwrap_or_else(|e| e.into_inner()).pop_front() {
            return Some(fault);
        }
        let (rate, kinds) = self.random.as_ref()?;
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        if kinds.is_empty() || rng.f64() >= *rate {
            return None;
        }
        Some(kinds[rng.usize(..kinds.len())].clone())
    }
}
