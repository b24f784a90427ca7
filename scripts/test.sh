#!/usr/bin/env bash
# Install what is missing, build, and run the whole test suite through CTest.
# Arguments go to the main build's ctest (e.g. scripts/test.sh -L unit). Without arguments
# (the full run, as CI does) the hardened part follows: the fuzz targets in build-fuzz and
# the core unit tests under ASan + UBSan, in build-fuzz (scripts/test-hardened.sh). SSU2_HARDENED=1
# forces it with arguments too, SSU2_HARDENED=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
hardened=${SSU2_HARDENED:-$([ $# -eq 0 ] && echo 1 || echo 0)}
rc=0
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure --timeout 600 -j"$(nproc)" "$@") || rc=$?
if [ "$hardened" = 1 ]; then
  scripts/test-hardened.sh || rc=1
fi
exit $rc
