#!/usr/bin/env python3
"""A clc trainer in PyTorch: an MLP on a CSV, written with clc_worker (examples/clc_worker.py).

Trains the same MLP as clc's built-in trainer and scripts/torch_peer.py on the first N rows of a
seeded permutation of the training CSV. The same script runs three ways:

    clc fit --exec-worker '/usr/bin/python3 examples/torch_trainer.py --train T.csv --valid V.csv' ...
        persistent workers: each loads the CSVs once and then trains one trial after another
    clc fit --exec '/usr/bin/python3 examples/torch_trainer.py --train T.csv --valid V.csv' ...
        one process per trial (the trial's values come in CLC_LR, CLC_N, ...)
    /usr/bin/python3 examples/torch_trainer.py --train T.csv --valid V.csv --lr 0.1 --n 1875 --seed 0
        one trial by hand; the result is the last line of stdout:
        {"loss": <validation loss>, "accuracy": ..., "train_loss": ..., "steps": ..., "curve": [...]}

After every epoch it reports the validation loss and accuracy (trial.report), so clc shows them
while a trial runs and, with --prune and workers, can stop a clearly worse trial early.

Conventions: features z-scored with statistics of all training rows (std 0 -> 1); integer class
ids in the last column; Linear(d, h) -> ReLU -> Linear(h, classes) with PyTorch's default init; mean
cross-entropy; constant learning rate; every step uses a full batch (an epoch's remainder rows are
dropped), so steps = epochs * floor(n / batch_size); the subsets are nested: prefixes of one
permutation seeded by --perm-seed (torch.randperm). A batch loss that is not finite ends the trial
as diverged. Needs Debian's python3-torch and python3-numpy; run it with /usr/bin/python3.

    torch_trainer.py --train TRAIN.csv --valid VALID.csv [--hidden 128]
        [--optimizer sgd|momentum|adam] [--perm-seed 0] [--threads 1]
        (+ --lr --n --seed --epochs --batch-size for a trial by hand)
"""
import argparse
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clc_worker  # noqa: E402


def options():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", required=True)
    p.add_argument("--valid", required=True)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "momentum", "adam"])
    p.add_argument("--perm-seed", type=int, default=0, help="seed of the row permutation (same for every trial)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (clc runs --workers trials at once)")
    opts, _ = p.parse_known_args()  # the trial's own options are clc_worker's
    return opts


def load(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    return a[:, :-1], a[:, -1].astype(np.int64)


def setup():
    """Load and standardize the data once per process."""
    opts = options()
    torch.set_num_threads(opts.threads)
    x, y = load(opts.train)
    xv, yv = load(opts.valid)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1
    x, xv = (x - mu) / sd, (xv - mu) / sd
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(opts.perm_seed))
    return dict(opts=opts, x=torch.from_numpy(x)[perm], y=torch.from_numpy(y)[perm],
                xv=torch.from_numpy(xv), yv=torch.from_numpy(yv), classes=int(max(y.max(), yv.max())) + 1)


def make_optimizer(name, params, lr):
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    return torch.optim.SGD(params, lr=lr)


def train(trial, d):
    x, y, xv, yv = d["x"], d["y"], d["xv"], d["yv"]
    if not 0 < trial.n <= len(x):
        raise ValueError(f"n = {trial.n} is outside 1..{len(x)} (rows of the training data)")
    if trial.epochs < 1 or trial.batch_size < 1:
        raise ValueError("give the epochs and the batch size (clc passes them; by hand: --epochs 3 --batch-size 64)")
    if trial.n < trial.batch_size:
        raise ValueError(f"n = {trial.n} is smaller than the batch size {trial.batch_size}")
    x, y = x[:trial.n], y[:trial.n]  # a prefix of the permutation: the fractions are nested
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], d["opts"].hidden), torch.nn.ReLU(),
                                torch.nn.Linear(d["opts"].hidden, d["classes"]))
    opt = make_optimizer(d["opts"].optimizer, model.parameters(), trial.lr)
    lossf = torch.nn.CrossEntropyLoss()
    steps, train_loss = 0, math.nan
    for epoch in range(1, trial.epochs + 1):
        order = torch.randperm(trial.n)
        total, batches = 0.0, 0
        for i in range(0, trial.n - trial.batch_size + 1, trial.batch_size):
            idx = order[i:i + trial.batch_size]
            opt.zero_grad()
            loss = lossf(model(x[idx]), y[idx])
            if not torch.isfinite(loss):
                return {"loss": math.inf, "diverged": True, "steps": steps}
            loss.backward()
            opt.step()
            steps += 1
            total += loss.item()
            batches += 1
        train_loss = total / batches
        with torch.no_grad():
            out = model(xv)
            valid_loss = lossf(out, yv).item()
            accuracy = (out.argmax(dim=1) == yv).float().mean().item()
        print(f"{trial.id} epoch {epoch}/{trial.epochs}: train loss {train_loss:.4f}, "
              f"validation loss {valid_loss:.4f}", file=sys.stderr, flush=True)
        trial.report(epoch, loss=valid_loss, accuracy=accuracy)
    if not math.isfinite(valid_loss):
        return {"loss": math.inf, "diverged": True, "steps": steps}
    return {"loss": valid_loss, "accuracy": accuracy, "train_loss": train_loss, "steps": steps}


if __name__ == "__main__":
    clc_worker.run(train, setup=setup)
