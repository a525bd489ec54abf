#!/usr/bin/env bash
# The README's Fashion-MNIST walkthrough, end to end: writes the CSVs (Debian's
# dataset-fashion-mnist; needs apt and python3), fits on fractions 1/32…1/4,
# checks the prediction against a sweep that includes the full 60,000 rows
# (reusing the small fractions from the journal), designs a WSD schedule and
# redraws docs/fashion-fit.png and docs/fashion-wsd.png. About a minute on 2
# cores. Output: $OUT (default /tmp/clc-fashion).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
data=${FASHION_DIR:-/tmp/fashion-mnist}
out=${OUT:-/tmp/clc-fashion}
mkdir -p "$out"
[[ -f $data/fashion-train.csv ]] || bash "$repo/scripts/fashion-mnist-csv.sh" "$data"
(cd "$repo" && go build -o "$out/clc" ./cmd/clc)
clc=$out/clc
model=(--hidden 128 --batch-size 64 --epochs 3)

cd "$data"
echo "== fit on fractions 1/32…1/4 (the default), predict N = 60000"
"$clc" fit fashion-train.csv --valid fashion-test.csv "${model[@]}" \
  -o "$out/clc-fit.yaml" --plot "$repo/docs/fashion-fit.png"

echo "== ground truth: the same sweep with the full training set added"
cp "$out/clc-fit.journal.jsonl" "$out/full.journal.jsonl"
"$clc" fit fashion-train.csv --valid fashion-test.csv "${model[@]}" \
  --fractions 1/32,1/16,1/8,1/4,1 -o "$out/full.yaml"

echo "== a WSD schedule for all 60000 rows, carrying C(60000)"
cd "$out"
"$clc" schedule --fit clc-fit.yaml --shape wsd --decay 20% -o wsd.yaml --plot "$repo/docs/fashion-wsd.png"
