#!/usr/bin/env python3
"""A small convolutional network on Fashion-MNIST 28x28, tuned by clc through persistent workers.

    clc fit fashion-train.csv --exec-worker '/usr/bin/python3 examples/torch_cnn.py --valid fashion-test.csv'
        --design grid --fractions 1/32,1/16,1/8,1/4 --lr-min 1e-3 --lr-max 1 --lr-points 10 --epochs 2 --batch-size 64

Each worker reads the CSVs once (scripts/fashion-mnist-csv.sh writes them from Debian's
dataset-fashion-mnist: 784 pixel columns 0..255 and the label last), reshapes the rows into 1x28x28
images scaled to [0, 1] and standardized with the training pixels' mean and standard deviation, and
then trains one trial after another: on the first N images of one permutation (seeded by
--perm-seed, so the fractions are nested) for trial.epochs epochs of full batches at the constant
rate trial.lr, with SGD and momentum 0.9 (--optimizer sgd for plain SGD). The network:

    Conv2d(1, 8, 3, padding=1) -> ReLU -> MaxPool2d(2)      28x28 -> 14x14
    Conv2d(8, 16, 3, padding=1) -> ReLU -> MaxPool2d(2)     14x14 -> 7x7
    Flatten -> Linear(16*7*7, 10)

After each epoch it reports the validation loss and accuracy on all 10,000 test images
(trial.report), which clc records in the journal and shows while the trial runs; with --prune clc
stops a trial whose loss diverges or clearly trails a smaller rate's. The result is the final
validation loss, accuracy and training loss. One torch thread per worker: clc runs --workers of
them side by side. Needs Debian's python3-torch and python3-numpy (no download at run time).
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
    p.add_argument("--train", help="training CSV (default: the data file given to clc fit, CLC_DATA)")
    p.add_argument("--valid", required=True, help="validation CSV (e.g. fashion-test.csv)")
    p.add_argument("--optimizer", default="momentum", choices=["sgd", "momentum"])
    p.add_argument("--perm-seed", type=int, default=0, help="seed of the row permutation (same for every trial)")
    p.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    opts, _ = p.parse_known_args()
    opts.train = opts.train or os.environ.get("CLC_DATA")
    if not opts.train:
        sys.exit("torch_cnn: give --train, or the data file to clc fit")
    return opts


def load_images(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32)
    if a.shape[1] != 785:
        raise ValueError(f"{path}: {a.shape[1]} columns; want 784 pixels and a label")
    return a[:, :-1].reshape(-1, 1, 28, 28) / 255, a[:, -1].astype(np.int64)


def setup():
    opts = options()
    torch.set_num_threads(opts.threads)
    x, y = load_images(opts.train)
    xv, yv = load_images(opts.valid)
    mu, sd = x.mean(), x.std()
    x, xv = (x - mu) / sd, (xv - mu) / sd
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(opts.perm_seed))
    return dict(opts=opts, x=torch.from_numpy(x)[perm], y=torch.from_numpy(y)[perm],
                xv=torch.from_numpy(xv), yv=torch.from_numpy(yv))


def network():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(16 * 7 * 7, 10))


def evaluate(model, xv, yv, lossf):
    with torch.no_grad():
        loss, correct = 0.0, 0
        for i in range(0, len(xv), 2000):
            out = model(xv[i:i + 2000])
            loss += lossf(out, yv[i:i + 2000]).item() * len(out)
            correct += (out.argmax(dim=1) == yv[i:i + 2000]).sum().item()
    return loss / len(xv), correct / len(xv)


def train(trial, d):
    x, y = d["x"], d["y"]
    if not 0 < trial.n <= len(x):
        raise ValueError(f"n = {trial.n} is outside 1..{len(x)}")
    if trial.epochs < 1 or trial.batch_size < 1 or trial.n < trial.batch_size:
        raise ValueError(f"epochs {trial.epochs}, batch size {trial.batch_size}: need at least one batch of the {trial.n} rows")
    x, y = x[:trial.n], y[:trial.n]
    model = network()
    momentum = 0.9 if d["opts"].optimizer == "momentum" else 0
    opt = torch.optim.SGD(model.parameters(), lr=trial.lr, momentum=momentum)
    lossf = torch.nn.CrossEntropyLoss()
    steps = 0
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
        valid_loss, accuracy = evaluate(model, d["xv"], d["yv"], lossf)
        trial.report(epoch, loss=valid_loss, accuracy=accuracy)
    return {"loss": valid_loss, "accuracy": accuracy, "train_loss": total / batches, "steps": steps}


if __name__ == "__main__":
    clc_worker.run(train, setup=setup)
