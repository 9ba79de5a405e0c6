//! Request routing and the list semantics.

use super::data::Record;
use super::{Fault, State};
use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::{Request, Response};
use std::sync::Arc;

type Body = BoxBody<Bytes, std::io::Error>;

fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

fn json(status: u16, body: Bytes) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    response
}

fn clerk_error(status: u16, code: &str, message: &str) -> Response<Body> {
    let body = serde_json::json!({"errors": [{"code": code, "message": message, "long_message": message, "meta": {}}], "clerk_trace_id": format!("fake_trace_{status}")});
    json(status, Bytes::from(body.to_string()))
}

/// Parsed list parameters.
#[derive(Default)]
struct ListQuery {
    limit: Option<String>,
    offset: Option<String>,
    order_by: Option<String>,
    starting_after: Option<String>,
    created_at_after: Option<String>,
}

fn parse_query(query: Option<&str>) -> ListQuery {
    let mut out = ListQuery::default();
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let value = Some(value.into_owned());
        match key.as_ref() {
            "limit" => out.limit = value,
            "offset" => out.offset = value,
            "order_by" => out.order_by = value,
            "starting_after" => out.starting_after = value,
            "created_at_after" => out.created_at_after = value,
            _ => {}
        }
    }
    out
}

/// A collection in ascending `created_at` order, as a list sees it.
struct Listing<'a> {
    len: usize,
    get: &'a dyn Fn(usize) -> &'a Record,
    /// Ascending position of an id (for cursors).
    position: &'a dyn Fn(&str) -> Option<usize>,
    name_field: &'a str,
    /// Positions in ascending `updated_at` order.
    by_update: &'a dyn Fn() -> Arc<Vec<usize>>,
    cursor: bool,
    wrapped: bool,
}

/// One page of a collection, or a 422 message. `created_at` orderings are served without
/// sorting or copying the collection, so a page costs the same wherever it sits.
fn page(listing: Listing<'_>, query: &ListQuery) -> Result<Bytes, String> {
    let limit: usize =
        query.limit.as_deref().map_or(Ok(10), str::parse).map_err(|_| "limit must be an integer".to_owned())?;
    if !(1..=500).contains(&limit) {
        return Err("limit must be between 1 and 500".into());
    }
    let offset: usize = query
        .offset
        .as_deref()
        .map_or(Ok(0), str::parse)
        .map_err(|_| "offset must be a non-negative integer".to_owned())?;
    let order = query.order_by.as_deref().unwrap_or("-created_at");
    let (descending, field) = match order.strip_prefix('-') {
        Some(field) => (true, field),
        None => (false, order.trim_start_matches('+')),
    };
    // `created_at_after` keeps the records created strictly after it: a suffix in ascending order.
    let after: Option<i64> = query
        .created_at_after
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|_| "created_at_after must be an integer".to_owned())?;
    let skipped = match after {
        Some(after) => {
            let (mut lo, mut hi) = (0, listing.len);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if (listing.get)(mid).created_at > after {
                    hi = mid
                } else {
                    lo = mid + 1
                }
            }
            lo
        }
        None => 0,
    };
    let total = listing.len - skipped;
    // Positions in the requested order, mapped to ascending created_at positions.
    let by_name: Option<Arc<Vec<usize>>> = match field {
        "created_at" => None,
        _ if skipped > 0 => return Err("created_at_after needs a created_at ordering here".into()),
        // Like a database ordering by a column that is not unique, the order of objects sharing
        // an `updated_at` may differ from one request to the next.
        "updated_at" => Some(shuffle_ties((listing.by_update)(), |i| (listing.get)(i))),
        f if f == listing.name_field => {
            let mut order: Vec<usize> = (0..total).collect();
            order.sort_by(|&a, &b| (listing.get)(a).name.cmp(&(listing.get)(b).name).then(a.cmp(&b)));
            Some(Arc::new(order))
        }
        other => return Err(format!("order_by: unsupported field `{other}`")),
    };
    let nth = |i: usize| -> usize {
        let i = if descending { total - 1 - i } else { i };
        by_name.as_ref().map_or(i + skipped, |order| order[i])
    };
    let start = match &query.starting_after {
        Some(_) if !listing.cursor => return Err("starting_after is not supported here".into()),
        Some(_) if field != "created_at" => return Err("starting_after requires ordering by created_at".into()),
        Some(_) if offset > 0 => return Err("starting_after cannot be combined with a non-zero offset".into()),
        Some(cursor) => {
            let ascending = (listing.position)(cursor).ok_or_else(|| format!("starting_after: no record {cursor}"))?;
            let ascending =
                ascending.checked_sub(skipped).ok_or("starting_after: the record is not after created_at_after")?;
            (if descending { total - 1 - ascending } else { ascending }) + 1
        }
        None => offset,
    };
    let end = (start + limit).min(total);
    let chosen: Vec<&Record> = (start.min(total)..end).map(|i| (listing.get)(nth(i))).collect();
    let size: usize = chosen.iter().map(|r| r.json.len() + 1).sum();
    let mut body = Vec::with_capacity(size + 48);
    if listing.wrapped {
        body.extend_from_slice(b"{\"data\":");
    }
    body.push(b'[');
    for (i, record) in chosen.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&record.json);
    }
    body.push(b']');
    if listing.wrapped {
        body.extend_from_slice(format!(",\"total_count\":{total}}}").as_bytes());
    }
    Ok(Bytes::from(body))
}

