#!/usr/bin/env bash
# Install what is missing, build, and run the whole test suite through CTest.
# Arguments go to the main build's ctest (e.g. scripts/test.sh -L unit). Without arguments
# (the full run, as CI does) the hardened part follows: the fuzz targets in build-fuzz and
# the core unit tests under ASan + UBSan, in build-fuzz (scripts/test-hardened.sh), whose
# build runs at nice 19 beside the main CTest run. SSU2_HARDENED=1
# forces it with arguments too, SSU2_HARDENED=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
hardened=${SSU2_HARDENED:-$([ $# -eq 0 ] && echo 1 || echo 0)}
rc=0
# The hardened tree is compiled at the lowest CPU priority while the main CTest run goes on:
# the interop tests spend minutes waiting on i2pd and timers, and nice 19 leaves the tests the
# CPU whenever they want it. Its output goes to a log shown only when that build fails.
fuzz_build=
if [ "$hardened" = 1 ]; then
  fuzz_log=$(mktemp /tmp/ssu2d-fuzz-build.XXXXXX)
  nice -n 19 scripts/test-hardened.sh fuzz-build >"$fuzz_log" 2>&1 &
  fuzz_build=$!
fi
# One test more than cores: the interop tests mostly wait on i2pd's timers, and the
# CPU-heavy tests hold the resource lock "cpu" (tests/integration/CMakeLists.txt), so at most
# one of those runs at a time whatever -j is.
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure --timeout 600 -j"$(( $(nproc) + 1 ))" "$@") || rc=$?
if [ "$hardened" = 1 ]; then
  if ! wait "$fuzz_build"; then cat "$fuzz_log"; rc=1; fi
  tail -n 1 "$fuzz_log"
  rm -f "$fuzz_log"
  scripts/test-hardened.sh || rc=1
fi
exit $rc
