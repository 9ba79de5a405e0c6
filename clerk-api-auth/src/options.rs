//! What `authenticate_request` accepts: keys, parties, audiences, clock skew, token types.

use crate::budget::DEFAULT_REQUEST_BUDGET;
use crate::jwks::{InstanceId, InstanceKeys, JwksCache};
use crate::jwt::HeaderCache;
use crate::key::JwtKey;
#[cfg(feature = "machine-tokens")]
use crate::limiter::MachineTokenLimiter;
use crate::organization_sync::OrganizationSync;
use crate::publishable_key::PublishableKey;
use crate::token_type::TokenType;
#[cfg(feature = "machine-tokens")]
use crate::verdicts::MachineTokenCache;
use crate::Clerk;
use clerk_api_runtime::ApiClient;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The clock skew allowed unless configured: 5 seconds, as in Clerk's SDKs.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5);

/// How to authenticate requests. Build it once and share it: it is cheap to clone.
///
/// ```
/// # fn run(pem: &str) -> Result<(), clerk_api_auth::KeyError> {
/// use clerk_api_auth::{AuthenticateOptions, JwtKey};
///
/// let options = AuthenticateOptions::networkless(JwtKey::from_pem(pem)?)
///     .authorized_party("https://app.example.com")
///     .clock_skew(std::time::Duration::from_secs(2));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AuthenticateOptions {
    pub(crate) jwt_key: Option<Arc<JwtKey>>,
    pub(crate) client: Option<ClientKeys>,
    pub(crate) authorized_parties: Vec<String>,
    pub(crate) audiences: Vec<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) clock_skew_ms: i64,
    accepts: u8,
    pub(crate) pending_signed_out: bool,
    pub(crate) cookie_suffix: Option<String>,
    /// Verifies opaque M2M tokens instead of the instance client, authenticated by a machine
    /// secret key.
    pub(crate) machine_client: Option<Clerk>,
    /// Shared by clones: the header most tokens of the instance carry.
    pub(crate) header_cache: Arc<HeaderCache>,
    /// With a publishable key, browser requests go through the handshake table.
    pub(crate) publishable_key: Option<PublishableKey>,
    pub(crate) domain: Option<String>,
    pub(crate) is_satellite: bool,
    pub(crate) proxy_url: Option<String>,
    pub(crate) sign_in_url: Option<String>,
    pub(crate) sign_up_url: Option<String>,
    pub(crate) organization_sync: Option<Arc<OrganizationSync>>,
    /// How long an authentication may wait on Clerk in all.
    pub(crate) request_budget: Duration,
    /// Shared by clones: verdicts on opaque machine tokens and the calls in flight.
    #[cfg(feature = "machine-tokens")]
    pub(crate) machine_token_cache: Arc<MachineTokenCache>,
    #[cfg(feature = "machine-tokens")]
    pub(crate) machine_token_limiter: Option<Arc<MachineTokenLimiter>>,
}

/// A client and its instance's entry in a JWKS cache, resolved once.
#[derive(Clone)]
pub(crate) struct ClientKeys {
    pub(crate) clerk: Clerk,
    pub(crate) cache: Arc<JwksCache>,
    pub(crate) instance: Arc<InstanceKeys>,
}

impl ClientKeys {
    fn new(clerk: Clerk, cache: Arc<JwksCache>) -> ClientKeys {
        let instance = cache.instance(&InstanceId::of(clerk.client()));
        ClientKeys { clerk, cache, instance }
    }
}

impl fmt::Debug for AuthenticateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("AuthenticateOptions");
        debug
            .field("jwt_key", &self.jwt_key)
            .field("client", &self.client.as_ref().map(|c| c.clerk.base_url()))
            .field("authorized_parties", &self.authorized_parties)
            .field("audiences", &self.audiences)
            .field("issuer", &self.issuer)
            .field("clock_skew_ms", &self.clock_skew_ms)
            .field("accepts", &self.accepted().collect::<Vec<_>>())
            .field("treat_pending_as_signed_out", &self.pending_signed_out)
            .field("machine_client", &self.machine_client.as_ref().map(|c| c.base_url()))
            .field("publishable_key", &self.publishable_key)
            .field("domain", &self.domain)
            .field("is_satellite", &self.is_satellite)
            .field("proxy_url", &self.proxy_url)
            .field("sign_in_url", &self.sign_in_url)
            .field("sign_up_url", &self.sign_up_url)
            .field("organization_sync", &self.organization_sync)
            .field("request_budget", &self.request_budget);
        #[cfg(feature = "machine-tokens")]
        debug
            .field("machine_token_cache", &self.machine_token_cache)
            .field("machine_token_limiter", &self.machine_token_limiter);
        debug.finish()
    }
}

