#!/usr/bin/env python3
"""The PyTorch peer of clc: clc's training conventions implemented independently in PyTorch.

It is the reference that scripts/agreement.sh (optima side by side), scripts/bench-peer.sh
(training throughput) and the Go test scripts/peer_test.go compare clc with. It shares no code
with clc and none of its random streams: it agrees with clc in distribution (within seed noise),
not bit for bit. Needs only the standard library, torch and numpy (Debian: apt-get install
python3-torch python3-numpy); run it with /usr/bin/python3.

Conventions (those of clc's built-in trainer, internal/train; docs/design.md, "The method"):
  - data: a CSV file with a header row; the target is the column named by --target, else the
    last column; every other column is a feature. gzip input is detected by its magic bytes.
  - task (--task auto): classification when every target value is an integer and there are
    2..50 distinct values (relabelled 0..K-1 in numeric order), else regression.
  - validation: the --valid file, or a split of --valid-fraction of the rows seeded by
    --split-seed, stratified by class for classification: class c of n_c rows gives
    round(f * n_c) rows, at least 1 when n_c >= 2 and leaving at least 1 (a class of one row
    stays in training); regression gives round(f * N) rows, clamped to [1, N-1].
  - scaling: features z-scored with the mean and population std of all training rows (std 0 ->
    1), the validation rows with the same statistics; regression targets standardized the same way.
  - fractions: N = round(f * N_full) rows, the first N of one permutation of the training rows
    seeded by --shuffle-seed, so the subsets are nested.
  - model: Linear, or an MLP Linear -> ReLU (or tanh) -> ... -> Linear, with PyTorch's default
    initialization (weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))); one output per
    class (mean cross-entropy) or one output (mean squared error).
  - optimizers: torch.optim.SGD, SGD with momentum 0.9, Adam (0.9, 0.999), eps 1e-8.
  - loop: each epoch a fresh permutation of the N rows, floor(N/B) minibatches of B rows (the
    epoch's remainder is dropped), so T = E * floor(N/B) steps (--budget steps: T = --steps).
  - divergence: a batch loss that is not finite stops the trial before its update, and so
    does a batch loss above --divergence-factor x max(trivial loss of the trial's rows, first
    batch loss) on 5 consecutive steps; a non-finite validation loss also counts. The trivial
    loss is the entropy of the class frequencies (classification) or the targets' variance
    (regression). A diverged trial's losses are null.
  - a trial's seed seeds its initialization (torch.manual_seed) and its batch order (a
    generator of its own), so the same seed gives the same trial.

Subcommands (each prints JSON lines on stdout, notes on stderr):

  torch_peer.py sweep DATA.csv [--valid VALID.csv] [--fractions 1/32,1/16,1/8,1/4]
        [--lr-min 1e-4 --lr-max 1 --lr-points 17 | --lrs 0.01,0.1,1] [--seeds 2] [--epochs 3]
        [--batch-size 64] [--model mlp] [--hidden 128] [--optimizer sgd|momentum|adam] ...
    One line per trial, in the plan's order (fraction, then rate, then seed), with the keys of a
    clc journal's trial lines:
      {"fraction": 0.25, "n": 450, "lr": 0.1, "seed": 0, "steps": 21, "valid_loss": 0.61,
       "train_loss": 0.66, "valid_accuracy": 0.78, "diverged": false, "seconds": 0.04}
    scripts/compare_peer.py reads them (the seed-mean validation loss per rate, its minimum).

  torch_peer.py throughput [DATA.csv] [--hidden 128] [--batch-size 64] [--optimizer sgd]
        [--threads 1]
    Samples per second of the training step (forward, loss, backward, update, batch gather) over
    one epoch of the data after a short warm-up; without DATA, random data of --rows x --features
    with --classes classes. One line:
      {"peer": "torch 1.13.0 1 thread", "hidden": 128, "batch_size": 64, "optimizer": "sgd",
       "threads": 1, "steps": 937, "epoch_seconds": 1.2, "samples_per_s": 50000,
       "cpu_seconds": 1.1, "cpu_samples_per_s": 54500,
       "blas": "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"}
    (cpu_*: the CPU time of the calling thread, which leaves out waiting for a shared core;
    with one torch thread that is all of the step's work. blas: the BLAS library torch runs
    on; Debian selects it with update-alternatives, and the reference BLAS makes torch an
    order of magnitude slower than OpenBLAS.)
"""
import argparse
import csv
import gzip
import io
import json
import math
import sys
import time
from fractions import Fraction

