#!/usr/bin/env bash
# ab.sh - one phase of the load harness, for A/B comparisons of server
# builds: each repetition starts every server fresh, in turn, on CPU 0, and
# runs the harness's generator on CPU 1 against it.
#
#   examples/bench/ab.sh HARNESS REPS PHASE LABEL=CMD [LABEL=CMD ...]
#
# PHASE is "echo1" or "echo10" (acknowledged events, 1 or 10 in flight per
# client; 100 clients × COUNT [1000]) or "fanoutN" (N sockets, broadcast
# timing, a burst of 100,000 delivered messages, RSS per socket).
# HARNESS is a writable copy of the load harness with bin/loadgen built;
# CMD runs a server listening on 127.0.0.1:$PORT. It prints one harness
# result line per run, then the medians of each label.
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,14p' "$0"; exit 2; }
harness=$1 reps=$2 phase=$3
shift 3
case "$phase" in
  echo1 | echo10) args=(echo -clients 100 -inflight "${phase#echo}" -count "${COUNT:-1000}")
    metrics="server_cpu_ms_per_10k" ;;
  fanout*) n=${phase#fanout}
    args=(fanout -n "$n" -singles 10 -burst $((100000 / n)) -timeout 90s)
    metrics="burst_server_cpu_us_per_msg single_all_p50_ms rss_per_conn_kib" ;;
  *) echo "ab.sh: unknown phase $phase" >&2; exit 2 ;;
esac
export PORT=${PORT:-3955}
results=$(mktemp)
trap 'rm -f "$results"' EXIT
cd "$harness"
for rep in $(seq 1 "$reps"); do
  for spec in "$@"; do
    label=${spec%%=*} cmd=${spec#*=}
    taskset -c 0 bash -c "exec $cmd" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
      sleep 0.1
    done
    line=$(timeout 150 taskset -c 1 ./bin/loadgen "${args[0]}" -url "ws://127.0.0.1:$PORT" -pid "$pid" \
      -server "$label" -rep "$rep" -pinned "${args[@]:1}" 2>/dev/null | tail -1) || true
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$label $line" | tee -a "$results"
  done
done
python3 - "$results" $metrics <<'PY'
import json, statistics, sys
per = {}
for line in open(sys.argv[1]):
    label, _, js = line.partition(" ")
    try:
        m = json.loads(js)["metrics"]
    except ValueError:
        continue
    for k in sys.argv[2:]:
        if k in m:
            per.setdefault(label, {}).setdefault(k, []).append(m[k])
for label, ms in per.items():
    print(label + ": " + "; ".join(f"{k} median {statistics.median(v):.3g} {[round(x, 3) for x in v]}" for k, v in ms.items()))
PY
