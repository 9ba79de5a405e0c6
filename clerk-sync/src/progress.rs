//! Progress bars per resource (records, pages, rate) on a terminal; nothing otherwise.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

#[derive(Clone)]
pub struct Progress {
    bars: MultiProgress,
    style: ProgressStyle,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").finish_non_exhaustive()
    }
}

impl Progress {
    /// Drawn on stderr only when stdout is a terminal, so piped or logged output stays clean.
    pub fn new(visible: bool) -> Progress {
        let target = if visible && std::io::stdout().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let style = ProgressStyle::with_template(
            "{spinner} {prefix:<28} {pos:>9} records {msg:>12} {per_sec:>14} {elapsed:>5}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
        Progress { bars: MultiProgress::with_draw_target(target), style }
    }

    pub fn resource(&self, name: &str) -> ResourceProgress {
        let bar = self.bars.add(ProgressBar::new_spinner().with_style(self.style.clone()).with_prefix(name.to_owned()));
        ResourceProgress { bar, pages: 0 }
    }
}

#[derive(Debug)]
pub struct ResourceProgress {
    bar: ProgressBar,
    pages: u64,
}

impl ResourceProgress {
    pub fn records(&mut self, records: u64, page_size: u64) {
        let pages = records.div_ceil(page_size.max(1));
        if pages != self.pages {
            self.pages = pages;
            self.bar.set_message(format!("{pages} pages"));
        }
        self.bar.set_position(records);
    }

    pub fn finish(&self, note: &str) {
        self.bar.set_message(note.to_owned());
        self.bar.finish();
    }
}
