#!/bin/sh
# scripts/demo.sh -- the project's main job, shown on pipeline1
#
# Runs the acceptance pipeline (pipelines/pipeline1.json, byte-identical to
# the seed) against the bundled mock of the Azure Container Instance API on
# the virtual clock: four minutes of polling finish in milliseconds.
set -eu
bin=${1:-build/adfrun}
cd "$(dirname "$0")/.."
echo "== adfrun graph pipelines/pipeline1.json"
"$bin" graph pipelines/pipeline1.json --format text
echo
echo "== adfrun run pipelines/pipeline1.json --mock pipelines/pipeline1.mock.yaml --clock virtual"
"$bin" run pipelines/pipeline1.json --mock pipelines/pipeline1.mock.yaml --clock virtual
