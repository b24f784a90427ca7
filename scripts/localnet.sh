#!/usr/bin/env bash
# A local network of N ssu2d nodes on distinct loopback addresses (PREFIX.1 .. PREFIX.N),
# each with its own data directory, all knowing each other's RouterInfo.
#
#   scripts/localnet.sh start N BASEDIR   create (or reuse) BASEDIR/nodeI, start every node;
#                                         fails (and stops the others) if one does not come up
#   scripts/localnet.sh stop BASEDIR      SIGTERM every node, SIGKILL after 10 s
#   scripts/localnet.sh status BASEDIR    ssu2ctl status of every node
#   scripts/localnet.sh ctl BASEDIR I ARGS...   ssu2ctl against node I
#
# Environment: LOCALNET_PREFIX (default 127.0.1), LOCALNET_PORT (SSU2 port of every node,
# default 12345; the control port is LOCALNET_PORT + 1), LOCALNET_LOG_LEVEL (default info),
# BUILD_DIR (binaries, default ./build; build them first with scripts/build.sh).
# Node I: SSU2 on PREFIX.I:PORT, control on PREFIX.I:PORT+1 (kept in BASEDIR/nodeI/control),
# log BASEDIR/nodeI/log.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BUILD_DIR:-$root/build}
[ -x "$bin/ssu2d" ] || bin=$root/$bin
ssu2d=$bin/ssu2d
ssu2ctl=$bin/ssu2ctl
prefix=${LOCALNET_PREFIX:-127.0.1}
port=${LOCALNET_PORT:-12345}

usage() {
  echo "usage: $0 start N BASEDIR | stop BASEDIR | status BASEDIR | ctl BASEDIR I ARGS..." >&2
  exit 2
}
need() { [ "$1" -ge "$2" ] || usage; }  # argument count, minimum

case "$port" in ''|*[!0-9]*) echo "LOCALNET_PORT must be a number 1..65534" >&2; exit 2 ;; esac
[ "$port" -ge 1 ] && [ "$port" -le 65534 ] || { echo "LOCALNET_PORT must be 1..65534" >&2; exit 2; }

control_of() {  # BASEDIR I
  if [ -f "$1/node$2/control" ]; then cat "$1/node$2/control"; else echo "$prefix.$2:$((port + 1))"; fi
}

write_config() {  # I N BASEDIR
  local i=$1 n=$2 base=$3 peers="" j
  for j in $(seq 1 "$n"); do
    [ "$j" = "$i" ] && continue
    peers+="${peers:+, }\"$base/node$j/router.info\""
  done
  cat > "$base/node$i/config.json" <<JSON
{
  "data_dir": "$base/node$i",
  "ssu2": { "host": "$prefix.$i", "port": $port },
  "peers": { "router_infos": [ $peers ] },
  "control": { "host": "$prefix.$i", "port": $((port + 1)) },
  "log": { "level": "${LOCALNET_LOG_LEVEL:-info}" }
}
JSON
  echo "$prefix.$i:$((port + 1))" > "$base/node$i/control"
}

stop_all() {  # BASEDIR
  local p pid
  for p in "$1"/node*/pid; do [ -f "$p" ] && kill -TERM "$(cat "$p")" 2>/dev/null || true; done
  for p in "$1"/node*/pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$p"
  done
}

cmd=${1:-}; shift || true
case "$cmd" in
start)
  need $# 2
  n=$1
  case "$n" in ''|*[!0-9]*|0) echo "N must be a positive number" >&2; exit 2 ;; esac
  [ "$n" -le 254 ] || { echo "N must be at most 254" >&2; exit 2; }
  base=$(mkdir -p "$2" && cd "$2" && pwd)
  for i in $(seq 1 "$n"); do
    mkdir -p "$base/node$i"
    write_config "$i" "$n" "$base"
    # Keys and router.info first, so every node can list every other one as a peer.
    "$ssu2d" --config "$base/node$i/config.json" --init > "$base/node$i/hash"
  done
  for i in $(seq 1 "$n"); do
    "$ssu2d" --config "$base/node$i/config.json" >"$base/node$i/log" 2>&1 &
    echo $! > "$base/node$i/pid"
  done
  # Wait (bounded) until every control endpoint answers; a node that died or stays silent
  # fails the start.
  failed=""
  for i in $(seq 1 "$n"); do
    up=0
    for _ in $(seq 1 100); do
      if "$ssu2ctl" --node "$(control_of "$base" "$i")" --json status >/dev/null 2>&1; then up=1; break; fi
      kill -0 "$(cat "$base/node$i/pid")" 2>/dev/null || break
      sleep 0.1
    done
    [ "$up" = 1 ] || failed+=" node$i"
  done
  if [ -n "$failed" ]; then
    for f in $failed; do
      echo "localnet: $f did not come up; last lines of $base/$f/log:" >&2
      tail -n 5 "$base/$f/log" >&2 || true
    done
    stop_all "$base"
    exit 1
  fi
  echo "started $n nodes in $base"
  ;;
stop)
  need $# 1
  stop_all "$1"
  ;;
status)
  need $# 1
  base=$1
  for d in "$base"/node*; do
    [ -d "$d" ] || continue
    i=${d##*node}
    echo "== node$i ($(control_of "$base" "$i"))"
    "$ssu2ctl" --node "$(control_of "$base" "$i")" status || echo "(not answering)"
  done
  ;;
ctl)
  need $# 2
  base=$1; i=$2; shift 2
  exec "$ssu2ctl" --node "$(control_of "$base" "$i")" "$@"
  ;;
*)
  usage
  ;;
esac
