#!/usr/bin/env python3
"""Side-by-side table of clc's optima and the PyTorch peer's, per fraction.

Usage: compare_peer.py TORCH.jsonl CLC.json [STEP_DECADES]
  TORCH.jsonl: output of scripts/torch_peer.py sweep: one line per trial
               ({"fraction", "n", "lr", "seed", "valid_loss", "diverged", ...}; a clc
               journal's trial lines have the same keys and can be read too)
  CLC.json:    output of clc fit --json on the same data, grid and settings
  STEP_DECADES: the grid spacing in decades (default 0.25)

The peer's optimum per fraction is the grid minimum of its seed-mean validation loss
(a diverged trial counts as +inf). Prints a Markdown table and exits 1 when any
optimum differs from the peer's by more than one grid step (both the grid minimum and
clc's refined optimum are compared with the peer's grid minimum).
"""
import json
import math
import sys


def peer_optima(lines):
    """Per fraction: {"fraction", "n", "best_lr", "best_loss"} from trial lines."""
    cells = {}  # (fraction, n) -> lr -> [losses]
    out = []
    for r in lines:
        if "plan" in r:  # a clc journal's plan record
            continue
        if "best_lr" in r:  # a per-fraction summary line
            out.append(r)
            continue
        loss = r.get("valid_loss")
        if r.get("diverged") or loss is None or not math.isfinite(loss):
            loss = math.inf
        cells.setdefault((r["fraction"], r["n"]), {}).setdefault(r["lr"], []).append(loss)
    for (f, n), by_lr in sorted(cells.items()):
        means = {lr: sum(v) / len(v) for lr, v in by_lr.items()}
        best = min(sorted(means), key=lambda lr: means[lr])
        out.append({"fraction": f, "n": n, "best_lr": best, "best_loss": means[best]})
    return out


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        torch_rows = peer_optima(json.loads(l) for l in f if l.strip())
    with open(sys.argv[2]) as f:
        clc = json.load(f)
    step = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
    by_n = {o["n"]: o for o in clc["optima"]}
    print("| fraction | N | peer best lr | peer loss | clc grid lr | clc refined lr (95% CI) | clc loss | grid Δ (steps) | refined Δ (steps) |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for r in torch_rows:
        o = by_n.get(r["n"])
        if o is None or not o.get("usable", True) or not math.isfinite(r["best_loss"]):
            what = "missing" if o is None else "no usable optimum"
            print(f"| {r['fraction']:g} | {r['n']} | {r['best_lr']:.4g} | {r['best_loss']:.4f} | {what} | | | | |")
            worst = math.inf
            continue
        dg = math.log10(o["grid_lr"] / r["best_lr"]) / step
        dr = math.log10(o["lr"] / r["best_lr"]) / step
        worst = max(worst, abs(dg), abs(dr))
        print(f"| {r['fraction']:g} | {r['n']} | {r['best_lr']:.4g} | {r['best_loss']:.4f} | {o['grid_lr']:.4g} | "
              f"{o['lr']:.4g} [{o['lr_low']:.3g}, {o['lr_high']:.3g}] | {o['loss']:.4f} | {dg:+.2f} | {dr:+.2f} |")
    print(f"\nlargest difference: {worst:.2f} grid steps ({'within' if worst <= 1.01 else 'OUTSIDE'} one step; grid values are rounded to 4 digits)")
    return 0 if worst <= 1.01 else 1


if __name__ == "__main__":
    sys.exit(main())
