//! The Markdown report.

use super::{Change, Report, Section};
use std::fmt::Write as _;

/// The report as Markdown, titled with the two sides' labels (versions or file names).
pub fn render(report: &Report, old: &str, new: &str) -> String {
    let mut out = format!("# Rust API changes: `{old}` -> `{new}`\n\n");
    let breaking = report.breaking().count();
    let other = report.changes.len() - breaking;
    if report.is_empty() {
        out.push_str("No changes to the generated Rust API.\n");
        return out;
    }
    let _ = writeln!(out, "{breaking} breaking, {other} non-breaking.");
    for (title, is_breaking) in [("Breaking changes", true), ("Non-breaking changes", false)] {
        let changes: Vec<&Change> = report.changes.iter().filter(|c| c.breaking == is_breaking).collect();
        if changes.is_empty() {
            continue;
        }
        let _ = write!(out, "\n## {title}\n");
        for (heading, section) in [("Operations", Section::Operations), ("Types", Section::Types)] {
            let in_section: Vec<&&Change> = changes.iter().filter(|c| c.section == section).collect();
            if in_section.is_empty() {
                continue;
            }
            let _ = write!(out, "\n### {heading}\n\n");
            for change in in_section {
                let _ = write!(out, "- {}: {}", change.subject, change.what);
                if let Some(fix) = &change.fix {
                    let _ = write!(out, ". Fix: {fix}");
                }
                out.push('\n');
            }
        }
    }
    out
}
