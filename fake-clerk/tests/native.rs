//! The fake's native Frontend API driven as Clerk's iOS and Android SDKs drive Clerk's: form
//! bodies, `_is_native=true`, the client token in `Authorization` and taken back from the
//! answers. Every body is decoded into the generated `clerk_fapi::types` of its operation (and
//! the verification unions into the variant their strategy names), which is what proves the
//! fake's shapes; session tokens are verified with `clerk_api::auth` against the fake's JWKS.
#![cfg(feature = "frontend")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clerk_api::auth::{authenticate_token, AuthenticateOptions, Reason, RequestState};
use clerk_fapi::types;
use fake_clerk::native::{self, BACKUP_CODES, TEST_CODE};
use fake_clerk::{FakeClerk, Faults, Seed};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// 30 users; organization 0 has users 0 (admin) to 4, organization 1 users 5 to 9.
fn seed() -> Seed {
    Seed {
        users: 30,
        organizations: 3,
        memberships_per_organization: 5,
        invitations: 0,
        sessions: 0,
        clients: 0,
        invitations_per_organization: 0,
        allowlist_identifiers: 0,
    }
}

fn organization(n: usize) -> String {
    format!("org_{n:0>27}")
}

/// What the fake answered.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// The `Authorization` header: a new client token.
    token: Option<String>,
    location: Option<String>,
    body: String,
}

impl Answer {
    /// The body as `T`, after checking the status is 200.
    fn ok<T: DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, 200, "{}", self.body);
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// Clerk's error, after checking the status, the code and the parameter it names.
    fn refused(&self, status: u16, code: &str, param: Option<&str>) -> types::ClerkErrors {
        assert_eq!(self.status, status, "{}", self.body);
        let errors: types::ClerkErrors = serde_json::from_str(&self.body).unwrap();
        assert_eq!(errors.errors[0].code, code, "{}", self.body);
        let named = errors.errors[0].meta.as_ref().and_then(|m| m["param_name"].as_str());
        assert_eq!(named, param, "{}", self.body);
        assert!(errors.clerk_trace_id.is_some());
        assert!(errors.errors[0].long_message.is_some());
        errors
    }
}

/// A native app: its client token, kept as the SDKs keep it.
#[derive(Debug, Clone)]
struct App {
    base_url: String,
    http: reqwest::Client,
    token: Option<String>,
}

impl App {
    fn new(fake: &FakeClerk) -> App {
        // reqwest is built without a default TLS provider in this workspace; plain HTTP still
        // asks for one.
        clerk_fapi::install_tls_provider();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        App { base_url: fake.base_url.clone(), http, token: None }
    }

    async fn send(&mut self, method: &str, path: &str, form: &[(&str, &str)]) -> Answer {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}{path}{separator}_is_native=true", self.base_url);
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, url).header("x-mobile", "1");
        if let Some(token) = &self.token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if !form.is_empty() {
            let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
            request = request.header("content-type", "application/x-www-form-urlencoded").body(body);
        }
        let response = request.send().await.unwrap();
        let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
        let (token, location) = (header("authorization"), header("location"));
        let status = response.status().as_u16();
        if let Some(token) = &token {
            self.token = Some(token.clone());
        }
        Answer { status, token, location, body: response.text().await.unwrap() }
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.send("GET", path, &[]).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.send("POST", path, form).await
    }

    /// Signs in with a password and returns the completed sign-in.
    async fn sign_in(&mut self, user: &native::FixtureUser) -> types::ClientWrappedSignIn {
        let answer = self
            .post(
                "/v1/client/sign_ins",
                &[("identifier", &user.email), ("password", &user.password), ("strategy", "password")],
            )
            .await;
        answer.ok()
    }

    /// A new session token of `session`.
    async fn token(&mut self, session: &str, form: &[(&str, &str)]) -> String {
        let answer = self.post(&format!("/v1/client/sessions/{session}/tokens"), form).await;
        answer.ok::<types::CreateSessionTokenResponse>().jwt.expect("a jwt")
    }
}

async fn start() -> FakeClerk {
    FakeClerk::start(seed(), Faults::default()).await.unwrap()
}

