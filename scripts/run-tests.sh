#!/bin/sh
# scripts/run-tests.sh -- run every test of a build folder through ctest
#
# Prints ctest's summary and a final "N passed, N failed" line counted
# over all test programs; exits non-zero when anything failed.
set -u
dir=${1:-build-asan}
log="$dir/ctest.log"
# LeakSanitizer is on by default under ASan; keep reports readable.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$dir" && ctest --output-on-failure -j 2 --timeout 900) 2>&1 | tee "$log"
rc=$?
# ctest's own exit status is what counts; tee hides it, so re-read the log.
if grep -q "tests failed out of" "$log" || grep -q "No tests were found" "$log"; then
  rc=1
fi
passed=$(grep -Eo '^ *[0-9]+ passed, [0-9]+ failed' "$log" | awk '{p+=$1} END {print p+0}')
failed=$(grep -Eo '^ *[0-9]+ passed, [0-9]+ failed' "$log" | awk '{f+=$3} END {print f+0}')
echo "all test programs: $passed passed, $failed failed"
[ "$failed" -gt 0 ] && rc=1
exit $rc
