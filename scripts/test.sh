#!/usr/bin/env bash
# The whole suite on both cores (make test, .ci/run): the API fuzz (schemathesis, which
# collects its cases differently under pytest-xdist) runs in one process beside the rest,
# which runs on JOBS processes (pytest-xdist, one test file per process at a time).
# Arguments go to both runs (a file, -k, -x …); DATABASE_URL picks the database.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
log=$(mktemp)
$PY -m pytest -p no:cacheprovider -m fuzz "$@" >"$log" 2>&1 &
fuzz=$!
$PY -m pytest -p no:cacheprovider -n "${JOBS:-2}" --dist loadfile -m "not fuzz" "$@"
rest=$?
wait "$fuzz"
fuzzed=$?
echo "== the API fuzz (schemathesis), run beside the rest"
cat "$log"
rm -f "$log"
# 5 is "no test selected": fine for one of the two runs, not for both
if [ "$rest" = 5 ] && [ "$fuzzed" = 5 ]; then exit 5; fi
[ "$rest" = 5 ] && rest=0
[ "$fuzzed" = 5 ] && fuzzed=0
exit $((rest || fuzzed))