/// Verifies a session token with the keys of the fake's `GET /jwks`, as a backend would.
async fn verify(fake: &FakeClerk, jwt: &str) -> RequestState {
    verify_with_skew(fake, jwt, clerk_api::auth::DEFAULT_CLOCK_SKEW).await
}

async fn verify_with_skew(fake: &FakeClerk, jwt: &str, skew: Duration) -> RequestState {
    let clerk = clerk_api::Clerk::builder("sk_test_fake").base_url(&fake.base_url).build().unwrap();
    authenticate_token(jwt, &AuthenticateOptions::with_client(clerk).clock_skew(skew)).await.unwrap()
}

fn completed(sign_in: &types::ClientWrappedSignIn) -> (String, types::Client) {
    assert_eq!(sign_in.response.status, types::SignInStatus::Complete);
    let session = sign_in.response.created_session_id.clone().expect("a session");
    let client = sign_in.client.clone().expect("the client");
    assert_eq!(client.last_active_session_id.as_deref(), Some(session.as_str()));
    assert!(client.sign_in.is_none(), "a completed sign-in leaves the client");
    (session, client)
}

#[tokio::test]
async fn the_environment_and_a_missing_client_decode() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let environment: types::Environment = app.get("/v1/environment").await.ok();
    let auth = environment.auth_config.unwrap();
    for factor in ["password", "email_code", "oauth_google"] {
        assert!(auth.first_factors.iter().any(|f| f == factor), "{factor}");
    }
    assert_eq!(auth.second_factors, ["totp", "backup_code"]);
    let settings = environment.user_settings.unwrap();
    assert!(settings.social.oauth_google.unwrap().enabled);
    assert!(settings.attributes.authenticator_app.enabled && settings.attributes.backup_code.enabled);

    let answer = app.get("/v1/client").await;
    let client: types::ClientWrappedClient = answer.ok();
    assert!(client.response.is_none() && client.client.is_none());
    assert_eq!(answer.token, None, "reading creates no client");
    // An unknown token is no client.
    app.token = Some("not-a-token".into());
    assert!(app.get("/v1/client").await.ok::<types::ClientWrappedClient>().response.is_none());
}

#[tokio::test]
async fn a_password_sign_in_makes_a_client_a_session_and_tokens_a_backend_verifies() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let user = native::user_without_two_factor();
    let answer = app
        .post(
            "/v1/client/sign_ins",
            &[("identifier", &user.email), ("password", &user.password), ("strategy", "password")],
        )
        .await;
    let token = answer.token.clone().expect("the new client's token");
    let sign_in: types::ClientWrappedSignIn = answer.ok();
    let (session_id, client) = completed(&sign_in);
    assert!(matches!(
        sign_in.response.first_factor_verification,
        Some(types::SignInFirstFactorVerification::StubsVerificationPassword(ref v)) if v.status == types::StubsVerificationPasswordStatus::Verified
    ));
    assert_eq!(fake.native().client_of_token(&token).as_deref(), Some(client.id.as_str()));
    let session = &client.sessions[0];
    assert_eq!((session.id.as_str(), &session.status), (session_id.as_str(), &types::SessionStatus::Active));
    let shown = session.user.as_ref().unwrap();
    assert_eq!(shown.id, user.id);
    assert_eq!(shown.email_addresses[0].email_address, user.email);
    assert!(shown.password_enabled && !shown.two_factor_enabled);
    assert_eq!(session.public_user_data.as_ref().unwrap().identifier, user.email);
    let seeded = session.last_active_token.as_ref().unwrap();
    assert_eq!(seeded.object, "token");

    // The token names the client from now on; no new one is handed out.
    let again = app.get("/v1/client").await;
    assert_eq!(again.token, None);
    let current: types::ClientWrappedClient = again.ok();
    assert_eq!(current.response.unwrap().sessions[0].id, session_id);
    let session_answer: types::ClientWrappedSession = app.get(&format!("/v1/client/sessions/{session_id}")).await.ok();
    assert_eq!(session_answer.response.id, session_id);

    let jwt = app.token(&session_id, &[]).await;
    let state = verify(&fake, &jwt).await;
    let auth = state.auth().unwrap_or_else(|| panic!("{:?}", state.reason()));
    assert_eq!((auth.user_id(), auth.session_id()), (Some(user.id.as_str()), Some(session_id.as_str())));
    assert_eq!(auth.org_id(), None);
    assert!(verify(&fake, &seeded.jwt).await.is_signed_in(), "the session's last_active_token verifies too");
    let claims = clerk_api::testing::unverified_claims(&jwt).unwrap();
    assert_eq!(claims["iss"], "https://clerk.test");
    assert_eq!(claims["v"], 2);
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 60);
    let template: types::CreateSessionTokenWithTemplateResponse =
        app.post(&format!("/v1/client/sessions/{session_id}/tokens/supabase"), &[]).await.ok();
    let template = clerk_api::testing::unverified_claims(&template.jwt.unwrap()).unwrap();
    assert_eq!(template["sub"], user.id.as_str());
    assert_eq!(fake.native().tokens_minted(&session_id), 2, "the sign-in's own token is not counted");
}

