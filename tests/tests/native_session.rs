//! clerk-fapi's native session end to end against fake-clerk's Frontend API: the flows a native
//! app offers (password, email code, SMS code, a second factor, sign-up, OAuth through the browser), the
//! token refreshed near its expiry, sign-out, a client token restored from storage, and the round
//! trip: the session token the native client holds is a signed-in session to `clerk_api::auth`.
//! Last, the `native_sign_in` example run as a user runs it, calling a protected axum route.

use clerk_api::auth::{AuthenticateOptions, RequestState};
use clerk_api::testing::{TestKey, PUBLISHABLE_KEY};
use clerk_fapi::native::{
    ErrorCode, FileStore, MemoryStore, NativeClient, NativeError, OAuthCompletion, SignUpDetails,
};
use clerk_fapi::types::{SignInFirstFactorVerification, SignInStatus};
use fake_clerk::native::{user_with_two_factor, user_without_two_factor, BACKUP_CODES, TEST_CODE};
use fake_clerk::{FakeClerk, Faults, Seed};
use std::time::Duration;

async fn fake() -> FakeClerk {
    FakeClerk::start(Seed { users: 12, organizations: 2, ..Seed::default() }, Faults::default()).await.unwrap()
}

fn native(fake: &FakeClerk) -> NativeClient {
    NativeClient::builder(PUBLISHABLE_KEY).base_url(&fake.base_url).build().unwrap()
}

/// What `clerk_api::auth` makes of a session token: the user id of a signed-in session.
async fn verified_user(token: &str) -> Option<String> {
    let options = AuthenticateOptions::networkless(TestKey::shared().jwt_key());
    match clerk_api::auth::authenticate_token(token, &options).await.unwrap() {
        RequestState::SignedIn(auth) => auth.user_id().map(str::to_owned),
        _ => None,
    }
}

#[tokio::test]
async fn a_password_sign_in_gives_a_session_whose_token_the_backend_accepts() {
    let fake = fake().await;
    let clerk = native(&fake);
    assert!(!clerk.load().await.unwrap().is_signed_in());
    let user = user_without_two_factor();
    let attempt = clerk.sign_in_with_password(&user.email, &user.password).await.unwrap();
    assert!(attempt.is_complete(), "{:?}", attempt.status());
    let state = clerk.state();
    assert_eq!(state.user().map(|u| u.id.as_str()), Some(user.id.as_str()));
    assert_eq!(state.active_session().map(|s| s.id.as_str()), attempt.session_id());
    let token = clerk.token().await.unwrap().expect("a session token");
    assert_eq!(verified_user(&token).await.as_deref(), Some(user.id.as_str()));
}

#[tokio::test]
async fn clerk_refusals_are_typed_by_code() {
    let fake = fake().await;
    let clerk = native(&fake);
    let user = user_without_two_factor();
    let wrong = clerk.sign_in_with_password(&user.email, "not-the-password").await.unwrap_err();
    assert_eq!(wrong.code(), Some(&ErrorCode::PasswordIncorrect), "{wrong}");
    assert!(matches!(&wrong, NativeError::Clerk { param: Some(p), .. } if p == "password"), "{wrong:?}");
    assert!(!wrong.to_string().contains("not-the-password"));
    let unknown = clerk.sign_in_with_password("nobody@example.com", "x").await.unwrap_err();
    assert_eq!(unknown.code(), Some(&ErrorCode::IdentifierNotFound), "{unknown}");
    let attempt = clerk.sign_in_with_email_code(&user.email).await.unwrap();
    let bad_code = attempt.clone().verify_email_code("000000").await.unwrap_err();
    assert_eq!(bad_code.code(), Some(&ErrorCode::CodeIncorrect), "{bad_code}");
    assert!(attempt.verify_email_code(TEST_CODE).await.unwrap().is_complete());
}

#[tokio::test]
async fn an_sms_code_sign_in_resends_refuses_a_wrong_code_and_goes_on_to_the_second_factor() {
    let fake = fake().await;
    let clerk = native(&fake);
    let user = user_with_two_factor();
    let attempt = clerk.sign_in_with_phone_code(&user.phone).await.unwrap();
    assert_eq!(attempt.status(), &SignInStatus::NeedsFirstFactor);
    let sent = match attempt.sign_in().first_factor_verification.as_ref() {
        Some(SignInFirstFactorVerification::StubsVerificationOtp(otp)) => Some(otp.strategy.as_str()),
        _ => None,
    };
    assert_eq!(sent, Some("phone_code"), "the create sends the code");
    let attempt = attempt.send_phone_code().await.unwrap();
    let bad_code = attempt.clone().verify_phone_code("000000").await.unwrap_err();
    assert_eq!(bad_code.code(), Some(&ErrorCode::CodeIncorrect), "{bad_code}");
    let attempt = attempt.verify_phone_code(TEST_CODE).await.unwrap();
    assert_eq!(attempt.status(), &SignInStatus::NeedsSecondFactor);
    assert!(attempt.verify_totp(TEST_CODE).await.unwrap().is_complete());
    let phones: Vec<String> = clerk
        .state()
        .user()
        .map(|u| u.phone_numbers.iter().map(|p| p.phone_number.clone()).collect())
        .unwrap_or_default();
    assert_eq!(phones, std::slice::from_ref(&user.phone));
    let token = clerk.token().await.unwrap().expect("a session token");
    assert_eq!(verified_user(&token).await.as_deref(), Some(user.id.as_str()));

    // A number no user has is refused as an unknown identifier.
    let unknown = native(&fake).sign_in_with_phone_code("+15559999999").await.unwrap_err();
    assert_eq!(unknown.code(), Some(&ErrorCode::IdentifierNotFound), "{unknown}");
}

