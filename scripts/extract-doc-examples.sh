#!/bin/sh
# scripts/extract-doc-examples.sh -- docs/functions.md examples -> tests/expr/doc-examples.test
#
# Every line "    @expr  =>  result[  with  {context}]" of docs/functions.md becomes one
# test group; a result "!CODE message" becomes a %%FAIL group.  The output is committed;
# tests/unit/test_builtins.c fails when it is out of date.  Usage (from the repository root):
#   sh scripts/extract-doc-examples.sh [docs/functions.md] > tests/expr/doc-examples.test
set -eu
doc=${1:-docs/functions.md}
awk '
BEGIN {
  print "# tests/expr/doc-examples.test -- GENERATED from docs/functions.md by"
  print "# scripts/extract-doc-examples.sh: edit the docs and rerun, never this file."
}
/^## / { section = substr($0, 4); next }
/^    @/ {
  line = substr($0, 5)
  i = index(line, "  =>  ")
  if (i == 0) next
  expr = substr(line, 1, i - 1)
  rest = substr(line, i + 6)
  ctx = "{}"
  j = index(rest, "  with  ")
  if (j > 0) { ctx = substr(rest, j + 8); rest = substr(rest, 1, j - 1) }
  if (section != last) { print ""; print "# ## " section; last = section }
  print ""
  if (substr(rest, 1, 1) == "!") {
    k = index(rest, " ")
    print "%%FAIL " substr(rest, 2, k - 2)
    rest = substr(rest, k + 1)
  }
  print expr
  print ctx
  print rest
}
' "$doc"