#[tokio::test]
async fn wrong_passwords_and_unknown_identifiers_are_refused_as_clerk_refuses_them() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let user = native::user_without_two_factor();
    let wrong = app.post("/v1/client/sign_ins", &[("identifier", &user.email), ("password", "wrong horse")]).await;
    wrong.refused(422, "form_password_incorrect", Some("password"));
    assert_eq!(wrong.token, None, "a refused sign-in makes no client");
    let unknown = app.post("/v1/client/sign_ins", &[("identifier", "nobody@example.com"), ("password", "x")]).await;
    unknown.refused(422, "form_identifier_not_found", Some("identifier"));
    app.post("/v1/client/sign_ins", &[("identifier", &user.email), ("strategy", "password")]).await.refused(
        422,
        "form_param_missing",
        Some("password"),
    );
    app.post("/v1/client/sign_ins", &[("strategy", "email_code")]).await.refused(
        422,
        "form_param_missing",
        Some("identifier"),
    );
    app.post("/v1/client/sign_ins", &[("identifier", &user.email), ("strategy", "totp")]).await.refused(
        422,
        "strategy_for_user_invalid",
        Some("strategy"),
    );
    // The username is an identifier too, and the step-by-step path checks the password as well.
    let started: types::ClientWrappedSignIn =
        app.post("/v1/client/sign_ins", &[("identifier", &user.username)]).await.ok();
    assert_eq!(started.response.status, types::SignInStatus::NeedsFirstFactor);
    let factors = started.response.supported_first_factors.clone().unwrap();
    assert_eq!(factors[0].strategy, types::StubsSignInFactorStrategy::Password);
    assert_eq!(factors[1].email_address_id.as_deref(), Some(user.email_address_id.as_str()));
    let attempt = format!("/v1/client/sign_ins/{}/attempt_first_factor", started.response.id);
    app.post(&attempt, &[("strategy", "password"), ("password", "nope")]).await.refused(
        422,
        "form_password_incorrect",
        Some("password"),
    );
    completed(&app.post(&attempt, &[("strategy", "password"), ("password", &user.password)]).await.ok());
    app.post(&attempt, &[("strategy", "password"), ("password", &user.password)]).await.refused(
        400,
        "verification_already_verified",
        None,
    );
    // Another client cannot see the sign-in.
    let mut other = App::new(&fake);
    other.get(&format!("/v1/client/sign_ins/{}", started.response.id)).await.refused(404, "resource_not_found", None);
}

