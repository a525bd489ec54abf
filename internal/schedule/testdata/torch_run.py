"""Run clc's torch schedule snippets under PyTorch and print their rates.

Usage: python3 torch_run.py SNIPPET.py...

For each snippet: build an SGD optimizer (lr 123, momentum 0.9) on a dummy
parameter, call the snippet's make_scheduler(optimizer), and train STEPS
steps the way the snippet's comment says (scheduler.step() after every
optimizer step, or after the last step of every epoch), recording the
optimizer's lr at each step. Prints JSON {path: [lr, ...]}; Python's json
writes floats with repr, so they parse back to the same float64.
"""
import json
import sys
import warnings

import torch

warnings.simplefilter("ignore")
out = {}
for path in sys.argv[1:]:
    ns = {}
    with open(path) as f:
        exec(compile(f.read(), path, "exec"), ns)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=123.0, momentum=0.9)
    sched = ns["make_scheduler"](opt)
    spe = ns.get("STEPS_PER_EPOCH", 1)
    lrs = []
    for t in range(ns["STEPS"]):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if ns["STEP_EVERY"] == "step" or (t + 1) % spe == 0:
            sched.step()
    if opt.param_groups[0]["momentum"] != 0.9:
        raise SystemExit(path + ": the scheduler changed the momentum")
    out[path] = lrs
json.dump(out, sys.stdout)
