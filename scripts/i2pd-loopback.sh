#!/usr/bin/env bash
# Start Debian's i2pd on loopback for interop tests, in a fresh data directory:
# NTCP2 off, SSU2 on, no reseed (it points reseeding at a closed loopback port), no client
# services, reserved ranges allowed so that 127.0.0.x peers are accepted.
#   scripts/i2pd-loopback.sh DATADIR PORT [ROUTERINFO_FILE ...]
# Each ROUTERINFO_FILE is copied into i2pd's netDb before it starts (so that i2pd connects to
# that router by itself). Prints i2pd's PID; its log is DATADIR/log, its RouterInfo
# DATADIR/router.info (waited for before this script returns).
set -euo pipefail
datadir=$1; port=$2; shift 2
command -v i2pd >/dev/null || { echo "i2pd is not installed (scripts/install-deps.sh)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$datadir/netDb"
: > "$datadir/i2pd.conf"; : > "$datadir/tunnels.conf"
for ri in "$@"; do
  # i2pd files a RouterInfo as netDb/r<first char>/routerInfo-<base64 hash>.dat
  hash=$(python3 "$here/ri_hash.py" "$ri")
  mkdir -p "$datadir/netDb/r${hash:0:1}"
  cp "$ri" "$datadir/netDb/r${hash:0:1}/routerInfo-$hash.dat"
done
i2pd --datadir="$datadir" --conf="$datadir/i2pd.conf" --tunconf="$datadir/tunnels.conf" \
  --host=127.0.0.1 --address4=127.0.0.1 --port="$port" --ipv4 --nat=false \
  --ntcp2.enabled=false --ssu2.enabled=true --ssu2.published=true --ssu2.port="$port" \
  --reservedrange=false --netid=2 \
  --http.enabled=false --httpproxy.enabled=false --socksproxy.enabled=false --sam.enabled=false \
  --i2cp.enabled=false --bob.enabled=false --i2pcontrol.enabled=false --upnp.enabled=false \
  --addressbook.enabled=false \
  --reseed.urls=http://127.0.0.1:1/ --reseed.verify=false \
  --loglevel=debug --log=file --logfile="$datadir/log" --daemon=false </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  [ -s "$datadir/router.info" ] && break
  kill -0 $pid 2>/dev/null || { echo "i2pd exited; see $datadir/log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$datadir/router.info" ] || { echo "i2pd wrote no router.info" >&2; kill $pid; exit 1; }
echo $pid
