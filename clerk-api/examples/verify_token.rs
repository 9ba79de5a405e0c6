//! Verifies one request's token networklessly and prints the verdict as one JSON line, so that
//! verdicts can be checked from outside Rust.
//!
//! ```text
//! cargo run -p clerk-api --example verify_token -- --jwt-key PEM_FILE \
//!     [--authorized-party URL]... [--audience AUD] [--clock-skew-ms N] [--accepts TYPE]... \
//!     [--header 'Name: value']... [--cookie 'name=value']... \
//!     [--publishable-key PK] [--url URL]
//! ```
//!
//! Prints `{"signed_in": bool, "reason": string|null, "token_type": string|null,
//! "user_id": string|null, "session_id": string|null, "org_id": string|null,
//! "subject": string|null, "status": string, "location": string|null}` and exits 0, signed in
//! or not; `subject` is the token's `sub` (the user, the machine) of every signed-in verdict,
//! `status` is `signed-in`, `signed-out` or `handshake`, and `location` where a handshake sends
//! the browser. With `--publishable-key`, a request without `Authorization` is decided by its
//! cookies as a browser's GET of `--url` (default `https://app.example.com/`), handshake
//! included; without it, cookies are verified as they are. Exits 2 for bad arguments. The key is a PEM or
//! the base64 body the Dashboard shows. M2M and OAuth tokens in JWT form (`--accepts m2m_token`,
//! `--accepts oauth_token`) are verified with the key, without a network call; opaque machine
//! tokens (`ak_`, `mt_`, `oat_`) are verified by the Backend API, which needs `CLERK_SECRET_KEY`
//! (and `CLERK_API_URL` to point elsewhere than production); without it such a token exits 3.

use clerk_api::auth::{authenticate_request, AuthenticateOptions, JwtKey, PublishableKey, RequestState, TokenType};
use http::{HeaderMap, HeaderName, HeaderValue};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: verify_token --jwt-key PEM_FILE [--authorized-party URL]... [--audience AUD] \
[--clock-skew-ms N] [--accepts TYPE]... [--header 'Name: value']... [--cookie 'name=value']... \
[--publishable-key PK] [--url URL]";

struct Args {
    options: AuthenticateOptions,
    request: http::Request<()>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut key = None;
    let (mut parties, mut audiences, mut accepts, mut cookies) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut skew = None;
    let mut headers = HeaderMap::new();
    let mut url = "https://app.example.com/".to_owned();
    let mut publishable_key = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--jwt-key" => {
                let path = value()?;
                let pem = std::fs::read_to_string(&path).map_err(|e| format!("--jwt-key {path}: {e}"))?;
                key = Some(JwtKey::from_pem(&pem).map_err(|e| format!("--jwt-key {path}: {e}"))?);
            }
            "--authorized-party" => parties.push(value()?),
            "--audience" => audiences.push(value()?),
            "--clock-skew-ms" => {
                let ms = value()?;
                skew = Some(Duration::from_millis(
                    ms.parse().map_err(|_| format!("--clock-skew-ms: {ms:?} is not a number of milliseconds"))?,
                ));
            }
            "--accepts" => accepts.push(value()?.parse::<TokenType>().map_err(|e| format!("--accepts: {e}"))?),
            "--header" => {
                let header = value()?;
                let (name, text) =
                    header.split_once(':').ok_or_else(|| format!("--header {header:?}: expected 'Name: value'"))?;
                let name = HeaderName::from_bytes(name.trim().as_bytes())
                    .map_err(|_| format!("--header: {:?} is not a header name", name.trim()))?;
                let text = HeaderValue::from_str(text.trim())
                    .map_err(|_| format!("--header {name}: not a valid header value"))?;
                headers.append(name, text);
            }
            "--cookie" => {
                let cookie = value()?;
                if !cookie.contains('=') {
                    return Err(format!("--cookie {cookie:?}: expected 'name=value'"));
                }
                cookies.push(cookie);
            }
            "--publishable-key" => {
                publishable_key =
                    Some(value()?.parse::<PublishableKey>().map_err(|e| format!("--publishable-key: {e}"))?);
            }
            "--url" => url = value()?,
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if !cookies.is_empty() {
        let cookie =
            HeaderValue::from_str(&cookies.join("; ")).map_err(|_| "--cookie: not a valid cookie value".to_owned())?;
        headers.append(http::header::COOKIE, cookie);
    }
    let mut options = AuthenticateOptions::networkless(key.ok_or_else(|| format!("--jwt-key is required\n{USAGE}"))?);
    if let Ok(clerk) = clerk_api::Clerk::from_env() {
        options = options.client(clerk);
    }
    for party in parties {
        options = options.authorized_party(party);
    }
    for audience in audiences {
        options = options.audience(audience);
    }
    if let Some(skew) = skew {
        options = options.clock_skew(skew);
    }
    if !accepts.is_empty() {
        options = options.accepts_token(accepts);
    }
    if let Some(key) = publishable_key {
        options = options.publishable_key(key);
    }
    Ok(Args { options, request: request(&url, headers)? })
}

/// A browser's GET of `url`: its path on the request line, its host in `Host`, its scheme in
/// `X-Forwarded-Proto` (as a server behind a proxy sees it).
fn request(url: &str, headers: HeaderMap) -> Result<http::Request<()>, String> {
    let uri: http::Uri = url.parse().map_err(|_| format!("--url {url:?}: not a URL"))?;
    let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.authority()) else {
        return Err(format!("--url {url:?}: not an absolute URL"));
    };
    let mut builder = http::Request::builder()
        .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header("host", host.as_str())
        .header("x-forwarded-proto", scheme);
    for (name, value) in &headers {
        builder = builder.header(name, value);
    }
    builder.body(()).map_err(|e| format!("--url {url:?}: {e}"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let state = match authenticate_request(&args.request, &args.options).await {
        Ok(state) => state,
        Err(error) => {
            eprintln!("no verdict: {error}");
            return ExitCode::from(3);
        }
    };
    let location = state.handshake().and_then(|handshake| handshake.location());
    let line = match &state {
        RequestState::SignedIn(auth) => verdict(
            true,
            None,
            Some(auth.token_type()),
            [auth.user_id(), auth.session_id(), auth.org_id(), Some(auth.subject())],
            state.status(),
            location,
        ),
        RequestState::SignedOut(out) => {
            verdict(false, Some(out.reason.as_str()), out.token_type, [None; 4], state.status(), location)
        }
        other => verdict(false, other.reason().map(|r| r.as_str()), None, [None; 4], state.status(), location),
    };
    println!("{line}");
    ExitCode::SUCCESS
}

/// The verdict as one JSON object, keys in the documented order; `ids` are the user, session,
/// organization and subject.
fn verdict(
    signed_in: bool,
    reason: Option<&str>,
    token_type: Option<TokenType>,
    ids: [Option<&str>; 4],
    status: &str,
    location: Option<&str>,
) -> String {
    let text = |value: Option<&str>| serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned());
    let [user_id, session_id, org_id, subject] = ids.map(text);
    format!(
        r#"{{"signed_in":{signed_in},"reason":{},"token_type":{},"user_id":{user_id},"session_id":{session_id},"org_id":{org_id},"subject":{subject},"status":{},"location":{}}}"#,
        text(reason),
        text(token_type.map(TokenType::as_str)),
        text(Some(status)),
        text(location),
    )
}