#[tokio::test]
async fn a_second_factor_by_totp_or_by_a_backup_code_that_works_once() {
    let fake = fake().await;
    let user = user_with_two_factor();
    let clerk = native(&fake);
    let attempt = clerk.sign_in_with_password(&user.email, &user.password).await.unwrap();
    assert_eq!(attempt.status(), &SignInStatus::NeedsSecondFactor);
    assert!(!clerk.state().is_signed_in());
    assert!(attempt.verify_totp(TEST_CODE).await.unwrap().is_complete());
    assert!(clerk.state().is_signed_in());

    for expected_ok in [true, false] {
        let device = native(&fake);
        let attempt = device.sign_in_with_password(&user.email, &user.password).await.unwrap();
        let verified = attempt.verify_backup_code(BACKUP_CODES[0]).await;
        assert_eq!(verified.is_ok(), expected_ok, "backup code used {}", if expected_ok { "first" } else { "again" });
    }
}

#[tokio::test]
async fn a_sign_up_with_an_email_code_signs_the_new_user_in() {
    let fake = fake().await;
    let clerk = native(&fake);
    let details = SignUpDetails::new("grace@example.com").password("a long enough password").first_name("Grace");
    let attempt = clerk.sign_up_with_email_code(details).await.unwrap();
    assert!(!attempt.is_complete());
    let attempt = attempt.verify_email_code(TEST_CODE).await.unwrap();
    assert!(attempt.is_complete(), "{:?}", attempt.status());
    let user = clerk.state().user().map(|u| u.id.clone()).expect("signed in");
    let token = clerk.token().await.unwrap().unwrap();
    assert_eq!(verified_user(&token).await, Some(user));
}

#[tokio::test]
async fn a_token_is_reused_while_fresh_and_fetched_once_near_its_expiry() {
    let fake = fake().await;
    // Tokens live 12 s and the client fetches again with 10 s left: fresh for 2 s.
    fake.native().set_session_token_lifetime(Duration::from_secs(12));
    let clerk = native(&fake);
    let user = user_without_two_factor();
    let session = clerk.sign_in_with_password(&user.email, &user.password).await.unwrap();
    let session = session.session_id().unwrap().to_owned();
    let first = clerk.token().await.unwrap().unwrap();
    assert_eq!(clerk.token().await.unwrap().unwrap(), first, "reused while fresh");
    let minted = fake.native().tokens_minted(&session);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    let callers: Vec<_> = (0..5)
        .map(|_| {
            let clerk = clerk.clone();
            tokio::spawn(async move { clerk.token().await.unwrap().unwrap() })
        })
        .collect();
    let mut tokens = Vec::new();
    for caller in callers {
        tokens.push(caller.await.unwrap());
    }
    assert!(tokens.iter().all(|t| *t == tokens[0] && *t != first), "one new token for every caller");
    assert_eq!(fake.native().tokens_minted(&session), minted + 1, "one fetch in flight");
}

