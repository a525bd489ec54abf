#!/usr/bin/python3
"""Truth and report of scripts/axes-benchmark.sh (see there).

  axes-truth.py edge JOURNAL N        low, high or ok: where the own run's
                                      seed-mean minimum at N lies on its grid
  axes-truth.py report OUT FITS SECS  the Markdown report of the benchmark

The truth of a run is read from a clc journal, independently of clc's
estimator, by the estimator of scripts/truth_optimum.py applied to one run's
trials: the seed-mean validation loss per rate (infinite where a seed
diverged), the minimum of a least-squares cubic in log10 η through the
means within 0.3 decades of the grid minimum, and its standard error from
400 bootstrap resamples of the seeds.
"""
import glob
import warnings
warnings.simplefilter("ignore")
import json
import math
import os
import random
import sys

import numpy as np
import yaml


def trials(journal, n, run=None):
    """The trials of one run at N: run is a dict of the run's fields
    (epochs, batch_size, step_budget) or None for the journal's own run."""
    out = []
    with open(journal) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            if "plan" in t or t.get("n") != n:
                continue
            fields = {k: t[k] for k in ("epochs", "batch_size", "step_budget") if k in t}
            if fields != (run or {}):
                continue
            out.append(t)
    return out


def table(ts):
    lrs = sorted({t["lr"] for t in ts})
    seeds = sorted({t["seed"] for t in ts})
    loss = np.full((len(lrs), len(seeds)), np.nan)
    for t in ts:
        v = t.get("valid_loss")
        loss[lrs.index(t["lr"]), seeds.index(t["seed"])] = np.inf if (t.get("diverged") or v is None) else v
    return np.log10(lrs), loss


def curve(x, loss, cols):
    m = loss[:, cols]
    mean = np.where(np.isinf(m).any(axis=1), np.inf, np.nanmean(np.where(np.isinf(m), np.nan, m), axis=1))
    return mean


def cubic_min(x, mean):
    i = int(np.argmin(mean))
    w = (np.abs(x - x[i]) <= 0.3 + 1e-9) & np.isfinite(mean)
    if w.sum() < 4:
        w = (np.abs(x - x[i]) <= 0.4 + 1e-9) & np.isfinite(mean)
    c = np.polyfit(x[w] - x[i], mean[w], 3)
    r = np.roots(np.polyder(c))
    r = [v.real for v in r if abs(v.imag) < 1e-12 and np.polyval(np.polyder(c, 2), v.real) > 0
         and x[w].min() - x[i] <= v.real <= x[w].max() - x[i]]
    if not r:
        return x[i], mean[i], (c, x[i], x[w].min(), x[w].max())
    xm = min(r, key=abs)
    return x[i] + xm, np.polyval(c, xm), (c, x[i], x[w].min(), x[w].max())


def truth(ts):
    warnings.simplefilter("ignore")
    x, loss = table(ts)
    seeds = list(range(loss.shape[1]))
    mean = curve(x, loss, seeds)
    xs, ls, fit = cubic_min(x, mean)
    rng = random.Random(1)
    boot = []
    for _ in range(400):
        cols = [rng.randrange(len(seeds)) for _ in seeds]
        boot.append(cubic_min(x, curve(x, loss, cols))[0])
    i = int(np.argmin(mean))
    edge = "low" if i == 0 else "high" if i == len(x) - 1 or not np.isfinite(mean[i + 1]) else "ok"
    return {"x": xs, "loss": ls, "se": float(np.std(boot, ddof=1)), "fit": fit, "grid": x, "mean": mean,
            "seeds": len(seeds), "edge": edge}


def loss_at(tr, xp):
    """The truth curve's loss at log10 rate xp: the cubic inside its window,
    else the seed-mean curve interpolated linearly in log10 η (None beyond
    the grid or at a diverged rate)."""
    c, x0, lo, hi = tr["fit"]
    if lo <= xp <= hi:
        return float(np.polyval(c, xp - x0))
    x, m = tr["grid"], tr["mean"]
    if xp < x[0] or xp > x[-1]:
        return None
    j = int(np.searchsorted(x, xp))
    j = max(1, min(j, len(x) - 1))
    if not (np.isfinite(m[j - 1]) and np.isfinite(m[j])):
        return None
    u = (xp - x[j - 1]) / (x[j] - x[j - 1])
    return float(m[j - 1] + u * (m[j] - m[j - 1]))


def cost(fit):
    """Samples (T·B) and trial-seconds of the fit's own run and of its other runs."""
    c = fit["config"]
    own, other = [0.0, 0.0], [0.0, 0.0]
    for t in fit["trials"]:
        b = t.get("batch_size", c["batch_size"])
        side = other if any(k in t for k in ("epochs", "batch_size", "step_budget")) else own
        side[0] += t["steps"] * b
        side[1] += t["seconds"]
    return own, other


def target_label(t):
    return t.replace("--", "").replace("batch-size", "batch")


