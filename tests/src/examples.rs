//! Builds the command-line examples the way `cargo run -p clerk-api --example NAME` does (with
//! the package's own features; `cargo test --all-targets` compiles examples as test
//! harnesses, which cannot be run with arguments), once per test process.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// The path of the built example `name`.
pub fn example_binary(name: &str) -> PathBuf {
    example_binary_with(name, &[])
}

/// The path of the built example `name`, built with clerk-api's `features` besides its defaults.
pub fn example_binary_with(name: &str, features: &[&str]) -> PathBuf {
    package_example("clerk-api", name, features)
}

/// The path of the built example `name` of `package` (with its `features` besides its defaults).
pub fn package_example(package: &str, name: &str, features: &[&str]) -> PathBuf {
    static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    let key = format!("{package}/{name}");
    if let Some(path) = built.get_or_insert_with(HashMap::new).get(&key) {
        return path.clone();
    }
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(|deps| deps.parent()).expect("target profile directory").to_path_buf();
    let features = features.join(",");
    let mut args = vec!["build", "--quiet", "-p", package, "--example", name];
    if !features.is_empty() {
        args.extend(["--features", features.as_str()]);
    }
    if profile_dir.ends_with("release") {
        args.push("--release");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output =
        Command::new(cargo).args(&args).current_dir(env!("CARGO_MANIFEST_DIR")).output().expect("run cargo build");
    assert!(output.status.success(), "cargo build --example {name}: {}", String::from_utf8_lossy(&output.stderr));
    let path = profile_dir.join("examples").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    built.get_or_insert_with(HashMap::new).insert(key, path.clone());
    path
}
