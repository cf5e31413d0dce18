#!/usr/bin/env bash
# Server-rendered page times: demo server, sign in, time each main page (curl time_total, median of 20).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p taut >/dev/null
bin=target/release/taut
dir=$(mktemp -d); export TAUT_AUDIT_KEY_FILE=$dir/key
$bin audit keygen --out $dir/key >/dev/null
port=28123
$bin serve --demo --database sqlite://$dir/demo.db --listen 127.0.0.1:$port > $dir/out 2>&1 &
pid=$!; trap 'kill $pid' EXIT
for _ in $(seq 100); do grep -q "taut serving on" $dir/out && break; sleep 0.2; done
pw=$(grep -o 'password: [^ ]*' $dir/out | head -1 | cut -d' ' -f2)
base=http://127.0.0.1:$port
curl -s -c $dir/jar -o /dev/null -H "Origin: $base" --data-urlencode "username=demo-clinician" --data-urlencode "password=$pw" $base/signin
pid1=$(curl -s -b $dir/jar $base/patients | grep -o 'href="/patients/[0-9a-f-]*"' | head -1 | cut -d'"' -f2)
for path in /patients $pid1 /atlas/trapezius /map /checkins; do
  times=$(for i in $(seq 20); do curl -s -b $dir/jar -o /dev/null -w '%{time_total}\n' "$base$path"; done | sort -n)
  code=$(curl -s -b $dir/jar -o /dev/null -w '%{http_code}' "$base$path")
  echo "$path $code median $(echo "$times" | sed -n 10p) s max $(echo "$times" | tail -1) s"
done
