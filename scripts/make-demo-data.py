#!/usr/bin/env python3
"""Writes clc's embedded demo dataset: a small, downsampled Fashion-MNIST subset.

Source: Debian's dataset-fashion-mnist package (the original IDX files). The demo
takes the first ROWS training images in a class-balanced way, averages POOLxPOOL
pixel blocks (28x28 -> 14x14 = 196 features for POOL 2, values rounded to integers 0..255) and
writes `px0..px195,label` as gzip-compressed CSV. Deterministic: running it again
gives the same bytes.

Usage: make-demo-data.py OUT.csv[.gz] [ROWS] [POOL]
  POOL (default 2) is the side of the averaged pixel blocks: 2 gives 14x14, 4 gives 7x7.
  OUT ending in .gz is gzip-compressed; anything else is plain CSV.
"""
import gzip, struct, sys

SRC = "/usr/share/datasets/fashion-mnist"


def read_idx(name):
    with gzip.open(f"{SRC}/{name}") as f:
        data = f.read()
    ndim = struct.unpack(">I", data[:4])[0] & 0xFF
    dims = [struct.unpack(">I", data[4 + 4 * i:8 + 4 * i])[0] for i in range(ndim)]
    return dims, data[4 + 4 * ndim:]


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
    pool = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    (n, h, w), px = read_idx("train-images-idx3-ubyte.gz")
    _, labels = read_idx("train-labels-idx1-ubyte.gz")
    per_class = rows // 10
    taken = [0] * 10
    lines = [",".join(f"px{i}" for i in range((h // pool) * (w // pool))) + ",label"]
    for i in range(n):
        y = labels[i]
        if taken[y] >= per_class:
            continue
        taken[y] += 1
        img = px[i * h * w:(i + 1) * h * w]
        cells = []
        for r in range(0, h, pool):
            for c in range(0, w, pool):
                s = sum(img[(r + i) * w + c + j] for i in range(pool) for j in range(pool))
                cells.append(str((s + pool * pool // 2) // (pool * pool)))
        lines.append(",".join(cells) + f",{y}")
        if sum(taken) == per_class * 10:
            break
    data = ("\n".join(lines) + "\n").encode()
    with open(out, "wb") as raw:
        if out.endswith(".gz"):
            # mtime=0 keeps the gzip bytes reproducible.
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as f:
                f.write(data)
        else:
            raw.write(data)
    print(f"{out}: {len(lines) - 1} rows, {(h // pool) * (w // pool)} features", file=sys.stderr)


if __name__ == "__main__":
    main()
