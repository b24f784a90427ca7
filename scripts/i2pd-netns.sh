#!/usr/bin/env bash
# Run Debian's i2pd 2.45.1 as a test peer in a network namespace of our own.
#
# Why a namespace: i2pd 2.45.1 refuses SSU2 to and from every reserved IPv4 range, loopback
# included, whatever its `reservedrange` option says (SSU2.cpp calls the reserved-range check
# directly). Its reserved list leaves out 198.18.0.0/15 (RFC 2544's benchmarking range), so the
# test makes a namespace and a veth pair numbered from that range: the host side is
# 198.18.N.1 (where ssu2d binds), the namespace side 198.18.N.2 (where i2pd runs). No traffic
# leaves this machine.
#
#   scripts/i2pd-netns.sh up N            create namespace ssu2t-N and the veth pair
#   scripts/i2pd-netns.sh start N DATADIR PORT [ROUTERINFO ...]
#                                         start i2pd in ssu2t-N on 198.18.N.2:PORT with a fresh
#                                         DATADIR, after copying each ROUTERINFO into its netDb;
#                                         prints i2pd's PID once DATADIR/router.info exists
#   scripts/i2pd-netns.sh down N          kill what runs in the namespace, remove it
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cmd=$1; n=$2; shift 2
ns=ssu2t-$n
host_if=ssu2h$n
ns_if=ssu2n$n

case "$cmd" in
up)
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$host_if" 2>/dev/null || true
  ip netns add "$ns"
  ip link add "$host_if" type veth peer name "$ns_if"
  ip link set "$ns_if" netns "$ns"
  ip addr add "198.18.$n.1/24" dev "$host_if"
  ip link set "$host_if" up
  ip netns exec "$ns" ip addr add "198.18.$n.2/24" dev "$ns_if"
  ip netns exec "$ns" ip link set "$ns_if" up
  ip netns exec "$ns" ip link set lo up
  ;;
start)
  datadir=$1; port=$2; shift 2
  command -v i2pd >/dev/null || { echo "i2pd is not installed (scripts/install-deps.sh)" >&2; exit 1; }
  rm -rf "$datadir"; mkdir -p "$datadir/netDb"
  for ri in "$@"; do
    # i2pd files a RouterInfo as netDb/r<first char of its base64 hash>/routerInfo-<hash>.dat
    hash=$(python3 "$here/ri_hash.py" "$ri")
    mkdir -p "$datadir/netDb/r${hash:0:1}"
    cp "$ri" "$datadir/netDb/r${hash:0:1}/routerInfo-$hash.dat"
  done
  # Switch options (nat, reservedrange, daemon) cannot be set false on i2pd's command line.
  cat > "$datadir/i2pd.conf" <<CONF
host = 198.18.$n.2
port = $port
ipv4 = true
ipv6 = false
nat = false
reservedrange = false
daemon = false
netid = 2
loglevel = debug
log = file
logfile = $datadir/log
[ntcp2]
enabled = false
[ssu2]
enabled = true
published = true
port = $port
[http]
enabled = false
[httpproxy]
enabled = false
[socksproxy]
enabled = false
[sam]
enabled = false
[bob]
enabled = false
[i2cp]
enabled = false
[i2pcontrol]
enabled = false
[upnp]
enabled = false
[addressbook]
enabled = false
[reseed]
verify = false
urls = http://198.18.$n.2:1/
CONF
  : > "$datadir/tunnels.conf"
  ip netns exec "$ns" i2pd --datadir="$datadir" --conf="$datadir/i2pd.conf" \
    --tunconf="$datadir/tunnels.conf" </dev/null >"$datadir/stdout" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do
    [ -s "$datadir/router.info" ] && break
    kill -0 $pid 2>/dev/null || { echo "i2pd exited; see $datadir/stdout and $datadir/log" >&2; exit 1; }
    sleep 0.1
  done
  [ -s "$datadir/router.info" ] || { echo "i2pd wrote no router.info" >&2; kill $pid; exit 1; }
  echo $pid
  ;;
down)
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  ip link del "$host_if" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  ;;
*) echo "usage: $0 up|start|down N ..." >&2; exit 2 ;;
esac
