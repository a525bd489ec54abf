#!/usr/bin/env bash
# Writes Fashion-MNIST (Debian package dataset-fashion-mnist) as CSV:
#   OUT/fashion-train.csv (60000 rows) and OUT/fashion-test.csv (10000 rows),
#   header px0..px783,label; pixel values 0..255; label 0..9 in the last column.
# Usage: scripts/fashion-mnist-csv.sh [OUT_DIR]   (default: /tmp/fashion-mnist)
set -euo pipefail
out=${1:-/tmp/fashion-mnist}
src=/usr/share/datasets/fashion-mnist
if [[ ! -f $src/train-images-idx3-ubyte.gz ]]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
fi
mkdir -p "$out"
python3 - "$src" "$out" <<'PY'
import gzip, struct, sys
src, out = sys.argv[1], sys.argv[2]
def read(name):
    with gzip.open(f"{src}/{name}") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = [struct.unpack(">I", data[4 + 4 * i: 8 + 4 * i])[0] for i in range(magic & 0xFF)]
    return dims, data[4 + 4 * len(dims):]
for split, prefix in (("train", "train"), ("test", "t10k")):
    (n, r, c), px = read(f"{prefix}-images-idx3-ubyte.gz")
    _, lab = read(f"{prefix}-labels-idx1-ubyte.gz")
    d = r * c
    with open(f"{out}/fashion-{split}.csv", "w") as f:
        f.write(",".join(f"px{i}" for i in range(d)) + ",label\n")
        for i in range(n):
            row = px[i * d:(i + 1) * d]
            f.write(",".join(map(str, row)) + f",{lab[i]}\n")
    print(f"{out}/fashion-{split}.csv: {n} rows, {d} features")
PY
