#!/usr/bin/env bash
# run_fuzz.sh TARGET SEED_CORPUS WORK_DIR SECONDS
# Fuzzes TARGET for SECONDS starting from the committed SEED_CORPUS (read only) plus what
# earlier runs left in WORK_DIR/corpus; exits non-zero on any crash / sanitizer report / leak /
# timeout / OOM (libFuzzer's own exit code). The crashing input is kept in WORK_DIR/artifacts.
set -euo pipefail
target=$1 seeds=$2 work=$3 seconds=$4
mkdir -p "$work/corpus" "$work/artifacts"
[ -d "$seeds" ] || { echo "run_fuzz: no seed corpus $seeds"; exit 1; }
n=$(find "$seeds" -type f | wc -l)
[ "$n" -gt 0 ] || { echo "run_fuzz: seed corpus $seeds is empty"; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
  "$work/corpus" "$seeds"