import numpy as np
import torch

MAX_AUTO_CLASSES = 50


def fail(msg):
    print(f"torch_peer: error: {msg}", file=sys.stderr)
    sys.exit(2)


def round_half_away(x):
    """Round half away from zero (Go's math.Round), not Python's banker's rounding."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


# ---- data -----------------------------------------------------------------------------------

def read_csv(path, target=None):
    """Read a numeric CSV: returns (feature names, target name, X float32 [N, D], y float64 [N])."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8-sig")
    head, _, body = text.partition("\n")
    header = [h.strip(" \t\r\n") for h in next(csv.reader([head]))]
    if len(header) < 2:
        fail(f"{path}: the header needs at least 2 columns")
    if target is None:
        ti = len(header) - 1
    elif target in header:
        ti = header.index(target)
    else:
        fail(f"{path}: no column named {target!r}")
    try:  # numpy's C parser: plain numeric rows
        data = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError:  # quoted fields and the like: the csv module
        rows = [r for r in csv.reader(io.StringIO(body)) if r]
        data = np.array([[float(v.strip(" \t\r\n")) for v in r] for r in rows], dtype=np.float64)
    if data.size == 0:
        fail(f"{path}: no data rows below the header")
    if data.shape[1] != len(header):
        fail(f"{path}: rows have {data.shape[1]} fields, the header {len(header)}")
    if not np.all(np.isfinite(data)):
        fail(f"{path}: every cell must be a finite number")
    y = data[:, ti].copy()
    x = np.delete(data, ti, axis=1).astype(np.float32)
    features = header[:ti] + header[ti + 1:]
    return features, header[ti], x, y


def detect_task(y):
    if np.all(y == np.trunc(y)) and 2 <= len(np.unique(y)) <= MAX_AUTO_CLASSES:
        return "classification"
    return "regression"


def split_validation(x, y, classes, fraction, seed):
    """Stratified (classification) or plain seeded split; rows keep their file order."""
    rng = np.random.Generator(np.random.PCG64(seed))
    groups = [np.flatnonzero(y == c) for c in range(classes)] if classes else [np.arange(len(y))]
    valid = np.zeros(len(y), dtype=bool)
    for g in groups:
        n = len(g)
        v = min(max(round_half_away(fraction * n), 1), n - 1) if n >= 2 else 0
        valid[rng.permutation(g)[:v]] = True
    if not valid.any() or valid.all():
        fail(f"a validation split of {fraction:g} leaves an empty side ({len(y)} rows in all)")
    return x[~valid], y[~valid], x[valid], y[valid]


def prepare(a, split=True):
    """Read, relabel, split and scale the data as clc does. Returns a dict of tensors and facts.
    With split False every row is a training row and there are no validation rows."""
    features, target, x, y = read_csv(a.data, a.target)
    task = a.task if a.task != "auto" else detect_task(y)
    classes = 0
    if task == "classification":
        if not np.all(y == np.trunc(y)):
            fail(f"{a.data}: class labels in column {target!r} must be integers")
        labels = np.unique(y)
        if len(labels) < 2:
            fail(f"{a.data}: column {target!r} has a single class")
        classes = len(labels)
        y = np.searchsorted(labels, y).astype(np.float64)
    if a.valid:
        vfeatures, vtarget, xv, yv = read_csv(a.valid, target)
        if vtarget != target or sorted(vfeatures) != sorted(features):
            fail(f"{a.valid}: the validation file needs the training file's columns")
        xv = xv[:, [vfeatures.index(f) for f in features]]
        if classes:
            if not np.all(np.isin(yv, labels)):
                fail(f"{a.valid}: a class is not one of the training classes")
            yv = np.searchsorted(labels, yv).astype(np.float64)
    elif split:
        x, y, xv, yv = split_validation(x, y, classes, a.valid_fraction, a.split_seed)
    else:
        xv, yv = x[:0], y[:0]
    mu = x.astype(np.float64).mean(axis=0)
    sd = x.astype(np.float64).std(axis=0)
    sd[sd == 0] = 1
    x = ((x - mu) / sd).astype(np.float32)
    xv = ((xv - mu) / sd).astype(np.float32)
    if classes:
        y, yv = torch.from_numpy(y.astype(np.int64)), torch.from_numpy(yv.astype(np.int64))
    else:
        ym, ys = y.mean(), y.std()
        if ys == 0:
            fail(f"{a.data}: target column {target!r} is constant")
        y = torch.from_numpy(((y - ym) / ys).astype(np.float32))
        yv = torch.from_numpy(((yv - ym) / ys).astype(np.float32))
    return {"x": torch.from_numpy(x), "y": y, "xv": torch.from_numpy(xv), "yv": yv,
            "task": task, "classes": classes, "features": len(features)}


