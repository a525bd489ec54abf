#!/usr/bin/env bash
# Calibration of clc fit on the demo data against a measured truth.
#
# The truth is the optimal rate on all 7,000 training rows, measured by a
# 32-seed sweep at fraction 1 on a fine grid (21 rates 10^0.0625 apart
# around the optimum). Then FITS repeated `clc fit --demo` runs, each with
# its own shuffle (--shuffle-seed i: other rows in each fraction) and its
# own seeds (--seed-base), predict η* at N = 7000 from fractions 1/32…1/2
# with the defaults (13 rates, 2 seeds). The report gives how often the 95%
# interval holds the truth and the RMSE of log10 η* (of the prediction, of
# the law alone and of the largest fraction's optimum), as a Markdown table.
#
# Usage: scripts/calibrate-demo.sh [OUT_DIR] [FITS]   (default /tmp/clc-calibrate-demo, 40)
# Runs under nice; journals in OUT_DIR are reused, so a second run only
# recomputes the report. About 5 minutes on 2 shared cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/clc-calibrate-demo}
fits=${2:-40}
mkdir -p "$out"
(cd "$here/.." && go build -o "$out/clc" ./cmd/clc)
clc=(nice -n 10 "$out/clc")
start=$(date +%s)

# Truth: 32 seeds at fraction 1 (the law needs a second fraction: 1/2).
fine=$(python3 -c "print(','.join(f'{10 ** (-1.5 + i / 16):.6g}' for i in range(21)))")
"${clc[@]}" fit --demo --fractions 1/2,1 --seeds 32 --lrs "$fine" --quiet --json \
  -o "$out/truth.yaml" --journal "$out/truth.journal.jsonl" >"$out/truth.json"

# Repeated fits: shuffle i, seeds 1000+2i and 1001+2i.
for i in $(seq 1 "$fits"); do
  "${clc[@]}" fit --demo --design grid --shuffle-seed "$i" --seed-base $((1000 + 2 * i)) --quiet --json \
    -o "$out/fit-$i.yaml" --journal "$out/fit-$i.journal.jsonl" >"$out/fit-$i.json"
done

/usr/bin/python3 - "$out" "$fits" "$(( $(date +%s) - start ))" "$here" <<'PY'
import json, math, subprocess, sys
out, fits, secs, here = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

# The truth, independently of clc's estimator (scripts/truth_optimum.py).
truth = json.loads(subprocess.run(["/usr/bin/python3", f"{here}/truth_optimum.py", f"{out}/truth.yaml"],
                                  check=True, capture_output=True, text=True).stdout)
t, t_se = truth["log10"], truth["se"]
seeds, lrs = range(truth["seeds"]), range(truth["rates"])
clc_truth = [o for o in json.load(open(f"{out}/truth.json"))["optima"] if o["fraction"] == 1][0]
print(f"truth: η*(7000) = {10 ** t:.4g} (32 seeds, 21 rates 10^0.0625 apart; bootstrap SE {t_se:.3f} decades); "
      f"clc's own estimate from the same sweep: {clc_truth['lr']:.4g} [{clc_truth['lr_low']:.4g}, {clc_truth['lr_high']:.4g}]")

rows, cover, e_pred, e_law, e_loc, regret = [], 0, [], [], [], []
for i in range(1, fits + 1):
    f = json.load(open(f"{out}/fit-{i}.json"))
    lo, hi = f["predicted_lr_ci"]
    ok = lo <= 10 ** t <= hi
    cover += ok
    e_pred.append(math.log10(f["predicted_lr"]) - t)
    e_law.append(math.log10(f["law_lr"]) - t)
    e_loc.append(math.log10(f["local_lr"]) - t)
    regret.append(f["expected_regret"])
    rows.append(f"| {i} | {f['alpha']:.3f} | {f['predicted_lr']:.4g} [{lo:.3g}, {hi:.3g}] | {f['prediction_source']} "
                f"{f['law_weight']:.2f} | {e_pred[-1]:+.3f} | {'yes' if ok else 'no'} |")
rmse = lambda e: math.sqrt(sum(v * v for v in e) / len(e))
print(f"\n{fits} fits, {secs} s in all: the 95% interval holds the truth in {cover}/{fits} ({100 * cover / fits:.0f}%); "
      f"RMSE of log10 η*: prediction {rmse(e_pred):.3f}, law alone {rmse(e_law):.3f}, "
      f"largest fraction's optimum {rmse(e_loc):.3f} decades; mean error {sum(e_pred) / fits:+.3f}; "
      f"mean expected regret {sum(regret) / fits:.4f}\n")
print("| fit | α | predicted η* [95%] | source, law weight | error (decades) | holds truth |")
print("|---|---|---|---|---|---|")
print("\n".join(rows))
PY
