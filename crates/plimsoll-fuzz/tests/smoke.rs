//! Every fuzz target over its seeds and a fixed number of deterministic mutations: builds and
//! exercises the targets in CI on the stable toolchain (the coverage-guided runs are
//! `scripts/fuzz.sh`). A panic in a target fails the test and names the input.

use plimsoll_fuzz::{mutate, seeds, Rng, TARGETS};

/// Mutations per target; the whole test stays within a few seconds in a debug build.
const ITERATIONS: usize = 5000;

#[test]
fn every_target_survives_its_seeds_and_mutations() {
    for (name, target) in TARGETS {
        let seeds = seeds(name);
        assert!(!seeds.is_empty(), "{name} has no seeds");
        for s in &seeds {
            target(s);
        }
        let mut rng = Rng::new(0x5eed ^ name.len() as u64);
        for i in 0..ITERATIONS {
            let base = &seeds[i % seeds.len()];
            let input = mutate(base, &mut rng);
            let result = std::panic::catch_unwind(|| target(&input));
            assert!(result.is_ok(), "{name} panicked on mutation {i}: {:?}", String::from_utf8_lossy(&input));
        }
    }
}
