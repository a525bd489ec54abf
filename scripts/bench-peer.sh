#!/usr/bin/env bash
# clc against its peers, side by side in one run (make bench-peer):
#
#   1. CSV load of Fashion-MNIST's fashion-train.csv (133 MB, 60,000 × 785):
#      pandas.read_csv (timed by pandas_load below) and clc's reader (the Go benchmark
#      BenchmarkLoadCSVFile: table.Read on the file, as clc fit reads it),
#      alternated RUNS times; medians and the ratio clc / pandas. clc's
#      encoding/csv reference path is timed once for comparison.
#   2. Peak memory of clc fit on that file (/usr/bin/time -v), against the
#      budget 1.5 × the float32 matrix + 100 MB.
#   3. Training throughput, MLP 784-128-10, batch 64, sgd and adam: PyTorch
#      one thread (scripts/torch_peer.py throughput, run before and after) and the Go
#      BenchmarkStep (RUNS counts); medians and the ratio clc / PyTorch. PyTorch runs
#      on the single-threaded OpenBLAS whatever Debian's libblas.so.3 alternative
#      selects (the reference BLAS makes it about 10x slower); PEER_BLAS_DIR overrides
#      the directory, PEER_BLAS_DIR=system keeps the alternative.
#
# Usage: scripts/bench-peer.sh          (RUNS=3 by default; FASHION_DIR)
# Needs: Debian's python3-torch, python3-numpy, python3-pandas and dataset-fashion-mnist
# (installed on demand), Go. Takes 2–3 minutes on 2 cores.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data=${FASHION_DIR:-/tmp/fashion-mnist}
runs=${RUNS:-3}
csv=$data/fashion-train.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! /usr/bin/python3 -c 'import torch, numpy, pandas' 2>/dev/null ||
   ! compgen -G '/usr/lib/*-linux-gnu/openblas-serial/libblas.so.3' >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch python3-numpy python3-pandas \
    libopenblas0-serial >/dev/null
fi
blas_dir=${PEER_BLAS_DIR:-$(dirname "$(compgen -G '/usr/lib/*-linux-gnu/openblas-serial/libblas.so.3' | head -1)")}
peer=(/usr/bin/python3)
[[ $blas_dir == system || $blas_dir == . ]] || peer=(env "LD_LIBRARY_PATH=$blas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" /usr/bin/python3)
[[ -f $csv ]] || bash "$here/fashion-mnist-csv.sh" "$data"
(cd "$root" && CGO_ENABLED=0 go test -c -o "$tmp/train.test" ./internal/train &&
  CGO_ENABLED=0 go test -c -o "$tmp/table.test" ./internal/table && CGO_ENABLED=0 go build -o "$tmp/clc" ./cmd/clc)

# gomb prints the MB/s of a `go test -bench` output line on stdin.
gomb() { awk '/^Benchmark/ { for (i = 1; i < NF; i++) if ($(i+1) == "MB/s") print $i }'; }
# pandas_load prints the MB/s of pandas.read_csv on the file $1 (the CSV load peer).
pandas_load() {
  /usr/bin/python3 - "$1" <<'PY'
import os, sys, time
import pandas as pd
t = time.perf_counter()
pd.read_csv(sys.argv[1])
print(round(os.path.getsize(sys.argv[1]) / (time.perf_counter() - t) / 1e6, 1))
PY
}
# pyfield prints a JSON field of torch_peer.py's output line on stdin.
pyfield() { python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())[sys.argv[1]])' "$1"; }
median() { python3 -c 'import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }
ratio() { python3 -c 'import sys; print(f"{float(sys.argv[1]) / float(sys.argv[2]):.2f}")' "$1" "$2"; }

echo "# clc vs peers, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo
echo "## CSV load: $csv ($(( $(stat -c %s "$csv") / 1000000 )) MB; MB = 10^6 bytes throughout)"
pandas=() clc=()
for i in $(seq "$runs"); do
  p=$(pandas_load "$csv")
  c=$(cd "$root/internal/table" && CLC_BENCH_CSV=$csv "$tmp/table.test" -test.run '^$' \
      -test.bench '^BenchmarkLoadCSVFile$' -test.benchtime 1x | gomb)
  echo "run $i: pandas.read_csv $p MB/s, clc $c MB/s"
  pandas+=("$p") clc+=("$c")
done
slow=$(cd "$root/internal/table" && CLC_BENCH_SLOW=1 CLC_BENCH_CSV=$csv "$tmp/table.test" -test.run '^$' \
    -test.bench '^BenchmarkLoadCSVFile$' -test.benchtime 1x | gomb)
pm=$(median "${pandas[@]}") cm=$(median "${clc[@]}")
echo "median: pandas.read_csv $pm MB/s, clc $cm MB/s, clc encoding/csv path $slow MB/s"
echo "ratio clc / pandas: $(ratio "$cm" "$pm")  (encoding/csv path: $(ratio "$slow" "$pm"))"

echo
echo "## Peak memory of clc fit on $csv"
/usr/bin/time -v "$tmp/clc" fit "$csv" --fractions 1/64,1/32 --lrs 0.01,0.1,1 --seeds 1 --epochs 1 -q \
  -o "$tmp/fit.yaml" 2>"$tmp/time.txt" >/dev/null
kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.txt")
python3 - "$kb" <<'PY'
import sys
rss = int(sys.argv[1]) * 1024 / 1e6; matrix = 60000 * 784 * 4 / 1e6
print(f"max RSS {rss:.0f} MB; float32 matrix {matrix:.0f} MB; budget 1.5 x matrix + 100 = {1.5 * matrix + 100:.0f} MB;"
      f" ratio to the matrix {rss / matrix:.2f}")
PY

echo
echo "## Training step: MLP 784-128-10, batch 64, one core"
declare -A peer
for pass in before after; do
  for opt in sgd adam; do
    line=$("${peer[@]}" "$here/torch_peer.py" throughput "$csv" --hidden 128 --batch-size 64 --optimizer "$opt")
    s=$(pyfield samples_per_s <<<"$line")
    peer[$opt]+="$s "
    echo "PyTorch 1 thread ($pass) $opt: $s samples/s (BLAS: $(pyfield blas <<<"$line"))"
  done
  if [[ $pass == before ]]; then
    (cd "$root/internal/train" && GOMAXPROCS=1 "$tmp/train.test" -test.run '^$' \
      -test.bench 'BenchmarkStep/^(sgd|adam)$/^h128$/^b64$' -test.benchmem -test.count "$runs") | tee "$tmp/step.txt" | grep '^Benchmark'
  fi
done
for opt in sgd adam; do
  c=$(awk -v o="$opt" '$1 ~ "^BenchmarkStep/" o "([-/]|$)" { for (i = 1; i < NF; i++) if ($(i+1) == "samples/s") print $i }' "$tmp/step.txt")
  # shellcheck disable=SC2086
  cm=$(median $c) pm=$(median ${peer[$opt]})
  echo "$opt: median clc $cm samples/s, PyTorch $pm samples/s, ratio clc / PyTorch $(ratio "$cm" "$pm")"
done
