//! Organization sync (`organizationSyncOptions` of Clerk's JS SDK): the organization or the
//! personal account a URL names becomes the session's active one. When a signed-in page load's
//! path matches a pattern and names another organization than the session's active one, the
//! request goes through the handshake with `organization_id`, and Clerk comes back with a
//! session token for that organization (reason `active-organization-mismatch`).
//!
//! Patterns use the syntax of Clerk's (`path-to-regexp`'s) for what such routes need: literal
//! segments, `:name` for one segment, `:name(.*)` or `(.*)` for any rest of the path. They
//! match as Clerk's do: ASCII case-insensitively, with an optional trailing slash, and the
//! first pattern that matches decides. Anything else in a pattern (`?`, `*`, `+`, other groups)
//! is refused when the options are built, rather than matched differently.

use std::fmt;

/// Which URLs name an organization, and which the personal account.
///
/// ```
/// use clerk_api_auth::OrganizationSync;
///
/// let sync = OrganizationSync::new()
///     .organization_patterns(["/orgs/:slug", "/orgs/:slug/(.*)"])?
///     .personal_account_patterns(["/me", "/me/(.*)"])?;
/// # let _ = sync;
/// # Ok::<(), clerk_api_auth::PatternError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationSync {
    organizations: Vec<PathPattern>,
    personal_account: Vec<PathPattern>,
}

/// A pattern outside the supported syntax.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("organization sync pattern `{pattern}`: {problem}")]
pub struct PatternError {
    pattern: String,
    problem: &'static str,
}

impl OrganizationSync {
    /// No patterns: nothing is synced.
    pub fn new() -> OrganizationSync {
        OrganizationSync::default()
    }

    /// Paths that name an organization by its slug (`:slug`) or its id (`:id`), such as
    /// `/orgs/:slug` and `/orgs/:slug/(.*)`.
    pub fn organization_patterns<I, S>(mut self, patterns: I) -> Result<OrganizationSync, PatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.organizations = patterns.into_iter().map(|p| PathPattern::parse(p.as_ref())).collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// Paths of the personal account (no active organization), such as `/me` and `/me/(.*)`.
    pub fn personal_account_patterns<I, S>(mut self, patterns: I) -> Result<OrganizationSync, PatternError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.personal_account =
            patterns.into_iter().map(|p| PathPattern::parse(p.as_ref())).collect::<Result<_, _>>()?;
        Ok(self)
    }

    /// What `path` asks to activate: an organization pattern first, then a personal account one.
    pub(crate) fn target(&self, path: &str) -> Option<Target> {
        if let Some(params) = self.organizations.iter().find_map(|pattern| pattern.matches(path)) {
            let param = |name: &str| params.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            if let Some(id) = param("id").filter(|id| !id.is_empty()) {
                return Some(Target::Organization { id: Some(id), slug: None });
            }
            if let Some(slug) = param("slug").filter(|slug| !slug.is_empty()) {
                return Some(Target::Organization { id: None, slug: Some(slug) });
            }
        }
        self.personal_account.iter().any(|pattern| pattern.matches(path).is_some()).then_some(Target::PersonalAccount)
    }
}

/// What a URL asks to activate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Organization { id: Option<String>, slug: Option<String> },
    PersonalAccount,
}

impl Target {
    /// The handshake's `organization_id`: the id or slug, empty for the personal account.
    pub(crate) fn organization_id(&self) -> &str {
        match self {
            Target::Organization { slug: Some(slug), .. } => slug,
            Target::Organization { id: Some(id), .. } => id,
            _ => "",
        }
    }

    /// Whether the session's active organization is another than this target's.
    pub(crate) fn differs_from(&self, org_id: Option<&str>, org_slug: Option<&str>) -> bool {
        match self {
            Target::Organization { id, slug } => {
                slug.as_deref().is_some_and(|slug| Some(slug) != org_slug)
                    || id.as_deref().is_some_and(|id| Some(id) != org_id)
            }
            Target::PersonalAccount => org_id.is_some_and(|id| !id.is_empty()),
        }
    }
}

/// One piece of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Text matched ASCII case-insensitively.
    Literal(String),
    /// `:name`: one or more characters up to the next `/` (as few as the rest allows).
    Segment(String),
    /// `:name(.*)` or `(.*)`: any characters, `/` included (as many as the rest allows).
    Rest(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PathPattern {
    pieces: Vec<Piece>,
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => f.write_str(text)?,
                Piece::Segment(name) => write!(f, ":{name}")?,
                Piece::Rest(Some(name)) => write!(f, ":{name}(.*)")?,
                Piece::Rest(None) => f.write_str("(.*)")?,
            }
        }
        Ok(())
    }
}

