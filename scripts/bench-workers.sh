#!/usr/bin/env bash
# One-shot --exec against persistent --exec-worker, side by side in one run: the same PyTorch MLP
# sweep (examples/torch_trainer.py, the README's settings: MLP 784-128-10, SGD, batch 64, 3 epochs,
# fractions 1/32..1/4, 9 rates 0.01..1, 2 seeds, --workers 2, N_full 60000) run both ways, each with
# its own fresh journal. Prints both wall times and CPU times (user + system of clc and every
# trainer process it ran: the CPU time does not depend on what else the machine runs), their
# ratios, and whether the two fits hold the same trials (PyTorch on one thread is deterministic).
#
# Usage: scripts/bench-workers.sh [OUT_DIR]   (default: /tmp/clc-bench-workers)
# Needs /usr/bin/python3 with python3-torch and python3-numpy; writes the Fashion-MNIST CSVs with
# scripts/fashion-mnist-csv.sh when they are missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/clc-bench-workers}
data=${FASHION_DIR:-/tmp/fashion-mnist}
mkdir -p "$out"
[[ -f $data/fashion-train.csv ]] || "$root/scripts/fashion-mnist-csv.sh" "$data"
go build -o "$out/clc" "$root/cmd/clc"
cmd="/usr/bin/python3 $root/examples/torch_trainer.py --train $data/fashion-train.csv --valid $data/fashion-test.csv"
common=(--design grid --n-full 60000 --fractions 1/32,1/16,1/8,1/4 --lr-min 0.01 --lr-max 1 --lr-points 9
  --seeds 2 --epochs 3 --batch-size 64 --workers 2 -q)
rm -f "$out"/oneshot.* "$out"/workers.*

run() { # name flag: "wall cpu" seconds on stdout (cpu: clc and the processes it waited for)
  local name=$1 flag=$2
  /usr/bin/time -f "%e %U %S" -o "$out/$name.time" \
    "$out/clc" fit "$flag" "$cmd" "${common[@]}" -o "$out/$name.yaml" > "$out/$name.txt"
  read -r wall user sys < "$out/$name.time"
  python3 -c "print($wall, $user + $sys)"
}
oneshot=$(run oneshot --exec)
workers=$(run workers --exec-worker)
python3 - "$out" $oneshot $workers <<'PY'
import re, sys
out, oneshot, oneshot_cpu, workers, workers_cpu = sys.argv[1], *map(float, sys.argv[2:])
def trials(name):
    txt = open(f"{out}/{name}.yaml").read()
    body = txt[txt.index("\ntrials:"):txt.index("\noptima:")]
    return re.sub(r"seconds: [0-9.e+-]+", "seconds: 0", body)
same = trials("oneshot") == trials("workers")
n = trials("oneshot").count("- fraction:")
print(f"one-shot --exec:       {oneshot:7.1f} s wall, {oneshot_cpu:7.1f} s CPU ({n} trials, {n} python processes)")
print(f"persistent workers:    {workers:7.1f} s wall, {workers_cpu:7.1f} s CPU")
print(f"ratio one-shot/worker: {oneshot / workers:7.2f}x wall, {oneshot_cpu / workers_cpu:5.2f}x CPU")
print(f"identical trials:      {same}")
PY
