#!/usr/bin/env python3
"""Regret benchmark of clc's full-size rate (issue 12): is the predicted rate for all rows
ever worse than simply reusing the largest fraction's optimum?

For each case (a data set, a model, an optimizer):
  1. fit:   clc fit on fractions 1/32, 1/16, 1/8, 1/4 (never the full size), 2 seeds, with
            --design (adaptive, clc's default, or grid: every fraction × rate × seed);
            it predicts η̂* for all N_full rows. The naive rate is the optimum it measured at
            the largest fraction (1/4).
  2. best:  a full-size sweep with --sweep-seeds seeds on the fit's own grid (restricted to
            the rates within 1 decade of the predicted and naive rates, widened while the
            minimum sits on its edge); the best rate is the vertex of the parabola through
            the seed-mean minimum and its two neighbours (the grid minimum when not convex).
  3. judge: the predicted, the naive and the best rate (and, for comparison, the law's own
            rate) trained at full size with --judge-seeds other seeds (paired: the same seeds
            for all).
Regret of a rate = (its mean validation loss − the best rate's) / the best rate's, in %, with
the standard error of the paired differences over the judge seeds. clc "loses" a case when its
regret exceeds the naive rate's by more than 2 standard errors of their paired difference.

Every training run is a `clc train` process (the same trainer, data handling and seeds as
clc fit's trials), run --workers at a time under nice; results are cached in OUT/runs.jsonl,
so a re-run (e.g. after a change of the decision rule: only new predicted rates train) reuses
them. Needs /usr/bin/python3 with numpy and yaml.

Usage: regret.py OUT_DIR CLC_BINARY DATA_DIR [--design adaptive|grid] [--cases a,b] [--judge-seeds 8]
       [--sweep-seeds 8] [--workers 2] [--refit]
Prints a Markdown table on stdout and writes OUT/regret-DESIGN.json.
"""
import argparse
import concurrent.futures as cf
import json
import math
import os
import subprocess
import sys
import threading
import time

import numpy as np
import yaml


def grid(lo, hi, points):
    return [float(f"{10 ** (lo + i * (hi - lo) / (points - 1)):.6g}") for i in range(points)]


FRACTIONS = "1/32,1/16,1/8,1/4"


def cases(data):
    fm = [f"{data}/fashion-train.csv", "--valid", f"{data}/fashion-test.csv", "--hidden", "128",
          "--epochs", "3", "--batch-size", "64"]
    half = [f"{data}/halves-train.csv", "--valid", f"{data}/halves-test.csv", "--task", "regression",
            "--hidden", "128", "--epochs", "3", "--batch-size", "64"]
    sgd, adam = grid(-4, 0, 17), grid(-5, -1, 17)
    return {
        # The demo: 7,000 rows of 14×14 Fashion-MNIST, its defaults (MLP 64, batch 32, 3 epochs).
        "demo-sgd": dict(data=["--demo"], opt="sgd", lrs=grid(-3, 0, 13)),
        "demo-adam": dict(data=["--demo"], opt="adam", lrs=adam),
        # Fashion-MNIST, 60,000 rows, the 10,000 test rows for validation.
        "fashion-sgd": dict(data=fm, opt="sgd", lrs=sgd),
        "fashion-adam": dict(data=fm, opt="adam", lrs=adam),
        # A regression made from real images: the mean brightness of the lower half of a
        # Fashion-MNIST image from the pixels of its upper half (392 features).
        "halves-sgd": dict(data=half, opt="sgd", lrs=sgd),
        "halves-adam": dict(data=half, opt="adam", lrs=adam),
    }


