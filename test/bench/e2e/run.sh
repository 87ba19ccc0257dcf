#!/bin/bash
# `vpscope analyze` end to end, as a user runs it, base against branch in the same minutes:
#   test/bench/e2e/run.sh BASE_DIR BRANCH_DIR ROUNDS FILE... > runs.txt; node test/bench/e2e/summary.mjs runs.txt
# BASE_DIR / BRANCH_DIR: built trees (dist/cli.js), e.g. a `git archive` copy of the base with a
# node_modules symlink and `npm run build`. Per file and round, interleaved: the floor
# (floor.mjs: the trace bench's byte scan, in its own node process), then `analyze FILE` and
# `analyze FILE --json` of base and branch, stdout to /dev/null; /usr/bin/time gives user and
# system CPU seconds and the peak RSS (KB). Generated inputs: test/bench/e2e/gen.mjs.
BASE=$1; BRANCH=$2; ROUNDS=$3; shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
for f in "$@"; do
  for r in $(seq "$ROUNDS"); do
    /usr/bin/time -f "$(basename "$f") floor %U %S %M" node "$HERE/floor.mjs" "$f" >/dev/null
    for m in text json; do a=; [ $m = json ] && a=--json
      /usr/bin/time -f "$(basename "$f") base-$m %U %S %M" node "$BASE/dist/cli.js" analyze "$f" $a >/dev/null
      /usr/bin/time -f "$(basename "$f") branch-$m %U %S %M" node "$BRANCH/dist/cli.js" analyze "$f" $a >/dev/null
    done
  done
done 2>&1 | grep -E ' (floor|base-|branch-)'
echo "load: $(cat /proc/loadavg)"
