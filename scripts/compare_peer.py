#!/usr/bin/env python3
"""Side-by-side table of clc's optima and the PyTorch peer's, per fraction.

Usage: compare_peer.py TORCH.jsonl CLC.json [STEP_DECADES]
  TORCH.jsonl: output of shared/bench/torch_peer.py sweep
  CLC.json:    output of clc fit --json on the same data, grid and settings
  STEP_DECADES: the grid spacing in decades (default 0.25)

Prints a Markdown table and exits 1 when any optimum differs from the peer's by
more than one grid step (both the grid minimum and clc's refined optimum are
compared with the peer's grid minimum).
"""
import json, math, sys


def main():
    torch_rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    clc = json.load(open(sys.argv[2]))
    step = float(sys.argv[3]) if len(sys.argv) > 3 else 0.25
    by_n = {o["n"]: o for o in clc["optima"]}
    print("| fraction | N | peer best lr | peer loss | clc grid lr | clc refined lr (95% CI) | clc loss | grid Δ (steps) | refined Δ (steps) |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for r in torch_rows:
        o = by_n.get(r["n"])
        if o is None:
            print(f"| {r['fraction']:g} | {r['n']} | {r['best_lr']:.4g} | {r['best_loss']:.4f} | missing | | | | |")
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
