//! The text printed after a run and by `clerk-sync show`.

use crate::dest::sql::TableSummary;
use crate::sync::{Outcome, Report};
use std::fmt::Write;

pub fn run_summary(report: &Report) -> String {
    let mut out = String::new();
    let synced = report.resources.iter().filter(|r| r.outcome == Outcome::Synced).count();
    let _ = writeln!(
        out,
        "Synced {synced} of {} resources into {} (dataset {}) in {:.2} s, run {}",
        report.resources.len(),
        report.destination,
        report.dataset,
        report.elapsed.as_secs_f64(),
        report.run_id
    );
    let _ = writeln!(out, "{:<28} {:>12} {:>10} {:>10} {:>10} {:>10} {:>8}", "resource", "mode", "fetched", "inserted", "updated", "deleted", "rows");
    for r in &report.resources {
        let mode = if r.incremental { "incremental" } else { "replace" };
        match &r.outcome {
            Outcome::Synced => {
                let _ = writeln!(
                    out,
                    "{:<28} {:>12} {:>10} {:>10} {:>10} {:>10} {:>8}",
                    r.name, mode, r.fetched, r.counts.inserted, r.counts.updated, r.counts.deleted, r.rows
                );
            }
            Outcome::Skipped(reason) => {
                let _ = writeln!(out, "{:<28} {:>12} skipped: {reason}", r.name, mode);
            }
        }
    }
    let (inserted, updated, deleted) = report.resources.iter().fold((0, 0, 0), |(i, u, d), r| (i + r.counts.inserted, u + r.counts.updated, d + r.counts.deleted));
    let _ = writeln!(out, "total: {inserted} inserted, {updated} updated, {deleted} deleted");
    out
}

pub fn show(tables: &[TableSummary], destination: &str, dataset: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{destination}, dataset {dataset}: {} tables", tables.len());
    let _ = writeln!(out, "{:<44} {:>10}  last synced (UTC)", "table", "rows");
    for t in tables {
        let _ = writeln!(out, "{:<44} {:>10}  {}", t.table, t.rows, t.synced_at.as_deref().unwrap_or("-"));
    }
    out
}
