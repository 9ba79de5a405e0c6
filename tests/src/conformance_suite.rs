//! The conformance run shared by the Backend API's and the Frontend API's clients: every
//! operation of a pinned spec against Prism, in three modes:
//! - static: Prism validates each request against the spec (a 4xx with a validation report
//!   fails the run) and answers with the spec's examples, which must decode;
//! - dynamic: random schema-valid responses under five seeds, which must all decode;
//! - errors: each declared 4xx with a `ClerkErrors` body, forced with `Prefer: code=N`, must
//!   come back as an API error with that status and the parsed errors.
//!
//! What cannot pass because of a Prism limitation is in the suite's allow-list, with the reason;
//! an allow-listed operation that passes fails the run, so the list cannot go stale.

use crate::conformance::{allowlist_at, Args, Failure, Prism};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

const SEEDS: [u64; 5] = [1, 2, 3, 4, 5];
const IN_FLIGHT: usize = 6;

/// A call of one operation by its id, through a generated client's dispatch table.
pub type Call<C> = for<'a> fn(&'a C, &str, &'a Args) -> Pin<Box<dyn Future<Output = Result<(), Failure>> + Send + 'a>>;

/// Makes a client for `base_url` (with a `Prefer` header to force an answer) to call an
/// operation (by its id) with.
pub type MakeClient<C> = Box<dyn Fn(&str, Option<String>, &str) -> C + Send + Sync>;

/// What a run covers and how it reaches the client.
pub struct Suite<C> {
    /// The pinned spec, such as `bapi/2026-05-12.yml`.
    pub spec: &'static str,
    /// The allow-list, from the repository root.
    pub allowlist: &'static str,
    /// A client for `base_url` (with a `Prefer` header to force an answer), for `operation_id`.
    pub client: MakeClient<C>,
    pub call: Call<C>,
}

impl<C> std::fmt::Debug for Suite<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Suite").field("spec", &self.spec).field("allowlist", &self.allowlist).finish_non_exhaustive()
    }
}

/// One call to make and what to expect of it.
struct Case<C> {
    operation_id: String,
    mode: &'static str,
    client: C,
    args: Args,
    /// For error cases: the status that must come back.
    expect_status: Option<u16>,
}

async fn run_case<C>(case: &Case<C>, call: Call<C>) -> Result<(), String> {
    let result = call(&case.client, &case.operation_id, &case.args).await;
    match (case.expect_status, result) {
        (None, Ok(())) => Ok(()),
        (None, Err(failure)) => Err(failure.to_string()),
        (Some(status), Err(Failure::Clerk(clerk_api::Error::Api(api))))
            if api.status == status && !api.errors.is_empty() =>
        {
            Ok(())
        }
        (Some(status), Err(failure)) => {
            Err(format!("expected an API error with status {status} and parsed errors, got: {failure}"))
        }
        (Some(status), Ok(())) => Err(format!("expected status {status}, got a success")),
    }
}

