"""clc_worker: run your training function as a clc trainer (standard library only).

Write a function that trains one trial and returns its final values, and hand it to run():

    import clc_worker

    def train(trial, data):                 # data: what setup() returned (once per process)
        model = make_model()                 # random, numpy and torch are already seeded with trial.seed
        for epoch in range(1, trial.epochs + 1):
            ...                              # train one epoch at trial.lr on the first trial.n rows
            trial.report(epoch, loss=val_loss, accuracy=val_acc)   # optional; may stop the trial
        return {"loss": val_loss, "accuracy": val_acc}             # "loss" is required

    if __name__ == "__main__":
        clc_worker.run(train, setup=load_data)

The same file then works both ways:

    clc fit data.csv --exec-worker 'python3 train.py'     # persistent workers: setup() runs once per
                                                           # worker, then one trial after another
    clc fit data.csv --exec 'python3 train.py'            # one process per trial (CLC_* variables)
    python3 train.py --lr 0.1 --n 1875 --seed 0 --epochs 3 --batch-size 64   # one trial by hand

The trial: trial.lr, .n (training rows: use the first n of one fixed permutation so that fractions
are nested), .seed, .fraction, .epochs, .batch_size, .steps (epochs * (n // batch_size)), .id (e.g.
"n1875-lr0.1-s0"), .data (the data file given to clc fit, or None), .worker (the worker's slot,
0 ... --workers - 1, or None for a one-shot run), .argv (command-line arguments the helper did not use).
With clc fit --shape S and workers, trial.rates holds the rate of every step (mean trial.lr) and
trial.schedule names the shape: set each step's rate with trial.lr_at(step) (the constant trial.lr
without a schedule), e.g. `for g in opt.param_groups: g["lr"] = trial.lr_at(step)`.

trial.report(epoch, **values) records the values after an epoch. With persistent workers clc shows
them while the trial runs and, with --prune, may answer that the trial should stop (it is clearly
diverging or clearly worse than a smaller rate at the same size and seed): report() then raises
clc_worker.Stop, which the helper catches and reports; do not catch it yourself (or re-raise it).

The result dict: "loss" (validation loss; NaN or inf for a run that diverged, or "diverged": True),
and any other numeric values, which clc records as metrics ("accuracy", "f1", ...); --metric NAME
fits the optimum of one of them.

The protocol is in docs/worker-protocol.md. This helper keeps stdout for the protocol: anything your
code prints (Python or C level) goes to stderr, which clc keeps (its tail) for error messages. An
exception in train() is reported as a failed trial (clc retries it per --retries) and the worker
goes on with the next one; the worker exits when clc closes its stdin.
"""

import argparse
import json
import math
import os
import random
import sys
import traceback

PROTOCOL = "1.0"
__version__ = "1.0"

__all__ = ["run", "Trial", "Stop", "seed_everything", "PROTOCOL"]


class Stop(Exception):
    """Raised by Trial.report when clc asks to stop the trial early (pruning)."""


def seed_everything(seed):
    """Seed Python's random and, when they have been imported, numpy and torch."""
    random.seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