# ---- model and training ---------------------------------------------------------------------

def build_model(a, d, outputs):
    sizes = [d] + (a.hidden if a.model == "mlp" else []) + [outputs]
    layers = []
    for i in range(len(sizes) - 1):
        if i > 0:
            layers.append(torch.nn.ReLU() if a.activation == "relu" else torch.nn.Tanh())
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
    return torch.nn.Sequential(*layers)


def build_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)


def loss_fn(classes):
    if classes:
        return torch.nn.CrossEntropyLoss(), lambda out: out
    return torch.nn.MSELoss(), lambda out: out.squeeze(1)


PATIENCE = 5  # consecutive steps above the divergence threshold (clc's train.DivergencePatience)


def trivial_loss(y, classes):
    """The loss of the best constant prediction on targets y: the entropy of the class
    frequencies for classification, the variance of the (standardized) targets for regression."""
    if classes:
        p = torch.bincount(y, minlength=classes).double() / len(y)
        p = p[p > 0]
        return float(-(p * p.log()).sum())
    yd = y.double()
    return float(((yd - yd.mean()) ** 2).mean())


def train_trial(data, n, lr, seed, a):
    """One trial: the first n rows, constant rate lr, seed seed. Returns a trial record."""
    start = time.perf_counter()
    x, y = data["x"][:n], data["y"][:n]
    classes = data["classes"]
    torch.manual_seed(seed)
    model = build_model(a, data["features"], classes or 1)
    opt = build_optimizer(a.optimizer, model.parameters(), lr)
    lossf, shape = loss_fn(classes)
    order = torch.Generator().manual_seed(seed)
    per_epoch = n // a.batch_size
    total = a.steps if a.budget == "steps" else a.epochs * per_epoch
    rec = {"steps": 0, "valid_loss": None, "train_loss": None, "diverged": False}
    step, epoch_sum, epoch_steps = 0, 0.0, 0
    # Divergence (as clc's internal/train/divergence.go): a non-finite batch
    # loss at once, or a batch loss above factor x max(trivial loss of the
    # trial's rows, first batch loss) on PATIENCE consecutive steps.
    floor, ref, over = trivial_loss(y, classes), None, 0
    while step < total:
        perm = torch.randperm(n, generator=order)
        epoch_sum, epoch_steps = 0.0, 0
        for b in range(per_epoch):
            if step == total:
                break
            idx = perm[b * a.batch_size:(b + 1) * a.batch_size]
            opt.zero_grad()
            loss = lossf(shape(model(x[idx])), y[idx])
            value = loss.item()
            if ref is None and math.isfinite(value):
                ref = max(floor, value)
            over = over + 1 if (ref is not None and ref > 0 and value > a.divergence_factor * ref) else 0
            if not math.isfinite(value) or over >= PATIENCE:
                rec.update(diverged=True, steps=step, seconds=time.perf_counter() - start)
                if classes:
                    rec["valid_accuracy"] = 0.0
                return rec
            loss.backward()
            opt.step()
            step += 1
            epoch_sum += value
            epoch_steps += 1
    with torch.no_grad():
        out = model(data["xv"])
        valid = lossf(shape(out), data["yv"]).item()
        accuracy = (out.argmax(dim=1) == data["yv"]).double().mean().item() if classes else None
    rec["steps"] = step
    if not math.isfinite(valid):
        rec["diverged"] = True
        accuracy = 0.0
    else:
        rec.update(valid_loss=valid, train_loss=epoch_sum / epoch_steps)
    if classes:
        rec["valid_accuracy"] = accuracy
    rec["seconds"] = time.perf_counter() - start
    return rec


