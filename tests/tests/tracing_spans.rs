//! With the `tracing` feature, each request gets one span with the operation, method, path
//! template, status and attempt, and no secret, id or query value.

use clerk_api::{Clerk, RetryPolicy};
use clerk_api_tests::fake_clerk::{FakeClerk, Fault, Faults, Seed};
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records every span's name and fields, and every event's fields, as text.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<(String, String)>>>,
    events: Arc<Mutex<Vec<String>>>,
}

struct Text<'a>(&'a mut String);

impl Visit for Text<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={:?} ", field.name(), value);
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut text = String::new();
        span.record(&mut Text(&mut text));
        let mut spans = self.spans.lock().unwrap();
        spans.push((span.metadata().name().to_owned(), text));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some((_, text)) = spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Text(text));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut text = String::new();
        event.record(&mut Text(&mut text));
        self.events.lock().unwrap().push(text);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test(flavor = "current_thread")]
async fn each_request_has_one_span_with_its_shape_and_no_secrets() {
    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let fake = FakeClerk::start(Seed { users: 10, ..Seed::default() }, Faults::default()).await.unwrap();
    let policy = RetryPolicy::default().with_intervals(Duration::from_millis(5), 1.0, Duration::from_millis(5));
    let clerk = Clerk::builder("sk_test_topsecret").base_url(&fake.base_url).retry_policy(policy).build().unwrap();
    fake.inject([Fault::status(503)]);
    clerk.users().get("user_000000000000000000000000003").send().await.unwrap();
    clerk.users().list().email_address(["private@example.com"]).limit(2).send().await.unwrap();

    let spans = recorder.spans.lock().unwrap().clone();
    let requests: Vec<&String> =
        spans.iter().filter(|(name, _)| name == "clerk.request").map(|(_, text)| text).collect();
    assert_eq!(requests.len(), 2, "{spans:?}");
    let get = requests[0];
    assert!(get.contains("operation=\"users.get\""), "{get}");
    assert!(get.contains("http.method=GET"), "{get}");
    assert!(get.contains("path=\"/users/{user_id}\""), "the template, not the id: {get}");
    assert!(get.contains("attempt=2") && get.contains("status=200"), "the 503 was retried: {get}");
    let list = requests[1];
    assert!(
        list.contains("operation=\"users.list\"") && list.contains("attempt=1") && list.contains("status=200"),
        "{list}"
    );
    let events = recorder.events.lock().unwrap().join("\n");
    assert!(events.contains("retrying Clerk request"), "{events}");
    let everything = format!("{spans:?} {events}");
    for secret in ["topsecret", "user_000000000000000000000000003", "private@example.com"] {
        assert!(!everything.contains(secret), "{secret} leaked into tracing: {everything}");
    }
}

/// Request authentication says when a JWKS refresh fails while cached keys keep verifying
/// tokens, and when it recovers; never with the secret key.
#[tokio::test(flavor = "current_thread")]
async fn a_failing_jwks_refresh_and_its_recovery_are_logged() {
    use clerk_api::auth::{authenticate_token, AuthenticateOptions, JwksCache};
    use clerk_api_tests::auth_support::{now, FlakyClerk, Mode, TestKey};

    let recorder = Recorder::default();
    let _guard = tracing::subscriber::set_default(recorder.clone());
    let [a, ..] = TestKey::three();
    let server = FlakyClerk::start(vec![a.jwk("kid_a")]).await;
    let secret = "sk_test_logged_never";
    let clerk = Clerk::builder(secret).base_url(&server.base_url).build().unwrap();
    let cache = Arc::new(JwksCache::new().with_ttl(Duration::from_secs(60)));
    let options = AuthenticateOptions::with_client(clerk.clone()).jwks_cache(Arc::clone(&cache));
    let token = a.token("kid_a", &serde_json::json!({ "sub": "user_1", "exp": now() + 600, "iat": now() - 1 }));
    let signed_in = || async { authenticate_token(&token, &options).await.unwrap().is_signed_in() };
    let settle = || async {
        while cache.status(&clerk).refreshing {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    assert!(signed_in().await);
    server.set_mode(Mode::Fail500).await;
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(61)).await;
    assert!(signed_in().await);
    tokio::time::resume();
    settle().await;
    let failed = recorder.events.lock().unwrap().iter().any(|e| e.contains("the cached keys keep verifying tokens"));
    assert!(failed, "{:?}", recorder.events.lock().unwrap());
    server.set_mode(Mode::Serve).await;
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(31)).await;
    tokio::time::resume();
    assert!(signed_in().await);
    settle().await;
    let events = recorder.events.lock().unwrap();
    assert!(events.iter().any(|e| e.contains("the keys are fresh")), "{events:?}");
    assert!(!events.iter().any(|e| e.contains(secret)), "{events:?}");
}