/// Runs the suite; panics with every problem (a failure not allow-listed, an allow-listed
/// operation that passes). Prints a table per group and one summary line per mode.
pub async fn run<C: Clone + Send + Sync + 'static>(suite: Suite<C>) {
    let started = Instant::now();
    let spec_path = crate::workspace_root().join("spec/cache").join(suite.spec);
    let spec = crate::read_spec(suite.spec).unwrap();
    let document = codegen::load(&spec).unwrap();
    let api = codegen::normalize(&document).unwrap();
    let samples: HashMap<String, Args> =
        codegen::samples::operation_arguments(&document).unwrap().into_iter().map(|(id, a)| (id, a.into())).collect();
    let allowed = allowlist_at(suite.allowlist).unwrap();

    // Prism takes seconds to load a spec: start all six servers at once.
    let starts: Vec<_> = std::iter::once(None)
        .chain(SEEDS.map(Some))
        .map(|seed| {
            let path = spec_path.clone();
            std::thread::spawn(move || Prism::start(&path, seed))
        })
        .collect();
    let servers: Vec<Prism> = starts
        .into_iter()
        .map(|t| t.join().expect("start thread").unwrap_or_else(|e| panic!("Prism could not start: {e}")))
        .collect();
    println!("Prism started in {:.1?} (1 static, {} dynamic) for {}", started.elapsed(), SEEDS.len(), suite.spec);

    let operations: Vec<(&str, &codegen::model::Operation)> =
        api.groups.iter().flat_map(|g| g.operations.iter().map(move |op| (g.name.as_str(), op))).collect();
    let mut cases = Vec::new();
    for (_, op) in &operations {
        let id = op.operation_id.as_str();
        let args = samples.get(id).cloned().unwrap_or_default();
        let case = |mode, client, expect_status| Case {
            operation_id: id.to_owned(),
            mode,
            client,
            args: args.clone(),
            expect_status,
        };
        cases.push(case("static", (suite.client)(&servers[0].base_url, None, id), None));
        if op.response.is_some() {
            for server in &servers[1..] {
                cases.push(case("dynamic", (suite.client)(&server.base_url, None, id), None));
            }
        }
        for error in
            op.errors.iter().filter(|e| (400..500).contains(&e.status) && e.schema.as_deref() == Some("ClerkErrors"))
        {
            let forced = (suite.client)(&servers[0].base_url, Some(format!("code={}", error.status)), id);
            cases.push(case("errors", forced, Some(error.status)));
        }
    }

    // Run with a bounded number of requests in flight.
    let semaphore = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    let call = suite.call;
    for case in cases {
        let permit = Arc::clone(&semaphore).acquire_owned().await.expect("semaphore");
        tasks.spawn(async move {
            let outcome = run_case(&case, call).await;
            drop(permit);
            (case.operation_id, case.mode, outcome)
        });
    }
    // Per mode, per operation: the first failure message, if any.
    let mut results: BTreeMap<&'static str, BTreeMap<String, Option<String>>> = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (id, mode, outcome) = joined.expect("task");
        let slot = results.entry(mode).or_default().entry(id).or_insert(None);
        if let (None, Err(message)) = (&slot, outcome) {
            *slot = Some(message);
        }
    }
    drop(servers);

    let group_of: HashMap<&str, &str> = operations.iter().map(|(g, op)| (op.operation_id.as_str(), *g)).collect();
    let is_allowed = |id: &str, mode: &str, message: &str| allowed.iter().find(|a| a.allows(id, mode, message));
    let mut patterns_used = std::collections::HashSet::new();

    // The table: per group, passed / total in each mode.
    let mut table: BTreeMap<&str, [(usize, usize); 3]> = BTreeMap::new();
    let modes = ["static", "dynamic", "errors"];
    for (m, mode) in modes.iter().enumerate() {
        for (id, failure) in results.get(mode).into_iter().flatten() {
            let cell = &mut table.entry(group_of[id.as_str()]).or_default()[m];
            cell.1 += 1;
            cell.0 += usize::from(failure.is_none());
        }
    }
    println!("\n{:<28} {:>9} {:>9} {:>9}", "group", "static", "dynamic", "errors");
    for (group, cells) in &table {
        let show = |(p, t): (usize, usize)| if t == 0 { "-".to_owned() } else { format!("{p}/{t}") };
        println!("{group:<28} {:>9} {:>9} {:>9}", show(cells[0]), show(cells[1]), show(cells[2]));
    }

    let mut problems = Vec::new();
    let mut summary = Vec::new();
    for mode in modes {
        let outcomes = results.get(mode).cloned().unwrap_or_default();
        let total = outcomes.len();
        let passed = outcomes.values().filter(|f| f.is_none()).count();
        let mut allow_listed = 0;
        for (id, failure) in &outcomes {
            let allowed_line = match failure {
                Some(message) => is_allowed(id, mode, message),
                None => allowed.iter().find(|a| a.pattern.is_none() && a.allows(id, mode, "")),
            };
            match (failure, allowed_line) {
                (Some(message), Some(allowed)) => {
                    allow_listed += 1;
                    if let Some(pattern) = &allowed.pattern {
                        patterns_used.insert((mode, pattern.clone()));
                    }
                    // A Prism rendering problem of static mode must not hide a client bug: the
                    // operation has to pass in dynamic mode, where Prism renders the schema (or
                    // fail there for a reason of its own, allow-listed for dynamic mode too).
                    let dynamic = results.get("dynamic").and_then(|d| d.get(id)).cloned().flatten();
                    if mode == "static" && dynamic.is_some_and(|message| is_allowed(id, "dynamic", &message).is_none())
                    {
                        problems.push(format!("static {id} is allow-listed but fails in dynamic mode too"));
                    }
                    println!(
                        "allow-listed {mode} {id}: {} (fails with: {})",
                        allowed.reason,
                        message.chars().take(300).collect::<String>()
                    );
                }
                (Some(message), None) => {
                    problems.push(format!("{mode} {id} ({} {}): {message}", group_of[id.as_str()], id))
                }
                (None, Some(_)) => {
                    problems.push(format!("{mode} {id} is allow-listed but passes: remove it from {}", suite.allowlist))
                }
                (None, None) => {}
            }
        }
        summary.push(format!("conformance {mode}: {passed}/{total} operations passed ({allow_listed} allow-listed)"));
    }
    for line in allowed.iter().filter(|a| a.pattern.is_some()) {
        let pattern = line.pattern.clone().unwrap_or_default();
        if !patterns_used.contains(&(line.mode.as_str(), pattern.clone())) {
            problems.push(format!("the allow-list's `* {} \"{pattern}\"` matches no failure: remove it", line.mode));
        }
    }
    println!("\n{} problems; run took {:.1?}", problems.len(), started.elapsed());
    for problem in &problems {
        println!("FAIL {problem}");
    }
    for line in &summary {
        println!("{} {line}", suite.spec);
    }
    assert!(problems.is_empty(), "{} conformance problems:\n{}", problems.len(), problems.join("\n"));
}