#[tokio::test]
async fn an_email_code_signs_in_and_an_old_code_has_expired() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let user = native::fixture_user(3);
    let created: types::ClientWrappedSignIn =
        app.post("/v1/client/sign_ins", &[("identifier", &user.email), ("strategy", "email_code")]).await.ok();
    assert_eq!(created.response.status, types::SignInStatus::NeedsFirstFactor);
    let Some(types::SignInFirstFactorVerification::StubsVerificationOtp(sent)) =
        &created.response.first_factor_verification
    else {
        panic!("{:?}", created.response.first_factor_verification)
    };
    assert_eq!(
        (&sent.status, &sent.strategy),
        (&types::StubsVerificationOtpStatus::Unverified, &types::StubsVerificationOtpStrategy::EmailCode)
    );
    let id = created.response.id;
    let attempt = format!("/v1/client/sign_ins/{id}/attempt_first_factor");
    app.post(&attempt, &[("strategy", "email_code"), ("code", "111111")]).await.refused(
        422,
        "form_code_incorrect",
        Some("code"),
    );
    // Sent again, as the SDKs' explicit step does it, then the test code.
    let prepare = format!("/v1/client/sign_ins/{id}/prepare_first_factor");
    let _: types::ClientWrappedSignIn =
        app.post(&prepare, &[("strategy", "email_code"), ("email_address_id", &user.email_address_id)]).await.ok();
    app.post(&prepare, &[("strategy", "email_code"), ("email_address_id", "idn_other")]).await.refused(
        422,
        "form_param_value_invalid",
        Some("email_address_id"),
    );
    completed(&app.post(&attempt, &[("strategy", "email_code"), ("code", TEST_CODE)]).await.ok());

    fake.native().set_code_lifetime(Duration::ZERO);
    let mut late = App::new(&fake);
    let created: types::ClientWrappedSignIn =
        late.post("/v1/client/sign_ins", &[("identifier", &user.email), ("strategy", "email_code")]).await.ok();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let attempt = format!("/v1/client/sign_ins/{}/attempt_first_factor", created.response.id);
    late.post(&attempt, &[("strategy", "email_code"), ("code", TEST_CODE)]).await.refused(
        422,
        "verification_expired",
        None,
    );
}

#[tokio::test]
async fn a_second_factor_is_a_totp_code_or_a_backup_code_used_once() {
    let fake = start().await;
    let user = native::user_with_two_factor();
    assert!(user.two_factor);
    let mut app = App::new(&fake);
    let first: types::ClientWrappedSignIn = app.sign_in(&user).await;
    assert_eq!(first.response.status, types::SignInStatus::NeedsSecondFactor);
    assert!(first.response.created_session_id.is_none());
    let second: Vec<_> = first.response.supported_second_factors.unwrap().into_iter().map(|f| f.strategy).collect();
    assert!(second.contains(&types::StubsSignInFactorStrategy::Totp));
    assert!(second.contains(&types::StubsSignInFactorStrategy::BackupCode));
    let attempt = format!("/v1/client/sign_ins/{}/attempt_second_factor", first.response.id);
    app.post(&attempt, &[("strategy", "totp"), ("code", "000000")]).await.refused(
        422,
        "form_code_incorrect",
        Some("code"),
    );
    let done: types::ClientWrappedSignIn = app.post(&attempt, &[("strategy", "totp"), ("code", TEST_CODE)]).await.ok();
    let (session, client) = completed(&done);
    assert!(matches!(
        done.response.second_factor_verification,
        Some(types::SignInSecondFactorVerification::StubsVerificationTotp(_))
    ));
    assert!(client.sessions[0].user.as_ref().unwrap().totp_enabled);
    assert_eq!(client.sessions[0].factor_verification_age, [0, 0]);
    let claims = clerk_api::testing::unverified_claims(&app.token(&session, &[]).await).unwrap();
    assert_eq!(claims["fva"], serde_json::json!([0, 0]));

    // A backup code works once, on any client.
    for (code, works) in
        [(BACKUP_CODES[0], true), (BACKUP_CODES[0], false), (BACKUP_CODES[1], true), ("backup-9", false)]
    {
        let mut app = App::new(&fake);
        let started = app.sign_in(&user).await;
        let attempt = format!("/v1/client/sign_ins/{}/attempt_second_factor", started.response.id);
        let answer = app.post(&attempt, &[("strategy", "backup_code"), ("code", code)]).await;
        if works {
            let done: types::ClientWrappedSignIn = answer.ok();
            completed(&done);
            assert!(matches!(
                done.response.second_factor_verification,
                Some(types::SignInSecondFactorVerification::StubsVerificationBackupCode(_))
            ));
        } else {
            answer.refused(422, "form_code_incorrect", Some("code"));
        }
    }

    // An email code as the second factor, after it is sent.
    let mut app = App::new(&fake);
    let started = app.sign_in(&user).await;
    let id = started.response.id;
    let attempt = format!("/v1/client/sign_ins/{id}/attempt_second_factor");
    app.post(&attempt, &[("strategy", "email_code"), ("code", TEST_CODE)]).await.refused(
        422,
        "verification_missing",
        Some("strategy"),
    );
    let _: types::ClientWrappedSignIn =
        app.post(&format!("/v1/client/sign_ins/{id}/prepare_second_factor"), &[("strategy", "email_code")]).await.ok();
    completed(&app.post(&attempt, &[("strategy", "email_code"), ("code", TEST_CODE)]).await.ok());
}

