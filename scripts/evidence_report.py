#!/usr/bin/env python3
"""Markdown report of scripts/schedule-evidence.sh's outputs (see there)."""
import json, math, statistics as st, sys

import yaml  # Debian's python3-yaml

out = sys.argv[1]
J = lambda p: json.load(open(f"{out}/{p}"))


def cost(fit_yaml, max_fraction=1.0):
    """Samples processed (steps × batch) and summed trial seconds of a fit's trials."""
    f = yaml.safe_load(open(f"{out}/{fit_yaml}"))
    b = f["config"]["batch_size"]
    ts = [t for t in f["trials"] if t["fraction"] <= max_fraction]
    return sum(t["steps"] * b for t in ts), sum(t["seconds"] for t in ts), len(ts)


for opt in ("sgd", "adam"):
    fit, full = J(f"fit-{opt}.json"), J(f"full-{opt}.json")
    print(f"## {opt}\n")
    print(f"Fit on fractions ≤ 1/4: α = {fit['alpha']:.3f} [{fit['alpha_ci'][0]:.3f}, {fit['alpha_ci'][1]:.3f}], "
          f"R² = {fit['r2']:.3f}; predicted η*(60000) = {fit['predicted_lr']:.4g} "
          f"[{fit['predicted_lr_ci'][0]:.4g}, {fit['predicted_lr_ci'][1]:.4g}]; C(60000) = {fit['constant']:.4g} lr·steps "
          f"({fit['constant_verdict'].split(':')[0]}).\n")
    small_samples, small_sec, small_n = cost(f"fit-{opt}.yaml", 0.25)
    full_samples, full_sec, full_n = cost(f"full-{opt}.yaml")
    rows = {"a": "(a) predicted constant rate", "b": "(b) cosine carrying C(N)", "c": "(c) WSD carrying C(N)",
            "d": "(d) best rate of a full-size sweep", "e": "(e) best rate at 1/4, unchanged",
            "f": "(f) cosine carrying the cosine fit's area", "g": "(g) WSD carrying the WSD fit's area"}
    shape_samples = {k: cost(f"shapefit-{s}-{opt}.yaml")[:2] for k, s in (("f", "cosine"), ("g", "wsd"))}
    res = {}
    for k in rows:
        runs = [J(f"run-{opt}-{k}-{s}.json") for s in range(3)]
        losses = [r["valid_loss"] if r["valid_loss"] is not None else math.inf for r in runs]
        res[k] = (st.mean(losses), st.stdev(losses) if all(map(math.isfinite, losses)) else math.nan,
                  runs[0].get("lr") or None, runs[0]["area"], st.mean([r.get("valid_accuracy") or 0 for r in runs]))
    d = res["d"][0]
    print("| approach | rate / schedule | area (lr·steps) | val loss (3 seeds) | accuracy | regret vs (d) | sweep cost (samples, trial-seconds) |")
    print("|---|---|---|---|---|---|---|")
    for k, name in rows.items():
        m, s, lr, area, acc = res[k]
        how = f"{lr:.4g}" if lr else ("cosine" if k in "bf" else "wsd") + " schedule"
        if k in "abce":
            c = f"{small_samples/1e6:.1f}M, {small_sec:.0f} s"
        elif k == "d":
            c = f"{full_samples/1e6:.1f}M, {full_sec:.0f} s"
        else:
            c = f"{shape_samples[k][0]/1e6:.1f}M, {shape_samples[k][1]:.0f} s (its own sweep)"
        print(f"| {name} | {how} | {area:.4g} | {m:.4f} ± {s:.4f} | {100*acc:.2f}% | {m - d:+.4f} | {c} |")
    print()
    # Shape invariance of the optimal area.
    shapes = {"constant": fit, "cosine": J(f"shapefit-cosine-{opt}.json"), "wsd": J(f"shapefit-wsd-{opt}.json")}
    print("Optimal area C = (optimal mean rate) × T per fraction and shape (95% interval):\n")
    print("| fraction | N | T | " + " | ".join(shapes) + " | max/min |")
    print("|---|---|---|" + "---|" * (len(shapes) + 1))
    for i, o in enumerate(fit["optima"]):
        cells, vals = [], []
        for name, f in shapes.items():
            q = f["optima"][i]
            vals.append(q["constant"])
            mark = "" if q["bracketed"] else " (edge)"
            cells.append(f"{q['constant']:.4g} [{q['lr_low']*q['steps']:.3g}, {q['lr_high']*q['steps']:.3g}]{mark}")
        print(f"| {o['fraction']:g} | {o['n']} | {o['steps']} | " + " | ".join(cells) + f" | {max(vals)/min(vals):.2f} |")
    print()
