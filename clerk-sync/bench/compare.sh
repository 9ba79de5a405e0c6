#!/usr/bin/env bash
# clerk-sync against dlt (REST API source -> DuckDB), loading the same 100,000 users from the
# same fake Clerk, alternating, each into a new database. Prints wall time and peak RSS.
#
#   python3 -m venv /tmp/dltenv && /tmp/dltenv/bin/pip install "dlt[duckdb]"
#   cargo build --release -p clerk-sync && cargo build --release -p fake-clerk
#   clerk-sync/bench/compare.sh [ROUNDS] [USERS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
users="${2:-100000}"
target="${CARGO_TARGET_DIR:-target}/release"
python="${DLT_PYTHON:-/tmp/dltenv/bin/python}"
port=18787
work="$(mktemp -d /tmp/clerk-sync-bench.XXXXXX)"
"$target/fake-clerk" --port "$port" --users "$users" --organizations 100 >"$work/fake.log" 2>&1 &
fake=$!
trap 'kill $fake 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q listening "$work/fake.log" && break; sleep 0.2; done
export CLERK_SECRET_KEY=sk_test_benchmark
. clerk-sync/bench/measure.sh
for round in $(seq "$rounds"); do
    echo "round $round ($users users, pages of 500)"
    rm -rf "$work"/*.duckdb "$work/dlt"
    measure clerk-sync "$target/clerk-sync" run --quiet --resources users --base-url "http://127.0.0.1:$port" --db "$work/clerk-sync.duckdb"
    DLT_PIPELINES_DIR="$work/dlt" measure dlt "$python" clerk-sync/bench/dlt_users.py "http://127.0.0.1:$port" "$work/dlt.duckdb"
done
grep -E "^users " "$work/clerk-sync.out" || true
