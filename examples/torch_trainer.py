#!/usr/bin/env python3
"""One clc trial in PyTorch: an external trainer for `clc fit --exec`.

Trains the same MLP as clc's built-in trainer and scripts/torch_peer.py on the first N rows of
a seeded permutation of the training CSV, and prints the result as the last line of stdout:

    {"loss": <validation loss>, "accuracy": <validation accuracy>, "steps": <steps>, "train_loss": ...}

A trial whose loss stops being finite prints {"loss": Infinity, "diverged": true, ...}.
Conventions (see docs/design.md, "The method"): features z-scored with statistics of all training rows
(std 0 -> 1); integer class ids in the last column; Linear(d, h) -> ReLU -> Linear(h, classes)
with PyTorch's default init; mean cross-entropy; constant learning rate; every step uses a
full batch (an epoch's remainder rows are dropped), so steps = epochs * floor(n / batch_size);
the subsets are nested: prefixes of one permutation seeded by --perm-seed (torch.randperm).

Needs Debian's python3-torch and python3-pandas; run it with /usr/bin/python3.

    torch_trainer.py --train TRAIN.csv --valid VALID.csv --lr 0.1 --n 1875 --seed 0
        [--epochs 3] [--batch-size 64] [--hidden 128] [--optimizer sgd|momentum|adam]
        [--perm-seed 0] [--threads 1]
"""
import argparse
import json
import math
import sys

import numpy as np
import pandas as pd
import torch


def load(path):
    df = pd.read_csv(path)
    target = df.columns[-1]
    y = df[target].to_numpy().astype(np.int64)
    x = df.drop(columns=[target]).to_numpy(dtype=np.float32)
    return x, y


def optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    sys.exit(f"torch_trainer: unknown optimizer {name!r}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", required=True)
    p.add_argument("--valid", required=True)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--n", type=int, required=True, help="training rows (a prefix of the permutation)")
    p.add_argument("--seed", type=int, default=0, help="initialization and shuffling seed")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "momentum", "adam"])
    p.add_argument("--perm-seed", type=int, default=0, help="seed of the row permutation (same for every trial)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (clc runs --workers trials at once)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    x, y = load(a.train)
    xv, yv = load(a.valid)
    if not 0 < a.n <= len(x):
        sys.exit(f"torch_trainer: --n {a.n} is outside 1..{len(x)} (rows in {a.train})")
    if a.n < a.batch_size:
        sys.exit(f"torch_trainer: --n {a.n} is smaller than --batch-size {a.batch_size}")
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1
    x, xv = (x - mu) / sd, (xv - mu) / sd
    k = int(max(y.max(), yv.max())) + 1
    x, xv = torch.from_numpy(x), torch.from_numpy(xv)
    y, yv = torch.from_numpy(y), torch.from_numpy(yv)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(a.perm_seed))
    sub = perm[:a.n]
    x, y = x[sub], y[sub]

    torch.manual_seed(a.seed)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], a.hidden), torch.nn.ReLU(),
                                torch.nn.Linear(a.hidden, k))
    opt = optimizer(a.optimizer, model.parameters(), a.lr)
    lossf = torch.nn.CrossEntropyLoss()
    steps, train_loss = 0, math.nan
    for epoch in range(a.epochs):
        order = torch.randperm(a.n)
        total, batches = 0.0, 0
        for i in range(0, a.n - a.batch_size + 1, a.batch_size):
            idx = order[i:i + a.batch_size]
            opt.zero_grad()
            loss = lossf(model(x[idx]), y[idx])
            if not torch.isfinite(loss):
                print(json.dumps({"loss": math.inf, "diverged": True, "steps": steps}))
                return 0
            loss.backward()
            opt.step()
            steps += 1
            total += loss.item()
            batches += 1
        train_loss = total / batches
        print(f"epoch {epoch + 1}/{a.epochs}: train loss {train_loss:.4f}", file=sys.stderr, flush=True)
    with torch.no_grad():
        out = model(xv)
        valid_loss = lossf(out, yv).item()
        accuracy = (out.argmax(dim=1) == yv).float().mean().item()
    if not math.isfinite(valid_loss):
        print(json.dumps({"loss": math.inf, "diverged": True, "steps": steps}))
        return 0
    print(json.dumps({"loss": valid_loss, "accuracy": accuracy, "steps": steps, "train_loss": train_loss}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