class Runs:
    """Full-size `clc train` runs, cached in a JSON-lines file."""

    def __init__(self, path, clc, workers):
        self.path, self.clc = path, clc
        self.pool = cf.ThreadPoolExecutor(workers)
        self.lock = threading.Lock()
        self.cache = {}
        self.ran = 0
        if os.path.exists(path):
            for line in open(path):
                r = json.loads(line)
                self.cache[(r["case"], r["lr"], r["seed"])] = r

    def _run(self, case, spec, lr, seed):
        cmd = ["nice", "-n", "10", self.clc, "train", *spec["data"], "--optimizer", spec["opt"],
               "--lr", repr(lr), "--seed", str(seed), "--json"]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        j = json.loads(out)
        r = {"case": case, "lr": lr, "seed": seed, "valid_loss": j.get("valid_loss"),
             "diverged": j["diverged"], "seconds": j["seconds"]}
        with self.lock:
            self.cache[(case, lr, seed)] = r
            self.ran += 1
            with open(self.path, "a") as f:
                f.write(json.dumps(r) + "\n")
        return r

    def losses(self, case, spec, lrs, seeds):
        """The validation loss of every (rate, seed): an array len(lrs) × len(seeds), +inf
        when diverged."""
        todo = [(lr, s) for lr in lrs for s in seeds if (case, lr, s) not in self.cache]
        for f in [self.pool.submit(self._run, case, spec, lr, s) for lr, s in todo]:
            f.result()
        out = np.empty((len(lrs), len(seeds)))
        for i, lr in enumerate(lrs):
            for j, s in enumerate(seeds):
                r = self.cache[(case, lr, s)]
                out[i, j] = math.inf if r["diverged"] or r["valid_loss"] is None else r["valid_loss"]
        return out


def fit(out, clc, case, spec, design, refit):
    """clc fit on fractions ≤ 1/4 with --design design; returns its JSON output and fit file."""
    path = f"{out}/fit-{case}-{design}.yaml"
    js = f"{out}/fit-{case}-{design}.json"
    if refit or not os.path.exists(js):
        args = [*spec["data"], "--optimizer", spec["opt"], "--fractions", FRACTIONS, "--seeds", "2",
                "--design", design, "--quiet", "--json", "-o", path,
                "--journal", f"{out}/fit-{case}-{design}.journal.jsonl"]
        if spec["data"] == ["--demo"]:
            lo, hi = spec["lrs"][0], spec["lrs"][-1]
            args += ["--lr-min", repr(lo), "--lr-max", repr(hi), "--lr-points", str(len(spec["lrs"]))]
        else:
            args += ["--lrs", ",".join(repr(v) for v in spec["lrs"])]
        with open(js, "w") as f:
            subprocess.run(["nice", "-n", "10", clc, "fit", *args], check=True, stdout=f)
    return json.load(open(js)), yaml.safe_load(open(path))


def best_rate(lrs, loss):
    """The vertex of the parabola in log10 η through the seed-mean minimum and its
    neighbours; the grid minimum when it is on the edge or the parabola is not convex."""
    m = loss.mean(axis=1)
    i = int(np.argmin(m))
    x = np.log10(lrs)
    if 0 < i < len(lrs) - 1 and np.all(np.isfinite(m[i - 1:i + 2])):
        a = np.polyfit(x[i - 1:i + 2], m[i - 1:i + 2], 2)
        if a[0] > 0:
            v = -a[1] / (2 * a[0])
            if x[i - 1] < v < x[i + 1]:
                return float(f"{10 ** v:.6g}"), i
    return lrs[i], i


