//! Maintainer tasks: `cargo xtask <command>`. The only part of the workspace that touches
//! files or the network.

mod cargo;
mod diff;
mod dist;
mod docs;
mod fetch_spec;
mod generate;
mod msrv;
mod package;
mod pins;
mod public_api;
mod regen;
mod smoke;
mod test;
#[cfg(test)]
mod tidy;
mod tools;

use std::path::{Path, PathBuf};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  fetch-spec [--mirror DIR]          download (or copy from DIR / $CLERK_OPENAPI_MIRROR) the pinned
                                     spec files into spec/cache/ and check their sha256
  fetch-spec --commit SHA | --mirror DIR --update-pins [--commit SHA]
                                     re-pin: fetch the specs at a new commit (or as the mirror has
                                     them, new bapi versions included) and rewrite spec/pins.toml
  regen [--mirror DIR]               regenerate clerk-api/src/generated from the pinned spec
  check [--mirror DIR]               fail if the checked-in generated code differs from the generator's
  generate --spec FILE --out DIR [--name NAME]
                                     write a standalone crate for any Clerk-style spec
  generate-all [--mirror DIR]        generate and `cargo check` a crate for every pinned API version
  public-api                         check that clerk-api's public API names no reqwest type and Clerk has no Deref
  docs                               build the published crates' docs as docs.rs does (every feature, --cfg docsrs), warnings denied
  package                            pack the published crates (the libraries, clerk-sync), test the packed crates
                                     outside the workspace, `cargo install` the packed clerk-sync and run its demo
  dist [--target TRIPLE] [--check]   clerk-sync's release archive (.tar.gz or .zip, and its .sha256) in target/dist,
                                     as the release workflow builds it; --check unpacks it and runs its demo
  surface --spec FILE                print the API-surface summary of a spec
  diff OLD NEW [--mirror DIR]        the changes to the generated Rust API from OLD to NEW (pinned
                                     version names such as 2025-11-10, or spec file paths), as Markdown
  test [--mirror DIR]                everything CI runs: fetch, check, all tests, generate-all
  msrv                               check clerk-api and its runtime with the compiler in
                                     $CLERK_MSRV_TOOLCHAIN (its declared rust-version)
  demo [ARGS]                        build clerk-sync (saying what a first build compiles) and run
                                     `clerk-sync demo ARGS`: a fake Clerk synced into clerk-demo.duckdb
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(message) = run(&args) {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let root = workspace_root();
    let pins = pins::Pins::load(&root)?;
    let mirror = fetch_spec::mirror_from(args);
    let mirror = mirror.as_deref();
    match args.first().map(String::as_str) {
        Some("fetch-spec") if args.iter().any(|a| a == "--update-pins") || flag_value(args, "--commit").is_some() => {
            let commit = flag_value(args, "--commit");
            if commit.is_some_and(|c| c.len() != 40 || !c.bytes().all(|b| b.is_ascii_hexdigit())) {
                return Err("--commit needs a full 40-digit commit SHA".to_owned());
            }
            fetch_spec::update_pins(&root, &pins, mirror, commit).map(|_| ())
        }
        Some("fetch-spec") => fetch_spec::fetch_all(&root, &pins, mirror),
        Some("regen") => regen::run(&root, &pins, mirror, regen::Mode::Write),
        Some("check") => regen::run(&root, &pins, mirror, regen::Mode::Check),
        Some("generate") => {
            let spec = flag_value(args, "--spec").ok_or("generate needs --spec FILE")?;
            let out = flag_value(args, "--out").ok_or("generate needs --out DIR")?;
            let name = flag_value(args, "--name").unwrap_or("clerk-api-generated");
            generate::run(&root, Path::new(spec), Path::new(out), name)
        }
        Some("public-api") => public_api::run(&root),
        Some("docs") => docs::run(&root),
        Some("dist") => dist::run(&root, flag_value(args, "--target"), args.iter().any(|a| a == "--check")),
        Some("package") => package::run(&root, tools::test_python(&root)?.as_deref()),
        Some("generate-all") => test::generate_all(&root, &pins, mirror),
        Some("surface") => {
            let spec = flag_value(args, "--spec").ok_or("surface needs --spec FILE")?;
            let text = std::fs::read_to_string(spec).map_err(|e| format!("{spec}: {e}"))?;
            let overrides = pins::overrides(&root)?;
            let source = codegen::Source { path: spec.to_owned(), origin: "a local file".to_owned() };
            let generator =
                codegen::Generator::new(&text, &source, &overrides, &codegen::GenerationSettings::default())
                    .map_err(|e| format!("{spec}: {e}"))?;
            print!("{}", generator.surface());
            Ok(())
        }
        Some("diff") => {
            let sides: Vec<&String> = args[1..].iter().filter(|a| !a.starts_with("--")).collect();
            let sides: Vec<&String> = match flag_value(args, "--mirror") {
                Some(dir) => sides.into_iter().filter(|a| a.as_str() != dir).collect(),
                None => sides,
            };
            let [old, new] = sides.as_slice() else { return Err("usage: cargo xtask diff OLD NEW".to_owned()) };
            print!("{}", diff::report(&root, &pins, mirror, old, new)?);
            Ok(())
        }
        Some("test") => test::run(&root, &pins, mirror),
        Some("msrv") => {
            let toolchain =
                msrv::toolchain().ok_or("set CLERK_MSRV_TOOLCHAIN to the folder of the MSRV cargo and rustc")?;
            msrv::check(&root, &toolchain)
        }
        Some("demo") => demo(&root, &args[1..]),
        _ => Err(USAGE.to_owned()),
    }
}

/// Builds and runs `clerk-sync demo`, first saying what the wait is for: cargo itself shows only
/// `Building ... libduckdb-sys(build)` for the quarter of an hour DuckDB's C++ build takes.
fn demo(root: &Path, extra: &[String]) -> Result<(), String> {
    println!(
        "Building clerk-sync and its demo. The first build compiles DuckDB's C++ sources (libduckdb-sys, \
         about 320 files): 15-45 minutes on 2 cores, once; later builds take seconds.\n\
         Without DuckDB: `cargo run -p clerk-sync --no-default-features --features postgres -- run --db postgres://...`; \
         on a DuckDB library you already have: feature `duckdb-system` (README, clerk-sync).\n"
    );
    let mut args = vec!["run", "-p", "clerk-sync", "--features", "demo", "--", "demo"];
    args.extend(extra.iter().map(String::as_str));
    cargo::cargo(root, &args)
}

/// The value after `--flag` in the arguments.
pub fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// The package version in `crate_dir`'s manifest: its first `version = "..."` line, which is
/// `[package]`'s in ours.
pub fn package_version(crate_dir: &Path) -> Result<String, String> {
    let path = crate_dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .find_map(|line| line.strip_prefix("version = \"")?.strip_suffix('"').map(str::to_owned))
        .ok_or_else(|| format!("{}: no package version", path.display()))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}