# ---- subcommands ----------------------------------------------------------------------------

def parse_fractions(text):
    out = []
    for p in text.split(","):
        try:
            v = float(Fraction(p.strip()))
        except (ValueError, ZeroDivisionError):
            fail(f"fraction {p!r} is not a number or ratio")
        if not 0 < v <= 1:
            fail(f"fraction {p!r} is outside (0, 1]")
        out.append(v)
    return sorted(set(out))


def rate_grid(a):
    if a.lrs:
        return sorted({float(v) for v in a.lrs.split(",")})
    lo = a.lr_min or (1e-5 if a.optimizer == "adam" else 1e-4)
    hi = a.lr_max or (0.1 if a.optimizer == "adam" else 1.0)
    if not 0 < lo < hi or a.lr_points < 3:
        fail("the grid needs 0 < --lr-min < --lr-max and --lr-points >= 3")
    la, lb = math.log10(lo), math.log10(hi)
    g = [10 ** (la + i * (lb - la) / (a.lr_points - 1)) for i in range(a.lr_points)]
    g[0], g[-1] = lo, hi
    return g


def cmd_sweep(a):
    data = prepare(a)
    n_full = len(data["x"])
    perm = torch.randperm(n_full, generator=torch.Generator().manual_seed(a.shuffle_seed))
    data["x"], data["y"] = data["x"][perm], data["y"][perm]
    fractions, lrs = parse_fractions(a.fractions), rate_grid(a)
    print(f"torch_peer: torch {torch.__version__}, {a.threads} thread(s); {n_full} training rows, "
          f"{len(data['xv'])} validation rows, {data['features']} features, {data['task']}"
          f"{' with %d classes' % data['classes'] if data['classes'] else ''}; "
          f"{len(fractions)} fractions x {len(lrs)} rates x {a.seeds} seeds", file=sys.stderr)
    for f in fractions:
        n = round_half_away(f * n_full)
        if n < a.batch_size:
            fail(f"fraction {f:g} leaves {n} of {n_full} training rows, fewer than one batch of {a.batch_size}")
        for lr in lrs:
            for seed in range(a.seed_base, a.seed_base + a.seeds):
                rec = {"fraction": f, "n": n, "lr": lr, "seed": seed}
                rec.update(train_trial(data, n, lr, seed, a))
                print(json.dumps(rec), flush=True)


def cmd_throughput(a):
    if a.data:
        a.valid = None
        data = prepare(a, split=False)
        x, y, classes = data["x"], data["y"], data["classes"]
    else:
        g = torch.Generator().manual_seed(0)
        x = torch.randn(a.rows, a.features, generator=g)
        y = torch.randint(a.classes, (a.rows,), generator=g)
        classes = a.classes
    if not classes:
        fail("throughput measures a classifier; give a classification dataset")
    torch.manual_seed(0)
    model = build_model(a, x.shape[1], classes)
    opt = build_optimizer(a.optimizer, model.parameters(), 0.01)
    lossf = torch.nn.CrossEntropyLoss()
    n, b = len(x), a.batch_size
    steps = n // b

    def step(idx):
        opt.zero_grad()
        lossf(model(x[idx]), y[idx]).backward()
        opt.step()

    warm = torch.randperm(n)
    for i in range(min(10, steps)):
        step(warm[i * b:(i + 1) * b])
    perm = torch.randperm(n)
    t, c = time.perf_counter(), time.thread_time()
    for i in range(steps):
        step(perm[i * b:(i + 1) * b])
    dt, dc = time.perf_counter() - t, time.thread_time() - c
    threads = "1 thread" if a.threads == 1 else f"{a.threads} threads"
    print(json.dumps({"peer": f"torch {torch.__version__} {threads}", "hidden": a.hidden[0] if len(a.hidden) == 1 else a.hidden,
                      "batch_size": b, "optimizer": a.optimizer, "threads": a.threads, "steps": steps,
                      "epoch_seconds": round(dt, 3), "samples_per_s": round(steps * b / dt),
                      "cpu_seconds": round(dc, 3), "cpu_samples_per_s": round(steps * b / dc),
                      "blas": blas_library()}))


