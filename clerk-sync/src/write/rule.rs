//! The staleness rule: whether a version of an object that is about to be written is older than
//! what the database already holds. `run` and `serve` both ask here, and nowhere else.
//!
//! Versions are Clerk's own clock: an object's `updated_at` (milliseconds), or for a deletion the
//! event's `timestamp`. A listed item of a table without `updated_at` has no version; it then
//! loses to a deletion and to any change `serve` applied since the listing began (by this
//! machine's clock, with [`CLOCK_MARGIN_MS`] for the clocks of two machines).

/// How far before a listing began a change `serve` applied still counts as newer than the
/// listing: room for the clocks of two machines to differ.
pub const CLOCK_MARGIN_MS: i64 = 60_000;

/// A version about to be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Incoming {
    /// From a webhook event: the object's `updated_at`, or the event's time.
    Event { version: i64 },
    /// From a list read by a run that began at `listed_from_ms` (this machine's clock).
    Listed { updated_at: Option<i64>, listed_from_ms: i64 },
}

impl Incoming {
    fn version(self) -> Option<i64> {
        match self {
            Incoming::Event { version } => Some(version),
            Incoming::Listed { updated_at, .. } => updated_at,
        }
    }
}

/// What `serve` recorded about an object (`_clerk_sync_objects`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub version: i64,
    /// A tombstone: the object was deleted at `version`.
    pub deleted: bool,
    /// When it was applied, by the applying machine's clock.
    pub applied_ms: i64,
}

/// Whether `incoming` is older than what is stored: a tombstone at or after it, a change
/// `serve` applied after it, or a row whose own `updated_at` is later. Equal versions are not
/// stale (the same version written again changes nothing), except against a tombstone: a
/// deletion wins a tie.
pub fn is_stale(incoming: Incoming, recorded: Option<Recorded>, row_updated_at: Option<i64>) -> bool {
    let version = incoming.version();
    if let Some(record) = recorded {
        let newer = match (version, record.deleted) {
            (Some(version), true) => record.version >= version,
            (Some(version), false) => record.version > version,
            // No version: a deletion always wins; a change wins if applied since the listing began.
            (None, true) => true,
            (None, false) => match incoming {
                Incoming::Listed { listed_from_ms, .. } => {
                    record.applied_ms >= listed_from_ms.saturating_sub(CLOCK_MARGIN_MS)
                }
                Incoming::Event { .. } => false,
            },
        };
        if newer {
            return true;
        }
    }
    matches!((version, row_updated_at), (Some(version), Some(row)) if row > version)
}

/// Whether a replace keeps an object's row although the listing lacked it: `serve` applied it
/// (not a deletion) since the listing began, so the listing could not have seen it.
pub fn kept_by_replace(recorded: Recorded, listed_from_ms: i64) -> bool {
    !recorded.deleted && recorded.applied_ms >= listed_from_ms.saturating_sub(CLOCK_MARGIN_MS)
}

/// Whether a reconcile that began at `began_ms` (this machine's clock) may remove a row its
/// listing lacked: not if `serve` wrote the object since the pass began (it may be newer than
/// the listing's end).
pub fn removable_by_reconcile(recorded: Option<Recorded>, began_ms: i64) -> bool {
    match recorded {
        Some(record) => record.deleted || record.applied_ms < began_ms.saturating_sub(CLOCK_MARGIN_MS),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTED_AT: i64 = 1_000_000;

    fn listed(updated_at: Option<i64>) -> Incoming {
        Incoming::Listed { updated_at, listed_from_ms: LISTED_AT }
    }

    fn record(version: i64, deleted: bool, applied_ms: i64) -> Option<Recorded> {
        Some(Recorded { version, deleted, applied_ms })
    }

    #[test]
    fn newer_versions_win_and_deletions_win_ties() {
        let event = |version| Incoming::Event { version };
        assert!(!is_stale(event(10), None, None), "nothing stored");
        assert!(!is_stale(event(10), None, Some(10)), "the same version again is written");
        assert!(is_stale(event(10), None, Some(11)), "the row is newer");
        assert!(is_stale(event(10), record(11, false, 0), None), "serve applied a newer change");
        assert!(!is_stale(event(10), record(10, false, 0), None));
        assert!(is_stale(event(10), record(10, true, 0), None), "a deletion wins a tie");
        assert!(!is_stale(event(11), record(10, true, 0), None));
        assert!(
            is_stale(listed(Some(10)), record(12, true, 0), Some(5)),
            "a listing never brings back a deleted object"
        );
        assert!(!is_stale(listed(Some(13)), record(12, false, 0), Some(12)));
    }

    #[test]
    fn listed_items_without_a_version_lose_to_serve_since_the_listing_began() {
        assert!(is_stale(listed(None), record(1, true, 0), None), "deleted, whenever");
        assert!(is_stale(listed(None), record(1, false, LISTED_AT - CLOCK_MARGIN_MS), None));
        assert!(!is_stale(listed(None), record(1, false, LISTED_AT - CLOCK_MARGIN_MS - 1), None));
        assert!(!is_stale(listed(None), None, Some(99)), "a row without a version says nothing");
    }

    #[test]
    fn replace_and_reconcile_spare_what_serve_wrote_since_they_began() {
        assert!(kept_by_replace(Recorded { version: 1, deleted: false, applied_ms: LISTED_AT }, LISTED_AT));
        assert!(!kept_by_replace(Recorded { version: 1, deleted: true, applied_ms: LISTED_AT }, LISTED_AT));
        assert!(!kept_by_replace(Recorded { version: 1, deleted: false, applied_ms: 0 }, LISTED_AT));
        assert!(removable_by_reconcile(None, LISTED_AT));
        assert!(!removable_by_reconcile(record(1, false, LISTED_AT), LISTED_AT));
        assert!(removable_by_reconcile(record(1, false, 0), LISTED_AT));
    }
}
