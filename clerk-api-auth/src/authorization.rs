//! Authorization as Clerk decides it: the `has()` of Clerk's SDKs (`createCheckAuthorization` in
//! `@clerk/shared`), over the active organization's role and permissions, billing features and
//! plans, and how recently the user verified their factors (reverification).
//!
//! Every dimension a [`Check`] asks for must pass, and a check that asks for nothing grants
//! nothing. Claims Clerk's SDKs cannot read (a scoped list with an entry that has no scope)
//! grant nothing. Where following the JS SDK would grant what the check does not say, this
//! denies instead (see [`Check::feature`]).

use serde_json::{json, Value};

/// What a request must be allowed: each dimension set must pass.
///
/// ```
/// use clerk_api_auth::{Check, Reverification};
///
/// let admins_only = Check::new().role("org:admin");
/// let billing = Check::new().permission("org:invoices:manage").reverification(Reverification::Strict);
/// # let _ = (admins_only, billing);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Check {
    role: Option<String>,
    permission: Option<String>,
    feature: Option<String>,
    plan: Option<String>,
    reverification: Option<Reverification>,
}

impl Check {
    /// A check that asks for nothing yet (and so grants nothing until a dimension is set).
    pub fn new() -> Check {
        Check::default()
    }

    /// The role in the active organization: `org:admin`, or `admin` (Clerk's SDKs add the
    /// `org:` prefix to both sides before comparing).
    pub fn role(mut self, role: impl Into<String>) -> Check {
        self.role = Some(role.into());
        self
    }

    /// A permission in the active organization: `org:invoices:read`, or `invoices:read`.
    pub fn permission(mut self, permission: impl Into<String>) -> Check {
        self.permission = Some(permission.into());
        self
    }

    /// A billing feature: `name` in either scope, `org:name` / `o:name` / `organization:name`
    /// for the organization's, `user:name` / `u:name` for the user's.
    ///
    /// A name that is empty or holds a colon of its own (`o:reports:export`) is denied: Clerk's
    /// JS SDK would look up only the part up to the second colon (`reports`), granting what was
    /// not asked for.
    pub fn feature(mut self, feature: impl Into<String>) -> Check {
        self.feature = Some(feature.into());
        self
    }

    /// A billing plan, scoped as [`feature`](Self::feature)s are.
    pub fn plan(mut self, plan: impl Into<String>) -> Check {
        self.plan = Some(plan.into());
        self
    }

    /// Factors verified recently enough (step-up authentication before a sensitive action).
    pub fn reverification(mut self, reverification: Reverification) -> Check {
        self.reverification = Some(reverification);
        self
    }

    /// The reverification this check asks for, if any.
    pub fn required_reverification(&self) -> Option<Reverification> {
        self.reverification
    }

    /// The same check without its reverification: what else it asks.
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn without_reverification(mut self) -> Check {
        self.reverification = None;
        self
    }

    /// Whether the check asks for nothing (and so grants nothing).
    pub fn is_empty(&self) -> bool {
        *self == Check::default()
    }
}

/// Which factors a reverification requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FactorLevel {
    /// The first factor (password, email code, ...).
    FirstFactor,
    /// The second factor if the user has one, else the first.
    SecondFactor,
    /// Both factors if the user has a second one, else the first.
    MultiFactor,
}

impl FactorLevel {
    /// Clerk's name for the level (`first_factor`, `second_factor`, `multi_factor`).
    pub fn as_str(self) -> &'static str {
        match self {
            FactorLevel::FirstFactor => "first_factor",
            FactorLevel::SecondFactor => "second_factor",
            FactorLevel::MultiFactor => "multi_factor",
        }
    }
}

/// How recently the user must have verified their factors, as Clerk's presets name it or as a
/// custom level and age. The verified session token's `fva` claim holds the minutes since each
/// factor was verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reverification {
    /// Both factors (if the user has a second) within the last 10 minutes.
    StrictMfa,
    /// The second factor (or the first, without one) within the last 10 minutes.
    Strict,
    /// The second factor (or the first, without one) within the last hour.
    Moderate,
    /// The second factor (or the first, without one) within the last day.
    Lax,
    /// A level of your choosing, verified less than `after_minutes` minutes ago. Zero minutes
    /// can never be met.
    Custom {
        /// Which factors.
        level: FactorLevel,
        /// How many minutes ago at most (exclusive).
        after_minutes: u32,
    },
}

