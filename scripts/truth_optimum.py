#!/usr/bin/env python3
"""The measured truth of a many-seed sweep at fraction 1, independently of clc's estimator.

Usage: truth_optimum.py FIT.yaml
Prints one JSON object: {"log10": log10 η*, "se": its bootstrap standard error in decades,
"seeds": S, "rates": R}.

η* is the minimum of a least-squares cubic in log10 η through the seed-mean validation
losses within 0.3 decades of the grid minimum at fraction 1; its standard error is the
spread over 400 bootstrap resamples of the seeds (seeded, so the output is reproducible).
"""
import json
import random
import sys

import numpy as np
import yaml


def main(path):
    trials = [t for t in yaml.safe_load(open(path))["trials"] if t["fraction"] == 1]
    lrs = sorted({t["lr"] for t in trials})
    seeds = sorted({t["seed"] for t in trials})
    loss = np.full((len(lrs), len(seeds)), np.inf)
    for t in trials:
        if not t["diverged"]:
            loss[lrs.index(t["lr"]), seeds.index(t["seed"])] = t["valid_loss"]
    x = np.log10(lrs)

    def argmin(cols):
        m = loss[:, cols].mean(axis=1)
        i = int(np.argmin(m))
        w = np.abs(x - x[i]) <= 0.3 + 1e-9
        c = np.polyfit(x[w] - x[i], m[w], 3)
        r = np.roots(np.polyder(c))
        r = [v.real for v in r if abs(v.imag) < 1e-12 and np.polyval(np.polyder(c, 2), v.real) > 0]
        return x[i] + min(r, key=abs)

    t = argmin(list(range(len(seeds))))
    rng = random.Random(1)
    boot = [argmin([rng.randrange(len(seeds)) for _ in seeds]) for _ in range(400)]
    print(json.dumps({"log10": float(t), "se": float(np.std(boot, ddof=1)), "seeds": len(seeds), "rates": len(lrs)}))


if __name__ == "__main__":
    main(sys.argv[1])
