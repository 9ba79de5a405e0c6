//! Lists a few users and creates an organization.
//!
//! ```sh
//! CLERK_SECRET_KEY=sk_test_... cargo run -p clerk-api --example quickstart
//! ```

use clerk_api::{types, Clerk};

#[tokio::main]
async fn main() -> Result<(), clerk_api::Error> {
    let clerk = Clerk::from_env()?; // CLERK_SECRET_KEY (and optionally CLERK_API_URL)

    // Optional parameters are builder methods; `.send().await` returns the typed response.
    let users = clerk.users().list().limit(10).order_by("-created_at").send().await?;
    for user in &users {
        println!("{} {}", user.id, user.first_name.as_deref().unwrap_or("(no first name)"));
    }

    // Required path parameters and request bodies are arguments.
    let body = types::CreateOrganizationBody { name: "Acme".into(), ..Default::default() };
    let org = clerk.organizations().create(body).send().await?;
    println!("created {} ({})", org.name, org.id);

    // API errors carry the HTTP status and Clerk's parsed errors.
    match clerk.users().get("user_does_not_exist").send().await {
        Err(clerk_api::Error::Api(api)) if api.status == 404 => println!("as expected: {api}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
