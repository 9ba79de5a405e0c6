//! `has()` against Clerk's JS SDK: generated session claims (version 1 and 2, organizations,
//! roles and permissions written every way, `fea`/`pla` lists with every scope form and broken
//! entries, factor ages at the reverification boundaries) are signed, verified by both
//! `authenticate_token` and `@clerk/backend`'s `authenticateRequest` (run by
//! `tests/js-sdk/authorize.mjs`), and each check asked of `SessionAuth::has` and of the JS
//! SDK's `auth.has()` (`createCheckAuthorization` over `@clerk/shared`'s claims parser).
//!
//! No answer may grant what Clerk denies. Where we deny what Clerk grants, the case must be one
//! of the documented differences below, asserted. Needs Node.js and `npm ci` in `tests/js-sdk`
//! (`cargo xtask test` does both); without the package it fails on CI and is skipped elsewhere.

use clerk_api::auth::{authenticate_token, AuthenticateOptions, Check, FactorLevel, Reverification};
use clerk_api_tests::auth_support::{now, TestKey};
use serde_json::{json, Map, Value};

/// A small deterministic generator, so the corpus is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const SCOPED_ENTRIES: &[&str] = &[
    "o:dash",
    "u:export",
    "ou:api",
    "uo:beta",
    "ox:weird",
    "o:has:colon",
    " o:spaced ",
    "u:pro",
    "o:pro",
    "ou:team",
    "o:o",
    "o:has",
];
const BROKEN_ENTRIES: &[&str] = &["bad", ""];
const ROLES: &[&str] = &["admin", "org:admin", "member", "org:org:admin", ""];
const PERMISSION_NAMES: &[&str] = &["read", "manage", "delete"];
const V1_PERMISSIONS: &[&str] = &["org:dash:read", "dash:read", "org:org:dash:manage", "org:api:delete"];
const FACTOR_AGES: &[[i64; 2]] =
    &[[-1, -1], [0, -1], [5, 30], [9, 9], [10, 10], [9, 11], [59, 61], [1439, -1], [1440, 5], [-1, 3], [-2, 3], [3, 0]];

const ASKED_ROLES: &[&str] = &["admin", "org:admin", "org:org:admin", "member", "", "org:"];
const ASKED_PERMISSIONS: &[&str] =
    &["dash:read", "org:dash:read", "org:org:dash:read", "read", "org:dash:manage", "org:api:delete", "api:manage"];
const ASKED_NAMES: &[&str] = &[
    "dash",
    "o:dash",
    "org:dash",
    "organization:dash",
    "u:dash",
    "user:export",
    "export",
    "api",
    "u:api",
    "weird",
    "ox:weird",
    "o:has:colon",
    "has:colon",
    "o:has",
    "o:",
    "x:dash",
    "beta",
    "pro",
    "o:pro",
    "u:pro",
    "spaced",
    "team",
];

fn scoped_list(rng: &mut Rng) -> String {
    let count = rng.below(4);
    let mut entries: Vec<&str> = (0..count).map(|_| *rng.pick(SCOPED_ENTRIES)).collect();
    if rng.chance(8) {
        entries.push(*rng.pick(BROKEN_ENTRIES));
    }
    entries.join(",")
}