def report(out, fits, secs):
    os.chdir(out)
    lines = []
    # Demo: the truths.
    dt = {
        "--epochs 3": ("demo-truth-axes.jsonl", None), "--epochs 1": ("demo-truth-axes.jsonl", {"epochs": 1}), "--epochs 6": ("demo-truth-axes.jsonl", {"epochs": 6}),
        "--epochs 12": ("demo-truth-axes.jsonl", {"epochs": 12}), "--batch-size 16": ("demo-truth-axes.jsonl", {"batch_size": 16}),
        "--batch-size 64": ("demo-truth-axes.jsonl", {"batch_size": 64}), "--batch-size 128": ("demo-truth-axes.jsonl", {"batch_size": 128}),
        "--epochs 6 --batch-size 64": ("demo-truth-combo.jsonl", None), "--steps 400": ("demo-truth-steps.jsonl", None),
        "--steps 1600": ("demo-truth-steps.jsonl", {"step_budget": 1600}),
    }
    ft = {t: (f"fashion-truth-{t.replace(' ', '')}.jsonl", None) for t in
          ["--epochs 3", "--epochs 1", "--epochs 6", "--epochs 10", "--batch-size 32", "--batch-size 128", "--batch-size 256",
           "--epochs 6 --batch-size 128", "--steps 2000"]}
    summary = []
    for name, truths, n, runs in (("demo", dt, 7000, [f"demo-{i}" for i in range(1, fits + 1)]),
                                  ("Fashion-MNIST", ft, 60000, ["fashion"])):
        lines.append(f"\n### {name}\n")
        lines.append("| target run | clc's rate [95%] | transfer: Δ ± SE (decades) | truth η* (SE) | truth Δ | holds the truth | regret (% of val loss) |")
        lines.append("|---|---|---|---|---|---|---|")
        cover = total = 0
        own_cover = own_total = 0
        tcover = ttotal = 0
        regrets = []
        own_truth = None
        for tgt, (journal, run) in truths.items():
            if not os.path.exists(journal):
                continue
            ts = trials(journal, n, run)
            if not ts:
                continue
            tr = truth(ts)
            if tgt == "--epochs 3":
                own_truth = tr
            for r in runs:
                pf = f"{r.replace('demo-', 'demo-predict-') if r.startswith('demo') else 'fashion-predict'}-{tgt.replace(' ', '')}.json"
                if not os.path.exists(pf) or os.path.getsize(pf) == 0:
                    continue
                p = json.load(open(pf))["predictions"][0]
                lo, hi = p["lr_low"], p["lr_high"]
                inside = lo > 0 and math.log10(lo) <= tr["x"] <= math.log10(hi)
                la = loss_at(tr, math.log10(p["lr"]))
                reg = None if la is None else max(0.0, la - tr["loss"]) / tr["loss"]
                own = tgt == "--epochs 3"
                if own:
                    own_cover += inside
                    own_total += 1
                else:
                    cover += inside
                    total += 1
                    if reg is not None:
                        regrets.append(reg)
                label = ("own run, " if own else "") + target_label(tgt) + ("" if len(runs) == 1 else f" (fit {r.split('-')[-1]})")
                t = p.get("transfer") or {}
                trtext, dtext = "-", "-"
                if t and own_truth is not None:
                    d = tr["x"] - own_truth["x"]
                    dtext = f"{d:+.3f}"
                    trtext = f"{t['from']}: {t['decades']:+.3f} ± {t['se']:.3f}"
                    # The transfer alone: its 95% interval against the truth's Δ.
                    ttotal += 1
                    tcover += abs(t["decades"] - d) <= 1.96 * math.hypot(t["se"], math.hypot(tr["se"], own_truth["se"]))
                regtext = "beyond the truth's grid" if reg is None else f"{100 * reg:.2f}"
                lines.append(f"| {label} | {p['lr']:.4g} [{lo:.3g}, {hi:.3g}] | {trtext} | {10 ** tr['x']:.4g} ({tr['se']:.3f} decades, "
                             f"{tr['seeds']} seeds{', edge ' + tr['edge'] if tr['edge'] != 'ok' else ''}) | {dtext} | "
                             f"{'yes' if inside else 'no'} | {regtext} |")
        med = float(np.median(regrets)) if regrets else float("nan")
        mx = max(regrets) if regrets else float("nan")
        within = sum(r <= 0.01 for r in regrets)
        summary.append(f"{name}: the 95% interval holds the truth in {cover}/{total} cases of other runs ({100 * cover / max(total, 1):.0f}%; "
                       f"{own_cover}/{own_total} for the fit's own run); regret of clc's rate: median {100 * med:.2f}%, largest {100 * mx:.2f}% "
                       f"of the validation loss, at most 1% in {within}/{len(regrets)}; the transfer alone (Δ ± 1.96·SE, with the truths' SEs) holds the truth's Δ in {tcover}/{ttotal}")
        costs = []
        for r in runs:
            f = f"{r.replace('demo-', 'demo-fit-') if r.startswith('demo') else 'fashion-fit'}.yaml"
            if os.path.exists(f):
                own, other = cost(yaml.safe_load(open(f)))
                costs.append((other[0] / own[0], other[1] / own[1]))
        if costs:
            summary.append(f"{name}: the other runs cost +{100 * np.mean([c[0] for c in costs]):.0f}% in samples and "
                           f"+{100 * np.mean([c[1] for c in costs]):.0f}% in trial-seconds of the size-only sweep")
    busy = 0.0
    for j in glob.glob("*.jsonl"):
        with open(j) as f:
            for line in f:
                if line.strip() and '"plan"' not in line:
                    busy += json.loads(line).get("seconds", 0)
    print(f"Measured by scripts/axes-benchmark.sh: {secs} s of wall time for this run (journals reused), "
          f"{busy / 60:.0f} trial-minutes recorded in all its journals (the sum of the trials' wall times, "
          f"an upper bound on their CPU time; nice, 2 shared cores).\n")
    for s in summary:
        print("- " + s)
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1] == "edge":
        ts = trials(sys.argv[2], int(sys.argv[3]))
        print(truth(ts)["edge"] if ts else "ok")
    else:
        report(sys.argv[2], int(sys.argv[3]), sys.argv[4])
