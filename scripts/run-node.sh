#!/usr/bin/env bash
# Install what is missing, build, and run one ssu2d node (embedded default config unless -c FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec "${BUILD_DIR:-build}"/ssu2d "$@"
