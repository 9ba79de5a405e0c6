//! The text printed after a run and by `clerk-sync show`.

use crate::dest::sql::summary::TableSummary;
use crate::run::{Outcome, Report};
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
    let _ = writeln!(
        out,
        "{:<28} {:>20} {:>10} {:>10} {:>10} {:>10} {:>8} {:>7}",
        "resource", "mode", "fetched", "inserted", "updated", "deleted", "rows", "pages"
    );
    for r in &report.resources {
        let mode =
            if r.reconciled { format!("{}+reconcile", r.strategy.as_str()) } else { r.strategy.as_str().to_owned() };
        match &r.outcome {
            Outcome::Synced => {
                let _ = writeln!(
                    out,
                    "{:<28} {:>20} {:>10} {:>10} {:>10} {:>10} {:>8} {:>7}",
                    r.name, mode, r.fetched, r.counts.inserted, r.counts.updated, r.counts.deleted, r.rows, r.pages
                );
            }
            Outcome::Skipped(reason) => {
                let _ = writeln!(out, "{:<28} {:>20} skipped: {reason}", r.name, mode);
            }
        }
    }
    for r in &report.resources {
        for note in &r.notes {
            let _ = writeln!(out, "note: {}: {note}", r.name);
        }
    }
    let (inserted, updated, deleted) = report
        .resources
        .iter()
        .fold((0, 0, 0), |(i, u, d), r| (i + r.counts.inserted, u + r.counts.updated, d + r.counts.deleted));
    let _ = writeln!(out, "total: {inserted} inserted, {updated} updated, {deleted} deleted");
    if let Some(published) = &report.published {
        let _ = writeln!(out, "written: {published}");
    }
    out
}

pub fn show(tables: &[TableSummary], destination: &str, dataset: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{destination}, dataset {dataset}: {} tables", tables.len());
    let _ = writeln!(
        out,
        "{:<44} {:>10}  {:<19}  {:<19}  {:<19}",
        "table", "rows", "changes read (UTC)", "read in full (UTC)", "reconciled (UTC)"
    );
    for t in tables {
        let time = |at: &Option<String>| at.clone().unwrap_or_else(|| "-".to_owned());
        let _ = writeln!(
            out,
            "{:<44} {:>10}  {:<19}  {:<19}  {:<19}",
            t.table,
            t.rows,
            time(&t.times.changed),
            time(&t.times.read_in_full),
            time(&t.times.reconciled)
        );
    }
    out
}

/// The `show` command for a database, spelled so that it runs as printed: `exe` is the binary's
/// own path (after `cargo run` it is not on the `PATH`); words are quoted for a POSIX shell.
pub fn show_command(exe: &str, db: &str, dataset: &str) -> String {
    let mut command = format!("{} show --db {}", shell_word(exe), shell_word(db));
    if dataset != "clerk_data" {
        command.push_str(&format!(" --dataset {}", shell_word(dataset)));
    }
    command
}

/// A word a POSIX shell reads back unchanged: bare when it is plain, else single-quoted.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+:=@%,".contains(c)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod show_command_tests {
    use super::*;

    #[test]
    fn the_show_hint_runs_as_printed_and_quotes_what_a_shell_would_split() {
        assert_eq!(
            show_command("/x/target/debug/clerk-sync", "clerk-demo.duckdb", "clerk_data"),
            "/x/target/debug/clerk-sync show --db clerk-demo.duckdb"
        );
        assert_eq!(
            show_command("/my dir/clerk-sync", "my demo.duckdb", "data set"),
            "'/my dir/clerk-sync' show --db 'my demo.duckdb' --dataset 'data set'"
        );
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
