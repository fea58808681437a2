#!/bin/sh
# tests/live_view.sh -- the live view of `adfrun run` on a real terminal
#
# Runs adfrun inside a detached tmux pane (its own tmux server socket),
# captures the screen when the run is over and checks that every activity
# shows on exactly one line with its final status, that no line is left
# InProgress and that the summary follows the block; then checks that a
# non-terminal stderr still gets the plain event lines.  Never asserts
# times.  Usage: tests/live_view.sh PATH/TO/adfrun.  Skips (and passes)
# when tmux is missing.
set -u
ADFRUN=${1:?usage: tests/live_view.sh PATH/TO/adfrun}
case $ADFRUN in /*) ;; *) ADFRUN=$(pwd)/$ADFRUN ;; esac
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "live_view: $*"; fail=$((fail + 1)); }

if ! command -v tmux >/dev/null 2>&1; then
  echo "skipped: tmux is not installed (scripts/install-deps.sh installs it)"
  echo "0 passed, 0 failed"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/adfrun-live.XXXXXX")
sock="adfrun-live-$$"
cleanup() {
  tmux -L "$sock" kill-server >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Real clock with short waits so the block is redrawn while things run;
# a sequential ForEach (children indented, one line each), a Skipped
# activity, a failing one with a retry, a container that never starts.
cat >"$tmp/live.json" <<'EOF'
{"name": "live", "properties": {
  "variables": {"acc": {"type": "Array"}},
  "activities": [
    {"name": "Start", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 1}},
    {"name": "Loop", "type": "ForEach",
     "dependsOn": [{"activity": "Start", "dependencyConditions": ["Succeeded"]}],
     "typeProperties": {"isSequential": true,
       "items": {"value": "@createArray(1, 2, 3)", "type": "Expression"},
       "activities": [
         {"name": "Step", "type": "Wait", "typeProperties": {"waitTimeInSeconds": 0}},
         {"name": "Collect", "type": "AppendVariable",
          "dependsOn": [{"activity": "Step", "dependencyConditions": ["Succeeded"]}],
          "typeProperties": {"variableName": "acc", "value": "@item()"}}]}},
    {"name": "OnStartFailure", "type": "Wait",
     "dependsOn": [{"activity": "Start", "dependencyConditions": ["Failed"]}],
     "typeProperties": {"waitTimeInSeconds": 1}},
    {"name": "Boom", "type": "Fail",
     "dependsOn": [{"activity": "Loop", "dependencyConditions": ["Succeeded"]}],
     "typeProperties": {"message": "it broke", "errorCode": "42"}}
  ]}}
EOF

cat >"$tmp/mock.yaml" <<'EOF'
activities:
  Step: {output: {}, duration: 0.3}
EOF

# The pane runs the command, then writes its exit status to a marker file.
tmux -L "$sock" -f /dev/null new-session -d -s live -x 120 -y 40 \
  "cd '$tmp' && TERM=xterm LC_ALL=C '$ADFRUN' run live.json --mock mock.yaml --seed 7; echo \$? >'$tmp/rc'; sleep 60"
i=0
while [ ! -s "$tmp/rc" ] && [ $i -lt 600 ]; do
  sleep 0.1
  i=$((i + 1))
done
if [ ! -s "$tmp/rc" ]; then
  bad "adfrun did not finish within 60 s"
  echo "$pass passed, $fail failed"
  exit 1
fi
tmux -L "$sock" capture-pane -p -J -t live >"$tmp/screen"
rc=$(cat "$tmp/rc")
[ "$rc" = 1 ] && ok || bad "exit status $rc, expected 1 (Boom fails the run)"

# each activity exactly once, with its final status word
check_line() { # NAME STATUS
  n=$(grep -cE "^. $2 +($3)?$1( |\$)" "$tmp/screen")
  [ "$n" = 1 ] && ok || bad "expected one '$2 ... $1' line, got $n"
  n=$(grep -cE "^. [A-Za-z]+ +( )*$1( |\$)" "$tmp/screen")
  [ "$n" = 1 ] && ok || bad "activity '$1' shows on $n lines, expected 1"
}
check_line Start Succeeded ""
check_line Loop Succeeded ""
check_line "Step #3" Succeeded "  "
check_line "Collect #3" Succeeded "  "
check_line OnStartFailure Skipped ""
check_line Boom Failed ""
grep -q "InProgress" "$tmp/screen" && bad "a line was left InProgress" || ok
grep -qE "^Failed: pipeline 'live' in .*\(8 succeeded, 1 failed, 1 skipped, 0 cancelled\)" \
  "$tmp/screen" && ok || bad "no summary line"
# the summary comes after the block
last_act=$(grep -nE "^. [A-Za-z]+ +" "$tmp/screen" | tail -1 | cut -d: -f1)
sum=$(grep -n "^Failed: pipeline" "$tmp/screen" | cut -d: -f1)
[ -n "$sum" ] && [ -n "$last_act" ] && [ "$sum" -gt "$last_act" ] && ok ||
  bad "summary is not below the block"
grep -q "run pipeline 'live' run " "$tmp/screen" && ok || bad "no run header line"
if [ $fail -gt 0 ]; then
  echo "---- captured screen ----"
  cat "$tmp/screen"
fi

# Not a terminal: the plain event lines, unchanged.
(cd "$tmp" && "$ADFRUN" run live.json --mock mock.yaml --clock virtual --seed 7 2>plain >/dev/null)
grep -qE '^  started +Start$' "$tmp/plain" && ok || bad "plain mode: no 'started Start' line"
grep -qE '^  Succeeded +Step #3  ' "$tmp/plain" && ok || bad "plain mode: no 'Succeeded Step #3' line"
grep -q "$(printf '\033')" "$tmp/plain" && bad "plain mode printed escape codes" || ok

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