/// `order` (positions by ascending `updated_at`) with each run of equal `updated_at` in an order
/// of its own for this request.
fn shuffle_ties<'a>(order: Arc<Vec<usize>>, get: impl Fn(usize) -> &'a Record) -> Arc<Vec<usize>> {
    static REQUESTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let request = REQUESTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tied = order.windows(2).any(|pair| get(pair[0]).updated_at == get(pair[1]).updated_at);
    if !tied {
        return order;
    }
    let mut rng = fastrand::Rng::with_seed(request);
    let mut shuffled = order.as_ref().clone();
    let mut start = 0;
    while start < shuffled.len() {
        let at = get(shuffled[start]).updated_at;
        let end = start + shuffled[start..].iter().take_while(|&&i| get(i).updated_at == at).count();
        rng.shuffle(&mut shuffled[start..end]);
        start = end;
    }
    Arc::new(shuffled)
}

/// Lists a plain collection.
fn list(records: &[Record], name_field: &str, wrapped: bool, query: &ListQuery) -> Result<Bytes, (u16, String)> {
    let get = |i: usize| &records[i];
    let position = |id: &str| records.iter().position(|r| r.id == id);
    let by_update = || {
        let mut order: Vec<usize> = (0..records.len()).collect();
        order.sort_by(|&a, &b| (records[a].updated_at, &records[a].id).cmp(&(records[b].updated_at, &records[b].id)));
        Arc::new(order)
    };
    page(
        Listing {
            len: records.len(),
            get: &get,
            position: &position,
            name_field,
            by_update: &by_update,
            cursor: false,
            wrapped,
        },
        query,
    )
    .map_err(|m| (422, m))
}

/// A response that sends half its body, then breaks the connection.
fn broken(body: Bytes) -> Response<Body> {
    let half = body.slice(..body.len() / 2);
    let frames = futures_util::stream::iter([
        Ok(Frame::data(half)),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: connection reset mid-response")),
    ]);
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(frames)));
    response.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/json"));
    response.headers_mut().insert("content-length", hyper::header::HeaderValue::from(body.len()));
    response
}

pub(super) async fn handle(state: &State, request: Request<hyper::body::Incoming>) -> Response<Body> {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let key = format!("{method} {path}");
    let nth = {
        let mut counts = state.counts.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(key.clone()).or_insert(0);
        *count += 1;
        *count
    };
    let due: Vec<super::Change> = {
        let mut scheduled = state.scheduled.lock().unwrap_or_else(|e| e.into_inner());
        let (now, later): (Vec<_>, Vec<_>) = scheduled.drain(..).partition(|s| s.request == key && s.nth == nth);
        *scheduled = later;
        now.into_iter().flat_map(|s| s.changes).collect()
    };
    if !due.is_empty() {
        let mut store = state.store.write().unwrap_or_else(|e| e.into_inner());
        for change in due {
            store.apply(change);
        }
    }

    let fault = state.faults.next();
    match &fault {
        Some(Fault::Status { status, retry_after, retry_after_ms }) => {
            let mut response = clerk_error(*status, "fault_injected", "injected fault");
            if let Some(value) = retry_after.as_deref().and_then(|v| hyper::header::HeaderValue::from_str(v).ok()) {
                response.headers_mut().insert("retry-after", value);
            }
            if let Some(ms) = retry_after_ms {
                response.headers_mut().insert("retry-after-ms", hyper::header::HeaderValue::from(*ms));
            }
            return response;
        }
        Some(Fault::Delay(delay)) => tokio::time::sleep(*delay).await,
        _ => {}
    }
    #[cfg(feature = "frontend")]
    if super::native::serves(&path) {
        let (parts, body) = request.into_parts();
        // A body that breaks off is read as empty: the handler then answers as Clerk does to a
        // form missing its fields.
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let reply = super::native::handle(state, &method, &path, parts.uri.query(), &parts.headers, &body);
        return match fault {
            Some(Fault::ResetMidResponse) => broken(Bytes::from(reply.body)),
            _ => reply_response(reply),
        };
    }
    let authorized = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer ") && v.len() > 7);
    #[cfg(feature = "frontend")]
    if let Some(reply) = frontend(state, &method, &path, request.uri().query(), authorized) {
        return reply;
    }
    if !authorized {
        return clerk_error(401, "authentication_invalid", "missing or invalid bearer token");
    }
    let query = parse_query(request.uri().query());
    let response = route(state, &method, &path, &query);
    match (fault, response) {
        (Some(Fault::ResetMidResponse), Ok(body)) => broken(body),
        (_, Ok(body)) => json(200, body),
        (_, Err((status, message))) => {
            clerk_error(status, if status == 404 { "resource_not_found" } else { "form_param_invalid" }, &message)
        }
    }
}