impl AuthenticateOptions {
    fn with_keys(jwt_key: Option<Arc<JwtKey>>, client: Option<ClientKeys>) -> Self {
        AuthenticateOptions {
            jwt_key,
            client,
            authorized_parties: Vec::new(),
            audiences: Vec::new(),
            issuer: None,
            clock_skew_ms: DEFAULT_CLOCK_SKEW.as_millis() as i64,
            accepts: TokenType::SessionToken.bit(),
            pending_signed_out: true,
            cookie_suffix: None,
            machine_client: None,
            header_cache: Arc::default(),
            publishable_key: None,
            domain: None,
            is_satellite: false,
            proxy_url: None,
            sign_in_url: None,
            sign_up_url: None,
            organization_sync: None,
            request_budget: DEFAULT_REQUEST_BUDGET,
            #[cfg(feature = "machine-tokens")]
            machine_token_cache: Arc::default(),
            #[cfg(feature = "machine-tokens")]
            machine_token_limiter: None,
        }
    }

    /// Verifies session tokens with this key, without any network call. Machine tokens need a
    /// client: add one with [`client`](Self::client).
    pub fn networkless(key: JwtKey) -> Self {
        Self::with_keys(Some(Arc::new(key)), None)
    }

    /// Verifies session tokens with the instance's keys from `GET /jwks` (cached in
    /// [`JwksCache::global`]), and machine tokens through the Backend API.
    ///
    /// `clerk` is a `clerk_api::Clerk`, or the runtime's [`Client`](clerk_api_runtime::Client)
    /// of one: the calls go through its connection pool, base URL and secret key.
    pub fn with_client(clerk: impl Into<clerk_api_runtime::Client>) -> Self {
        Self::with_keys(None, Some(ClientKeys::new(Clerk::from_client(clerk.into()), JwksCache::global())))
    }

    /// Adds a client for machine tokens to networkless options, or replaces the client.
    pub fn client(mut self, clerk: impl Into<clerk_api_runtime::Client>) -> Self {
        let cache = self.client.as_ref().map_or_else(JwksCache::global, |c| c.cache.clone());
        self.client = Some(ClientKeys::new(Clerk::from_client(clerk.into()), cache));
        self
    }

    /// Uses this key for session tokens instead of fetching the JWKS.
    pub fn jwt_key(mut self, key: JwtKey) -> Self {
        self.jwt_key = Some(Arc::new(key));
        self
    }

    /// Caches keys in `cache` instead of the process-wide one.
    pub fn jwks_cache(mut self, cache: Arc<JwksCache>) -> Self {
        if let Some(client) = self.client.take() {
            self.client = Some(ClientKeys::new(client.clerk, cache));
        }
        self
    }

    /// Accepts session tokens only if their `azp` (the origin they were minted for) is one of
    /// the authorized parties; a token without `azp` is then refused. Call once per party.
    /// Recommended: it stops tokens minted for another site of the same instance.
    pub fn authorized_party(mut self, party: impl Into<String>) -> Self {
        self.authorized_parties.push(party.into());
        self
    }

