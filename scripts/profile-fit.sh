#!/usr/bin/env bash
# Profiles a whole sweep, the README's Fashion-MNIST fit (make profile-fit):
#
#   clc fit fashion-train.csv --valid fashion-test.csv --hidden 128 --batch-size 64 --epochs 3 --design grid
#
# (the full grid of 136 trials, so that every revision does the same work),
# run in-process by cmd/clc's TestProfileFit under `go test -cpuprofile`, and prints
# the share of the CPU time spent in the training kernels (the assembly routines:
# matrix-product blocks, optimizer updates, ReLU), in the training trials, and the
# largest items outside the kernels.
#
# Usage: scripts/profile-fit.sh [PROFILE.out]   (env: WORKERS=2, FASHION_DIR=/tmp/fashion-mnist,
#        EXTRA="--optimizer adam" to add fit flags, BASELINE=rev to profile clc as of that git
#        revision instead, with this tree's TestProfileFit added)
# Needs Go; writes the Fashion-MNIST CSVs with scripts/fashion-mnist-csv.sh when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
data=${FASHION_DIR:-/tmp/fashion-mnist}
workers=${WORKERS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=${1:-$tmp/cpu.out}

[[ -f $data/fashion-train.csv && -f $data/fashion-test.csv ]] || "$here/fashion-mnist-csv.sh" "$data"
src=$root
if [[ -n ${BASELINE:-} ]]; then
  src=$tmp/src
  mkdir "$src"
  git -C "$root" archive "$BASELINE" | tar -x -C "$src"
  cp "$root/cmd/clc/profile_test.go" "$src/cmd/clc/"
fi
(cd "$src" && CGO_ENABLED=0 go test -c -o "$tmp/cmd.test" ./cmd/clc)
args="fit $data/fashion-train.csv --valid $data/fashion-test.csv --hidden 128 --batch-size 64 --epochs 3"
args="$args --journal none -q -o $tmp/fit.yaml --workers $workers ${EXTRA:-}"
# The full grid (136 trials), the same work at every revision: revisions with an adaptive
# design choose their trials with --design, older ones always ran the grid.
if grep -q -- '"design"' "$src/cmd/clc/fit.go"; then args="$args --design grid"; fi
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg): clc${BASELINE:+ at $BASELINE} $args"
start=$(date +%s.%N)
(cd "$src/cmd/clc" && CLC_PROFILE_ARGS=$args "$tmp/cmd.test" -test.run '^TestProfileFit$' -test.count 1 \
    -test.cpuprofile "$out" >/dev/null)
echo "wall $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)") s"

kernels='train\.(nn4x16x?|nn4x32x?|nt2x4x?|nt4x4x?|axpy8|momentum8|adam8|relu8|reluMask8)$'
# share REGEX prints "seconds percent" of the samples with a function matching REGEX on the stack.
share() {
  go tool pprof -top -focus "$1" "$tmp/cmd.test" "$out" 2>/dev/null |
    sed -n 's/^Showing nodes accounting for \([^,]*\), \([0-9.]*\)% of .*/\1 \2%/p'
}
go tool pprof -top "$tmp/cmd.test" "$out" 2>/dev/null | sed -n 's/^Duration: .*Total samples = \([^ ]*\).*/CPU time (samples) \1/p'
echo "kernels (assembly)         $(share "$kernels")"
echo "training trials            $(share 'clc\.\(\*BuiltinTrainer\)\.Train$')"
echo "  of which validation      $(share 'train\.\(\*trainer\)\.evaluate$')"
echo "largest items outside the kernels (flat):"
go tool pprof -top -nodecount 12 -ignore "$kernels" "$tmp/cmd.test" "$out" 2>/dev/null |
  awk '/ flat  flat%/ { on = 1; next } on && $1 != "0" { print "  " $1, $2, $6 }'