fn route(state: &State, method: &str, path: &str, query: &ListQuery) -> Result<Bytes, (u16, String)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if method == "POST" && segments == ["users"] {
        let mut store = state.store.write().unwrap_or_else(|e| e.into_inner());
        let n = store.next_user_number();
        return Ok(store.push_user(n).json.clone());
    }
    if method != "GET" {
        return Err((404, format!("no route {method} {path}")));
    }
    let store = state.store.read().unwrap_or_else(|e| e.into_inner());
    match segments.as_slice() {
        ["users"] => {
            let get = |i: usize| &store.users[i];
            let position = |id: &str| store.user_index.get(id).copied();
            let by_update = || store.users_by_update();
            let listing = Listing {
                len: store.users.len(),
                get: &get,
                position: &position,
                name_field: "first_name",
                by_update: &by_update,
                cursor: true,
                wrapped: false,
            };
            page(listing, query).map_err(|m| (422, m))
        }
        ["users", "count"] => {
            Ok(Bytes::from(format!("{{\"object\":\"total_count\",\"total_count\":{}}}", store.users.len())))
        }
        ["users", id] => {
            store.user_index.get(*id).map(|&i| store.users[i].json.clone()).ok_or((404, format!("no user {id}")))
        }
        ["organizations"] => list(&store.organizations, "name", true, query),
        ["organizations", id, "memberships"] => {
            let indexes = store.memberships_by_organization.get(*id).ok_or((404, format!("no organization {id}")))?;
            let records: Vec<Record> = indexes.iter().map(|&i| store.memberships[i].clone()).collect();
            list(&records, "first_name", true, query)
        }
        ["organization_memberships"] => list(&store.memberships, "first_name", true, query),
        ["invitations"] => list(&store.invitations, "email_address", false, query),
        ["sessions"] => list(&store.sessions, "user_id", false, query),
        ["clients"] => list(&store.clients, "id", false, query),
        _ => match store.lists.get(path.trim_matches('/')) {
            Some((wrapped, records)) => list(records, "id", *wrapped, query),
            None => Err((404, format!("no route GET {path}"))),
        },
    }
}

/// The handshake routes (feature `frontend`): the Frontend API's needs no secret key, the
/// Backend API's do.
#[cfg(feature = "frontend")]
fn frontend(state: &State, method: &str, path: &str, query: Option<&str>, authorized: bool) -> Option<Response<Body>> {
    let query: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    let reply = match (method, path) {
        ("GET", "/v1/client/handshake") => state.frontend.handshake(&query),
        ("GET", "/clients/handshake_payload" | "/jwks") if !authorized => return None,
        ("GET", "/clients/handshake_payload") => state.frontend.payload(&query),
        ("GET", "/jwks") => state.frontend.jwks(),
        _ => return None,
    };
    Some(reply_response(reply))
}

/// A [`frontend::Reply`](super::frontend::Reply) (handshake or native Frontend API) as a response.
#[cfg(feature = "frontend")]
fn reply_response(reply: super::frontend::Reply) -> Response<Body> {
    let mut response = json(reply.status, Bytes::from(reply.body));
    for (name, value) in reply.headers {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            response.headers_mut().append(name, value);
        }
    }
    response
}