def judge(runs, case, spec, rates, seeds):
    """Mean loss per rate over the judge seeds, and the per-seed losses (paired)."""
    uniq = sorted(set(rates.values()))
    loss = runs.losses(case, spec, uniq, seeds)
    return {k: loss[uniq.index(v)] for k, v in rates.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("clc")
    p.add_argument("data")
    p.add_argument("--cases", default="")
    p.add_argument("--judge-seeds", type=int, default=8)
    p.add_argument("--sweep-seeds", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--design", default="adaptive", help="clc fit --design: adaptive (clc's default) or grid")
    p.add_argument("--refit", action="store_true", help="run clc fit again (its journal is reused)")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    all_cases = cases(a.data)
    names = [c for c in a.cases.split(",") if c] or list(all_cases)
    runs = Runs(f"{a.out}/runs.jsonl", a.clc, a.workers)
    sweep_seeds = list(range(100, 100 + a.sweep_seeds))
    judge_seeds = list(range(200, 200 + a.judge_seeds))
    results = []
    for case in names:
        spec = all_cases[case]
        start = time.time()
        fj, ff = fit(a.out, a.clc, case, spec, a.design, a.refit)
        grid_lrs = [float(v) for v in ff["config"]["lrs"]]  # YAML 1.1 reads 1e-05 as text
        pred = fj["predicted_lr"]
        largest = max((o for o in fj["optima"] if o["usable"]), key=lambda o: o["fraction"])
        naive = largest["lr"]
        # Full-size sweep around the candidates, widened while the minimum is on its edge.
        lo = min(pred, naive) / 10
        hi = max(pred, naive) * 10
        idx = [i for i, v in enumerate(grid_lrs) if lo <= v <= hi]
        while True:
            lrs = [grid_lrs[i] for i in idx]
            loss = runs.losses(case, spec, lrs, sweep_seeds)
            best, i = best_rate(lrs, loss)
            if i == 0 and idx[0] > 0:
                idx.insert(0, idx[0] - 1)
            elif i == len(lrs) - 1 and idx[-1] < len(grid_lrs) - 1 and np.isfinite(loss[-1]).all():
                idx.append(idx[-1] + 1)
            else:
                break
        rates = {"clc": pred, "law": fj["law_lr"], "naive": naive, "best": best}
        L = judge(runs, case, spec, rates, judge_seeds)
        ref = L["best"].mean()
        row = {"case": case, "design": a.design, "rates": rates, "source": fj["prediction_source"], "law_weight": fj["law_weight"],
               "alpha": fj["alpha"], "alpha_ci": fj["alpha_ci"], "points": fj["points"],
               "warnings": fj["warnings"], "best_loss": ref, "seconds": round(time.time() - start)}
        for k in ("clc", "law", "naive"):
            d = L[k] - L["best"]
            row[f"{k}_regret"] = 100 * d.mean() / ref
            row[f"{k}_se"] = 100 * d.std(ddof=1) / math.sqrt(len(d)) / ref if np.all(np.isfinite(d)) else math.inf
        d = L["clc"] - L["naive"]
        row["diff"] = 100 * d.mean() / ref
        row["diff_se"] = 100 * d.std(ddof=1) / math.sqrt(len(d)) / ref if np.all(np.isfinite(d)) else math.inf
        row["clc_loses"] = bool(row["diff"] > 2 * row["diff_se"])
        results.append(row)
        print(f"{case}: {json.dumps(row)}", file=sys.stderr, flush=True)
    json.dump(results, open(f"{a.out}/regret-{a.design}.json", "w"), indent=1)
    print(f"| case | clc rate (source, law weight) | naive rate (1/4) | full-size best | best loss | "
          f"clc regret % | naive regret % | clc − naive % | law alone: rate, regret % | α [95% CI] |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        rt = r["rates"]
        ci = r["alpha_ci"]
        ci_text = f"[{ci[0]:.2f}, {ci[1]:.2f}]" if ci[1] > ci[0] else "(none)"
        print(f"| {r['case']} | {rt['clc']:.4g} ({r['source']}, {r['law_weight']:.2f}) | {rt['naive']:.4g} | "
              f"{rt['best']:.4g} | {r['best_loss']:.4f} | {r['clc_regret']:+.2f} ± {r['clc_se']:.2f} | "
              f"{r['naive_regret']:+.2f} ± {r['naive_se']:.2f} | {r['diff']:+.2f} ± {r['diff_se']:.2f} | "
              f"{rt['law']:.4g}, {r['law_regret']:+.2f} ± {r['law_se']:.2f} | {r['alpha']:.2f} {ci_text} |")
    regrets = [r["clc_regret"] for r in results]
    naive = [r["naive_regret"] for r in results]
    law = [r["law_regret"] for r in results]
    print(f"\nmedian regret: clc {np.median(regrets):.2f}%, law alone {np.median(law):.2f}%, naive {np.median(naive):.2f}%; "
          f"cases where clc loses to naive by more than 2 SE: {sum(r['clc_loses'] for r in results)} of {len(results)}; "
          f"{runs.ran} new full-size runs")


if __name__ == "__main__":
    main()