#[tokio::test]
async fn sign_out_ends_the_sessions_and_a_stored_token_restores_a_signed_in_client() {
    let fake = fake().await;
    let dir = std::env::temp_dir().join(format!("clerk-native-{}", std::process::id()));
    let path = dir.join("token");
    let user = user_without_two_factor();
    {
        let clerk = NativeClient::builder(PUBLISHABLE_KEY)
            .base_url(&fake.base_url)
            .store(FileStore::new(&path))
            .build()
            .unwrap();
        clerk.sign_in_with_password(&user.email, &user.password).await.unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap();
    assert!(!stored.is_empty());
    // A new process: the token from the file, the session from the Frontend API.
    let again =
        NativeClient::builder(PUBLISHABLE_KEY).base_url(&fake.base_url).store(FileStore::new(&path)).build().unwrap();
    assert!(again.load().await.unwrap().is_signed_in());
    assert!(!format!("{again:?}").contains(&stored), "the token is never printed");
    let token = again.token().await.unwrap().unwrap();
    assert_eq!(verified_user(&token).await.as_deref(), Some(user.id.as_str()));
    let session = again.state().active_session().unwrap().id.clone();

    again.sign_out().await.unwrap();
    assert!(!again.state().is_signed_in());
    assert_eq!(again.token().await.unwrap(), None);
    assert!(!again.load().await.unwrap().is_signed_in(), "the server ended it too");
    let refused = again.frontend_api().sessions().create_token(&session).await;
    assert!(refused.is_err(), "no token for an ended session");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_oauth_sign_in_completes_from_the_browser_callback_and_rotates_the_token() {
    let fake = fake().await;
    let store = std::sync::Arc::new(MemoryStore::new());
    let clerk = NativeClient::builder(PUBLISHABLE_KEY)
        .base_url(&fake.base_url)
        .store(SharedStore(store.clone()))
        .build()
        .unwrap();
    let start = clerk.start_oauth("oauth_google", "com.example.app://callback").await.unwrap();
    let before = clerk_fapi::native::TokenStore::load(&*store).unwrap();
    // The system browser: the provider's page sends it back to the app's callback URL.
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = browser.get(start.url()).send().await.unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.starts_with("com.example.app://callback?"), "{callback}");

    let completion = clerk.complete_oauth(&start, &callback).await.unwrap();
    let OAuthCompletion::SignedIn(attempt) = &completion else { panic!("an existing user signs in: {completion:?}") };
    assert!(attempt.is_complete(), "{:?}", attempt.status());
    let after = clerk_fapi::native::TokenStore::load(&*store).unwrap();
    assert!(after.is_some() && after != before, "the nonce rotated the client token");
    assert_eq!(clerk.state().user().map(|u| u.id.clone()), Some(fake_clerk::native::oauth_user().id));
    let wrong = clerk.complete_oauth(&start, "https://elsewhere.example/?rotating_token_nonce=x").await;
    assert!(matches!(wrong, Err(NativeError::Flow(_))));
}

/// A provider account no user has, as Clerk's native SDKs handle it: the callback comes back
/// without a nonce, the sign-in's verification is `transferable`, and a sign-up with
/// `transfer=true` creates the user, signed in, with no password asked.
#[tokio::test]
async fn an_oauth_sign_in_for_a_new_account_becomes_a_sign_up() {
    let fake = fake().await;
    let clerk = native(&fake);
    let start = clerk.start_oauth("oauth_google", "com.example.app://callback").await.unwrap();
    let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = format!("{}&identifier=new.person@example.com", start.url());
    let answer = browser.get(&page).send().await.unwrap();
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(!callback.contains("rotating_token_nonce"), "{callback}");

    let completion = clerk.complete_oauth(&start, &callback).await.unwrap();
    let OAuthCompletion::SignedUp(sign_up) = &completion else { panic!("a new account signs up: {completion:?}") };
    assert!(completion.is_complete(), "{:?}", sign_up.status());
    assert_eq!(sign_up.sign_up().email_address.as_deref(), Some("new.person@example.com"));
    let user = clerk.state().user().map(|u| u.id.clone()).expect("signed in");
    let token = clerk.token().await.unwrap().expect("a session token");
    assert_eq!(verified_user(&token).await, Some(user.clone()));
    // The Backend API knows the new user.
    let backend = clerk_api::Clerk::builder("sk_test_fake").base_url(&fake.base_url).build().unwrap();
    let created = backend.users().get(&user).await.unwrap();
    assert_eq!(created.email_addresses[0].email_address, "new.person@example.com");

    // A cancelled consent is an error, not a sign-up.
    let start = clerk.start_oauth("oauth_google", "com.example.app://callback").await.unwrap();
    let denied = browser.get(format!("{}&deny=true", start.url())).send().await.unwrap();
    let callback = denied.headers()["location"].to_str().unwrap().to_owned();
    let refused = clerk.complete_oauth(&start, &callback).await.unwrap_err();
    assert!(refused.to_string().contains("access_denied"), "{refused}");
}

/// A store the test can read beside the client.
struct SharedStore(std::sync::Arc<MemoryStore>);

impl clerk_fapi::native::TokenStore for SharedStore {
    fn load(&self) -> Result<Option<String>, clerk_fapi::native::StoreError> {
        self.0.load()
    }
    fn save(&self, token: Option<&str>) -> Result<(), clerk_fapi::native::StoreError> {
        self.0.save(token)
    }
}

/// The example, as a user runs it: signs in with the emailed code (given on the command line,
/// as CI cannot type), then calls a protected axum route with the session token.
#[tokio::test]
async fn the_native_sign_in_example_calls_a_protected_route() {
    use axum::routing::get;
    use clerk_api::auth::axum::{ClerkAuth, ClerkAuthLayer};
    let fake = fake().await;
    let app = axum::Router::new()
        .route(
            "/me",
            get(|ClerkAuth(auth): ClerkAuth| async move { format!("hello {}", auth.user_id().unwrap_or("-")) }),
        )
        .route_layer(ClerkAuthLayer::new(AuthenticateOptions::networkless(TestKey::shared().jwt_key())));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let route = format!("http://{}/me", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let user = user_without_two_factor();
    let base_url = fake.base_url.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(clerk_api_tests::examples::package_example("clerk-fapi", "native_sign_in", &[]))
            .env("CLERK_PUBLISHABLE_KEY", PUBLISHABLE_KEY)
            .args(["--frontend-api", &base_url, "--email", &user.email, "--code", TEST_CODE, "--call", &route])
            .output()
            .expect("run the example")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("answered 200 OK: hello {}", user_without_two_factor().id)), "{stdout}");
}
