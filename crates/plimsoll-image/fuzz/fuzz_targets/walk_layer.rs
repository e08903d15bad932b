//! Arbitrary bytes as a layer tar: the walk and the squash must never panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_image::{walk_layer, Entry, LayerVisitor, Squashed, WalkLimits, Want};

struct Visitor;

impl LayerVisitor for Visitor {
    fn want(&mut self, entry: &Entry) -> Want {
        // Exercise both the content path and the too-large path.
        if entry.path.len() % 2 == 0 {
            Want::Read { max_bytes: 4096 }
        } else {
            Want::Skip
        }
    }
    fn content(&mut self, _entry: &Entry, data: &[u8]) {
        assert!(data.len() <= 4096);
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = WalkLimits { max_entries: 10_000, ..WalkLimits::default() };
    if let Ok(index) = walk_layer(data, &mut Visitor, &limits) {
        for e in &index.entries {
            assert!(!e.path.starts_with('/'));
            assert!(!e.path.split('/').any(|c| c == ".." || c == "."));
        }
        let squashed = Squashed::new(&[index.clone(), index]);
        for (_, e) in squashed.iter().take(100) {
            let _ = squashed.resolve(&e.path);
        }
    }
});