#[tokio::test]
async fn a_sign_up_with_an_email_code_creates_a_user_the_backend_api_lists() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let form = [
        ("email_address", "new.person@example.org"),
        ("password", "correct horse battery"),
        ("first_name", "New"),
        ("last_name", "Person"),
    ];
    let answer = app.post("/v1/client/sign_ups", &form).await;
    assert!(answer.token.is_some(), "the sign-up made the client");
    let created: types::ClientWrappedSignUp = answer.ok();
    assert_eq!(created.response.status, types::SignUpStatus::MissingRequirements);
    assert_eq!(created.response.unverified_fields, ["email_address"]);
    assert!(created.response.missing_fields.is_empty());
    let id = created.response.id;
    let prepared: types::ClientWrappedSignUp =
        app.post(&format!("/v1/client/sign_ups/{id}/prepare_verification"), &[("strategy", "email_code")]).await.ok();
    assert!(matches!(
        prepared.response.verifications.email_address,
        Some(types::ClientSignUpVerificationsEmailAddress::VerificationOtp(ref v))
            if v.next_action == types::StubsSignUpVerificationAdditionalFieldsNextAction::NeedsAttempt
    ));
    let attempt = format!("/v1/client/sign_ups/{id}/attempt_verification");
    app.post(&attempt, &[("strategy", "email_code"), ("code", "123456")]).await.refused(
        422,
        "form_code_incorrect",
        Some("code"),
    );
    let done: types::ClientWrappedSignUp =
        app.post(&attempt, &[("strategy", "email_code"), ("code", TEST_CODE)]).await.ok();
    assert_eq!(done.response.status, types::SignUpStatus::Complete);
    let user_id = done.response.created_user_id.unwrap();
    let session = done.response.created_session_id.unwrap();
    let client = done.client.unwrap();
    assert_eq!(client.last_active_session_id.as_deref(), Some(session.as_str()));
    assert_eq!(client.sessions[0].user.as_ref().unwrap().first_name.as_deref(), Some("New"));

    // The Backend API has the user.
    let listed = app
        .http
        .get(format!("{}/users/{user_id}", fake.base_url))
        .header("authorization", "Bearer sk_test_fake")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status().as_u16(), 200);
    let listed: serde_json::Value = serde_json::from_str(&listed.text().await.unwrap()).unwrap();
    assert_eq!(listed["email_addresses"][0]["email_address"], "new.person@example.org");
    assert_eq!(listed["last_name"], "Person");

    // It signs in with its own password, and its address is taken.
    let mut again = App::new(&fake);
    let sign_in = again
        .post("/v1/client/sign_ins", &[("identifier", "new.person@example.org"), ("password", "correct horse battery")])
        .await;
    completed(&sign_in.ok());
    again.post("/v1/client/sign_ups", &form).await.refused(422, "form_identifier_exists", Some("email_address"));
    again.post("/v1/client/sign_ups", &[("email_address", "x@example.org"), ("password", "short")]).await.refused(
        422,
        "form_password_length_too_short",
        Some("password"),
    );
}

#[tokio::test]
async fn touch_sets_the_active_organization_and_the_tokens_follow() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let (session, _) = completed(&app.sign_in(&native::user_without_two_factor()).await);
    let touch = format!("/v1/client/sessions/{session}/touch");
    let touched: types::ClientWrappedTouchedSession =
        app.post(&touch, &[("active_organization_id", &organization(0)), ("intent", "select_org")]).await.ok();
    assert_eq!(touched.response.last_active_organization_id, Some(organization(0)));
    assert_eq!(touched.client.unwrap().last_active_session_id, Some(session.clone()));
    let seeded = touched.response.last_active_token.unwrap().jwt;
    let state = verify(&fake, &app.token(&session, &[]).await).await;
    assert_eq!(state.auth().and_then(|a| a.org_id()), Some(organization(0).as_str()));
    assert_eq!(verify(&fake, &seeded).await.auth().and_then(|a| a.org_id()), Some(organization(0).as_str()));
    let claims = clerk_api::testing::unverified_claims(&seeded).unwrap();
    assert_eq!(claims["o"]["rol"], "admin");
    // An explicit empty organization: the personal account, for this token only.
    let personal = verify(&fake, &app.token(&session, &[("organization_id", "")]).await).await;
    assert_eq!(personal.auth().and_then(|a| a.org_id()), None);
    assert_eq!(fake.native().session(&session).unwrap().active_organization_id, Some(organization(0)));
    // Not a member of organization 1.
    app.post(&touch, &[("active_organization_id", &organization(1))]).await.refused(404, "resource_not_found", None);
    let cleared: types::ClientWrappedTouchedSession = app.post(&touch, &[("active_organization_id", "")]).await.ok();
    assert_eq!(cleared.response.last_active_organization_id, None);
}

