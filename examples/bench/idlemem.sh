#!/usr/bin/env bash
# idlemem.sh - what N idle sockets cost a server: it connects them with the
# load harness's generator (the fan-out phase, whose sockets stay idle for
# 2 s after connecting), and meanwhile reads the server's RSS and, through
# its -pprof listener, the Go heap and goroutine stacks, before and after a
# collection.
#
#   examples/bench/idlemem.sh HARNESS N CMD
#
# CMD runs a server listening on 127.0.0.1:$PORT whose net/http/pprof is on
# 127.0.0.1:$PPROF, for example './bin/rtkit -addr 127.0.0.1:$PORT -pprof 127.0.0.1:$PPROF'.
set -euo pipefail
[ $# -eq 3 ] || { sed -n '2,12p' "$0"; exit 2; }
harness=$1 n=$2 cmd=$3
export PORT=${PORT:-3958} PPROF=${PPROF:-6058}
cd "$harness"
taskset -c 0 bash -c "exec $cmd" >/dev/null 2>&1 &
pid=$!
sleep 0.5
rss0=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
timeout 90 taskset -c 1 ./bin/loadgen fanout -url "ws://127.0.0.1:$PORT" -pid "$pid" -server probe -pinned \
  -n "$n" -singles 1 -burst 1 -timeout 80s >/dev/null 2>&1 &
gen=$!
for _ in $(seq 1 400); do
  [ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -ge "$n" ] && break
  sleep 0.05
done
sleep 1
rss1=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
stats() { grep -E '^# (HeapAlloc|HeapInuse|Stack) ' | sed 's/^# //' | tr '\n' ' '; }
echo "idle:      RSS $(( (rss1 - rss0) * 1024 / n )) B/socket; $(curl -s "http://127.0.0.1:$PPROF/debug/pprof/heap?debug=1" | stats)"
for _ in 1 2; do curl -s "http://127.0.0.1:$PPROF/debug/pprof/heap?debug=1&gc=1" >/dev/null; done
echo "after GC:  $(curl -s "http://127.0.0.1:$PPROF/debug/pprof/heap?debug=1&gc=1" | stats)"
wait "$gen" || true
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