fn claims(rng: &mut Rng, index: usize) -> Value {
    let now = now();
    let mut claims = Map::new();
    claims.insert("sub".into(), json!("user_1"));
    claims.insert("sid".into(), json!(format!("sess_{index}")));
    claims.insert("iat".into(), json!(now - 10));
    claims.insert("nbf".into(), json!(now - 10));
    claims.insert("exp".into(), json!(now + 600));
    claims.insert("iss".into(), json!("https://clerk.test"));
    let v2 = rng.chance(60);
    if rng.chance(85) {
        claims.insert("fea".into(), json!(scoped_list(rng)));
    }
    if rng.chance(70) {
        claims.insert("pla".into(), json!(scoped_list(rng)));
    }
    if rng.chance(85) {
        claims.insert("fva".into(), json!(rng.pick(FACTOR_AGES)));
    }
    let organization = rng.chance(80);
    if v2 {
        claims.insert("v".into(), json!(2));
        claims.insert("sts".into(), json!("active"));
        if organization {
            let mut o = Map::new();
            o.insert("id".into(), json!("org_1"));
            o.insert("slg".into(), json!("acme"));
            if rng.chance(90) {
                o.insert("rol".into(), json!(rng.pick(ROLES)));
            }
            if rng.chance(85) {
                let count = 1 + rng.below(PERMISSION_NAMES.len());
                o.insert("per".into(), json!(PERMISSION_NAMES[..count].join(",")));
                let masks: Vec<String> = (0..1 + rng.below(3)).map(|_| (rng.below(9)).to_string()).collect();
                o.insert("fpm".into(), json!(masks.join(",")));
            }
            claims.insert("o".into(), Value::Object(o));
        }
    } else if organization {
        if rng.chance(90) {
            claims.insert("org_id".into(), json!("org_1"));
        }
        claims.insert("org_slug".into(), json!("acme"));
        if rng.chance(90) {
            claims.insert("org_role".into(), json!(rng.pick(ROLES)));
        }
        if rng.chance(85) {
            let permissions: Vec<&str> = V1_PERMISSIONS.iter().copied().filter(|_| rng.chance(50)).collect();
            claims.insert("org_permissions".into(), json!(permissions));
        }
    }
    Value::Object(claims)
}

fn reverification(rng: &mut Rng) -> Reverification {
    match rng.below(8) {
        0 => Reverification::StrictMfa,
        1 => Reverification::Strict,
        2 => Reverification::Moderate,
        3 => Reverification::Lax,
        _ => {
            let level = *rng.pick(&[FactorLevel::FirstFactor, FactorLevel::SecondFactor, FactorLevel::MultiFactor]);
            Reverification::custom(level, *rng.pick(&[0, 1, 5, 10, 11, 60, 61]))
        }
    }
}

/// A check of one to three dimensions (or none), and its JSON for the JS SDK.
fn check(rng: &mut Rng) -> (Check, Value) {
    let mut check = Check::new();
    let mut js = Map::new();
    if rng.chance(3) {
        return (check, Value::Object(js));
    }
    let dimensions = 1 + rng.below(3);
    for _ in 0..dimensions {
        match rng.below(5) {
            0 => {
                let role = *rng.pick(ASKED_ROLES);
                check = check.role(role);
                js.insert("role".into(), json!(role));
            }
            1 => {
                let permission = *rng.pick(ASKED_PERMISSIONS);
                check = check.permission(permission);
                js.insert("permission".into(), json!(permission));
            }
            2 => {
                let feature = *rng.pick(ASKED_NAMES);
                check = check.feature(feature);
                js.insert("feature".into(), json!(feature));
            }
            3 => {
                let plan = *rng.pick(ASKED_NAMES);
                check = check.plan(plan);
                js.insert("plan".into(), json!(plan));
            }
            _ => {
                let required = reverification(rng);
                check = check.reverification(required);
                js.insert("reverification".into(), required.to_json());
            }
        }
    }
    (check, Value::Object(js))
}

/// Why we may deny what the JS SDK grants: each documented in `Check::feature`.
fn documented_denial(js_check: &Value) -> Option<&'static str> {
    let names = ["feature", "plan"].map(|key| js_check.get(key).and_then(Value::as_str));
    for name in names.into_iter().flatten() {
        let after_scope = name.split_once(':').map(|(_, rest)| rest);
        if after_scope.is_some_and(|rest| rest.contains(':')) {
            return Some("a name with a colon of its own: the JS SDK looks up only the part before it");
        }
        if after_scope == Some("") {
            return Some("an empty name after the scope: the JS SDK looks up the scope's letters instead");
        }
    }
    None
}

