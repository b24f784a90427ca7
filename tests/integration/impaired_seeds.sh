#!/bin/sh
# Runs tests/integration/impaired_link.py with N different proxy seeds in a row and reports
# pass/fail per seed (issue 15 failed only for some seeds). Not part of the ctest run: CI
# keeps the one default seed. Each run takes about two minutes.
#
#   tests/integration/impaired_seeds.sh BUILD_DIR N [LOSS]
#
# BUILD_DIR needs a full build (ssu2d and udp_impair_proxy). LOSS is the drop probability
# (default 0.05). Seeds are 1..N. The output of a failed run is kept in
# BUILD_DIR/impaired_seed_<S>.log. Exits non-zero if any seed failed.
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR N [LOSS]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) || { echo "no build dir $1" >&2; exit 2; }
n=$2
loss=${3:-0.05}
here=$(cd "$(dirname "$0")" && pwd)
failed=0
s=1
while [ "$s" -le "$n" ]; do
  log="$build/impaired_seed_$s.log"
  if (cd "$here" && python3 impaired_link.py "$build" --seed "$s" --loss "$loss") >"$log" 2>&1; then
    echo "seed $s: pass"
    rm -f "$log"
  else
    echo "seed $s: FAIL (see $log)"
    failed=$((failed + 1))
  fi
  s=$((s + 1))
done
echo "$((n - failed)) passed, $failed failed (loss $loss)"
[ "$failed" -eq 0 ]
