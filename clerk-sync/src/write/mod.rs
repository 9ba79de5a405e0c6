//! The write engine: the one place that changes data rows, for `run` and `serve` alike.
//!
//! - [`transaction`]: every write happens in one, with the resources' locks taken first.
//! - `rule`: the staleness rule (which version of an object wins) and what a replace or a
//!   reconcile must spare.
//! - [`stored`]: what the database holds about a set of objects, read in one query.
//! - `upsert`: versioned upserts and deletions of objects, with tombstones.
//! - `append`: rows of objects known to be new (a first load), without looking up anything.
//! - `replace`: a table made equal to a listing of it.
//! - `reconcile`: rows of objects a full listing no longer has, removed.
//!
//! `serve` records what it applied in `_clerk_sync_objects` (each object's version, whether it
//! was a deletion, when it was applied); a reconcile's deletions leave a tombstone there too.
//! Those records and the rows' own `updated_at` are what the rule weighs.

pub(crate) mod append;
pub(crate) mod deliveries;
pub(crate) mod listed;
pub(crate) mod reconcile;
pub(crate) mod replace;
pub(crate) mod rule;
pub mod stored;
pub(crate) mod upsert;

use crate::dest::sql;
use crate::dest::{Destination, Result, Statement};

/// Runs `body` in a transaction holding the locks of `resources` (PostgreSQL's advisory locks,
/// taken in name order so two writers never wait on each other; DuckDB has one writer). The
/// statements `body` leaves in its second argument run after it, with `COMMIT`, in one round
/// trip. Any failure rolls back and is returned.
pub fn transaction<T>(
    dest: &mut dyn Destination,
    dataset: &str,
    resources: &[&str],
    body: impl FnOnce(&mut dyn Destination, &mut Vec<Statement>) -> Result<T>,
) -> Result<T> {
    let d = dest.dialect();
    let mut names: Vec<&str> = resources.to_vec();
    names.sort_unstable();
    names.dedup();
    let begin: Vec<String> = std::iter::once("BEGIN".to_owned())
        .chain(names.iter().filter_map(|name| sql::lock_statement(d, dataset, name)))
        .collect();
    let result = dest.execute(&begin.join(";\n")).and_then(|()| {
        let mut trailing = Vec::new();
        let value = body(dest, &mut trailing)?;
        trailing.push(Statement::new("COMMIT", Vec::new()));
        dest.execute_statements(&trailing)?;
        Ok(value)
    });
    if result.is_err() {
        let _ = dest.execute("ROLLBACK");
    }
    result
}
