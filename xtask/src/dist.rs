//! `cargo xtask dist [--target TRIPLE] [--check]`: clerk-sync's release archive for one
//! platform, exactly as the release workflow (`.github/workflows/release.yml`) attaches it to a
//! tag's release: the binary built with `--release --locked --features demo` (so `clerk-sync
//! demo` works from the download) and its debug info stripped, the README and the license, in
//! `clerk-sync-<version>-<target>.tar.gz` (`.zip` for Windows), with its SHA-256 beside it in
//! `sha256sum`'s format (`<archive>.sha256`). `--check` then unpacks the archive into a
//! temporary folder, checks the digest and runs `--version`, `demo` and `show` from it.

use crate::cargo::{cargo_env, target_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run(root: &Path, target: Option<&str>, check: bool) -> Result<(), String> {
    let triple = match target {
        Some(triple) => triple.to_owned(),
        None => host_triple()?,
    };
    let archive = build(root, &triple, target.is_some())?;
    println!("{}", archive.display());
    if check {
        unpack_and_run(root, &archive)?;
    }
    Ok(())
}

/// Builds the archive and its `.sha256`; returns the archive's path.
fn build(root: &Path, triple: &str, cross: bool) -> Result<PathBuf, String> {
    let mut args = vec!["build", "--release", "--locked", "-p", "clerk-sync", "--features", "demo"];
    if cross {
        // Without `--target`, the host build shares its directory (and DuckDB's build) with
        // `cargo build --release`.
        args.extend(["--target", triple]);
    }
    cargo_env(root, &args, &[])?;
    let windows = triple.contains("windows");
    let exe = if windows { "clerk-sync.exe" } else { "clerk-sync" };
    let target = target_dir(root);
    let built = if cross { target.join(triple).join("release") } else { target.join("release") }.join(exe);

    let name = format!("clerk-sync-{}-{triple}", crate::package_version(&root.join("clerk-sync"))?);
    let out = target.join("dist");
    let staging = out.join(&name);
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;
    for (from, to) in [(built, exe), (root.join("README.md"), "README.md"), (root.join("LICENSE"), "LICENSE")] {
        std::fs::copy(&from, staging.join(to)).map_err(|e| format!("{}: {e}", from.display()))?;
    }
    if !windows {
        strip_debug_info(&staging.join(exe))?;
    }
    let archive_name = if windows { format!("{name}.zip") } else { format!("{name}.tar.gz") };
    let archive = out.join(&archive_name);
    let _ = std::fs::remove_file(&archive);
    let mut tar = tar();
    if windows {
        tar.args(["-a", "-cf"]);
    } else {
        tar.arg("-czf");
    }
    tar.arg(&archive_name).args(["-C", &out.display().to_string(), &name]).current_dir(&out);
    run_command(&mut tar)?;
    let digest = sha256_hex(&archive)?;
    let checksum = out.join(format!("{archive_name}.sha256"));
    std::fs::write(&checksum, format!("{digest}  {archive_name}\n"))
        .map_err(|e| format!("{}: {e}", checksum.display()))?;
    Ok(archive)
}

/// Drops the binary's debug info (the release profile keeps line tables, for backtraces in
/// development): on Linux 187 MB down to 82 MB, the archive 46 MB down to 25 MB. Windows keeps
/// debug info out of the executable already. Without a `strip` tool the binary is kept whole.
fn strip_debug_info(binary: &Path) -> Result<(), String> {
    match Command::new("strip").arg("-S").arg(binary).status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`strip -S {}` failed ({status})", binary.display())),
        Err(e) => {
            eprintln!("not stripped: no `strip` tool ({e}); the archive keeps the debug info");
            Ok(())
        }
    }
}

/// What a user does with a downloaded archive: check its digest, unpack it, run it.
fn unpack_and_run(root: &Path, archive: &Path) -> Result<(), String> {
    let file_name = archive.file_name().and_then(|n| n.to_str()).ok_or("the archive has no UTF-8 name")?;
    let checksum_path = archive.with_file_name(format!("{file_name}.sha256"));
    let checksum = std::fs::read_to_string(&checksum_path).map_err(|e| format!("{}: {e}", checksum_path.display()))?;
    let expected = format!("{}  {file_name}", sha256_hex(archive)?);
    if checksum.trim_end() != expected {
        return Err(format!("{} says {checksum:?}, the archive hashes to {expected:?}", checksum_path.display()));
    }
    let unpacked = std::env::temp_dir().join(format!("clerk-sync-dist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&unpacked);
    std::fs::create_dir_all(&unpacked).map_err(|e| format!("{}: {e}", unpacked.display()))?;
    let result = run_command(tar().arg("-xf").arg(archive).arg("-C").arg(&unpacked)).and_then(|()| {
        let name = file_name.trim_end_matches(".tar.gz").trim_end_matches(".zip");
        let exe = format!("clerk-sync{}", if name.contains("windows") { ".exe" } else { "" });
        crate::smoke::run(&unpacked.join(name).join(exe), root)
    });
    let _ = std::fs::remove_dir_all(&unpacked);
    result
}

/// The system's `tar`: bsdtar on macOS and Windows (which writes zip files with `-a`), GNU tar
/// on Linux. On Windows, System32's by its path: a shell's `PATH` may put Git's GNU tar first.
fn tar() -> Command {
    match std::env::var_os("SystemRoot") {
        Some(system) if cfg!(windows) => Command::new(Path::new(&system).join("System32").join("tar.exe")),
        _ => Command::new("tar"),
    }
}

fn host_triple() -> Result<String, String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let out = Command::new(&rustc).arg("-vV").output().map_err(|e| format!("cannot run {rustc}: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| format!("`{rustc} -vV` names no host"))
}

fn sha256_hex(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(crate::fetch_spec::sha256_hex(&bytes))
}

fn run_command(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command.status().map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}