#[tokio::test]
async fn ending_removing_and_signing_out_all_refuse_later_tokens() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let (first, _) = completed(&app.sign_in(&native::fixture_user(0)).await);
    let (second, client) = completed(&app.sign_in(&native::fixture_user(3)).await);
    let (third, _) = completed(&app.sign_in(&native::fixture_user(5)).await);
    assert_eq!(client.sessions.len(), 2);

    let ended: types::ClientWrappedSession = app.post(&format!("/v1/client/sessions/{first}/end"), &[]).await.ok();
    assert_eq!(ended.response.status, types::SessionStatus::Ended);
    assert_eq!(ended.client.unwrap().sessions.len(), 2, "the client keeps its active sessions only");
    app.post(&format!("/v1/client/sessions/{first}/tokens"), &[]).await.refused(401, "signed_out", None);
    let removed: types::ClientWrappedSession = app.post(&format!("/v1/client/sessions/{third}/remove"), &[]).await.ok();
    assert_eq!(removed.response.status, types::SessionStatus::Removed);
    assert_eq!(removed.client.unwrap().last_active_session_id, Some(second.clone()));

    // Another client's session is not found; a missing client is signed out.
    let mut stranger = App::new(&fake);
    completed(&stranger.sign_in(&native::fixture_user(6)).await);
    stranger.post(&format!("/v1/client/sessions/{second}/tokens"), &[]).await.refused(404, "resource_not_found", None);
    let mut nobody = App::new(&fake);
    nobody.post(&format!("/v1/client/sessions/{second}/tokens"), &[]).await.refused(401, "signed_out", None);

    let out: types::ClientDeleteSession = app.send("DELETE", "/v1/client/sessions", &[]).await.ok();
    let client = out.response.unwrap();
    assert!(client.sessions.is_empty() && client.last_active_session_id.is_none());
    app.post(&format!("/v1/client/sessions/{second}/tokens"), &[]).await.refused(401, "signed_out", None);
    assert_eq!(fake.native().session(&second).unwrap().status, "removed");
    // The client lives on without sessions.
    let kept: types::ClientWrappedClient = app.get("/v1/client").await.ok();
    assert!(kept.response.unwrap().sessions.is_empty());

    // A session ended from elsewhere.
    let (fourth, _) = completed(&app.sign_in(&native::fixture_user(0)).await);
    assert!(fake.native().end_session(&fourth));
    app.post(&format!("/v1/client/sessions/{fourth}/tokens"), &[]).await.refused(401, "signed_out", None);
}

