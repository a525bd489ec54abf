#!/usr/bin/env bash
# Agreement with an independent implementation: clc fit and the repository's
# PyTorch peer (scripts/torch_peer.py sweep) on Fashion-MNIST with the same model,
# data handling and learning-rate grid, side by side, for sgd and adam. clc runs
# the whole grid (--design grid: every fraction × rate × seed), as the peer does.
#
# Usage: scripts/agreement.sh [OUT_DIR]    (default /tmp/clc-agreement; FASHION_DIR)
# Needs: Debian's python3-torch, python3-numpy and dataset-fashion-mnist
# (installed on demand), Go. Takes about 10 minutes on 2 cores. The peer runs on
# OpenBLAS when it is installed, whatever Debian's libblas.so.3 alternative selects
# (with the reference BLAS it takes an hour); PEER_BLAS_DIR=system keeps the alternative.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/clc-agreement}
data=${FASHION_DIR:-/tmp/fashion-mnist}
mkdir -p "$out"
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy >/dev/null
fi
[[ -f $data/fashion-train.csv ]] || bash "$here/fashion-mnist-csv.sh" "$data"
blas_dir=${PEER_BLAS_DIR:-$(dirname "$(compgen -G '/usr/lib/*-linux-gnu/openblas-serial/libblas.so.3' | head -1)")}
peer=(/usr/bin/python3)
[[ $blas_dir == system || $blas_dir == . ]] || peer=(env "LD_LIBRARY_PATH=$blas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" /usr/bin/python3)
(cd "$here/.." && go build -o "$out/clc" ./cmd/clc)

grid() { python3 -c "print(','.join(f'{10 ** (e / 4):.4g}' for e in range($1, $2)))"; }
for opt in sgd adam; do
  if [[ $opt == adam ]]; then lrs=$(grid -20 -3); else lrs=$(grid -16 1); fi  # 1e-5…0.1 / 1e-4…1, 10^0.25 apart
  common=(--valid "$data/fashion-test.csv" --optimizer "$opt" --lrs "$lrs" --fractions 1/32,1/16,1/8,1/4,1
    --epochs 3 --batch-size 64 --seeds 2 --hidden 128)
  /usr/bin/time -f "peer $opt: %e s, %M KB" "${peer[@]}" "$here/torch_peer.py" sweep \
    "$data/fashion-train.csv" "${common[@]}" >"$out/torch-$opt.jsonl"
  /usr/bin/time -f "clc $opt: %e s, %M KB" "$out/clc" fit "$data/fashion-train.csv" \
    "${common[@]}" --design grid --json --quiet -o "$out/clc-$opt.yaml" >"$out/clc-$opt.json"
  echo "## $opt"
  python3 "$here/compare_peer.py" "$out/torch-$opt.jsonl" "$out/clc-$opt.json" || true
done
