#!/bin/sh
# scripts/run-tests.sh -- run every test of a build folder through ctest
#
# Prints ctest's summary, then one line per test program with its own
# "N passed, N failed" count and a grand total; exits with ctest's status
# (non-zero when anything failed).
set -u
dir=${1:-build-asan}
# LeakSanitizer is on by default under ASan; keep reports readable.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$dir" && ctest --output-on-failure -j 2 --timeout 900)
rc=$?
# Every test program ends with "N passed, N failed"; ctest keeps each
# program's output in LastTest.log.
log="$dir/Testing/Temporary/LastTest.log"
if [ -f "$log" ]; then
  grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" |
    awk '{p += $1; f += $3} END {printf "total: %d passed, %d failed\n", p, f}'
fi
exit $rc
