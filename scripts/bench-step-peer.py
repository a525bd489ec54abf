#!/usr/bin/python3
"""The training step, clc against PyTorch on one thread, side by side (make bench-step-peer).

For each of ROUNDS rounds and each configuration (sgd and adam, MLP 784-H-10 with H = 128
and 512, batch 64 and 256) it runs, alternating which goes first:

  - the peer: scripts/torch_peer.py throughput (random data, 60,000 x 784, 10 classes; one
    epoch after a warm-up; one torch thread), with PEER_BLAS on LD_LIBRARY_PATH: Debian's
    OpenBLAS built single-threaded (libopenblas0-serial), not the reference BLAS that
    python3-torch pulls in by default (about 10 times slower);
  - clc: the Go benchmark BenchmarkStep for the same configuration (60,000 synthetic rows of
    784 features, 1 s), with the kernels this CPU selects and, where the CPU has AVX-512,
    again with the AVX2 kernels (VARIANTS).

Both sides time gather, forward, loss, backward and update and report samples per second
of wall time and of the thread's CPU time (which leaves out the time spent waiting for a
core shared with other jobs). It prints, per configuration, the median and range of each and
the ratio of the medians, as a Markdown table.

With BASELINE set to a git revision, clc's step as of that revision is timed too (the same
benchmark, added to that revision's tree in a scratch directory), for a before/after
comparison in the same run.

Usage: scripts/bench-step-peer.py    (env: ROUNDS=5, CONFIGS=sgd/128/64,..., VARIANTS=",avx2/",
       PEER_BLAS=/usr/lib/<multiarch>/openblas-serial, BENCHTIME=1s, BASELINE=rev)
Needs Go, /usr/bin/python3 with torch and numpy; libopenblas0-serial for PEER_BLAS.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("ROUNDS", "5"))
BLAS = os.environ.get("PEER_BLAS", f"/usr/lib/{sysconfig.get_config_var('MULTIARCH')}/openblas-serial")
BENCHTIME = os.environ.get("BENCHTIME", "1s")
CONFIGS = [c.split("/") for c in os.environ.get(
    "CONFIGS", "sgd/128/64,sgd/128/256,sgd/512/64,sgd/512/256,"
               "adam/128/64,adam/128/256,adam/512/64,adam/512/256").split(",")]


def peer(opt, hidden, batch):
    env = dict(os.environ, LD_LIBRARY_PATH=BLAS)
    out = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "torch_peer.py"), "throughput",
                          "--optimizer", opt, "--hidden", hidden, "--batch-size", batch],
                         env=env, check=True, capture_output=True, text=True).stdout
    rec = json.loads(out.strip().splitlines()[-1])
    return rec["samples_per_s"], rec["cpu_samples_per_s"]


# BenchmarkStepCmp is BenchmarkStep's measurement written against the internal API that
# clc's trainer has had since its first AVX2 kernels (newTrainer, lossOn, update), so that it
# can be added to an older revision's tree.
STEP_CMP = """package train

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

var cmpData = sync.OnceValue(func() *Dataset { return synthClassification(60000, 784, 10, 1) })

func cmpCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func BenchmarkStepCmp(b *testing.B) {
	for _, opt := range []OptimizerKind{SGD, Adam} {
		for _, h := range []int{128, 512} {
			for _, bs := range []int{64, 256} {
				b.Run(fmt.Sprintf("%s/h%d/b%d", opt, h, bs), func(b *testing.B) {
					ds := cmpData()
					cfg := Config{Model: MLP, Hidden: []int{h}, Optimizer: opt, Epochs: 1, BatchSize: bs, LR: 1e-3}.withDefaults()
					tr := newTrainer(cfg, ds, bs)
					newShuffler(1).permute(tr.perm)
					runtime.LockOSThread()
					c0 := cmpCPU()
					i := 0
					for b.Loop() {
						tr.lossOn(tr.perm[i*bs : i*bs+bs])
						tr.update(bs, 1e-3)
						i = (i + 1) % (ds.N / bs)
					}
					c := cmpCPU() - c0
					runtime.UnlockOSThread()
					b.ReportMetric(float64(bs*b.N)/b.Elapsed().Seconds(), "samples/s")
					b.ReportMetric(float64(bs*b.N)/c.Seconds(), "cpu-samples/s")
				})
			}
		}
	}
}
"""


def build_baseline(rev, tmp):
    """Builds the train test binary of revision rev with BenchmarkStepCmp added."""
    tree = os.path.join(tmp, "baseline")
    os.makedirs(tree)
    archive = subprocess.run(["git", "-C", ROOT, "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
    with open(os.path.join(tree, "internal", "train", "zz_stepcmp_test.go"), "w") as f:
        f.write(STEP_CMP)
    binary = os.path.join(tmp, "baseline.test")
    subprocess.run(["go", "test", "-c", "-o", binary, "./internal/train"], cwd=tree, check=True,
                   env=dict(os.environ, CGO_ENABLED="0"))
    return binary, os.path.join(tree, "internal", "train")


def clc(binary, variant, opt, hidden, batch, bench="BenchmarkStep", cwd=None):
    pat = bench + "/" + "/".join(f"^{p}$" for p in (variant.strip("/").split("/") if variant else []) + [opt, "h" + hidden, "b" + batch])
    out = subprocess.run([binary, "-test.run", "^$", "-test.bench", pat, "-test.benchtime", BENCHTIME],
                         cwd=cwd or os.path.join(ROOT, "internal", "train"), check=True, capture_output=True,
                         text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith(bench + "/"))
    wall = float(re.search(r"([\d.]+) samples/s", line).group(1))
    cpu = float(re.search(r"([\d.]+) cpu-samples/s", line).group(1))
    return wall, cpu


def main():
    tmp = tempfile.mkdtemp()
    binary = os.path.join(tmp, "train.test")
    subprocess.run(["go", "test", "-c", "-o", binary, "./internal/train"], cwd=ROOT, check=True,
                   env=dict(os.environ, CGO_ENABLED="0"))
    out = subprocess.run([binary, "-test.run", "^$", "-test.bench", "BenchmarkStep/^avx2$/^sgd$/^h128$/^b64$",
                          "-test.benchtime", "1x"], cwd=os.path.join(ROOT, "internal", "train"),
                         capture_output=True, text=True).stdout
    variants = os.environ.get("VARIANTS", ",avx2/" if "BenchmarkStep/avx2/" in out else "").split(",")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"# training step, clc vs PyTorch, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
          f"{os.cpu_count()} cores ({cpu}), load {open('/proc/loadavg').read().split()[0]}, {ROUNDS} rounds",
          file=sys.stderr)
    base = os.environ.get("BASELINE")
    if base:
        base_bin, base_dir = build_baseline(base, tmp)
    res = {}  # (config, side) -> list of (wall, cpu)
    for r in range(ROUNDS):
        for c in CONFIGS:
            key = "/".join(c)
            sides = [("torch", None)] + [("clc " + (v.strip("/") or "default"), v) for v in variants]
            if base:
                sides.append((f"clc {base}", "baseline"))
            if r % 2:
                sides.reverse()
            for name, v in sides:
                if v is None:
                    got = peer(*c)
                elif v == "baseline":
                    got = clc(base_bin, "", *c, bench="BenchmarkStepCmp", cwd=base_dir)
                else:
                    got = clc(binary, v, *c)
                res.setdefault((key, name), []).append(got)
                print(f"round {r + 1} {key} {name}: {got[0]:.0f} samples/s wall, {got[1]:.0f} CPU", file=sys.stderr)
    names = ["clc " + (v.strip("/") or "default") for v in variants] + ([f"clc {base}"] if base else [])
    print("| optimizer | hidden | batch | PyTorch samples/s, wall: median (range) | CPU | "
          + " | ".join(f"{n}: wall | CPU" for n in names) + " | ratio wall | ratio CPU |")
    print("|" + "---|" * (5 + 2 * len(names) + 2))
    for c in CONFIGS:
        key = "/".join(c)
        t = res[(key, "torch")]
        tw, tc = statistics.median(x[0] for x in t), statistics.median(x[1] for x in t)
        cells = [c[0], c[1], c[2], fmt(t, 0), fmt(t, 1)]
        ratios_w, ratios_c = [], []
        for n in names:
            s = res[(key, n)]
            cells += [fmt(s, 0), fmt(s, 1)]
            ratios_w.append(f"{statistics.median(x[0] for x in s) / tw:.2f}")
            ratios_c.append(f"{statistics.median(x[1] for x in s) / tc:.2f}")
        cells += [" / ".join(ratios_w), " / ".join(ratios_c)]
        print("| " + " | ".join(cells) + " |")


def fmt(runs, i):
    v = [x[i] for x in runs]
    return f"{statistics.median(v) / 1000:.0f}k ({min(v) / 1000:.0f}–{max(v) / 1000:.0f}k)"


if __name__ == "__main__":
    main()
