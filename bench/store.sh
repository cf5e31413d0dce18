#!/usr/bin/env bash
# The store at clinic scale, on loopback only and bounded in time: seeds N demo patients, then measures at
# 64 connections the /healthz baseline, the timeline read (one patient's, then 200 patients' in turn) and patient
# search in the same run.
#   bash bench/store.sh sqlite 100000
#   bash bench/store.sh postgres 100000       # PostgreSQL at 127.0.0.1:5432, database test, a fresh schema
#   SERVE_FLAGS="--sqlite-synchronous normal" bash bench/store.sh sqlite 100000
#   ROUNDS=5 bash bench/store.sh sqlite 100000   # /healthz and the timeline five times in turn, with the median ratio
#   DATABASE=postgres://postgres@127.0.0.1:5432/bench1m AUDIT_KEY=/path/key bash bench/store.sh postgres 1000000
#       (measures a database seeded earlier with `taut demo --patients N`, which takes minutes at a million)
#   BIN=/tmp/taut-before DATABASE=… AUDIT_KEY=… bash bench/store.sh sqlite   # another build, same database
# Server on core 0, wrk on core 1 (2-core machine). Prints the numbers docs/performance.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${1:-sqlite}; patients=${2:-100000}; seconds=${SECONDS_PER_RUN:-10}
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
# BIN=path measures another build of taut (say, the one before a change) in the same session.
bin=${BIN:-target/release/taut}
[ -n "${BIN:-}" ] || cargo build --release -p taut >/dev/null
work=$(mktemp -d)
export TAUT_AUDIT_KEY_FILE=${AUDIT_KEY:-$work/audit.key}
[ -n "${AUDIT_KEY:-}" ] || $bin audit keygen --out "$TAUT_AUDIT_KEY_FILE" >/dev/null
schema=
case ${DATABASE:+given}$engine in
  given*) db=$DATABASE ;;
  sqlite) db="sqlite://$work/bench.db" ;;
  postgres)
    schema="bench_$$"
    psql -h 127.0.0.1 -U postgres -d test -qc "SET client_min_messages = warning; DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema"
    db="postgres://postgres@127.0.0.1:5432/test?options=-c%20search_path%3D$schema" ;;
  *) echo "engine: sqlite or postgres" >&2; exit 2 ;;
esac
if [ -n "${DATABASE:-}" ]; then
  token=$($bin token create --username demo-clinician --database "$db" | tail -1)
else
  start=$(date +%s.%N)
  token=$($bin demo --patients "$patients" --database "$db" 2>/dev/null | tail -1)
  end=$(date +%s.%N)
  echo "demo --patients $patients on $engine: $(echo "$end - $start" | bc) s"
fi
port=$((20000 + RANDOM % 20000))
taskset -c 0 $bin serve --listen 127.0.0.1:$port --database "$db" --db-pool-size 16 ${SERVE_FLAGS:-} >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
auth="Authorization: Bearer $token"
# The timeline read is that of a typical patient: the demo's histories are random, so the first patient's may be
# twice another's. Of the first 51 patients by name, the one whose timeline is the median size.
# The first 200 patients by name go to $work/ids for the run over many patients' timelines.
id=$(BASE="http://127.0.0.1:$port/api/v1" AUTH="$auth" IDS="$work/ids" python3 -c '
import json, os, urllib.request
def get(path):
    request = urllib.request.Request(os.environ["BASE"] + path, headers={"Authorization": os.environ["AUTH"].split(": ", 1)[1]})
    return urllib.request.urlopen(request).read()
ids = [p["id"] for p in json.loads(get("/patients?limit=200"))["items"]]
open(os.environ["IDS"], "w").write("\n".join(ids) + "\n")
sizes = sorted((len(get(f"/patients/{i}/timeline")), i) for i in ids[:51])
print(sizes[len(sizes) // 2][1])')
echo "timeline of patient $id: $(curl -sf -H "$auth" "http://127.0.0.1:$port/api/v1/patients/$id/timeline" | wc -c) bytes (median of the first 51)"
run() { taskset -c 1 wrk -t1 -c"${CONNECTIONS:-64}" -d"${seconds}s" --latency -H "$auth" "$@" | grep -E "Requests/sec|99%|Non-2xx|Socket errors"; }
# The timeline against /healthz, ROUNDS times in turn (default 1): one run's ratio moves by several points with
# the machine, so several rounds give each round's ratio and their median.
rate() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
ratios=()
for round in $(seq "${ROUNDS:-1}"); do
  echo "== /healthz (round $round)";                    healthz=$(run "http://127.0.0.1:$port/healthz"); echo "$healthz"
  echo "== GET /patients/{id}/timeline (round $round)"; timeline=$(run "http://127.0.0.1:$port/api/v1/patients/$id/timeline"); echo "$timeline"
  ratios+=("$(echo "scale=1; 100 * $(rate "$timeline") / $(rate "$healthz")" | bc)")
  echo "   timeline / healthz: ${ratios[-1]} %"
done
echo "== timeline / healthz, median of ${#ratios[@]}: $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}') %"
# Many patients' timelines in turn: reads of different courses share batches too.
echo "== GET /patients/{id}/timeline, 200 different patients"; IDS="$work/ids" run -s bench/timelines.lua "http://127.0.0.1:$port"
echo "== GET /patients?q=… (search)";  run -s bench/search.lua "http://127.0.0.1:$port"
# A front desk: four clinicians searching at once, so that latency is the search's own, not a queue's.
echo "== GET /patients?q=… (search, 4 connections)"; CONNECTIONS=4 run -s bench/search.lua "http://127.0.0.1:$port"
$bin audit verify --database "$db" | tail -1
if [ -n "$schema" ]; then
  psql -h 127.0.0.1 -U postgres -d test -qc "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE"
fi