def blas_library():
    """The BLAS shared library this process has loaded (Linux), resolved through symlinks such
    as Debian's alternatives: torch's speed on the CPU depends on it (the reference BLAS is
    an order of magnitude slower than OpenBLAS). "" when unknown."""
    import os
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
        paths = {p for p in paths if "blas" in os.path.basename(p).lower()}
    except OSError:
        return ""
    return ", ".join(sorted({os.path.realpath(p) for p in paths}))


def widths(text):
    try:
        w = [int(v) for v in text.split(",")]
    except ValueError:
        w = []
    if not w or min(w) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: each width must be a positive integer")
    return w


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("sweep", "throughput"):
        s = sub.add_parser(name)
        if name == "sweep":
            s.add_argument("data", metavar="DATA.csv")
        else:
            s.add_argument("data", metavar="DATA.csv", nargs="?", help="default: random data")
            s.add_argument("--rows", type=int, default=60000, help="rows of the random data")
            s.add_argument("--features", type=int, default=784, help="features of the random data")
            s.add_argument("--classes", type=int, default=10, help="classes of the random data")
        s.add_argument("--target", help="target column (default: the last column)")
        s.add_argument("--task", choices=["auto", "classification", "regression"], default="auto")
        s.add_argument("--model", choices=["linear", "mlp"], default="mlp")
        s.add_argument("--hidden", type=widths, default=[128], help="hidden widths, e.g. 128 or 128,64")
        s.add_argument("--activation", choices=["relu", "tanh"], default="relu")
        s.add_argument("--optimizer", choices=["sgd", "momentum", "adam"], default="sgd")
        s.add_argument("--batch-size", type=int, default=64)
        s.add_argument("--threads", type=int, default=1, help="torch threads (default 1, as clc's one core per trial)")
        if name == "sweep":
            s.add_argument("--valid", help="validation CSV (instead of a split)")
            s.add_argument("--valid-fraction", type=float, default=0.1)
            s.add_argument("--split-seed", type=int, default=0)
            s.add_argument("--shuffle-seed", type=int, default=0)
            s.add_argument("--fractions", default="1/32,1/16,1/8,1/4")
            s.add_argument("--lrs", help="explicit rates, comma-separated (instead of the log grid)")
            s.add_argument("--lr-min", type=float, default=0, help="default 1e-4; 1e-5 for adam")
            s.add_argument("--lr-max", type=float, default=0, help="default 1; 0.1 for adam")
            s.add_argument("--lr-points", type=int, default=17)
            s.add_argument("--seeds", type=int, default=2)
            s.add_argument("--seed-base", type=int, default=0, help="first trial seed: seeds B ... B+seeds-1")
            s.add_argument("--epochs", type=int, default=3)
            s.add_argument("--budget", choices=["epochs", "steps"], default="epochs")
            s.add_argument("--steps", type=int, default=0)
            s.add_argument("--divergence-factor", type=float, default=10)
    a = p.parse_args()
    if a.batch_size < 1 or a.threads < 1:
        fail("--batch-size and --threads must be at least 1")
    if a.cmd == "sweep":
        if a.budget == "steps" and a.steps < 1:
            fail("--budget steps needs --steps >= 1")
        if a.budget == "epochs" and a.epochs < 1:
            fail("--epochs must be at least 1")
        if a.seeds < 1 or a.seed_base < 0:
            fail("--seeds must be at least 1 and --seed-base at least 0")
    torch.set_num_threads(a.threads)
    {"sweep": cmd_sweep, "throughput": cmd_throughput}[a.cmd](a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