impl Reverification {
    /// A custom requirement: `level`, verified less than `after_minutes` minutes ago.
    pub fn custom(level: FactorLevel, after_minutes: u32) -> Reverification {
        Reverification::Custom { level, after_minutes }
    }

    /// The level this requirement asks for.
    pub fn level(self) -> FactorLevel {
        match self {
            Reverification::StrictMfa => FactorLevel::MultiFactor,
            Reverification::Strict | Reverification::Moderate | Reverification::Lax => FactorLevel::SecondFactor,
            Reverification::Custom { level, .. } => level,
        }
    }

    /// The age limit in minutes (exclusive).
    pub fn after_minutes(self) -> u32 {
        match self {
            Reverification::StrictMfa | Reverification::Strict => 10,
            Reverification::Moderate => 60,
            Reverification::Lax => 1440,
            Reverification::Custom { after_minutes, .. } => after_minutes,
        }
    }

    /// Whether factor ages `[first, second]` (minutes, `-1` for a factor never verified or not
    /// set up: the `fva` claim) meet this requirement, with the boundaries of Clerk's SDKs.
    pub fn is_met_by(self, factor_verification_age: Option<[i64; 2]>) -> bool {
        let Some([first, second]) = factor_verification_age else { return false };
        let valid = |age: i64| age == -1 || age >= 0;
        let after = i64::from(self.after_minutes());
        if !valid(first) || !valid(second) || after == 0 || (first == -1 && second == -1) {
            return false;
        }
        let first_fresh = first != -1 && after > first;
        let second_fresh = second != -1 && after > second;
        match self.level() {
            FactorLevel::FirstFactor => first_fresh,
            FactorLevel::SecondFactor if second == -1 => first_fresh,
            FactorLevel::SecondFactor => second_fresh,
            FactorLevel::MultiFactor if second == -1 => first_fresh,
            FactorLevel::MultiFactor => first_fresh && second_fresh,
        }
    }

    /// The requirement as Clerk's SDKs write it: the preset's name (`"strict"`), or
    /// `{"level": "...", "afterMinutes": n}`.
    pub fn to_json(self) -> Value {
        match self {
            Reverification::StrictMfa => json!("strict_mfa"),
            Reverification::Strict => json!("strict"),
            Reverification::Moderate => json!("moderate"),
            Reverification::Lax => json!("lax"),
            Reverification::Custom { level, after_minutes } => {
                json!({ "level": level.as_str(), "afterMinutes": after_minutes })
            }
        }
    }

    /// The body of the 403 that asks the user to verify again, in the shape Clerk's frontend
    /// SDKs recognise (`useReverification` opens the verification modal and retries):
    /// `{"clerk_error":{"type":"forbidden","reason":"reverification-error","metadata":{"reverification":...}}}`.
    /// Send it with status 403 and `Content-Type: application/json`.
    pub fn error_body(self) -> String {
        json!({
            "clerk_error": {
                "type": "forbidden",
                "reason": REVERIFICATION_ERROR_REASON,
                "metadata": { "reverification": self.to_json() },
            }
        })
        .to_string()
    }
}

/// The `reason` Clerk's frontend SDKs look for in a reverification 403.
pub const REVERIFICATION_ERROR_REASON: &str = "reverification-error";

/// What a verified session grants, as Clerk's claims parser reads it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Grants<'a> {
    pub(crate) org_id: Option<&'a str>,
    /// The role as the JS SDK holds it: `org:` + `o.rol` (version 2), `org_role` (version 1).
    pub(crate) org_role: Option<&'a str>,
    pub(crate) org_permissions: &'a [String],
    /// The raw `fea` and `pla` claims.
    pub(crate) features: Option<&'a str>,
    pub(crate) plans: Option<&'a str>,
    pub(crate) factor_verification_age: Option<[i64; 2]>,
    /// Claims Clerk's parser refuses outright (a version 2 token's `fea` with an entry without
    /// a scope): nothing is granted.
    pub(crate) unreadable: bool,
}

