//! Fault injection: scripted faults for the next requests, or random ones at a rate.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
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
    state: AtomicU64,
}

impl Faults {
    /// Faults drawn at random for a `rate` (0 to 1) of requests, from `kinds`.
    pub fn random(rate: f64, kinds: Vec<Fault>, seed: u64) -> Faults {
        Faults { script: Mutex::default(), random: Some((rate, kinds)), state: AtomicU64::new(seed | 1) }
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
        let draw = self.draw();
        if kinds.is_empty() || draw >= *rate {
            return None;
        }
        let index = ((self.draw() * kinds.len() as f64) as usize).min(kinds.len() - 1);
        Some(kinds[index].clone())
    }

    /// xorshift64*: deterministic for a seed, good enough to spread faults.
    fn draw(&self) -> f64 {
        let mut x = self.state.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state.store(x, Ordering::Relaxed);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}
