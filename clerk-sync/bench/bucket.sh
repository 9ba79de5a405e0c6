#!/usr/bin/env bash
# `run --db parquet:DIR` against `run --db parquet:s3://...` into moto's S3 server (in memory,
# loopback): the same users from the same fake Clerk, alternating, each round into a new folder
# and a new prefix, then a rerun of each with nothing changed (in the bucket: the state fetched,
# every file and the state put back). Prints wall time and clerk-sync's peak RSS (moto runs in
# its own process).
#
#   pip install -r clerk-sync/tests/requirements.txt   # moto[server], into the venv below
#   cargo build --release -p clerk-sync -p fake-clerk
#   clerk-sync/bench/bucket.sh [ROUNDS] [USERS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
users="${2:-100000}"
target="${CARGO_TARGET_DIR:-target}/release"
venv="${CLERK_SYNC_PYTHON_ENV:-$HOME/.cache/clerk-sync-python}"
fake_port=18788
moto_port=18789
work="$(mktemp -d /tmp/clerk-sync-bucket-bench.XXXXXX)"
"$target/fake-clerk" --port "$fake_port" --users "$users" --organizations 100 >"$work/fake.log" 2>&1 &
fake=$!
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto=$!
trap 'kill $fake $moto 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$work/fake.log" && curl -s -o /dev/null "http://127.0.0.1:$moto_port" && break; sleep 0.2; done
curl -s -X PUT -o /dev/null "http://127.0.0.1:$moto_port/bench"
export CLERK_SECRET_KEY=sk_test_benchmark AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 \
    AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ALLOW_HTTP=true
. clerk-sync/bench/measure.sh
for round in $(seq "$rounds"); do
    echo "round $round ($users users, pages of 500)"
    measure folder "$target/clerk-sync" run --quiet --resources users --base-url "http://127.0.0.1:$fake_port" --db "parquet:$work/folder-$round"
    measure s3 "$target/clerk-sync" run --quiet --resources users --base-url "http://127.0.0.1:$fake_port" --db "parquet:s3://bench/round-$round"
    measure folder-rerun "$target/clerk-sync" run --quiet --resources users --base-url "http://127.0.0.1:$fake_port" --db "parquet:$work/folder-$round"
    measure s3-rerun "$target/clerk-sync" run --quiet --resources users --base-url "http://127.0.0.1:$fake_port" --db "parquet:s3://bench/round-$round"
done
grep -E "^(users|written)" "$work/s3.out" || true
du -sh "$work/folder-$rounds" | sed 's/^/folder size: /'
