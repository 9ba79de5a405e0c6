//! A server-rendered web app whose pages know the signed-in user. The session lives in the
//! browser's `__session` cookie, which expires within a minute; page loads with a missing,
//! stale or expired one go through Clerk's handshake and come back signed in.
//!
//! ```text
//! CLERK_SECRET_KEY=sk_... CLERK_PUBLISHABLE_KEY=pk_... \
//!     cargo run -p clerk-api --features axum --example axum_web
//! ```
//!
//! Then sign in on your Clerk sign-in page and open `http://localhost:3000/`. `/dashboard`
//! requires a session (signed-out visitors go to `CLERK_SIGN_IN_URL` when set, else get 401);
//! `/` shows either state. `/orgs/<slug>` makes the organization it names the session's active
//! one (organization sync, through the handshake), and `/me` the personal account. Optional: `PORT` (default 3000), `CLERK_SIGN_IN_URL`,
//! `CLERK_PROXY_URL` (the Frontend API proxied through your domain), `CLERK_API_URL`.

use axum::response::Html;
use axum::routing::get;
use axum::Router;
use clerk_api::auth::axum::{ClerkAuth, ClerkAuthLayer};
use clerk_api::auth::{AuthenticateOptions, OrganizationSync, PublishableKey};
use clerk_api::Clerk;

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>"
    ))
}

async fn home(auth: Option<ClerkAuth>) -> Html<String> {
    match auth.as_ref().and_then(|auth| auth.user_id()) {
        Some(user) => page(
            "Home",
            &format!("<p id=\"user\">Signed in as {}</p><p><a href=\"/dashboard\">Dashboard</a></p>", escape(user)),
        ),
        None => page("Home", "<p id=\"user\">Signed out</p>"),
    }
}

async fn dashboard(ClerkAuth(auth): ClerkAuth) -> Html<String> {
    let user = escape(auth.user_id().unwrap_or("-"));
    let session = escape(auth.session_id().unwrap_or("-"));
    page("Dashboard", &format!("<p id=\"user\">Signed in as {user}</p><p id=\"session\">Session {session}</p>"))
}

async fn organization(ClerkAuth(auth): ClerkAuth) -> Html<String> {
    let user = escape(auth.user_id().unwrap_or("-"));
    let org = escape(auth.session().and_then(|session| session.org_slug()).unwrap_or("-"));
    page("Organization", &format!("<p id=\"user\">Signed in as {user}</p><p id=\"org\">Organization {org}</p>"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The secret key fetches the instance's JWKS and exchanges handshake nonces.
    let clerk = Clerk::from_env()?;
    let sync = OrganizationSync::new()
        .organization_patterns(["/orgs/:slug", "/orgs/:slug/(.*)"])?
        .personal_account_patterns(["/me", "/me/(.*)"])?;
    let mut options =
        AuthenticateOptions::with_client(clerk).publishable_key(PublishableKey::from_env()?).organization_sync(sync);
    if let Ok(url) = std::env::var("CLERK_PROXY_URL") {
        options = options.proxy_url(url);
    }
    if let Ok(url) = std::env::var("CLERK_SIGN_IN_URL") {
        options = options.sign_in_url(url);
    }
    let app = Router::new()
        .route("/dashboard", get(dashboard))
        .route("/orgs/{slug}", get(organization))
        .route("/me", get(organization))
        .route_layer(ClerkAuthLayer::new(options.clone()))
        .merge(Router::new().route("/", get(home)).route_layer(ClerkAuthLayer::optional(options)));
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
