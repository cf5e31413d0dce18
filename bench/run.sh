#!/usr/bin/env bash
# Load and footprint of the API against an axum hello-world baseline, in one run on one machine.
# Loopback only; every load is bounded in time. Server pinned to core 0, wrk to core 1 (taskset).
#
#   bash bench/run.sh                 # 64 connections for 10 s per target, then 200 connections for 60 s
#   DURATION=5s SOAK=20s bash bench/run.sh
#
# Needs wrk (Debian: apt-get install -y wrk) and a release build, which the script makes.
# Results print as Markdown for docs/performance.md; not a test, never run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
SOAK=${SOAK:-60s}
CONNECTIONS=${CONNECTIONS:-64}
SOAK_CONNECTIONS=${SOAK_CONNECTIONS:-200}
HELLO_PORT=${HELLO_PORT:-18081}
TAUT_PORT=${TAUT_PORT:-18082}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release -q -p taut --bin taut
cargo build --release -q -p taut-server --example hello
TAUT=target/release/taut
HELLO=target/release/examples/hello

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# Waits until URL answers 200; prints the milliseconds since START_NS.
wait_ready() {
  local url=$1 start=$2
  for _ in $(seq 1 2000); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then
      echo $(( ($(date +%s%N) - start) / 1000000 ))
      return 0
    fi
    sleep 0.005
  done
  echo "never ready: $url" >&2
  return 1
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# wrk summary -> "req/s p50 p99 errors"
load() {
  local connections=$1 duration=$2 url=$3; shift 3
  local out
  out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$connections" -d"$duration" --latency "$@" "$url")
  echo "$out" > "$work/last-wrk.txt"
  local rps p50 p99 errors non200
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Socket errors/ {gsub(",", ""); s=0; for (i=3;i<=NF;i+=2) s+=$(i+1); print s}')
  non200=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$rps $p50 $p99 $(( ${errors:-0} + ${non200:-0} ))"
}

echo "machine: $(nproc) cores, $(awk -F: '/model name/ {print $2; exit}' /proc/cpuinfo | xargs), $(uname -r)"
echo "taut binary: $(du -b "$TAUT" | cut -f1) bytes ($(du -h "$TAUT" | cut -f1))"

# Baseline: axum hello world.
start=$(date +%s%N)
taskset -c "$SERVER_CPU" "$HELLO" "127.0.0.1:$HELLO_PORT" > /dev/null &
pids+=($!)
hello_start=$(wait_ready "http://127.0.0.1:$HELLO_PORT/" "$start")
hello_rss=$(rss_mb "${pids[-1]}")
read -r h_rps h_p50 h_p99 h_err < <(load "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$HELLO_PORT/")

# The same hello world through Taut's connection handling (header timeout, connection cap).
taskset -c "$SERVER_CPU" "$HELLO" "127.0.0.1:$((HELLO_PORT + 2))" hardened > /dev/null &
pids+=($!)
wait_ready "http://127.0.0.1:$((HELLO_PORT + 2))/" "$(date +%s%N)" > /dev/null
read -r k_rps k_p50 k_p99 k_err < <(load "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$((HELLO_PORT + 2))/")
kill "${pids[-1]}"

# Taut over SQLite with the demo data; the token is the last line of the demo banner.
db="sqlite://$work/bench.db"
export TAUT_AUDIT_KEY_FILE="$work/audit.key"
"$TAUT" audit keygen --out "$TAUT_AUDIT_KEY_FILE" > /dev/null
"$TAUT" demo --database "$db" > "$work/demo.txt"
token=$(tail -1 "$work/demo.txt")
start=$(date +%s%N)
taskset -c "$SERVER_CPU" "$TAUT" serve --listen "127.0.0.1:$TAUT_PORT" --database "$db" > /dev/null &
pids+=($!)
taut_pid=${pids[-1]}
taut_start=$(wait_ready "http://127.0.0.1:$TAUT_PORT/healthz" "$start")
taut_rss=$(rss_mb "$taut_pid")
read -r z_rps z_p50 z_p99 z_err < <(load "$CONNECTIONS" "$DURATION" "http://127.0.0.1:$TAUT_PORT/healthz")
read -r d_rps d_p50 d_p99 d_err < <(TAUT_TOKEN=$token load "$CONNECTIONS" "$DURATION" \
  "http://127.0.0.1:$TAUT_PORT/api/v1/differential" -s bench/differential.lua)
read -r s_rps s_p50 s_p99 s_err < <(TAUT_TOKEN=$token load "$SOAK_CONNECTIONS" "$SOAK" \
  "http://127.0.0.1:$TAUT_PORT/api/v1/differential" -s bench/differential.lua)
taut_rss_after=$(rss_mb "$taut_pid")

# The ceiling: the hello world reading the same request and answering the differential's own bytes, with no
# authentication and no work. No implementation of the differential can be faster than this on this machine.
body=$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" bench/differential.lua)
curl -fsS -o "$work/answer.json" -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
  -d "$body" "http://127.0.0.1:$TAUT_PORT/api/v1/differential"
answer_bytes=$(du -b "$work/answer.json" | cut -f1)
HELLO_ANSWER="$work/answer.json" taskset -c "$SERVER_CPU" "$HELLO" "127.0.0.1:$((HELLO_PORT + 4))" > /dev/null &
pids+=($!)
wait_ready "http://127.0.0.1:$((HELLO_PORT + 4))/" "$(date +%s%N)" > /dev/null
read -r c_rps c_p50 c_p99 c_err < <(TAUT_TOKEN=$token load "$CONNECTIONS" "$DURATION" \
  "http://127.0.0.1:$((HELLO_PORT + 4))/answer" -s bench/differential.lua)
kill "${pids[-1]}"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.0f %%", 100 * a / b}'; }
echo
echo "| target | connections | duration | req/s | vs hello | p50 | p99 | errors |"
echo "|---|---|---|---|---|---|---|---|"
echo "| hello world (axum::serve) | $CONNECTIONS | $DURATION | $h_rps | 100 % | $h_p50 | $h_p99 | $h_err |"
echo "| hello world (taut_server::serve_router) | $CONNECTIONS | $DURATION | $k_rps | $(ratio "$k_rps" "$h_rps") | $k_p50 | $k_p99 | $k_err |"
echo "| GET /healthz (SQLite ping) | $CONNECTIONS | $DURATION | $z_rps | $(ratio "$z_rps" "$h_rps") | $z_p50 | $z_p99 | $z_err |"
echo "| hello world answering the differential's $answer_bytes bytes (no work) | $CONNECTIONS | $DURATION | $c_rps | $(ratio "$c_rps" "$h_rps") | $c_p50 | $c_p99 | $c_err |"
echo "| POST /api/v1/differential | $CONNECTIONS | $DURATION | $d_rps | $(ratio "$d_rps" "$h_rps") | $d_p50 | $d_p99 | $d_err |"
echo "| POST /api/v1/differential (soak) | $SOAK_CONNECTIONS | $SOAK | $s_rps | $(ratio "$s_rps" "$h_rps") | $s_p50 | $s_p99 | $s_err |"
echo
echo "differential against the no-work ceiling: $(ratio "$d_rps" "$c_rps"); the ceiling against the hello world: $(ratio "$c_rps" "$h_rps")"
echo
echo "| footprint | hello | taut serve |"
echo "|---|---|---|"
echo "| start to first 200 (ms) | $hello_start | $taut_start |"
echo "| idle RSS (MB) | $hello_rss | $taut_rss |"
echo "| RSS after the soak (MB) | | $taut_rss_after |"
