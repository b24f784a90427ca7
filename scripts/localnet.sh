#!/usr/bin/env bash
# A local network of N ssu2d nodes on distinct loopback addresses (127.0.1.1 .. 127.0.1.N),
# each with its own data directory, all knowing each other's RouterInfo.
#
#   scripts/localnet.sh start N BASEDIR   create (or reuse) BASEDIR/nodeI, start every node
#   scripts/localnet.sh stop BASEDIR      SIGTERM every node, SIGKILL after 10 s
#   scripts/localnet.sh status BASEDIR    ssu2ctl status of every node
#   scripts/localnet.sh ctl BASEDIR I ARGS...   ssu2ctl against node I
#
# Node I: SSU2 on 127.0.1.I:12345, control on 127.0.1.I:12346, log BASEDIR/nodeI/log.
# Binaries come from $BUILD_DIR (default ./build); build them first (scripts/build.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BUILD_DIR:-$root/build}
[ -x "$bin/ssu2d" ] || bin=$root/$bin
ssu2d=$bin/ssu2d
ssu2ctl=$bin/ssu2ctl

node_ip() { echo "127.0.1.$1"; }

write_config() {  # I N BASEDIR
  local i=$1 n=$2 base=$3 peers="" j
  for j in $(seq 1 "$n"); do
    [ "$j" = "$i" ] && continue
    peers+="${peers:+, }\"$base/node$j/router.info\""
  done
  cat > "$base/node$i/config.json" <<JSON
{
  "data_dir": "$base/node$i",
  "ssu2": { "host": "$(node_ip "$i")", "port": 12345 },
  "peers": { "router_infos": [ $peers ] },
  "control": { "host": "$(node_ip "$i")", "port": 12346 },
  "log": { "level": "${LOCALNET_LOG_LEVEL:-info}" }
}
JSON
}

cmd=${1:-}; shift || true
case "$cmd" in
start)
  n=$1; base=$(mkdir -p "$2" && cd "$2" && pwd)
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
  # Wait (bounded) until every control endpoint answers.
  for i in $(seq 1 "$n"); do
    for _ in $(seq 1 100); do
      "$ssu2ctl" --node "$(node_ip "$i"):12346" --json status >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
  echo "started $n nodes in $base"
  ;;
stop)
  base=$1
  for p in "$base"/node*/pid; do [ -f "$p" ] && kill -TERM "$(cat "$p")" 2>/dev/null || true; done
  for p in "$base"/node*/pid; do
    [ -f "$p" ] || continue
    pid=$(cat "$p")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$p"
  done
  ;;
status)
  base=$1
  for d in "$base"/node*; do
    i=${d##*node}
    echo "== node$i ($(node_ip "$i"))"
    "$ssu2ctl" --node "$(node_ip "$i"):12346" status || echo "(not answering)"
  done
  ;;
ctl)
  base=$1; i=$2; shift 2
  exec "$ssu2ctl" --node "$(node_ip "$i"):12346" "$@"
  ;;
*)
  echo "usage: $0 start N BASEDIR | stop BASEDIR | status BASEDIR | ctl BASEDIR I ARGS..." >&2
  exit 2
  ;;
esac
