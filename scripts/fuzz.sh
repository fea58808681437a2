#!/bin/sh
# scripts/fuzz.sh -- run every libFuzzer target for a bounded time
#
# Each target first replays its tests/fuzz/regressions/<name>-* inputs
# (crash inputs kept as regression tests), then fuzzes for SECONDS with its seed corpus copied
# into a scratch folder (the checked-in corpus is never modified).
set -eu
dir=$1
secs=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  short=${name#fuzz_}
  work=$(mktemp -d)
  if [ -d "$root/tests/fuzz/corpus_$short" ]; then
    cp -r "$root/tests/fuzz/corpus_$short/." "$work/"
  fi
  if [ "$short" = expr ]; then
    # Seeds for the expression fuzzer: every template of the test files.
    cat "$root"/tests/expr/*.test | grep -E '^@|@\{' | sort -u |
      awk -v d="$work" '{ f = sprintf("%s/seed-%05d", d, NR); printf "%s", $0 > f; close(f) }'
  fi
  dict=""
  [ -f "$root/tests/fuzz/$short.dict" ] && dict="-dict=$root/tests/fuzz/$short.dict"
  # This target's crash inputs (regressions/<short>-*) replay first.
  for r in "$root"/tests/fuzz/regressions/"$short"-*; do
    [ -f "$r" ] || continue
    "$bin" "$r" >/dev/null 2>&1 || { echo "$name: regression input $r fails"; status=1; }
  done
  t=$secs
  # A target may ask for a multiple of the base time (tests/fuzz/<x>.scale).
  if [ -f "$root/tests/fuzz/$short.scale" ]; then
    t=$((secs * $(cat "$root/tests/fuzz/$short.scale")))
  fi
  echo "fuzzing $name for ${t}s"
  # shellcheck disable=SC2086
  if ! "$bin" $dict -max_total_time="$t" -rss_limit_mb=2048 -print_final_stats=1 "$work" >"$work.log" 2>&1; then
    echo "$name: crash found"; tail -40 "$work.log"; status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$work.log" | tail -2
  fi
  rm -rf "$work" "$work.log"
done
exit $status