impl PathPattern {
    fn parse(pattern: &str) -> Result<PathPattern, PatternError> {
        let error = |problem| PatternError { pattern: pattern.to_owned(), problem };
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = pattern;
        while let Some(c) = rest.chars().next() {
            match c {
                ':' => {
                    let name_len =
                        rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len() - 1);
                    if name_len == 0 {
                        return Err(error("`:` must start a parameter name"));
                    }
                    let name = rest[1..1 + name_len].to_owned();
                    rest = &rest[1 + name_len..];
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    if let Some(after) = rest.strip_prefix("(.*)") {
                        pieces.push(Piece::Rest(Some(name)));
                        rest = after;
                    } else {
                        pieces.push(Piece::Segment(name));
                    }
                }
                '(' => {
                    let after = rest.strip_prefix("(.*)").ok_or_else(|| error("the only group supported is `(.*)`"))?;
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Rest(None));
                    rest = after;
                }
                '?' | '*' | '+' | ')' | '{' | '}' | '\\' => {
                    return Err(error("modifiers (`?`, `*`, `+`), escapes and braces are not supported"));
                }
                _ => {
                    literal.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        if pieces.windows(2).any(|pair| !matches!(pair[0], Piece::Literal(_)) && !matches!(pair[1], Piece::Literal(_)))
        {
            return Err(error("two parameters must be separated by text"));
        }
        Ok(PathPattern { pieces })
    }

    /// The parameters when `path` matches, in the pattern's order.
    fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let mut params = Vec::new();
        match_from(&self.pieces, path, &mut params).then_some(params)
    }
}

/// Whether `pieces` match all of `path` (an optional trailing `/` aside), collecting parameters.
fn match_from(pieces: &[Piece], path: &str, params: &mut Vec<(String, String)>) -> bool {
    let Some((first, others)) = pieces.split_first() else { return path.is_empty() || path == "/" };
    match first {
        Piece::Literal(text) => match path.get(..text.len()) {
            Some(head) if head.eq_ignore_ascii_case(text) => match_from(others, &path[text.len()..], params),
            _ => false,
        },
        Piece::Segment(name) => {
            let limit = path.find('/').unwrap_or(path.len());
            // Shortest first, as path-to-regexp's lazy `[^/#?]+?`.
            (1..=limit).filter(|&end| path.is_char_boundary(end)).any(|end| {
                let mark = params.len();
                params.push((name.clone(), path[..end].to_owned()));
                match_from(others, &path[end..], params) || {
                    params.truncate(mark);
                    false
                }
            })
        }
        Piece::Rest(name) => {
            // Longest first, as the greedy `(.*)`.
            (0..=path.len()).rev().filter(|&end| path.is_char_boundary(end)).any(|end| {
                let mark = params.len();
                params.push((name.clone().unwrap_or_default(), path[..end].to_owned()));
                match_from(others, &path[end..], params) || {
                    params.truncate(mark);
                    false
                }
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sync() -> OrganizationSync {
        OrganizationSync::new()
            .organization_patterns(["/orgs/:slug", "/orgs/:slug/(.*)", "/teams/id/:id/(.*)"])
            .unwrap()
            .personal_account_patterns(["/me", "/me/(.*)"])
            .unwrap()
    }

    fn slug(slug: &str) -> Option<Target> {
        Some(Target::Organization { id: None, slug: Some(slug.to_owned()) })
    }

    #[test]
    fn paths_name_organizations_and_the_personal_account_as_clerks_patterns_do() {
        let sync = sync();
        assert_eq!(sync.target("/orgs/acme"), slug("acme"));
        assert_eq!(sync.target("/orgs/acme/"), slug("acme"));
        assert_eq!(sync.target("/ORGS/Acme/settings/billing"), slug("Acme"));
        assert_eq!(sync.target("/orgs/acme/"), slug("acme"));
        assert_eq!(
            sync.target("/teams/id/org_2x/members"),
            Some(Target::Organization { id: Some("org_2x".into()), slug: None })
        );
        assert_eq!(sync.target("/orgs"), None);
        assert_eq!(sync.target("/orgs/"), None);
        assert_eq!(sync.target("/me"), Some(Target::PersonalAccount));
        assert_eq!(sync.target("/me/profile"), Some(Target::PersonalAccount));
        assert_eq!(sync.target("/mexico"), None);
        assert_eq!(sync.target("/dashboard"), None);
    }

    #[test]
    fn what_the_matcher_cannot_match_alike_is_refused() {
        for pattern in ["/orgs/:slug?", "/files/*", "/a/(\\d+)", "/x/:a:b", "/:", "/a{/:b}"] {
            assert!(OrganizationSync::new().organization_patterns([pattern]).is_err(), "{pattern}");
        }
        let error = OrganizationSync::new().organization_patterns(["/orgs/:slug?"]).unwrap_err();
        assert!(error.to_string().contains("/orgs/:slug?"));
    }

    #[test]
    fn a_target_differs_from_the_active_organization_by_slug_or_id() {
        let target = slug("acme").unwrap();
        assert!(!target.differs_from(Some("org_1"), Some("acme")));
        assert!(target.differs_from(Some("org_1"), Some("other")));
        assert!(target.differs_from(None, None));
        assert!(Target::PersonalAccount.differs_from(Some("org_1"), None));
        assert!(!Target::PersonalAccount.differs_from(None, None));
        assert_eq!(target.organization_id(), "acme");
        assert_eq!(Target::PersonalAccount.organization_id(), "");
    }
}