    /// Accepts session tokens only if their `aud` contains one of these audiences. Call once
    /// per audience.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Accepts session tokens only from this issuer (`iss`, the Frontend API URL).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// How far `exp`, `nbf` and `iat` may be off the server's clock; `Duration::ZERO` allows no
    /// skew. Default: [`DEFAULT_CLOCK_SKEW`].
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew_ms = i64::try_from(skew.as_millis()).unwrap_or(i64::MAX);
        self
    }

    /// Which token types are accepted; others are signed out with `token-type-not-supported`.
    /// Default: session tokens only.
    pub fn accepts_token(mut self, types: impl IntoIterator<Item = TokenType>) -> Self {
        self.accepts = types.into_iter().fold(0, |bits, t| bits | t.bit());
        self
    }

    /// Whether sessions whose status is `pending` (session tasks such as choosing an
    /// organization remain) are signed out, with reason `session-pending`. Default: `true`, as
    /// Clerk's JS SDK (`treatPendingAsSignedOut`); `false` signs them in, and
    /// [`SessionAuth::session_status`](crate::SessionAuth::session_status) tells them apart.
    pub fn treat_pending_as_signed_out(mut self, signed_out: bool) -> Self {
        self.pending_signed_out = signed_out;
        self
    }

    /// Verifies opaque M2M tokens (`mt_...`) with a machine's secret key instead of the
    /// instance's secret key, as Clerk's JS SDK does with `machineSecretKey`: the machine must
    /// be allowed to call this one. The client's URL, timeout and retries are kept; without a
    /// client the production API is used. Accept M2M tokens with
    /// [`accepts_token`](Self::accepts_token) too.
    pub fn machine_secret_key(mut self, machine_secret_key: &str) -> Result<Self, crate::Error> {
        let machine = match &self.client {
            Some(client) => client.clerk.with_secret_key(machine_secret_key)?,
            None => Clerk::new(machine_secret_key)?,
        };
        self.machine_client = Some(machine);
        Ok(self)
    }

    /// Reads `__session_<suffix>` before `__session` (the suffix Clerk derives from the
    /// publishable key when several apps share a domain).
    pub fn cookie_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.cookie_suffix = Some(suffix.into());
        self
    }

    /// The instance's publishable key: turns on the handshake for browser requests
    /// ([`authenticate_request`](crate::authenticate_request) on a request without an
    /// `Authorization` header), and the cookie names and Frontend API it needs. See
    /// [`RequestState::Handshake`](crate::RequestState::Handshake).
    pub fn publishable_key(mut self, key: PublishableKey) -> Self {
        self.publishable_key = Some(key);
        self
    }

    /// A satellite application's domain (`example.org`): production handshakes go to
    /// `clerk.<domain>`.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Whether this application is a satellite of another domain's Clerk instance.
    pub fn is_satellite(mut self, satellite: bool) -> Self {
        self.is_satellite = satellite;
        self
    }

    /// Where the Frontend API is proxied (`https://app.example.com/__clerk`, or a path on the
    /// request's own origin, `/__clerk`): handshakes go there.
    pub fn proxy_url(mut self, url: impl Into<String>) -> Self {
        self.proxy_url = Some(url.into());
        self
    }

    /// The sign-in page, on the primary domain for satellites (development satellites send the
    /// browser there to sync).
    pub fn sign_in_url(mut self, url: impl Into<String>) -> Self {
        self.sign_in_url = Some(url.into());
        self
    }

    /// The sign-up page.
    pub fn sign_up_url(mut self, url: impl Into<String>) -> Self {
        self.sign_up_url = Some(url.into());
        self
    }

    /// Makes the organization or personal account a page's URL names the session's active one
    /// (through Clerk's handshake), for apps with routes such as `/orgs/:slug/...`. Browser
    /// requests only (it needs a [publishable key](Self::publishable_key)).
    pub fn organization_sync(mut self, sync: OrganizationSync) -> Self {
        self.organization_sync = Some(Arc::new(sync));
        self
    }

    /// How long authenticating one request may wait on Clerk, in all: the JWKS when no cached
    /// key can verify the token, a machine token's verification, a browser session's refresh.
    /// Each call made for a request gets this as its timeout and at most one retry within it
    /// (not the client's own retry policy, sized for batch work). A request not decided in time
    /// gets an [`AuthError`](crate::AuthError) (the framework layers answer `503` with
    /// `Retry-After`), never a signed-out verdict. Default [`DEFAULT_REQUEST_BUDGET`] (2 s).
    /// Requests whose key is cached never wait on Clerk, whatever the budget.
    pub fn request_budget(mut self, budget: Duration) -> Self {
        self.request_budget = budget;
        self
    }

    #[cfg(feature = "machine-tokens")]
    /// Remembers machine-token verdicts in `cache` (configured as you choose: how long invalid
    /// tokens are remembered, whether valid ones are) instead of the options' own default one.
    /// Pass an `Arc` to keep a handle on it (its [`len`](MachineTokenCache::len), for
    /// metrics), or to share it between options of the same instance.
    pub fn machine_token_cache(mut self, cache: impl Into<Arc<MachineTokenCache>>) -> Self {
        self.machine_token_cache = cache.into();
        self
    }

    #[cfg(feature = "machine-tokens")]
    /// Caps the verification calls opaque machine tokens cause per client (by the request's
    /// [`ClientKey`](crate::ClientKey)); see [`MachineTokenLimiter`]. Off by default.
    pub fn machine_token_limiter(mut self, limiter: MachineTokenLimiter) -> Self {
        self.machine_token_limiter = Some(Arc::new(limiter));
        self
    }

    /// Whether `token_type` is accepted.
    pub fn accepts(&self, token_type: TokenType) -> bool {
        self.accepts & token_type.bit() != 0
    }

    fn accepted(&self) -> impl Iterator<Item = TokenType> + '_ {
        TokenType::ALL.into_iter().filter(|t| self.accepts(*t))
    }
}