class Trial:
    """One trial's settings, and report() for its per-epoch values."""

    def __init__(self, values, channel=None, argv=(), worker=None):
        self.fraction = float(values.get("fraction", 0) or 0)
        self.n = int(values["n"])
        self.lr = float(values["lr"])
        self.seed = int(values.get("seed", 0))
        self.epochs = int(values.get("epochs", 0) or 0)
        self.batch_size = int(values.get("batch_size", 0) or 0)
        steps = values.get("steps")
        if not steps and self.epochs and self.batch_size:
            steps = self.epochs * (self.n // self.batch_size)
        self.steps = int(steps or 0)
        self.id = values.get("trial") or "n%d-lr%s-s%d" % (self.n, _num(self.lr), self.seed)
        self.data = values.get("data") or None
        self.prune = bool(values.get("prune", False))
        sched = values.get("schedule") or None
        self.schedule = sched.get("shape") if sched else None
        self.rates = [float(r) for r in sched["rates"]] if sched else None
        self.worker = worker
        self.argv = list(argv)
        self.curve = []
        self._channel = channel

    def lr_at(self, step):
        """The learning rate of step 0, 1, ...: the schedule's when clc sent one (clc fit --shape),
        else the constant trial.lr."""
        if self.rates is None:
            return self.lr
        return self.rates[min(step, len(self.rates) - 1)]

    def report(self, epoch, **values):
        """Record the values after epoch (1, 2, ...); may raise Stop (see the module doc)."""
        epoch = int(epoch)
        if epoch < 1:
            raise ValueError("report: epoch must be at least 1, got %d" % epoch)
        vals = {k: float(v) for k, v in values.items()}
        self.curve.append(dict(epoch=epoch, **vals))
        if self._channel is not None:
            self._channel.send(dict(type="report", trial=self.id, epoch=epoch, **vals))
            if self.prune and not self._channel.answer():
                raise Stop()

    def __repr__(self):
        return "Trial(%s)" % self.id


def _num(x):
    """The shortest form of a float, like clc's {lr}."""
    r = repr(float(x))
    return r[:-2] if r.endswith(".0") else r


class _Channel:
    """The worker's protocol streams: private copies of stdin and stdout."""

    def __init__(self):
        out_fd = os.dup(1)
        os.dup2(2, 1)  # prints of any kind now go to stderr
        sys.stdout = sys.stderr
        self.out = os.fdopen(out_fd, "w", buffering=1, encoding="utf-8")
        self.inp = sys.stdin

    def send(self, msg):
        self.out.write(json.dumps(msg, allow_nan=True) + "\n")
        self.out.flush()

    def recv(self):
        """The next message from clc, or None at the end of stdin."""
        while True:
            line = self.inp.readline()
            if not line:
                return None
            line = line.strip()
            if line:
                return json.loads(line)

    def answer(self):
        """clc's answer to a report: continue (True) or stop (False)."""
        msg = self.recv()
        if msg is None:
            sys.exit(0)
        if msg.get("type") != "continue":
            raise RuntimeError("clc_worker: expected an answer to a report, got %r" % (msg,))
        return bool(msg.get("continue", True))


def _result(trial, out, stopped=False):
    """The result message of a trial from train()'s return value."""
    if stopped:
        msg = {"stopped": True}
        last = [c for c in trial.curve if "loss" in c]
        if last:
            msg["loss"] = last[-1]["loss"]
        return msg
    if not isinstance(out, dict):
        raise TypeError("train() must return a dict with \"loss\", got %s" % type(out).__name__)
    if "loss" not in out:
        raise ValueError("train() returned no \"loss\" (keys: %s)" % (", ".join(sorted(out)) or "none"))
    msg = {}
    for k, v in out.items():
        if isinstance(v, bool):
            msg[k] = v
        elif isinstance(v, (int, float)) or hasattr(v, "__float__"):
            msg[k] = float(v) if k != "steps" else int(v)
        else:
            msg[k] = v
    return msg


def _call(train, trial, state, has_state):
    seed_everything(trial.seed)
    return train(trial, state) if has_state else train(trial)


def _serve(train, setup, argv):
    channel = _Channel()
    state = setup() if setup is not None else None
    worker = os.environ.get("CLC_WORKER_ID")
    worker = int(worker) if worker and worker.isdigit() else None
    channel.send({"type": "hello", "protocol": PROTOCOL, "capabilities": ["report", "prune"],
                  "worker": "clc_worker.py %s (python %d.%d)" % (__version__, *sys.version_info[:2])})
    while True:
        msg = channel.recv()
        if msg is None:
            return 0
        if msg.get("type") != "trial":
            print("clc_worker: ignoring a message of type %r" % msg.get("type"), file=sys.stderr)
            continue
        trial = Trial(msg, channel, argv, worker)
        try:
            try:
                res = _result(trial, _call(train, trial, state, setup is not None))
            except Stop:
                res = _result(trial, None, stopped=True)
        except SystemExit:
            raise
        except BaseException as e:  # noqa: BLE001 - any failure of train() is the trial's
            tb = traceback.format_exc()
            sys.stderr.write(tb)
            sys.stderr.flush()
            channel.send({"type": "error", "trial": trial.id, "error": "%s: %s" % (type(e).__name__, e),
                          "traceback": tb[-4000:]})
            if isinstance(e, KeyboardInterrupt):
                return 130
            continue
        channel.send(dict(type="result", trial=trial.id, **res))


def _one_shot(train, setup, argv):
    p = argparse.ArgumentParser(add_help=False)
    env = os.environ.get
    p.add_argument("--lr", type=float, default=env("CLC_LR"))
    p.add_argument("--n", type=int, default=env("CLC_N"))
    p.add_argument("--seed", type=int, default=env("CLC_SEED", "0"))
    p.add_argument("--fraction", type=float, default=env("CLC_FRACTION", "0"))
    p.add_argument("--epochs", type=int, default=env("CLC_EPOCHS", "0"))
    p.add_argument("--batch-size", type=int, default=env("CLC_BATCH_SIZE", "0"))
    p.add_argument("--trial", default=env("CLC_TRIAL"))
    p.add_argument("--data", default=env("CLC_DATA"))
    a, rest = p.parse_known_args(argv)
    if a.lr is None or a.n is None:
        sys.exit("clc_worker: give --lr and --n (or run under clc fit --exec, which sets CLC_LR and CLC_N), "
                 "or run under clc fit --exec-worker")
    trial = Trial(dict(lr=a.lr, n=a.n, seed=a.seed, fraction=a.fraction, epochs=a.epochs,
                       batch_size=a.batch_size, trial=a.trial, data=a.data), None, rest, None)
    state = setup() if setup is not None else None
    res = _result(trial, _call(train, trial, state, setup is not None))
    if trial.curve and "curve" not in res:
        res["curve"] = trial.curve
    sys.stdout.flush()
    print(json.dumps(res, allow_nan=True), flush=True)
    return 0


def run(train, setup=None, argv=None):
    """Run train as a clc trainer and exit: a persistent worker when clc started this process with
    --exec-worker (CLC_WORKER_PROTOCOL is set), else one trial from the command line and CLC_*.

    train(trial) -> dict, or train(trial, state) with setup: state = setup() is computed once per
    process (load the data there)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if os.environ.get("CLC_WORKER_PROTOCOL"):
        code = _serve(train, setup, argv)
    else:
        code = _one_shot(train, setup, argv)
    sys.exit(code)


if __name__ == "__main__":
    sys.exit("clc_worker is a library: import it from your training script and call clc_worker.run(train)")
