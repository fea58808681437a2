#!/bin/sh
# tests/sigint.sh -- Ctrl-C cancels a run: report Cancelled, exit 1
#
# Runs a pipeline whose Wait lasts 60 s on the real clock, sends SIGINT
# after half a second, and checks that adfrun stops at once, exits 1 and
# writes a report whose pipeline and running activity are Cancelled and
# whose downstream activity never ran.
set -u
bin=${1:?usage: sigint.sh ADFRUN}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
check() {
  if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}
cat > "$dir/p.json" <<'JSON'
{"name": "slow", "properties": {"activities": [
  {"name": "Long", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 60}},
  {"name": "After", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1},
   "dependsOn": [{"activity": "Long", "dependencyConditions": ["Succeeded"]}]}]}}
JSON
start=$(date +%s)
"$bin" run "$dir/p.json" --report "$dir/report.json" --quiet 2>"$dir/err" &
pid=$!
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
took=$(($(date +%s) - start))
check "exit status 1 after Ctrl-C (got $rc)" '[ "$rc" -eq 1 ]'
check "stopped at once (took ${took}s)" '[ "$took" -lt 10 ]'
check "report written" '[ -s "$dir/report.json" ]'
check "pipeline Cancelled" 'grep -q "\"status\":\"Cancelled\"" "$dir/report.json" || grep -q "\"status\": \"Cancelled\"" "$dir/report.json"'
command -v python3 >/dev/null 2>&1 &&
  check "Long is Cancelled" 'python3 -c "import json,sys; r=json.load(open(sys.argv[1])); a={x[\"activityName\"]:x[\"status\"] for x in r[\"activityRuns\"]}; sys.exit(0 if r[\"status\"]==\"Cancelled\" and a.get(\"Long\")==\"Cancelled\" and a.get(\"After\") in (None, \"Skipped\", \"Cancelled\") else 1)" "$dir/report.json"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
