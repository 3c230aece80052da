#!/usr/bin/env bash
# echo-ab.sh - the load harness's echo phase alone, for A/B comparisons of
# server builds: each repetition starts every server fresh, in turn, on
# CPU 0, and runs the harness's generator on CPU 1 against it.
#
#   examples/bench/echo-ab.sh HARNESS REPS INFLIGHT LABEL=CMD [LABEL=CMD ...]
#
# HARNESS is a writable copy of the load harness with bin/loadgen built;
# CMD runs a server listening on 127.0.0.1:$PORT. COUNT [1000] acks per
# client, CLIENTS [100]. It prints one harness result line per run, then
# the median server CPU per 10k acknowledgements of each label.
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,12p' "$0"; exit 2; }
harness=$1 reps=$2 inflight=$3
shift 3
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
    line=$(timeout 120 taskset -c 1 ./bin/loadgen echo -url "ws://127.0.0.1:$PORT" -pid "$pid" \
      -server "$label" -clients "${CLIENTS:-100}" -inflight "$inflight" -count "${COUNT:-1000}" \
      -rep "$rep" -pinned 2>/dev/null | tail -1) || true
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$label $line" | tee -a "$results"
  done
done
python3 - "$results" <<'PY'
import json, statistics, sys
per = {}
for line in open(sys.argv[1]):
    label, _, js = line.partition(" ")
    try:
        per.setdefault(label, []).append(json.loads(js)["metrics"]["server_cpu_ms_per_10k"])
    except (ValueError, KeyError):
        pass
for label, v in per.items():
    print(f"{label}: server CPU per 10k acks {v}, median {statistics.median(v)} ms")
PY
