//! Verifies one webhook delivery and prints the verdict as one JSON line, so that verdicts can
//! be checked from outside Rust.
//!
//! ```text
//! cargo run -p clerk-api --example verify_webhook -- --secret whsec_... [--tolerance-secs N] \
//!     [--now UNIX_SECS] --header 'name: value'... --body-file FILE
//! ```
//!
//! Prints `{"valid": bool, "event_type": string|null, "error": string|null}` and exits 0 either
//! way; `error` is the reason's code (`no-matching-signature`, `expired`, ...,
//! `WebhookError::code`). Exits 2 for bad arguments.

use clerk_api::webhooks::{Webhook, WebhookError};
use http::{HeaderMap, HeaderName, HeaderValue};
use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: verify_webhook --secret whsec_... [--tolerance-secs N] [--now UNIX_SECS] --header 'name: value'... --body-file FILE";

struct Args {
    secret: String,
    tolerance: Option<Duration>,
    now: Option<i64>,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut secret, mut tolerance, mut now, mut body) = (None, None, None, None);
    let mut headers = HeaderMap::new();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--secret" => secret = Some(value()?),
            "--tolerance-secs" => {
                let text = value()?;
                tolerance = Some(Duration::from_secs(
                    text.parse().map_err(|_| format!("--tolerance-secs: {text:?} is not a number of seconds"))?,
                ));
            }
            "--now" => {
                let text = value()?;
                now = Some(text.parse().map_err(|_| format!("--now: {text:?} is not a Unix time in seconds"))?);
            }
            "--header" => {
                let header = value()?;
                let (name, text) =
                    header.split_once(':').ok_or_else(|| format!("--header {header:?}: expected 'name: value'"))?;
                let name = HeaderName::from_bytes(name.trim().as_bytes())
                    .map_err(|_| format!("--header: {:?} is not a header name", name.trim()))?;
                let text = HeaderValue::from_str(text.trim())
                    .map_err(|_| format!("--header {name}: not a valid header value"))?;
                headers.append(name, text);
            }
            "--body-file" => {
                let path = value()?;
                body = Some(std::fs::read(&path).map_err(|e| format!("--body-file {path}: {e}"))?);
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Args {
        secret: secret.ok_or_else(|| format!("--secret is required\n{USAGE}"))?,
        tolerance,
        now,
        headers,
        body: body.ok_or_else(|| format!("--body-file is required\n{USAGE}"))?,
    })
}

fn verdict(args: &Args) -> Result<Option<String>, WebhookError> {
    let mut webhook = Webhook::new(&args.secret)?;
    if let Some(tolerance) = args.tolerance {
        webhook = webhook.with_tolerance(tolerance);
    }
    let verified = match args.now {
        Some(now) => webhook.verify_signature_at(&args.headers, &args.body, now)?,
        None => webhook.verify_signature(&args.headers, &args.body)?,
    };
    Ok(verified.event_type())
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let text = |value: Option<&str>| serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned());
    let line = match verdict(&args) {
        Ok(event_type) => format!(r#"{{"valid":true,"event_type":{},"error":null}}"#, text(event_type.as_deref())),
        Err(error) => format!(r#"{{"valid":false,"event_type":null,"error":{}}}"#, text(Some(error.code()))),
    };
    println!("{line}");
    ExitCode::SUCCESS
}
