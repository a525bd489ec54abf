#!/usr/bin/env bash
# Regret benchmark (issue 12): clc's full-size rate against the naive rate (the largest
# fraction's optimum) and the full-size best, judged at full size with 8 seeds, on the demo,
# Fashion-MNIST and a regression made from Fashion-MNIST images, with SGD and Adam. See
# scripts/regret.py for the method.
#
# Usage: scripts/regret.sh [OUT_DIR] [CASES] [DESIGN]   (default /tmp/clc-regret, every case,
#        adaptive; DESIGN grid fits every fraction × rate × seed)
# Needs Go, Debian's dataset-fashion-mnist (installed on demand by fashion-mnist-csv.sh),
# /usr/bin/python3 with numpy and yaml. Runs under nice, 2 trainings at a time; fits and runs
# in OUT_DIR are reused. About an hour on 2 shared cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/clc-regret}
cases=${2:-}
design=${3:-adaptive}
data=${FASHION_DIR:-/tmp/fashion-mnist}
mkdir -p "$out"
[[ -f $data/fashion-train.csv ]] || bash "$here/fashion-mnist-csv.sh" "$data"
if [[ ! -f $data/halves-train.csv ]]; then
  # The lower half's mean brightness (0..1) from the upper half's 392 pixels.
  /usr/bin/python3 - "$data" <<'PY'
import csv, sys
import numpy as np
d = sys.argv[1]
for split in ("train", "test"):
    a = np.loadtxt(f"{d}/fashion-{split}.csv", delimiter=",", skiprows=1, dtype=np.int32)
    px = a[:, :784].reshape(-1, 28, 28)
    top = px[:, :14, :].reshape(len(a), -1)
    y = px[:, 14:, :].mean(axis=(1, 2)) / 255
    with open(f"{d}/halves-{split}.csv", "w") as f:
        f.write(",".join(f"px{i}" for i in range(top.shape[1])) + ",lower_brightness\n")
        for row, t in zip(top, y):
            f.write(",".join(map(str, row)) + f",{t:.6f}\n")
    print(f"{d}/halves-{split}.csv: {len(a)} rows", file=sys.stderr)
PY
fi
(cd "$here/.." && go build -o "$out/clc" ./cmd/clc)
start=$(date +%s)
/usr/bin/python3 "$here/regret.py" "$out" "$out/clc" "$data" --design "$design" ${cases:+--cases "$cases"} | tee "$out/regret-$design.md"
echo "total $(( $(date +%s) - start )) s" | tee -a "$out/regret-$design.md"
