//! `plimsoll-afl seeds DIR TARGET` writes TARGET's seeds into DIR; otherwise the binary runs
//! under `afl-fuzz` with the target named by `PLIMSOLL_FUZZ_TARGET` (see `scripts/fuzz.sh`).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "seeds" {
        std::fs::create_dir_all(&args[2]).expect("seed directory");
        for (i, s) in plimsoll_fuzz::seeds(&args[3]).iter().enumerate() {
            std::fs::write(std::path::Path::new(&args[2]).join(format!("seed-{i}")), s).expect("seed file");
        }
        return;
    }
    let name = std::env::var("PLIMSOLL_FUZZ_TARGET").expect("set PLIMSOLL_FUZZ_TARGET");
    let target = plimsoll_fuzz::TARGETS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, f)| *f)
        .unwrap_or_else(|| panic!("unknown target {name}"));
    afl::fuzz!(|data: &[u8]| {
        target(data);
    });
}
