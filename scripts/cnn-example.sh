#!/usr/bin/env bash
# The convolutional example end to end (README, "A convolutional network through persistent
# workers"): clc fits the learning-rate law of examples/torch_cnn.py on Fashion-MNIST 28x28 from
# fractions up to 1/4 through two persistent workers, then trains the full 60,000 images at the
# predicted rate and at rates half a decade below and above it, 3 seeds each, and prints the
# validation loss and accuracy of each (mean ± standard deviation over the seeds).
#
# Usage: scripts/cnn-example.sh [OUT_DIR]   (default: /tmp/clc-cnn)
# Needs /usr/bin/python3 with python3-torch and python3-numpy; writes the Fashion-MNIST CSVs with
# scripts/fashion-mnist-csv.sh when they are missing. CPU only, one torch thread per process.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-/tmp/clc-cnn}
data=${FASHION_DIR:-/tmp/fashion-mnist}
mkdir -p "$out"
[[ -f $data/fashion-train.csv ]] || "$root/scripts/fashion-mnist-csv.sh" "$data"
go build -o "$out/clc" "$root/cmd/clc"
cnn="/usr/bin/python3 $root/examples/torch_cnn.py"

start=$(date +%s)
"$out/clc" fit "$data/fashion-train.csv" --exec-worker "$cnn --train {data} --valid $data/fashion-test.csv" \
  --design grid --fractions 1/32,1/16,1/8,1/4 --lr-min 1e-3 --lr-max 1 --lr-points 10 --seeds 2 \
  --epochs 2 --batch-size 64 --workers 2 --prune --timeout 30m \
  -o "$out/cnn-fit.yaml" --plot "$out/cnn-fit.png" --json > "$out/cnn-fit.json"
"$out/clc" fit "$data/fashion-train.csv" --exec-worker "$cnn --train {data} --valid $data/fashion-test.csv" \
  --design grid --fractions 1/32,1/16,1/8,1/4 --lr-min 1e-3 --lr-max 1 --lr-points 10 --seeds 2 \
  --epochs 2 --batch-size 64 --workers 2 --prune --timeout 30m -q -o "$out/cnn-fit.yaml" > "$out/cnn-fit.txt"
sweep=$(( $(date +%s) - start ))
cat "$out/cnn-fit.txt"
echo "sweep: ${sweep}s wall"

pred=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["predicted_lr"])' "$out/cnn-fit.json")
start=$(date +%s)
for lr in $(python3 -c "p=$pred; print(p / 10**0.5, p, p * 10**0.5)"); do
  for seed in 0 1 2; do echo "$lr $seed"; done
done | xargs -P 2 -n 2 sh -c "$cnn --train $data/fashion-train.csv --valid $data/fashion-test.csv \
  --lr \$0 --n 60000 --seed \$1 --epochs 2 --batch-size 64 2>/dev/null | tail -1 | sed \"s/^/\$0 \$1 /\"" > "$out/check.txt"
check=$(( $(date +%s) - start ))
python3 - "$out/check.txt" "$pred" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    lr, seed, res = line.split(" ", 2)
    rows.setdefault(float(lr), []).append(json.loads(res))
pred = float(sys.argv[2])
print("full-size check: N = 60000, 2 epochs of batch 64, 3 seeds per rate")
print(f"{'rate':>10}  {'':9}  {'val loss':>17}  {'accuracy':>15}")
for lr in sorted(rows):
    ls = [r["loss"] for r in rows[lr]]
    acc = [100 * r["accuracy"] for r in rows[lr]]
    tag = "predicted" if abs(lr / pred - 1) < 1e-9 else ("÷ √10" if lr < pred else "× √10")
    print(f"{lr:10.4g}  {tag:9}  {statistics.mean(ls):.4f} ± {statistics.stdev(ls):.4f}  "
          f"{statistics.mean(acc):.2f}% ± {statistics.stdev(acc):.2f}")
PY
echo "check: ${check}s wall"
