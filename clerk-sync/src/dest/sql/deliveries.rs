//! `_clerk_sync_deliveries`: the webhook message ids `serve` committed, so a redelivery changes
//! nothing; kept a week, as Clerk stops retrying long before.

use super::DELIVERIES_TABLE;
use crate::dest::{qualified, Dialect, Statement};

/// Records delivery ids (with their event types) as committed: `serve` inserts a group's with
/// its commit.
pub(crate) fn record(d: Dialect, dataset: &str, ids: Vec<String>, event_types: Vec<String>) -> Statement {
    Statement::new(
        format!(
            "INSERT INTO {} (delivery_id, event_type, received_at) SELECT id, event_type, {} FROM (SELECT unnest({}) AS id, unnest({}) AS event_type) AS v",
            qualified(d, dataset, DELIVERIES_TABLE),
            d.now(),
            Statement::param(d, 1),
            Statement::param(d, 2)
        ),
        vec![ids, event_types],
    )
}

/// Drops the delivery ids recorded more than `keep` ago.
pub(crate) fn prune(d: Dialect, dataset: &str, keep: std::time::Duration) -> String {
    format!(
        "DELETE FROM {} WHERE received_at < {} - INTERVAL '{} seconds'",
        qualified(d, dataset, DELIVERIES_TABLE),
        d.now(),
        keep.as_secs()
    )
}

/// Every recorded delivery id.
pub(crate) fn all(d: Dialect, dataset: &str) -> String {
    format!("SELECT delivery_id FROM {}", qualified(d, dataset, DELIVERIES_TABLE))
}
