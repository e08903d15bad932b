//! A layer progress bar on stderr, shown only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct LayerBar {
    bar: ProgressBar,
}

impl LayerBar {
    /// `None` when stderr is not a terminal or the user asked for quiet.
    pub fn new(quiet: bool) -> Option<Arc<Self>> {
        if quiet || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} scanning layers {bar:30} {pos}/{len} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(Arc::new(LayerBar { bar }))
    }
}

impl plimsoll::Progress for LayerBar {
    fn start(&self, layers: usize, _total_bytes: u64) {
        self.bar.set_length(layers as u64);
    }

    fn layer_done(&self, _index: usize, _bytes: u64, _cached: bool) {
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
