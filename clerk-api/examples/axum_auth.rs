//! An axum server whose `/me` route requires a Clerk session and whose `/health` route is
//! public. Run with the instance's PEM public key:
//!
//! ```text
//! CLERK_JWT_KEY="$(cat jwt_key.pem)" cargo run -p clerk-api --features axum --example axum_auth
//! curl -H "Authorization: Bearer $SESSION_TOKEN" http://127.0.0.1:3000/me
//! ```

use axum::routing::get;
use axum::Router;
use clerk_api::auth::axum::{ClerkAuth, ClerkAuthLayer};
use clerk_api::auth::{AuthenticateOptions, JwtKey};

async fn me(ClerkAuth(auth): ClerkAuth) -> String {
    let session = auth.session();
    format!(
        "user {} session {} org {} permissions {:?}\n",
        auth.user_id().unwrap_or("-"),
        auth.session_id().unwrap_or("-"),
        auth.org_id().unwrap_or("-"),
        session.map(|s| s.org_permissions()).unwrap_or_default(),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pem = std::env::var("CLERK_JWT_KEY").map_err(|_| "set CLERK_JWT_KEY to the instance's PEM public key")?;
    let mut options = AuthenticateOptions::networkless(JwtKey::from_pem(&pem)?);
    if let Ok(party) = std::env::var("CLERK_AUTHORIZED_PARTY") {
        options = options.authorized_party(party);
    }
    let app = Router::new()
        .route("/me", get(me))
        .route_layer(ClerkAuthLayer::new(options))
        .route("/health", get(|| async { "ok\n" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("listening on http://127.0.0.1:3000");
    axum::serve(listener, app).await?;
    Ok(())
}
