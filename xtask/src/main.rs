//! Maintainer tasks: `cargo xtask <command>`. The only part of the workspace that touches
//! files or the network.

mod fetch_spec;
mod generate;
mod pins;
mod regen;
mod test;

use std::path::{Path, PathBuf};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  fetch-spec [--mirror DIR]          download (or copy from DIR / $CLERK_OPENAPI_MIRROR) the pinned
                                     spec files into spec/cache/ and check their sha256
  regen [--mirror DIR]               regenerate clerk-api/src/generated from the pinned spec
  check [--mirror DIR]               fail if the checked-in generated code differs from the generator's
  generate --spec FILE --out DIR [--name NAME]
                                     write a standalone crate for any Clerk-style spec
  generate-all [--mirror DIR]        generate and `cargo check` a crate for every pinned API version
  surface --spec FILE                print the API-surface summary of a spec
  test [--mirror DIR]                everything CI runs: fetch, check, all tests, generate-all
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
        Some("fetch-spec") => fetch_spec::fetch_all(&root, &pins, mirror),
        Some("regen") => regen::run(&root, &pins, mirror, regen::Mode::Write),
        Some("check") => regen::run(&root, &pins, mirror, regen::Mode::Check),
        Some("generate") => {
            let spec = flag_value(args, "--spec").ok_or("generate needs --spec FILE")?;
            let out = flag_value(args, "--out").ok_or("generate needs --out DIR")?;
            let name = flag_value(args, "--name").unwrap_or("clerk-api-generated");
            generate::run(&root, Path::new(spec), Path::new(out), name)
        }
        Some("generate-all") => test::generate_all(&root, &pins, mirror),
        Some("surface") => {
            let spec = flag_value(args, "--spec").ok_or("surface needs --spec FILE")?;
            let text = std::fs::read_to_string(spec).map_err(|e| format!("{spec}: {e}"))?;
            let api = codegen::load(&text).and_then(|d| codegen::normalize(&d)).map_err(|e| format!("{spec}: {e}"))?;
            print!("{}", codegen::surface(&api));
            Ok(())
        }
        Some("test") => test::run(&root, &pins, mirror),
        _ => Err(USAGE.to_owned()),
    }
}

/// The value after `--flag` in the arguments.
pub fn flag_value<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}
