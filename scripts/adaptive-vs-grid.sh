#!/usr/bin/env bash
# The adaptive design against the grid, side by side on one data set.
#
# The truth is the optimal rate on all training rows, measured by a
# many-seed sweep at fraction 1 on a fine grid around the optimum. Then
# FITS repetitions, each with its own shuffle (--shuffle-seed i) and its own
# seeds (--seed-base 1000+100i), fit the same data twice with the default
# settings: --design grid, then --design adaptive on the same journal (the
# designs share trials: the adaptive one re-runs none of the grid's, and its
# cost is counted from the trials it chose, not from what ran). The report
# gives, per design, the RMSE of log10 η*(N_full) against the truth, how
# often the 95% interval holds it, and the training cost in full-size runs
# (samples trained over those of one run on all rows). PRECISIONS (default
# "0.08") adds rows for the adaptive design at other --precision targets,
# on the same journals (their decisions are prefixes of the default's, or
# run the few seeds more they need). FRACTIONS (e.g. 1/16,1/8,1/4,1/2)
# replaces the repetitions' default fractions.
#
# Usage: scripts/adaptive-vs-grid.sh demo|fashion [OUT_DIR] [FITS]
#   demo:    the embedded demo (7,000 rows; fractions 1/32…1/2); truth 32 seeds.
#   fashion: Fashion-MNIST as in the README (60,000 rows, MLP 784-128-10,
#            batch 64, 3 epochs, fractions 1/32…1/4, the test set as
#            validation); truth 8 seeds. Writes the CSVs with
#            scripts/fashion-mnist-csv.sh.
# Runs under nice; journals in OUT_DIR are reused, so a second run only
# recomputes the report.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
which=${1:?usage: adaptive-vs-grid.sh demo|fashion [OUT_DIR] [FITS]}
out=${2:-/tmp/clc-adaptive-$which}
fits=${3:-20}
mkdir -p "$out"
(cd "$here/.." && go build -o "$out/clc" ./cmd/clc)
clc=(nice -n 10 "$out/clc")
start=$(date +%s)

case $which in
demo)
  data=(--demo)
  truthseeds=32
  fine=$(python3 -c "print(','.join(f'{10 ** (-1.5 + i / 16):.6g}' for i in range(21)))")
  truthfracs=1/2,1
  ;;
fashion)
  fm=${FASHION_DIR:-/tmp/fashion-mnist}
  [[ -f $fm/fashion-train.csv ]] || "$here/fashion-mnist-csv.sh" "$fm"
  data=("$fm/fashion-train.csv" --valid "$fm/fashion-test.csv" --hidden 128 --batch-size 64 --epochs 3)
  truthseeds=8
  fine=$(python3 -c "print(','.join(f'{10 ** (-2 + i / 10):.6g}' for i in range(16)))")
  truthfracs=1/4,1
  ;;
*)
  echo "usage: adaptive-vs-grid.sh demo|fashion [OUT_DIR] [FITS]" >&2
  exit 2
  ;;
esac

# Truth: many seeds at fraction 1 on a fine grid (the law needs a second fraction).
"${clc[@]}" fit "${data[@]}" --design grid --fractions "$truthfracs" --seeds "$truthseeds" --lrs "$fine" --quiet --json \
  -o "$out/truth.yaml" --journal "$out/truth.journal.jsonl" >"$out/truth.json"

precisions=${PRECISIONS:-0.08}
if [[ -n ${FRACTIONS:-} ]]; then data+=(--fractions "$FRACTIONS"); fi
for i in $(seq 1 "$fits"); do
  for design in grid adaptive; do
    "${clc[@]}" fit "${data[@]}" --design "$design" --shuffle-seed "$i" --seed-base $((1000 + 100 * i)) --quiet --json \
      -o "$out/$design-$i.yaml" --journal "$out/rep-$i.journal.jsonl" >"$out/$design-$i.json"
  done
  for p in $precisions; do
    "${clc[@]}" fit "${data[@]}" --design adaptive --precision "$p" --shuffle-seed "$i" --seed-base $((1000 + 100 * i)) --quiet --json \
      -o "$out/adaptive-p$p-$i.yaml" --journal "$out/rep-$i.journal.jsonl" >"$out/adaptive-p$p-$i.json"
  done
done

/usr/bin/python3 - "$out" "$fits" "$(($(date +%s) - start))" "$which" "$here" "$precisions" <<'PY'
import json, math, subprocess, sys
out, fits, secs, which, here, precisions = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6].split()

# The truth, independently of clc's estimator (scripts/truth_optimum.py).
truth = json.loads(subprocess.run(["/usr/bin/python3", f"{here}/truth_optimum.py", f"{out}/truth.yaml"],
                                  check=True, capture_output=True, text=True).stdout)
t, t_se = truth["log10"], truth["se"]
seeds, lrs = range(truth["seeds"]), range(truth["rates"])
n_full = json.load(open(f"{out}/truth.json"))["n_full"]
print(f"{which}: truth η*({n_full}) = {10 ** t:.4g} ({len(seeds)} seeds, {len(lrs)} rates; bootstrap SE {t_se:.3f} decades)")

rmse = lambda e: math.sqrt(sum(v * v for v in e) / len(e))
res = {}
for design in ["grid", "adaptive"] + [f"adaptive-p{p}" for p in precisions]:
    err, cover, cost, grid = [], 0, [], []
    for i in range(1, fits + 1):
        f = json.load(open(f"{out}/{design}-{i}.json"))
        lo, hi = f["predicted_lr_ci"]
        cover += lo <= 10 ** t <= hi
        err.append(math.log10(f["predicted_lr"]) - t)
        cost.append(f["cost"])
        grid.append(f["grid_cost"])
    res[design] = (rmse(err), cover, sum(cost) / fits, sum(err) / fits)
print(f"\n{fits} repetitions per design, {secs} s in all.\n")
print("| design | RMSE of log10 η* (decades) | mean error | 95% interval holds the truth | mean cost (full-size runs) | cost / grid's |")
print("|---|---|---|---|---|---|")
g = res["grid"][2]
for design, (r, c, m, b) in res.items():
    name = {"adaptive": "adaptive (--precision 0.05)"}.get(design, design.replace("adaptive-p", "adaptive --precision "))
    print(f"| {name} | {r:.3f} | {b:+.3f} | {c}/{fits} | {m:.2f} | {m / g:.2f} |")
PY
