#!/usr/bin/env bash
# redispair.sh - a room broadcast through Redis to N sockets on two server
# processes (half of the sockets on each), rtkit (examples/bench -redis)
# against Node.js socket.io 4.8 with @socket.io/redis-adapter (sharded,
# static subscriptions; adapter/testdata/node/bench.mjs), interleaved rep
# by rep, one redis-server, 127.0.0.1 only. The generator is
# examples/bench/pairgen (see its package doc for what it measures).
#
#   examples/bench/redispair.sh
#
# Env: REPS [3], NS ["1000 5000"], SINGLES [10 single broadcasts per
# run], BURST_MSGS [100000 notifications per burst; 0: no burst], PIN
# [0; 1: both servers on CPU 0, generator and redis-server on CPU 1],
# RPORT [6390], OUT [a new folder under ${TMPDIR:-/tmp}], BEFORE
# [a built examples/bench binary, e.g. of an earlier commit: measured too,
# in the same rotation, as "rtkit-before"], PIPELINE [1: rtkit with the
# Redis adapter's Options.Pipeline measured too, as "rtkit-pipeline"].
# Needs go, node, redis-server, redis-cli, ss, setsid, timeout (and
# taskset for PIN=1).
set -euo pipefail
[ $# -eq 0 ] || { sed -n '2,19p' "$0"; exit 2; }
RTKIT=$(cd "$(dirname "$0")/../.." && pwd)
REPS=${REPS:-3}; NS=${NS:-"1000 5000"}; BURST_MSGS=${BURST_MSGS:-100000}; PIN=${PIN:-0}
SINGLES=${SINGLES:-10}
OUT=${OUT:-${TMPDIR:-/tmp}/rtkit-redispair-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT/bin"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(cd "$RTKIT" && go build -o "$OUT/bin/pairgen" ./examples/bench/pairgen && go build -o "$OUT/bin/rtkit" ./examples/bench)
NODEDIR="$RTKIT/adapter/testdata/node"
[ -d "$NODEDIR/node_modules/@socket.io/redis-adapter" ] || (cd "$NODEDIR" && npm ci --no-audit --no-fund >&2)
SRVPIN=(); GENPIN=(); PINNED=()
if [ "$PIN" = 1 ]; then SRVPIN=(taskset -c 0); GENPIN=(taskset -c 1); PINNED=(-pinned); fi
{ echo "date: $(date -u +%FT%TZ)"; echo "commit: $(git -C "$RTKIT" rev-parse HEAD 2>/dev/null || echo -)"
  echo "uptime: $(uptime)"; echo "nproc: $(nproc)"; go version; echo "node $(node --version)"; redis-server --version
  echo "REPS=$REPS NS=\"$NS\" SINGLES=$SINGLES BURST_MSGS=$BURST_MSGS PIN=$PIN BEFORE=${BEFORE:-} PIPELINE=${PIPELINE:-0}"; } >"$OUT/env.txt"

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
    rtkit) cmd="exec $OUT/bin/rtkit -addr 127.0.0.1:$2 -redis $REDIS" ;;
    rtkit-pipeline) cmd="exec $OUT/bin/rtkit -addr 127.0.0.1:$2 -redis $REDIS -redis-pipeline" ;;
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

IMPLS=(rtkit node); [ -n "${BEFORE:-}" ] && IMPLS+=(rtkit-before); [ "${PIPELINE:-0}" = 1 ] && IMPLS+=(rtkit-pipeline)
for rep in $(seq 1 "$REPS"); do
  k=$(( (rep - 1) % ${#IMPLS[@]} )); order=("${IMPLS[@]:k}" "${IMPLS[@]:0:k}") # rotated each rep
  for impl in "${order[@]}"; do
    for n in $NS; do
      start "$impl" 3911; A=$SPID
      start "$impl" 3912; B=$SPID
      # pairgen's warm-up waits until both servers' subscriptions are in place.
      timeout 150 "${GENPIN[@]}" "$OUT/bin/pairgen" run -url ws://127.0.0.1:3911 -url2 ws://127.0.0.1:3912 \
        -pid "$A" -pid2 "$B" -redis-pid "$RPID" -server "$impl" -rep "$rep" "${PINNED[@]}" -n "$n" \
        -singles "$SINGLES" -burst $((BURST_MSGS / n)) -timeout 120s >>"$OUT/results.jsonl" 2>>"$OUT/pairgen.log" \
        || echo "rep $rep $impl n=$n failed (see $OUT/pairgen.log)" >&2
      stop
    done
  done
done
"$OUT/bin/pairgen" summarize -base rtkit "$OUT/results.jsonl" | tee "$OUT/summary.md"
echo "results in $OUT" >&2
