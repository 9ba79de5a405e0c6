//! The rule every test that needs something from outside Rust follows (a browser, a database,
//! a package installed by npm or pip): where it is missing, the test is skipped outside CI,
//! with one line saying how to include it, and fails in CI (the environment variable `CI` set),
//! where nothing may be skipped.

/// Whether this is a CI run (`CI` set), where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// `missing` (what is not there) makes the caller skip: outside CI this prints one line,
/// `skipped: {missing}: {how}` (`how` says how to include the test), and returns `None`.
///
/// # Panics
///
/// In CI, with `missing` and `how`.
#[track_caller]
pub fn skip_outside_ci<T>(missing: &str, how: &str) -> Option<T> {
    if in_ci() {
        panic!("{missing}: {how} (CI is set, so this test may not be skipped)");
    }
    eprintln!("skipped: {missing}: {how}");
    None
}

/// The environment variable `name`, or, unset, [`skip_outside_ci`] with "set it to `value`".
///
/// # Panics
///
/// In CI, when `name` is not set.
#[track_caller]
pub fn env_or_skip(name: &str, value: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(set) => Some(set),
        Err(_) => skip_outside_ci(&format!("{name} is not set"), &format!("set it to {value}")),
    }
}
