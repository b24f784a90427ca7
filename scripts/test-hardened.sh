#!/usr/bin/env bash
# The hardened part of the test run (scripts/test.sh calls it after the main build's CTest):
#   fuzz (default): build-fuzz, the sans-IO core built once by clang-14 with ASan + UBSan (and
#               libFuzzer coverage): `ctest -L fuzz` fuzzes each target of tests/fuzz for
#               SSU2_FUZZ_SECONDS (20) from its committed seed corpus, then `ctest -L unit` runs
#               the core's unit tests (crypto_ i2p_ wire_ handshake_ session_ nat_) once under
#               the same sanitizers. Any crash or sanitizer report fails.
#   asan (on request): build-asan, everything (core, actors, node_* tests; CAF) built by gcc
#               with ASan + UBSan, `ctest -L unit` once. SSU2_ASAN_SCOPE=core limits it to the
#               core (-DSSU2_CORE_ONLY=ON). Much longer; not part of the CI run.
#   fuzz-build: only configure and build build-fuzz (scripts/test.sh runs it at low priority
#               beside the main CTest run, whose interop tests leave the CPU mostly idle).
# Usage: scripts/test-hardened.sh [fuzz] [asan]   (default: fuzz). Exit status: non-zero if
# any part failed (all requested parts run regardless).
set -uo pipefail
cd "$(dirname "$0")/.."
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(fuzz)
jobs=$(nproc)
rc=0
for part in "${parts[@]}"; do
  start=$(date +%s)
  case "$part" in
    fuzz-build | fuzz)
      dir=${BUILD_FUZZ_DIR:-build-fuzz}
      if cmake -S . -B "$dir" -DSSU2_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 \
             -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DSSU2_FUZZ_SECONDS="${SSU2_FUZZ_SECONDS:-20}" >/dev/null &&
         cmake --build "$dir" -j"$jobs"; then :; else rc=1; continue; fi
      [ "$part" = fuzz-build ] && { echo "test-hardened: $part took $(( $(date +%s) - start )) s"; continue; }
      if (cd "$dir" && ctest -L fuzz --output-on-failure -j"$jobs" &&
            ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
            UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
            ctest -L unit --output-on-failure --timeout 900 -j"$jobs"); then :; else rc=1; fi
      ;;
    asan)
      dir=${BUILD_ASAN_DIR:-build-asan}
      # -O1 -g1: the usual sanitizer build (faster to compile than -O2 -g, line tables are
      # enough for symbolized reports); NDEBUG as in the main build.
      scope=${SSU2_ASAN_SCOPE:-all}
      core_only=ON
      [ "$scope" = all ] && core_only=OFF
      if cmake -S . -B "$dir" -DSSU2_SANITIZE=ON -DSSU2_CORE_ONLY=$core_only \
             -DCMAKE_BUILD_TYPE=RelWithDebInfo \
             -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" >/dev/null &&
         cmake --build "$dir" -j"$jobs" &&
         (cd "$dir" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
            UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
            ctest -L unit --output-on-failure --timeout 900); then :; else rc=1; fi
      ;;
    *) echo "test-hardened: unknown part '$part' (fuzz, fuzz-build, asan)"; exit 2 ;;
  esac
  echo "test-hardened: $part took $(( $(date +%s) - start )) s"
done
exit $rc
