#!/usr/bin/env bash
# Evidence on real data for clc predict / schedule / fit --shape (issue 3):
# on Fashion-MNIST, fit on fractions up to 1/4 only, predict the rate for all
# 60,000 rows, and train the full set with
#   (a) the predicted constant rate,
#   (b) a cosine and (c) a WSD schedule carrying C(N_full),
#   (d) the best constant rate of a full-size sweep (the expensive answer),
#   (e) the best rate of the largest fraction, used unchanged (the naive answer),
#   (f) a cosine and (g) a WSD schedule carrying the optimal area measured for
#       that shape by clc fit --shape (instead of the constant-rate C),
# each with 3 seeds; then compare the optimal area of constant, cosine and WSD
# schedules per fraction with clc fit --shape. Prints a Markdown report.
#
# Usage: scripts/schedule-evidence.sh [OUT_DIR]   (default /tmp/clc-evidence)
# Needs Go, Debian's dataset-fashion-mnist (installed on demand) and python3-yaml. ~20 min on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/clc-evidence}
data=${FASHION_DIR:-/tmp/fashion-mnist}
mkdir -p "$out"
[[ -f $data/fashion-train.csv ]] || bash "$here/fashion-mnist-csv.sh" "$data"
(cd "$here/.." && go build -o "$out/clc" ./cmd/clc)
clc=$out/clc
train=$data/fashion-train.csv
valid=$data/fashion-test.csv

grid() { python3 -c "print(','.join(f'{10 ** (e / 4):.4g}' for e in range($1, $2)))"; }
for opt in sgd adam; do
  if [[ $opt == adam ]]; then lrs=$(grid -20 -3); else lrs=$(grid -16 1); fi
  common=(--valid "$valid" --optimizer "$opt" --hidden 128 --epochs 3 --batch-size 64)
  sweep=("${common[@]}" --design grid --quiet --lrs "$lrs" --seeds 2 --journal "$out/journal-$opt.jsonl")
  # The cheap fit (fractions ≤ 1/4) and the expensive full-size sweep share a
  # journal, so the full sweep only adds the N = 60,000 trials.
  "$clc" fit "$train" "${sweep[@]}" --fractions 1/32,1/16,1/8,1/4 --json -o "$out/fit-$opt.yaml" >"$out/fit-$opt.json"
  "$clc" fit "$train" "${sweep[@]}" --fractions 1/32,1/16,1/8,1/4,1 --json -o "$out/full-$opt.yaml" >"$out/full-$opt.json"
  for shape in cosine wsd; do
    "$clc" schedule --fit "$out/fit-$opt.yaml" --shape "$shape" -o "$out/$shape-$opt.yaml"
    "$clc" fit "$train" "${sweep[@]}" --fractions 1/32,1/16,1/8,1/4 --shape "$shape" --json \
      --journal "$out/journal-$opt-$shape.jsonl" -o "$out/shapefit-$shape-$opt.yaml" >"$out/shapefit-$shape-$opt.json"
    "$clc" schedule --fit "$out/shapefit-$shape-$opt.yaml" --shape "$shape" -o "$out/$shape-own-$opt.yaml"
  done
  pred=$(python3 -c "import json; print(json.load(open('$out/fit-$opt.json'))['predicted_lr'])")
  best=$(python3 -c "import json; print([o for o in json.load(open('$out/full-$opt.json'))['optima'] if o['fraction'] == 1][0]['lr'])")
  naive=$(python3 -c "import json; print(json.load(open('$out/fit-$opt.json'))['optima'][-1]['lr'])")
  for seed in 0 1 2; do
    "$clc" train "$train" "${common[@]}" --seed $seed --lr "$pred" --json >"$out/run-$opt-a-$seed.json"
    "$clc" train "$train" "${common[@]}" --seed $seed --schedule "$out/cosine-$opt.yaml" --json >"$out/run-$opt-b-$seed.json"
    "$clc" train "$train" "${common[@]}" --seed $seed --schedule "$out/wsd-$opt.yaml" --json >"$out/run-$opt-c-$seed.json"
    "$clc" train "$train" "${common[@]}" --seed $seed --lr "$best" --json >"$out/run-$opt-d-$seed.json"
    "$clc" train "$train" "${common[@]}" --seed $seed --lr "$naive" --json >"$out/run-$opt-e-$seed.json"
    "$clc" train "$train" "${common[@]}" --seed $seed --schedule "$out/cosine-own-$opt.yaml" --json >"$out/run-$opt-f-$seed.json"
    "$clc" train "$train" "${common[@]}" --seed $seed --schedule "$out/wsd-own-$opt.yaml" --json >"$out/run-$opt-g-$seed.json"
  done
done
python3 "$here/evidence_report.py" "$out"