#[tokio::test]
async fn oauth_in_the_browser_completes_with_the_nonce_and_rotates_the_client_token() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let callback = "com.example.app://callback";
    let created = app.post("/v1/client/sign_ins", &[("strategy", "oauth_google"), ("redirect_url", callback)]).await;
    let old_token = created.token.clone().expect("a client");
    let created: types::ClientWrappedSignIn = created.ok();
    let id = created.response.id.clone();
    // The SDKs prepare the factor again before opening the browser.
    let prepared: types::ClientWrappedSignIn = app
        .post(
            &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
            &[("strategy", "oauth_google"), ("redirect_url", callback)],
        )
        .await
        .ok();
    assert_eq!(prepared.response.status, types::SignInStatus::NeedsFirstFactor);
    let Some(types::SignInFirstFactorVerification::StubsVerificationOauth(oauth)) =
        prepared.response.first_factor_verification
    else {
        panic!("an OAuth verification")
    };
    assert_eq!(
        (oauth.strategy.as_str(), &oauth.status),
        ("oauth_google", &types::StubsVerificationOauthStatus::Unverified)
    );
    let page = oauth.external_verification_redirect_url.unwrap();
    assert!(page.starts_with(&fake.base_url), "{page}");

    let mut browser = App::new(&fake);
    let redirect = browser.get(page.strip_prefix(&fake.base_url).unwrap()).await;
    assert_eq!(redirect.status, 303);
    let location = redirect.location.unwrap();
    let nonce = location.strip_prefix(&format!("{callback}?rotating_token_nonce=")).expect(&location).to_owned();

    let redeemed = app.get(&format!("/v1/client/sign_ins/{id}?rotating_token_nonce={nonce}")).await;
    let new_token = redeemed.token.clone().expect("a rotated token");
    assert_ne!(new_token, old_token);
    let done: types::ClientWrappedSignIn = redeemed.ok();
    let (session, client) = completed(&done);
    assert_eq!(client.sessions[0].user.as_ref().unwrap().id, native::oauth_user().id);
    assert_eq!(client.last_authentication_strategy.as_deref(), Some("oauth_google"));
    assert!(verify(&fake, &app.token(&session, &[]).await).await.is_signed_in());
    // The old token names nothing now; the nonce worked once.
    assert_eq!(fake.native().client_of_token(&old_token), None);
    let mut stale = App { token: Some(old_token), ..app.clone() };
    assert!(stale.get("/v1/client").await.ok::<types::ClientWrappedClient>().response.is_none());
    app.get(&format!("/v1/client/sign_ins/{id}?rotating_token_nonce={nonce}")).await.refused(
        422,
        "form_param_value_invalid",
        Some("rotating_token_nonce"),
    );

    // A user with a second factor still needs it after the browser; a cancelled one comes back
    // with an error.
    let mut app = App::new(&fake);
    let created: types::ClientWrappedSignIn =
        app.post("/v1/client/sign_ins", &[("strategy", "oauth_google"), ("redirect_url", callback)]).await.ok();
    let id = created.response.id;
    let cancelled = browser.get(&format!("/__fake/oauth/authorize?sign_in={id}&deny=true")).await;
    assert!(cancelled.location.unwrap().contains("error=access_denied"));
    let two_factor = native::user_with_two_factor();
    let redirect = browser.get(&format!("/__fake/oauth/authorize?sign_in={id}&identifier={}", two_factor.email)).await;
    let nonce = redirect.location.unwrap().rsplit_once('=').unwrap().1.to_owned();
    let halfway: types::ClientWrappedSignIn =
        app.get(&format!("/v1/client/sign_ins/{id}?rotating_token_nonce={nonce}")).await.ok();
    assert_eq!(halfway.response.status, types::SignInStatus::NeedsSecondFactor);
    app.post("/v1/client/sign_ins", &[("strategy", "oauth_github"), ("redirect_url", callback)]).await.refused(
        422,
        "form_param_value_invalid",
        Some("strategy"),
    );
}

#[tokio::test]
async fn a_short_token_lifetime_makes_tokens_expire_and_the_refresh_is_counted() {
    let fake = start().await;
    assert_eq!(fake.native().session_token_lifetime(), native::DEFAULT_TOKEN_LIFETIME);
    fake.native().set_session_token_lifetime(Duration::from_secs(2));
    let mut app = App::new(&fake);
    let (session, _) = completed(&app.sign_in(&native::user_without_two_factor()).await);
    let jwt = app.token(&session, &[]).await;
    let claims = clerk_api::testing::unverified_claims(&jwt).unwrap();
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 2);
    assert!(verify_with_skew(&fake, &jwt, Duration::ZERO).await.is_signed_in());
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let expired = verify_with_skew(&fake, &jwt, Duration::ZERO).await;
    assert_eq!(expired.reason(), Some(Reason::TokenExpired));
    let refreshed = app.token(&session, &[]).await;
    assert_ne!(refreshed, jwt);
    assert!(verify_with_skew(&fake, &refreshed, Duration::ZERO).await.is_signed_in());
    assert_eq!(fake.native().tokens_minted(&session), 2);
}