/// Whether `grants` allow `check`: every dimension asked passes, and at least one was asked.
pub(crate) fn allows(grants: &Grants<'_>, check: &Check) -> bool {
    if check.is_empty() || grants.unreadable {
        return false;
    }
    organization_allows(grants, check) && billing_allows(grants, check) && reverification_allows(grants, check)
}

/// `replace(/^(org:)*/, "org:")`: every leading `org:` collapsed into one.
fn with_org_prefix(value: &str) -> String {
    let mut rest = value;
    while let Some(stripped) = rest.strip_prefix("org:") {
        rest = stripped;
    }
    format!("org:{rest}")
}

fn organization_allows(grants: &Grants<'_>, check: &Check) -> bool {
    if check.role.is_none() && check.permission.is_none() {
        return true;
    }
    if grants.org_id.is_none_or(str::is_empty) {
        return false;
    }
    if let Some(role) = &check.role {
        match grants.org_role {
            Some(held) if !held.is_empty() && with_org_prefix(held) == with_org_prefix(role) => {}
            _ => return false,
        }
    }
    if let Some(permission) = &check.permission {
        let wanted = with_org_prefix(permission);
        if !grants.org_permissions.contains(&wanted) {
            return false;
        }
    }
    true
}

fn billing_allows(grants: &Grants<'_>, check: &Check) -> bool {
    let holds = |list: Option<&str>, wanted: &Option<String>| match wanted {
        None => true,
        Some(wanted) => list.filter(|list| !list.is_empty()).is_some_and(|list| scoped_list_holds(list, wanted)),
    };
    holds(grants.features, &check.feature) && holds(grants.plans, &check.plan)
}

fn reverification_allows(grants: &Grants<'_>, check: &Check) -> bool {
    check.reverification.is_none_or(|required| required.is_met_by(grants.factor_verification_age))
}

/// A scoped list (`o:dashboard,u:export,ou:api`) split as Clerk's SDKs split it: each entry
/// trimmed, cut at its first colon; `o` is the organization's, `u` the user's, `ou` and `uo`
/// both's, any other scope neither's.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ScopedList<'a> {
    pub(crate) org: Vec<&'a str>,
    pub(crate) user: Vec<&'a str>,
}

/// `None` when an entry has no colon (an empty entry included): Clerk's SDKs then refuse the
/// whole list.
pub(crate) fn split_by_scope(list: &str) -> Option<ScopedList<'_>> {
    let mut scoped = ScopedList::default();
    if list.is_empty() {
        return Some(scoped);
    }
    for entry in list.split(',') {
        let (scope, name) = entry.trim().split_once(':')?;
        match scope {
            "o" => scoped.org.push(name),
            "u" => scoped.user.push(name),
            "ou" | "uo" => {
                scoped.org.push(name);
                scoped.user.push(name);
            }
            _ => {}
        }
    }
    Some(scoped)
}