struct Case {
    token: String,
    checks: Vec<(Check, Value)>,
}

fn corpus(key: &TestKey) -> Vec<Case> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cases: Vec<Case> = (0..250)
        .map(|index| {
            let claims = claims(&mut rng, index);
            let token = key.token("ins_has", &claims);
            let checks = (0..6).map(|_| check(&mut rng)).collect();
            Case { token, checks }
        })
        .collect();
    // The two places the JS SDK reads a name as another, always in the corpus.
    let claims = json!({ "sub": "user_1", "sid": "sess_quirks", "exp": now() + 600, "iat": now() - 10, "fea": "o:has,o:o", "pla": "u:has" });
    let named = |feature: &str| (Check::new().feature(feature), json!({ "feature": feature }));
    let plan = |plan: &str| (Check::new().plan(plan), json!({ "plan": plan }));
    cases.push(Case {
        token: key.token("ins_has", &claims),
        checks: vec![named("o:has:colon"), named("o:"), named("o:has"), plan("u:has:x"), plan("u:has")],
    });
    cases
}

fn run_js(key: &TestKey, corpus: &[Case]) -> Option<Vec<Value>> {
    let cases: Vec<Value> = corpus
        .iter()
        .map(|case| json!({ "token": case.token, "checks": case.checks.iter().map(|(_, js)| js).collect::<Vec<_>>() }))
        .collect();
    let output =
        clerk_api_tests::differential::run_js_sdk("authorize.mjs", &json!({ "pem": key.public_pem, "cases": cases }))?;
    Some(serde_json::from_value(output).expect("an array of answers"))
}

#[tokio::test]
async fn has_agrees_with_clerks_js_sdk() {
    let key = &TestKey::three()[1];
    let corpus = corpus(key);
    let Some(js) = run_js(key, &corpus) else { return };
    let options = AuthenticateOptions::networkless(key.inner.jwt_key());
    let (mut pairs, mut agree, mut false_grants, mut documented) = (0, 0, Vec::new(), Vec::new());
    let mut undocumented = Vec::new();
    for (case, js) in corpus.iter().zip(&js) {
        let state = authenticate_token(&case.token, &options).await.expect("networkless verdict");
        let ours = state.auth();
        let js_answers = js["answers"].as_array();
        for (index, (check, js_check)) in case.checks.iter().enumerate() {
            pairs += 1;
            let our_answer = ours.is_some_and(|auth| auth.has(check));
            // Not signed in, or an exception: the JS SDK grants nothing.
            let js_answer = js_answers.and_then(|answers| answers[index].as_bool()).unwrap_or(false);
            let claims = clerk_api::testing::unverified_claims(&case.token);
            match (our_answer, js_answer) {
                (a, b) if a == b => agree += 1,
                (true, false) => false_grants.push(format!("{js_check} on {claims:?} (JS: {})", js["status"])),
                _ => match documented_denial(js_check) {
                    Some(reason) => documented.push(reason),
                    None => undocumented.push(format!("{js_check} on {claims:?}")),
                },
            }
        }
    }
    println!(
        "has() differential: {agree}/{pairs} checks agree ({} documented denials where the JS SDK grants); false grants: {}",
        documented.len(),
        false_grants.len()
    );
    let mut reasons: Vec<&str> = documented.clone();
    reasons.sort_unstable();
    reasons.dedup();
    for reason in reasons {
        println!(
            "  {:>3} denied by us, granted by the JS SDK: {reason}",
            documented.iter().filter(|r| **r == reason).count()
        );
    }
    assert!(pairs >= 500, "at least 500 claim/check pairs, got {pairs}");
    assert!(false_grants.is_empty(), "we grant what Clerk denies:\n{}", false_grants.join("\n"));
    assert!(undocumented.is_empty(), "we deny what Clerk grants, undocumented:\n{}", undocumented.join("\n"));
}
