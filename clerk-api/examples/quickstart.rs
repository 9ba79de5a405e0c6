//! Lists a few users, creates a user, an organization with a member and an invitation.
//!
//! ```sh
//! CLERK_SECRET_KEY=sk_test_... cargo run -p clerk-api --example quickstart
//! ```

use clerk_api::Clerk;

#[tokio::main]
async fn main() -> Result<(), clerk_api::Error> {
    let clerk = Clerk::from_env()?; // CLERK_SECRET_KEY (and optionally CLERK_API_URL)

    // Optional parameters are builder methods; awaiting the builder sends the request and
    // returns the typed response.
    let users = clerk.users().list().limit(10).order_by("-created_at").await?;
    for user in &users {
        println!("{} {}", user.id, user.first_name.as_deref().unwrap_or("(no first name)"));
    }

    // Required path parameters and required body fields are arguments; optional body fields
    // are builder methods too.
    let user = clerk.users().create().email_address(["ada@example.com"]).first_name("Ada").await?;
    let org = clerk.organizations().create("Acme").created_by(&user.id).max_allowed_memberships(25).await?;
    clerk.organization_memberships().create(&org.id, "user_2grace", "org:member").await?;
    clerk.invitations().create("linus@example.com").redirect_url("https://example.com/welcome").await?;
    println!("created {} ({}) for {}", org.name, org.id, user.id);

    // API errors carry the HTTP status and Clerk's parsed errors.
    match clerk.users().get("user_does_not_exist").await {
        Err(clerk_api::Error::Api(api)) if api.status == 404 => println!("as expected: {api}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}
