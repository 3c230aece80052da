#!/usr/bin/env bash
# redispair.sh - a room broadcast through Redis to N sockets on two server
# processes (half of the sockets on each), rtkit (examples/bench -redis)
# against Node.js socket.io 4.8 with @socket.io/redis-adapter (sharded,
# static subscriptions; adapter/testdata/node/bench.mjs), interleaved rep
# by rep, one redis-server, 127.0.0.1 only.
#
#   examples/bench/redispair.sh HARNESS
#
# HARNESS is a writable copy of the load harness whose loadgen fanout
# takes -url2 and -pid2 (odd sockets connect to the second server; its
# CPU is added to the first's; see docs/performance.md). Env: REPS [3],
# NS ["1000 5000"], BURST_MSGS [100000], PIN [0; 1: servers on CPU 0,
# generator and redis-server on CPU 1], RPORT [6390], BEFORE [a built
# examples/bench binary, e.g. of an earlier commit: measured too, in the
# same rotation, as "rtkit-before"].
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,17p' "$0"; exit 2; }
RTKIT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$1"
REPS=${REPS:-3}; NS=${NS:-"1000 5000"}; BURST_MSGS=${BURST_MSGS:-100000}; PIN=${PIN:-0}
OUT=${OUT:-results/pair-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT" bin
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
go build -o bin/loadgen ./cmd/loadgen
(cd "$RTKIT" && go build -o "$OLDPWD/bin/rtkit" ./examples/bench)
NODEDIR="$RTKIT/adapter/testdata/node"
[ -d "$NODEDIR/node_modules/@socket.io/redis-adapter" ] || (cd "$NODEDIR" && npm ci --no-audit --no-fund >&2)
SRVPIN=(); GENPIN=()
if [ "$PIN" = 1 ]; then SRVPIN=(taskset -c 0); GENPIN=(taskset -c 1); fi

RPORT=${RPORT:-6390}
"${GENPIN[@]}" redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no >"$OUT/redis.log" 2>&1 &
RPID=$!
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done; kill "$RPID" 2>/dev/null || true; }
trap cleanup EXIT
for i in $(seq 1 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
REDIS="redis://127.0.0.1:$RPORT"

start() { # label port -> sets SPID (the server's pid, its own process group)
  local cmd
  case "$1" in
    rtkit) cmd="exec $PWD/bin/rtkit -addr 127.0.0.1:$2 -redis $REDIS" ;;
    rtkit-before) cmd="exec $BEFORE -addr 127.0.0.1:$2 -redis $REDIS" ;;
    node)  cmd="exec node $NODEDIR/bench.mjs --port $2 --redis $REDIS" ;;
  esac
  setsid "${SRVPIN[@]}" bash -c "$cmd" >>"$OUT/server-$1.log" 2>&1 </dev/null &
  SPID=$!; PIDS+=("$SPID")
  for i in $(seq 1 100); do ss -Hltn "sport = :$2" | grep -q . && return; sleep 0.1; done
  echo "server $1 did not listen on $2" >&2; exit 1
}
stop() { for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do for i in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; kill -KILL -- "-$p" 2>/dev/null || true; done
  PIDS=(); }

IMPLS=(rtkit node); [ -n "${BEFORE:-}" ] && IMPLS+=(rtkit-before)
for rep in $(seq 1 "$REPS"); do
  k=$(( (rep - 1) % ${#IMPLS[@]} )); order=("${IMPLS[@]:k}" "${IMPLS[@]:0:k}") # rotated each rep
  for impl in "${order[@]}"; do
    for n in $NS; do
      start "$impl" 3911; A=$SPID
      start "$impl" 3912; B=$SPID
      sleep 1 # subscriptions in place
      timeout 150 "${GENPIN[@]}" ./bin/loadgen fanout -url ws://127.0.0.1:3911 -url2 ws://127.0.0.1:3912 \
        -pid "$A" -pid2 "$B" -server "$impl" -rep "$rep" -n "$n" -burst $((BURST_MSGS / n)) \
        -timeout 120s >>"$OUT/results.jsonl" 2>>"$OUT/loadgen.log" || echo "rep $rep $impl n=$n failed" >&2
      stop
    done
  done
done
./bin/loadgen summarize -base rtkit "$OUT/results.jsonl" | tee "$OUT/summary.md"
