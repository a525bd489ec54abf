#!/usr/bin/env python3
"""PyTorch reference for internal/train's torchref_test.go.

Usage: /usr/bin/python3 ref.py CASE.json

CASE.json (written by the Go test) holds a small dataset, the model shape, the
initial parameters clc drew (layer by layer: weight out x in row-major, then
bias, as in nn.Linear) and the exact row indices of every batch. This script
trains the same model in PyTorch from those weights in that order with
torch.optim (SGD, SGD momentum 0.9, Adam defaults) and prints one JSON object:
  {"losses": [batch loss before each update], "params": [final flat params],
   "valid_loss": mean loss on the validation rows, "torch": version}
Everything is float32 on one CPU thread, as clc trains.
"""
import json
import sys

import torch

torch.set_num_threads(1)


def main():
    with open(sys.argv[1]) as f:
        c = json.load(f)
    sizes, act = c["sizes"], c["activation"]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU() if act == "relu" else torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)

    flat = torch.tensor(c["init"], dtype=torch.float32)
    off = 0
    with torch.no_grad():
        for p in model.parameters():  # per Linear: weight, then bias
            n = p.numel()
            p.copy_(flat[off:off + n].view_as(p))
            off += n
    assert off == flat.numel(), "parameter count mismatch"

    d = sizes[0]
    x = torch.tensor(c["x"], dtype=torch.float32).view(-1, d)
    xv = torch.tensor(c["xv"], dtype=torch.float32).view(-1, d)
    if c["task"] == "classification":
        y = torch.tensor(c["y"], dtype=torch.int64)
        yv = torch.tensor(c["yv"], dtype=torch.int64)
        lossf = torch.nn.CrossEntropyLoss()
    else:
        y = torch.tensor(c["y"], dtype=torch.float32).view(-1, 1)
        yv = torch.tensor(c["yv"], dtype=torch.float32).view(-1, 1)
        lossf = torch.nn.MSELoss()

    lr, name = c["lr"], c["optimizer"]
    if name == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    elif name == "momentum":
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    elif name == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        raise SystemExit(f"unknown optimizer {name}")

    losses = []
    for batch in c["batches"]:
        idx = torch.tensor(batch, dtype=torch.int64)
        opt.zero_grad()
        loss = lossf(model(x[idx]), y[idx])
        losses.append(loss.item())
        loss.backward()
        opt.step()

    with torch.no_grad():
        valid = lossf(model(xv), yv).item()
        params = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    json.dump({"losses": losses, "params": params.tolist(), "valid_loss": valid,
               "torch": torch.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