/// Whether the list holds `wanted` (`name`, or `scope:name` with scope `o`, `org`,
/// `organization`, `u` or `user`).
fn scoped_list_holds(list: &str, wanted: &str) -> bool {
    let Some(scoped) = split_by_scope(list) else { return false };
    let (scope, name) = match wanted.split_once(':') {
        Some((scope, name)) => (Some(scope), name),
        None => (None, wanted),
    };
    if name.is_empty() || name.contains(':') {
        return false;
    }
    match scope {
        None => scoped.org.contains(&name) || scoped.user.contains(&name),
        Some("o" | "org" | "organization") => scoped.org.contains(&name),
        Some("u" | "user") => scoped.user.contains(&name),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants<'a>(permissions: &'a [String]) -> Grants<'a> {
        Grants {
            org_id: Some("org_1"),
            org_role: Some("org:admin"),
            org_permissions: permissions,
            features: Some("o:dashboard,u:export,ou:api"),
            plans: Some("o:pro"),
            factor_verification_age: Some([5, 30]),
            unreadable: false,
        }
    }

    #[test]
    fn every_dimension_asked_must_pass_and_asking_nothing_grants_nothing() {
        let permissions = vec!["org:invoices:read".to_owned()];
        let grants = grants(&permissions);
        assert!(!allows(&grants, &Check::new()));
        assert!(allows(&grants, &Check::new().role("admin").permission("invoices:read")));
        assert!(!allows(&grants, &Check::new().role("admin").permission("invoices:write")));
        assert!(allows(&grants, &Check::new().role("org:org:admin").feature("org:dashboard").plan("pro")));
        assert!(!allows(&grants, &Check::new().role("admin").plan("u:pro")));
        assert!(!allows(&Grants { unreadable: true, ..grants }, &Check::new().role("admin")));
    }

    #[test]
    fn organization_checks_need_an_organization() {
        let permissions = vec!["org:invoices:read".to_owned()];
        let without = Grants { org_id: None, ..grants(&permissions) };
        assert!(!allows(&without, &Check::new().role("admin")));
        assert!(!allows(&without, &Check::new().permission("org:invoices:read")));
        assert!(allows(&without, &Check::new().feature("export")));
    }

    #[test]
    fn scopes_are_read_as_clerk_reads_them() {
        let list = "o:dashboard,u:export,ou:api,ox:other";
        for (wanted, held) in [
            ("dashboard", true),
            ("o:dashboard", true),
            ("organization:dashboard", true),
            ("user:dashboard", false),
            ("u:export", true),
            ("org:export", false),
            ("api", true),
            ("u:api", true),
            ("other", false),
            ("ox:other", false),
            ("o:", false),
            ("o:dashboard:x", false),
        ] {
            assert_eq!(scoped_list_holds(list, wanted), held, "{wanted}");
        }
        // An entry without a scope makes the whole list unreadable, as in Clerk's SDKs.
        assert!(!scoped_list_holds("o:dashboard,bad", "dashboard"));
        assert!(!scoped_list_holds("o:dashboard,", "dashboard"));
        assert_eq!(split_by_scope(""), Some(ScopedList::default()));
    }

    #[test]
    fn reverification_follows_clerks_boundaries() {
        use FactorLevel::*;
        let met = |r: Reverification, fva: Option<[i64; 2]>| r.is_met_by(fva);
        assert!(met(Reverification::Strict, Some([20, 9])));
        assert!(!met(Reverification::Strict, Some([0, 10])), "after_minutes is exclusive");
        assert!(met(Reverification::Strict, Some([9, -1])), "no second factor: the first decides");
        assert!(!met(Reverification::Strict, Some([-1, -1])));
        assert!(met(Reverification::StrictMfa, Some([9, 9])));
        assert!(!met(Reverification::StrictMfa, Some([11, 9])));
        assert!(!met(Reverification::StrictMfa, Some([-1, 9])));
        assert!(met(Reverification::Lax, Some([1439, -1])));
        assert!(met(Reverification::custom(FirstFactor, 5), Some([4, -1])));
        assert!(!met(Reverification::custom(FirstFactor, 5), Some([-1, 1])));
        assert!(!met(Reverification::custom(SecondFactor, 0), Some([0, 0])));
        assert!(!met(Reverification::Moderate, None));
        assert!(!met(Reverification::Moderate, Some([-2, 1])));
    }

    #[test]
    fn the_reverification_error_is_what_clerks_frontend_looks_for() {
        let body: Value = serde_json::from_str(&Reverification::Strict.error_body()).unwrap_or_default();
        assert_eq!(body["clerk_error"]["reason"], "reverification-error");
        assert_eq!(body["clerk_error"]["type"], "forbidden");
        assert_eq!(body["clerk_error"]["metadata"]["reverification"], "strict");
        let custom = Reverification::custom(FactorLevel::MultiFactor, 15).to_json();
        assert_eq!(custom, json!({ "level": "multi_factor", "afterMinutes": 15 }));
    }
}
