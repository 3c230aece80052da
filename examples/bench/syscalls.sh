#!/usr/bin/env bash
# syscalls.sh - the system calls a server makes during one phase of the
# load harness's generator, counted with strace -c -f: load-independent
# figures (writes per acknowledgement, per delivered message) for A/B
# comparisons on a busy machine.
#
#   examples/bench/syscalls.sh HARNESS CMD GENERATOR-ARGS...
#
# HARNESS is a writable copy of the load harness with bin/loadgen built;
# CMD runs a server listening on 127.0.0.1:$PORT (pinned to CPU 0, the
# generator to CPU 1). Example:
#
#   examples/bench/syscalls.sh "$d/bench" './bin/rtkit -addr 127.0.0.1:$PORT' \
#     fanout -n 1000 -singles 3 -burst 100 -timeout 150s
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,15p' "$0"; exit 2; }
harness=$1 cmd=$2
shift 2
export PORT=${PORT:-3956}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$harness"
taskset -c 0 bash -c "exec $cmd" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done
strace -c -f -p "$pid" -o "$out" 2>/dev/null &
spid=$!
sleep 0.5
timeout 200 taskset -c 1 ./bin/loadgen "$1" -url "ws://127.0.0.1:$PORT" -pid "$pid" -server probe -pinned "${@:2}" 2>/dev/null | tail -1 |
  python3 -c 'import json, sys; m = json.load(sys.stdin)["metrics"]; print({k: m[k] for k in ("acks", "burst_msgs") if k in m})'
kill -INT "$spid"; wait "$spid" 2>/dev/null || true
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
grep -E ' (write|writev|read|epoll_pwait|futex)$' "$out" | awk '{print $NF, "calls", $4, ($5 ~ /^[0-9]+$/ ? "errors " $5 : "")}'
