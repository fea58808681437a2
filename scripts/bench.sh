#!/bin/sh
# scripts/bench.sh -- run every benchmark program of a release build
#
# Benchmarks print their own figures; nothing here asserts a time.
set -u
dir=${1:-build-bench}
status=0
for b in "$dir"/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || status=1
done
exit $status
