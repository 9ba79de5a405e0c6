//! Times each stage of the generator on the newest pinned spec.
//!
//! `cargo xtask fetch-spec --mirror DIR` first, then:
//! `cargo bench -p clerk-codegen --bench generate`

use std::time::{Duration, Instant};

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed()
        })
        .collect();
    samples.sort();
    (samples[0], samples[runs / 2])
}

fn main() {
    // `cargo test --all-targets` runs benches once without `--bench`: nothing to time then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("generator benchmark: run with `cargo bench -p clerk-codegen --bench generate`");
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/cache/bapi/2026-05-12.yml");
    let Ok(spec) = std::fs::read_to_string(&path) else {
        eprintln!("{} is missing: run `cargo xtask fetch-spec` first", path.display());
        std::process::exit(1);
    };
    let source = clerk_codegen::Source { path: "bapi/2026-05-12.yml".into(), origin: "bench".into() };
    let runs = 10;
    let document = clerk_codegen::load(&spec).expect("spec loads");
    let (min, median) = time(runs, || clerk_codegen::load(&spec).expect("spec loads"));
    println!("load (YAML -> openapiv3)      min {min:>9.2?}  median {median:>9.2?}");
    let (min, median) = time(runs, || clerk_codegen::normalize(&document).expect("normalizes"));
    println!("normalize (-> model)          min {min:>9.2?}  median {median:>9.2?}");
    let generator = || {
        let (overrides, settings) = (clerk_codegen::Overrides::default(), clerk_codegen::GenerationSettings::default());
        clerk_codegen::Generator::new(&spec, &source, &overrides, &settings).expect("generates")
    };
    let (min, median) = time(runs, || generator().files().expect("generates"));
    println!("generate (all stages, text)   min {min:>9.2?}  median {median:>9.2?}");
    // The same plus the test crate's tables, which `generate` made too before they got their own
    // entry point: comparable with figures from before that split.
    let (min, median) = time(runs, || {
        let generator = generator();
        (generator.files().expect("generates"), generator.test_harness().expect("test tables"))
    });
    println!("generate + test_harness       min {min:>9.2?}  median {median:>9.2?}");
    // The differ on two full specs, from text to report, as `cargo xtask diff` runs it.
    let older_path = path.with_file_name("2025-11-10.yml");
    if let Ok(older) = std::fs::read_to_string(&older_path) {
        let report = || {
            let api =
                |text: &str| clerk_codegen::normalize(&clerk_codegen::load(text).expect("loads")).expect("normalizes");
            let (old, new) = (api(&older), api(&spec));
            clerk_codegen::diff::render(&clerk_codegen::diff::diff(&old, &new), "2025-11-10", "2026-05-12")
        };
        let (min, median) = time(runs, report);
        println!("diff 2025-11-10 -> 2026-05-12 min {min:>9.2?}  median {median:>9.2?}  (load, normalize both, compare, render)");
    }
}
