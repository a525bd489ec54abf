#!/usr/bin/env bash
# The README's Fashion-MNIST walkthrough, end to end: writes the CSVs (Debian's
# dataset-fashion-mnist; needs apt and python3), fits on fractions 1/32…1/4,
# checks the prediction against a sweep that includes the full 60,000 rows
# (reusing the small fractions from the journal), designs a WSD schedule and
# draws the fit and the schedule (fashion-fit.png, fashion-wsd.png). About a
# minute on 2 cores.
#
# Usage: scripts/fashion-walkthrough.sh [--update-docs]
#   Everything, figures included, goes to $OUT (default /tmp/clc-fashion);
#   --update-docs redraws the committed figures docs/fashion-fit.png and
#   docs/fashion-wsd.png instead. FASHION_DIR: where the CSVs are (written
#   by scripts/fashion-mnist-csv.sh when missing; default /tmp/fashion-mnist).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
data=${FASHION_DIR:-/tmp/fashion-mnist}
out=${OUT:-/tmp/clc-fashion}
figures=$out
case ${1:-} in
  "") ;;
  --update-docs) figures=$repo/docs ;;
  *) echo "usage: $0 [--update-docs]" >&2; exit 2 ;;
esac
mkdir -p "$out"
[[ -f $data/fashion-train.csv ]] || bash "$repo/scripts/fashion-mnist-csv.sh" "$data"
(cd "$repo" && go build -o "$out/clc" ./cmd/clc)
clc=$out/clc
model=(--hidden 128 --batch-size 64 --epochs 3)

cd "$data"
echo "== fit on fractions 1/32…1/4 (the default), predict N = 60000"
"$clc" fit fashion-train.csv --valid fashion-test.csv "${model[@]}" \
  -o "$out/clc-fit.yaml" --plot "$figures/fashion-fit.png"

echo "== ground truth: the same sweep with the full training set added"
cp "$out/clc-fit.journal.jsonl" "$out/full.journal.jsonl"
"$clc" fit fashion-train.csv --valid fashion-test.csv "${model[@]}" \
  --fractions 1/32,1/16,1/8,1/4,1 -o "$out/full.yaml"

echo "== a WSD schedule for all 60000 rows, carrying C(60000)"
cd "$out"
"$clc" schedule --fit clc-fit.yaml --shape wsd --decay 20% -o wsd.yaml --plot "$figures/fashion-wsd.png"
echo "figures: $figures/fashion-fit.png, $figures/fashion-wsd.png"
