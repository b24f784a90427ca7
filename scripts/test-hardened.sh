#!/usr/bin/env bash
# The hardened part of the test run (scripts/test.sh calls it after the main build's CTest):
#   build-fuzz: the sans-IO core and the libFuzzer targets of tests/fuzz, clang-14 with
#               ASan + UBSan; `ctest -L fuzz` fuzzes each target for SSU2_FUZZ_SECONDS (20)
#               from its committed seed corpus and fails on any crash / sanitizer report.
#   build-asan: everything built with ASan + UBSan (gcc), `ctest -L unit` runs the unit tests
#               once under the sanitizers.
# Usage: scripts/test-hardened.sh [fuzz] [asan]   (default: both). Exit status: non-zero if
# either part failed (both parts run regardless).
set -uo pipefail
cd "$(dirname "$0")/.."
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(fuzz asan)
jobs=$(nproc)
rc=0
for part in "${parts[@]}"; do
  start=$(date +%s)
  case "$part" in
    fuzz)
      dir=${BUILD_FUZZ_DIR:-build-fuzz}
      if cmake -S . -B "$dir" -DSSU2_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 \
             -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSU2_FUZZ_SECONDS="${SSU2_FUZZ_SECONDS:-20}" >/dev/null &&
         cmake --build "$dir" -j"$jobs" &&
         (cd "$dir" && ctest -L fuzz --output-on-failure); then :; else rc=1; fi
      ;;
    asan)
      dir=${BUILD_ASAN_DIR:-build-asan}
      if cmake -S . -B "$dir" -DSSU2_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
         cmake --build "$dir" -j"$jobs" &&
         (cd "$dir" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
            UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
            ctest -L unit --output-on-failure --timeout 900); then :; else rc=1; fi
      ;;
    *) echo "test-hardened: unknown part '$part' (fuzz, asan)"; exit 2 ;;
  esac
  echo "test-hardened: $part took $(( $(date +%s) - start )) s"
done
exit $rc