#[tokio::test]
async fn the_generated_client_signs_in_against_the_fake() {
    use clerk_fapi::{ClientToken, FrontendApi};
    let fake = start().await;
    let token = ClientToken::new(None);
    let fapi = FrontendApi::builder()
        .base_url(&fake.base_url)
        .credential(FrontendApi::production_native_flag_credential("true"))
        .client_token(token.clone())
        .build()
        .unwrap();
    let user = native::user_without_two_factor();
    let created = fapi.sign_ins().create().identifier(&user.email).password(&user.password).await.unwrap();
    let clerk_fapi::operations::sign_ins::CreateSignInResponse::Ok(sign_in) = created else { panic!("{created:?}") };
    let (session, _) = completed(&sign_in);
    assert!(token.get().is_some(), "the runtime kept the client token");
    let jwt = fapi.sessions().create_token(&session).await.unwrap().jwt.unwrap();
    assert!(verify(&fake, &jwt).await.is_signed_in());
    let client = fapi.client().get().await.unwrap();
    assert_eq!(client.response.unwrap().sessions.len(), 1);
    let refused = fapi.sign_ins().create().identifier(&user.email).password("wrong").await;
    let Err(clerk_fapi::Error::Api(error)) = refused else { panic!("{refused:?}") };
    assert_eq!((error.status, error.errors[0].code.as_str()), (422, "form_password_incorrect"));
    let out = fapi.sessions().remove_all().await.unwrap();
    assert!(out.response.unwrap().sessions.is_empty());
}

#[tokio::test]
async fn clients_are_made_by_put_named_by_a_bare_token_and_a_sign_up_is_completed_by_patch() {
    let fake = start().await;
    let mut app = App::new(&fake);
    let made = app.send("PUT", "/v1/client", &[]).await;
    let token = made.token.clone().expect("a token for the new client");
    let client: types::ClientWrappedClient = made.ok();
    let id = client.response.unwrap().id;
    // The token as iOS and Android send it, without `Bearer`.
    let bare = app
        .http
        .get(format!("{}/v1/client?_is_native=true", fake.base_url))
        .header("authorization", &token)
        .send()
        .await
        .unwrap();
    let bare: types::ClientWrappedClient = serde_json::from_str(&bare.text().await.unwrap()).unwrap();
    assert_eq!(bare.response.unwrap().id, id);

    // A sign-up on that client, its password added afterwards; a JSON body is read as a form.
    let created: types::ClientWrappedSignUp = app
        .post("/v1/client/sign_ups", &[("email_address", "later@example.org"), ("strategy", "email_code")])
        .await
        .ok();
    assert_eq!(created.response.missing_fields, ["password"]);
    assert_eq!(created.client.unwrap().id, id, "the sign-up joined the existing client");
    let sign_up = created.response.id;
    let verified: types::ClientWrappedSignUp = app
        .post(
            &format!("/v1/client/sign_ups/{sign_up}/attempt_verification"),
            &[("strategy", "email_code"), ("code", TEST_CODE)],
        )
        .await
        .ok();
    assert_eq!(verified.response.status, types::SignUpStatus::MissingRequirements);
    let patched = app
        .http
        .patch(format!("{}/v1/client/sign_ups/{sign_up}?_is_native=true", fake.base_url))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(r#"{"password":"a long enough password","username":"later"}"#)
        .send()
        .await
        .unwrap();
    let patched: types::ClientWrappedSignUp = serde_json::from_str(&patched.text().await.unwrap()).unwrap();
    assert_eq!(patched.response.status, types::SignUpStatus::Complete);
    assert_eq!(patched.response.username.as_deref(), Some("later"));
    let fetched: types::ClientWrappedSignUp = app.get(&format!("/v1/client/sign_ups/{sign_up}")).await.ok();
    assert_eq!(fetched.response.created_session_id, patched.response.created_session_id);

    // `DELETE /v1/client` signs the client out too; unknown routes are Clerk's 404.
    let out: types::ClientDeleteSession = app.send("DELETE", "/v1/client", &[]).await.ok();
    assert!(out.response.unwrap().sessions.is_empty());
    app.get("/v1/client/nowhere").await.refused(404, "resource_not_found", None);
}
