#!/usr/bin/env bash
# Idempotent: installs the Debian packages ssu2d needs that are not installed yet.
set -euo pipefail
pkgs=(g++ cmake make pkg-config libcaf-dev libssl-dev libboost-test-dev
      libboost-program-options-dev nlohmann-json3-dev zlib1g-dev libspdlog-dev libcli11-dev
      libsystemd-dev i2pd python3 iproute2 procps lintian
      libcpp-httplib-dev  # the node's HTTP server (/metrics, /api, the console)
      chromium            # tests/integration/console_browser.py: the console in a real browser
      nftables  # tests/nat: the NAT router namespace (masquerade, stateful filter)
      clang-14 libclang-rt-14-dev llvm-14)  # fuzz build: libFuzzer + ASan/UBSan runtimes, symbolizer
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Debian's i2pd package may start a system daemon; tests run their own instances.
  if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now i2pd >/dev/null 2>&1 || true; fi
else
  echo "install-deps: all packages present"
fi
