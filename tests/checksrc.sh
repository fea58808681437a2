#!/bin/sh
# tests/checksrc.sh -- house rules that a compiler cannot check
#
# Include direction (expr/ includes only expr/; interp/ never includes
# activities/ except main.c), banned functions, and the file header
# ("/*" then " * <path> -- <purpose>") on every .c/.h file.
set -u
cd "$(dirname "$0")/.."
fail=0
pass=0
bad() { echo "checksrc: $*"; fail=$((fail + 1)); }

out=$(grep -rn '#include "\(interp\|activities\)/' expr/ 2>/dev/null)
[ -n "$out" ] && bad "expr/ includes an upper layer:
$out" || pass=$((pass + 1))
out=$(grep -rln '#include "activities/' interp/ 2>/dev/null | grep -v '^interp/main.c$')
[ -n "$out" ] && bad "interp/ includes activities/: $out" || pass=$((pass + 1))

files=$(git ls-files '*.c' '*.h' 2>/dev/null)
[ -z "$files" ] && files=$(find expr interp activities tests bench -name '*.[ch]')
for f in $files; do
  if grep -nE '(^|[^_a-zA-Z0-9])(sprintf|vsprintf|strcpy|strcat|strncat|gets|strtok)[[:space:]]*\(' "$f" \
     | grep -v 'snprintf\|vsnprintf' >/tmp/checksrc.$$ 2>/dev/null; then
    bad "$f uses a banned function: $(head -1 /tmp/checksrc.$$)"
  else
    pass=$((pass + 1))
  fi
  head2=$(sed -n 1,2p "$f")
  case "$head2" in
    "/* $f -- "* | "/*
 * $f -- "*) pass=$((pass + 1)) ;;
    *) bad "$f: must open with '/*' and ' * $f -- <purpose>'" ;;
  esac
done
rm -f /tmp/checksrc.$$
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
