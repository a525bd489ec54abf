#!/usr/bin/env bash
# How well clc predicts the optimal rate of a run of another length or batch
# size (issue 14), against a multi-seed truth at full size.
#
# For each data set: clc fit with several lengths and batch sizes (the first
# of each list is the run clc tunes; the others are measured at the axis
# fractions), then `clc predict` for target runs of other epochs, batch sizes
# and step budgets on all training rows. The truth of each target is a sweep
# of that run on all rows (several seeds, a fine grid): its optimum is the
# minimum of a least-squares cubic in log10 η through the seed-mean losses
# within 0.3 decades of the grid minimum, its standard error from a
# bootstrap over the seeds. Reported per target: clc's rate and 95%
# interval, the truth, whether the interval holds it, and the regret of
# clc's rate (the truth curve's loss there minus its minimum) as a share of
# the validation loss; and the cost of the other runs against the size-only
# sweep (samples and trial-seconds of the fit's own trials).
#
#   demo            the embedded demo (7,000 training rows): own run 3 epochs of
#                   batch 32, fit with --epochs 3,1,6 --batch-size 32,16,64 (the
#                   other runs at 1/8, the smallest fraction where each has 8
#                   batches per epoch and 20 steps), FITS repeated fits (other
#                   shuffles and seeds); truth: 25 rates 10^(1/12) apart, 8 seeds
#   fashion-mnist   Fashion-MNIST (scripts/fashion-mnist-csv.sh), all 60,000
#                   training rows, validated on the first 5,000 test rows, MLP
#                   784-32-10 (narrow, to keep the truth affordable), SGD, clc's
#                   default fractions 1/32…1/4: own run 3 epochs of batch 64, fit
#                   with --epochs 3,1,6 --batch-size 64,32,128; truth: 9 rates
#                   10^(1/8) apart around clc's prediction (extended where the
#                   minimum is at an edge), 4 seeds
#
# Usage: scripts/axes-benchmark.sh [OUT_DIR] [FITS]   (default /tmp/clc-axes-benchmark, 20)
# Runs under nice; journals in OUT_DIR are reused, so a second run only
# recomputes what is missing and the report.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/clc-axes-benchmark}
fits=${2:-20}
mkdir -p "$out"
out=$(cd "$out" && pwd)
(cd "$here/.." && go build -o "$out/clc" ./cmd/clc)
clc=(nice -n 10 "$out/clc")
cd "$out"
start=$(date +%s)
py=/usr/bin/python3 # Debian's, with numpy and yaml

# ---- demo -------------------------------------------------------------------
lrs=$($py -c "print(','.join(f'{10 ** (-2 + i / 12):.6g}' for i in range(25)))")
# Truth: every single-setting target at N = 7000 (fraction 1; 1/64 only
# completes the plan), a combination, and step budgets.
"${clc[@]}" fit --demo --design grid --fractions 1/64,1 --epochs 3,1,6,12 --batch-size 32,16,64,128 --axis-fractions 1 --lrs "$lrs" \
  --seeds 8 --prune --quiet -o demo-truth-axes.yaml --journal demo-truth-axes.jsonl >/dev/null || true
"${clc[@]}" fit --demo --design grid --fractions 1/64,1 --epochs 6 --batch-size 64 --lrs "$lrs" \
  --seeds 8 --prune --quiet -o demo-truth-combo.yaml --journal demo-truth-combo.jsonl >/dev/null || true
"${clc[@]}" fit --demo --design grid --fractions 1/64,1 --budget steps --steps 400,1600 --axis-fractions 1 --lrs "$lrs" \
  --seeds 8 --prune --quiet -o demo-truth-steps.yaml --journal demo-truth-steps.jsonl >/dev/null || true
for i in $(seq 1 "$fits"); do
  "${clc[@]}" fit --demo --epochs 3,1,6 --batch-size 32,16,64 --shuffle-seed "$i" --seed-base $((1000 + 2 * i)) --quiet \
    -o "demo-fit-$i.yaml" --journal "demo-fit-$i.jsonl" >/dev/null
done
demo_targets=("--epochs 3" "--epochs 1" "--epochs 6" "--epochs 12" "--batch-size 16" "--batch-size 64" "--batch-size 128"
  "--epochs 6 --batch-size 64" "--steps 400" "--steps 1600")
for i in $(seq 1 "$fits"); do
  for t in "${demo_targets[@]}"; do
    # shellcheck disable=SC2086
    "${clc[@]}" predict --fit "demo-fit-$i.yaml" $t --json 2>/dev/null >"demo-predict-$i-${t// /}.json"
  done
done

# ---- Fashion-MNIST ------------------------------------------------------------
data=/tmp/fashion-mnist
[[ -f $data/fashion-train.csv ]] || "$here/fashion-mnist-csv.sh" "$data"
head -5001 "$data/fashion-test.csv" >fashion-valid-5k.csv
fm=("$data/fashion-train.csv" --valid fashion-valid-5k.csv --hidden 32 --optimizer sgd)
"${clc[@]}" fit "${fm[@]}" --epochs 3,1,6 --batch-size 64,32,128 --quiet -o fashion-fit.yaml --journal fashion-fit.jsonl >/dev/null
fashion_targets=("--epochs 3" "--epochs 1" "--epochs 6" "--epochs 10" "--batch-size 32" "--batch-size 128" "--batch-size 256"
  "--epochs 6 --batch-size 128" "--steps 2000")
for t in "${fashion_targets[@]}"; do
  # shellcheck disable=SC2086
  "${clc[@]}" predict --fit fashion-fit.yaml $t --json 2>/dev/null >"fashion-predict-${t// /}.json"
done
# Truth: each target on all 60,000 rows, 9 rates 10^(1/8) apart centred on
# clc's prediction, 4 seeds; moved outwards while the minimum is at an edge.
for t in "${fashion_targets[@]}"; do
  name=${t// /}
  # shellcheck disable=SC2086
  set -- $t
  budget=()
  if [[ $1 == --steps ]]; then budget=(--budget steps); fi
  centre=$($py -c "import json,math; print(round(8*math.log10(json.load(open('fashion-predict-$name.json'))['predictions'][0]['lr'])))")
  lo=$((centre - 4)); hi=$((centre + 4))
  for _ in 1 2 3; do
    grid=$($py -c "print(','.join(f'{10 ** (i / 8):.6g}' for i in range($lo, $hi + 1)))")
    # shellcheck disable=SC2086
    "${clc[@]}" fit "${fm[@]}" --design grid "${budget[@]}" $t --fractions 1/64,1 --lrs "$grid" --seeds 4 --prune --quiet \
      -o "fashion-truth-$name.yaml" --journal "fashion-truth-$name.jsonl" >/dev/null 2>&1 || true
    edge=$($py "$here/axes-truth.py" edge "fashion-truth-$name.jsonl" 60000)
    case $edge in
      low) lo=$((lo - 3)) ;;
      high) hi=$((hi + 3)) ;;
      *) break ;;
    esac
  done
done

$py "$here/axes-truth.py" report "$out" "$fits" "$(($(date +%s) - start))"
