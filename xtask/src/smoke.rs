//! A run of an installed `clerk-sync`, as a new user's first commands: `--version`, then
//! `demo` (a fake Clerk synced into a new DuckDB file in a temporary folder), then `show` on
//! what it wrote.

use std::path::Path;
use std::process::Command;

/// Users in the demo's fake Clerk: enough for several pages, few enough for seconds.
const DEMO_USERS: usize = 1200;

pub fn run(binary: &Path, root: &Path) -> Result<(), String> {
    let version = crate::package_version(&root.join("clerk-sync"))?;
    let printed = output(Command::new(binary).arg("--version"))?;
    if printed.trim() != format!("clerk-sync {version}") {
        return Err(format!("`clerk-sync --version` printed {printed:?}, not clerk-sync {version}"));
    }
    let scratch = std::env::temp_dir().join(format!("clerk-sync-smoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let result = demo_then_show(binary, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn demo_then_show(binary: &Path, scratch: &Path) -> Result<(), String> {
    let db = scratch.join("clerk-demo.duckdb");
    let db = db.to_str().ok_or("the temporary folder's path is not UTF-8")?;
    let users = DEMO_USERS.to_string();
    output(Command::new(binary).args(["demo", "--users", &users, "--db", db]).current_dir(scratch))?;
    let shown = output(Command::new(binary).args(["show", "--db", db]))?;
    // `show` prints a table per line: its name, then its row count.
    let synced = shown.lines().find_map(|line| {
        let mut columns = line.split_whitespace();
        (columns.next() == Some("users")).then(|| columns.next().map(str::to_owned)).flatten()
    });
    if synced.as_deref() != Some(users.as_str()) {
        return Err(format!("`clerk-sync show` after the demo lists {synced:?} users, not {users}:\n{shown}"));
    }
    eprintln!("{} --version, demo ({users} users) and show: ok", binary.display());
    Ok(())
}

/// The command's standard output, or an error with what it printed when it failed.
fn output(command: &mut Command) -> Result<String, String> {
    let shown = format!("{command:?}");
    let out = command.output().map_err(|e| format!("cannot run {shown}: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!("{shown} failed ({}):\n{stdout}{}", out.status, String::from_utf8_lossy(&out.stderr)));
    }
    Ok(stdout)
}
