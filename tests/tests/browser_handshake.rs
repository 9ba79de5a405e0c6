//! End to end in a real browser: headless Chromium (Debian's `chromium`) opens a page of the
//! `axum_web` example with an expired session cookie; the app sends it through the fake
//! Clerk's handshake (`fake-clerk`, feature `frontend`), exchanges the nonce it comes back
//! with through the Backend API, and the page shows the user. A second page, `/orgs/globex`,
//! opened with a session whose active organization is `acme`, goes through the handshake with
//! `organization_id=globex` (organization sync) and shows `globex` active.
//!
//! Needs `chromium` (`.ci/run` installs it); without it the test fails on CI and is skipped
//! elsewhere.

use clerk_api::testing::{TestKey, PUBLISHABLE_KEY};
use fake_clerk::stub::{Reply, Stub};
use fake_clerk::{FakeClerk, Faults, Seed};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        let found = Command::new("which").arg(name).output().ok().filter(|o| o.status.success())?;
        Some(PathBuf::from(String::from_utf8_lossy(&found.stdout).trim()))
    })
}

/// The example app, killed when dropped.
struct App(Child);

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `axum_web` against the fake and returns it with its base URL.
fn start_app(fake: &str) -> (App, String) {
    let binary = clerk_api_tests::examples::example_binary_with("axum_web", &["axum"]);
    let mut child = Command::new(binary)
        .env("CLERK_SECRET_KEY", "sk_test_browser")
        .env("CLERK_API_URL", fake)
        .env("CLERK_PUBLISHABLE_KEY", PUBLISHABLE_KEY)
        .env("CLERK_PROXY_URL", fake)
        .env("PORT", "0")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start axum_web");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read the address");
    let url = line.trim().strip_prefix("listening on ").expect("a 'listening on' line").to_owned();
    (App(child), url)
}

/// A page on 127.0.0.1 that leaves the browser an expired session (cookies are per host, not
/// per port, so the app sees them) and sends it on to `next`.
async fn start_cookie_setter(cookies: Vec<String>, next: String) -> Stub {
    let reply = cookies.iter().fold(Reply::empty(302).with_header("location", &next), |reply, cookie| {
        reply.with_header("set-cookie", cookie)
    });
    Stub::always(reply).await
}

/// Opens `url` in headless Chromium with a fresh profile named `profile` and returns the DOM of
/// the page it ends on.
async fn browse(chromium: &Path, profile: &str, url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("clerk-browser-{}-{profile}", std::process::id()));
    let child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
        ])
        .args(["--disable-component-update", "--disable-sync", "--disable-default-apps", "--metrics-recording-only"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run chromium");
    let pid = child.id();
    let output = match tokio::time::timeout(
        Duration::from_secs(90),
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await
    {
        Ok(output) => output.expect("join").expect("chromium output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("chromium did not finish within 90 s");
        }
    };
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    if dom.is_empty() {
        eprintln!("chromium: {}", String::from_utf8_lossy(&output.stderr));
    }
    dom
}

fn chromium_or_skip() -> Option<PathBuf> {
    chromium().or_else(|| {
        fake_clerk::support::skip_outside_ci(
            "chromium is not installed",
            "install it for the browser test (Debian: apt-get install chromium; .ci/run does)",
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_comes_back_through_the_handshake_in_a_real_browser() {
    let Some(chromium) = chromium_or_skip() else { return };
    let fake = FakeClerk::start(Seed { users: 1, ..Seed::default() }, Faults::default()).await.expect("fake Clerk");
    let (_app, app_url) = start_app(&fake.base_url);
    let now = clerk_api_tests::auth_support::now();
    let expired = TestKey::shared()
        .session_token("user_browser")
        .session_id("sess_browser")
        .expired_for(Duration::from_secs(120))
        .sign();
    let cookies = vec![
        format!("__session={expired}; Path=/; SameSite=Lax"),
        format!("__client_uat={}; Path=/; SameSite=Lax", now - 300),
    ];
    let start = start_cookie_setter(cookies, format!("{app_url}/dashboard")).await;
    let dom = browse(&chromium, "expired", &format!("{}/start", start.base_url)).await;
    assert!(dom.contains("Signed in as user_browser"), "the page: {dom}");
    assert!(dom.contains("Session sess_browser"), "{dom}");
    // Once through the handshake and back, its nonce exchanged once.
    assert_eq!(fake.requests("GET", "/v1/client/handshake"), 1);
    assert_eq!(fake.requests("GET", "/clients/handshake_payload"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_named_in_the_url_becomes_active_through_the_handshake_in_a_real_browser() {
    let Some(chromium) = chromium_or_skip() else { return };
    let fake = FakeClerk::start(Seed { users: 1, ..Seed::default() }, Faults::default()).await.expect("fake Clerk");
    let (_app, app_url) = start_app(&fake.base_url);
    let now = clerk_api_tests::auth_support::now();
    // A valid session whose active organization is `acme`; the page names `globex`.
    let in_acme = TestKey::shared()
        .session_token("user_browser")
        .session_id("sess_org")
        .organization("org_acme", "admin")
        .organization_slug("acme")
        .sign();
    let cookies = vec![
        format!("__session={in_acme}; Path=/; SameSite=Lax"),
        format!("__client_uat={}; Path=/; SameSite=Lax", now - 300),
    ];
    let start = start_cookie_setter(cookies, format!("{app_url}/orgs/globex")).await;
    let dom = browse(&chromium, "org-sync", &format!("{}/start", start.base_url)).await;
    assert!(dom.contains("Signed in as user_browser"), "the page: {dom}");
    assert!(dom.contains("Organization globex"), "{dom}");
    assert_eq!(fake.requests("GET", "/v1/client/handshake"), 1);
    assert_eq!(fake.requests("GET", "/clients/handshake_payload"), 1);
}
