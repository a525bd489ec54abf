#!/usr/bin/env python3
"""Which fixed blend of the law and the largest fraction's optimum would have won the regret
benchmark? A check of issue 12's goal against the data, not a decision rule.

For each case of a finished regret benchmark (scripts/regret.sh OUT ...), the full-size loss
as a function of the rate is the seed-mean loss of its full-size sweep (seeds 100 … 100+S−1,
OUT/runs.jsonl), smoothed by a least-squares cubic in log10 η through the rates within 0.75
decades of the minimum. For each weight w the rate

    log10 η(w) = w·log10 η_law + (1 − w)·log10 η_local

(η_law the law's prediction, η_local the optimum at the largest fitted fraction, from
OUT/fit-CASE-DESIGN.yaml; w = 0 is the naive rate, w = 1 the law, w > 1 extrapolates
further) is scored by its regret on that curve, in % of the curve's minimum (clamped to the
swept range). The table shows whether any single w keeps every case at or below the naive
rate's regret and the median at or below 1%.

Usage: regret_weights.py OUT_DIR [--design adaptive|grid] [--weights 0,0.25,...]
Needs /usr/bin/python3 with numpy and yaml.
"""
import argparse
import collections
import json
import math

import numpy as np
import yaml


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--design", default="adaptive")
    ap.add_argument("--weights", default="0,0.25,0.5,0.75,1,1.25,1.5")
    a = ap.parse_args()
    weights = [float(w) for w in a.weights.split(",")]
    sweep = collections.defaultdict(list)
    for line in open(f"{a.out}/runs.jsonl"):
        r = json.loads(line)
        if 100 <= r["seed"] < 200 and not r["diverged"] and r["valid_loss"] is not None:
            sweep[(r["case"], r["lr"])].append(r["valid_loss"])
    cases = sorted({c for c, _ in sweep}, key=lambda c: (c.split("-")[0] != "demo", c))
    print(f"| case | curve's best rate | law | largest fraction | " + " | ".join(f"w = {w:g}" for w in weights) + " |")
    print("|---|---|---|---|" + "---|" * len(weights))
    table = {}
    for c in cases:
        n = max(len(v) for (cc, _), v in sweep.items() if cc == c)
        pts = sorted((math.log10(lr), np.mean(v)) for (cc, lr), v in sweep.items() if cc == c and len(v) == n)
        x = np.array([p[0] for p in pts])
        y = np.array([p[1] for p in pts])
        near = np.abs(x - x[np.argmin(y)]) <= 0.75
        coef = np.polyfit(x[near], y[near], min(3, int(near.sum()) - 1))
        lo, hi = x[near].min(), x[near].max()
        fine = np.linspace(lo, hi, 1001)
        curve = np.polyval(coef, fine)
        fmin = curve.min()
        p = yaml.safe_load(open(f"{a.out}/fit-{c}-{a.design}.yaml"))["prediction"]
        law, local = math.log10(p["law_lr"]), math.log10(p["local_lr"])
        row = []
        for w in weights:
            xw = min(max(w * law + (1 - w) * local, lo), hi)
            row.append(100 * (np.polyval(coef, xw) - fmin) / fmin)
        table[c] = row
        print(f"| {c} | {10 ** fine[np.argmin(curve)]:.4g} | {10 ** law:.4g} | {10 ** local:.4g} | "
              + " | ".join(f"{r:.2f}" for r in row) + " |")
    med = [float(np.median([table[c][j] for c in cases])) for j in range(len(weights))]
    worst = [max(table[c][j] - table[c][weights.index(0)] if 0 in weights else 0 for c in cases)
             for j in range(len(weights))]
    print("| median | | | | " + " | ".join(f"{m:.2f}" for m in med) + " |")
    if 0 in weights:
        print("| worst case − naive | | | | " + " | ".join(f"{d:+.2f}" for d in worst) + " |")


if __name__ == "__main__":
    main()
