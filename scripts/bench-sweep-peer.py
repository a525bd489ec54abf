#!/usr/bin/python3
"""A whole sweep, clc against the PyTorch peer, side by side (make bench-sweep-peer).

The README's Fashion-MNIST fit with the full grid of trials,

  clc fit fashion-train.csv --valid fashion-test.csv --hidden 128 --batch-size 64 --epochs 3 --design grid

(fractions 1/32, 1/16, 1/8, 1/4; 17 rates 1e-4 ... 1; 2 seeds: 136 trials; revisions of clc
before the adaptive design ran these without --design), and the same trials
run by scripts/torch_peer.py sweep (one torch thread per process), each with one worker and
with two: clc --workers 2, and two peer processes that split the rate grid between them.
ROUNDS rounds, alternating the order. The peer runs with PEER_BLAS on LD_LIBRARY_PATH
(Debian's single-threaded OpenBLAS, libopenblas0-serial, rather than the reference BLAS).

For every run it records the wall time, the CPU time of the process(es) (user + system, which
leaves out the time spent waiting for a core shared with other jobs), and the time of the
sweep itself (clc's "sweep: ... trials in" line; the peer's summed trial seconds) apart from
reading the data. Prints medians, ranges and ratios as a Markdown table.

Usage: scripts/bench-sweep-peer.py   (env: ROUNDS=3, FASHION_DIR=/tmp/fashion-mnist,
       PEER_BLAS=/usr/lib/<multiarch>/openblas-serial, BASELINE=rev to time clc as of
       that git revision too)
Needs Go, /usr/bin/python3 with torch and numpy, libopenblas0-serial for PEER_BLAS.
"""
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("ROUNDS", "3"))
DATA = os.environ.get("FASHION_DIR", "/tmp/fashion-mnist")
BLAS = os.environ.get("PEER_BLAS", f"/usr/lib/{sysconfig.get_config_var('MULTIARCH')}/openblas-serial")
TRAIN, VALID = os.path.join(DATA, "fashion-train.csv"), os.path.join(DATA, "fashion-test.csv")


def grid(lo=1e-4, hi=1.0, points=17):
    """clc's and the peer's default SGD grid: points log-spaced rates from lo to hi."""
    la, lb = math.log10(lo), math.log10(hi)
    g = [10 ** (la + i * (lb - la) / (points - 1)) for i in range(points)]
    g[0], g[-1] = lo, hi
    return g


def timed(cmds, env=None):
    """Runs the commands in parallel; returns (wall s, CPU s of the children, their stdout, stderr)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for c in cmds]
    outs = [p.communicate() for p in procs]
    wall = time.perf_counter() - t
    for c, p, (o, e) in zip(cmds, procs, outs):
        if p.returncode != 0:
            sys.exit(f"{' '.join(c)}: exit {p.returncode}\n{e}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, [o for o, _ in outs], [e for _, e in outs]


def run_clc(binary, workers, tmp):
    cmd = [binary, "fit", TRAIN, "--valid", VALID, "--hidden", "128", "--batch-size", "64", "--epochs", "3",
           "--journal", "none", "-o", os.path.join(tmp, f"fit-{workers}.yaml"), "--workers", str(workers)]
    help_text = subprocess.run([binary, "fit", "--help"], capture_output=True, text=True).stdout
    if "--design" in help_text:
        cmd += ["--design", "grid"]  # every fraction × rate × seed, as the peer (and older clc) runs
    wall, cpu, _, errs = timed([cmd])
    m = re.search(r"sweep: (\d+) trials in ([\d.]+)s", errs[0])
    if not m:
        sys.exit(f"no sweep line in clc's output:\n{errs[0]}")
    return {"wall": wall, "cpu": cpu, "sweep": float(m.group(2)), "trials": int(m.group(1))}


def run_peer(workers):
    rates = grid()
    parts = [rates[i::workers] for i in range(workers)]
    cmds = [["/usr/bin/python3", os.path.join(ROOT, "scripts", "torch_peer.py"), "sweep", TRAIN, "--valid", VALID,
             "--lrs", ",".join(repr(r) for r in p)] for p in parts]
    wall, cpu, outs, _ = timed(cmds, env=dict(os.environ, LD_LIBRARY_PATH=BLAS))
    recs = [[json.loads(l) for l in o.splitlines() if l.startswith("{")] for o in outs]
    return {"wall": wall, "cpu": cpu, "sweep": max(sum(r["seconds"] for r in rs) for rs in recs),
            "trials": sum(len(rs) for rs in recs)}


def build(rev, tmp, name):
    """Builds clc at the working tree (rev None) or at git revision rev."""
    src = ROOT
    if rev:
        src = os.path.join(tmp, "src-" + name)
        os.makedirs(src)
        archive = subprocess.run(["git", "-C", ROOT, "archive", rev], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", src], input=archive, check=True)
    binary = os.path.join(tmp, name)
    subprocess.run(["go", "build", "-o", binary, "./cmd/clc"], cwd=src, check=True,
                   env=dict(os.environ, CGO_ENABLED="0"))
    return binary


def main():
    if not (os.path.exists(TRAIN) and os.path.exists(VALID)):
        subprocess.run([os.path.join(ROOT, "scripts", "fashion-mnist-csv.sh"), DATA], check=True)
    tmp = tempfile.mkdtemp()
    sides = [("clc", build(None, tmp, "clc"))]
    base = os.environ.get("BASELINE")
    if base:
        sides.append((f"clc {base}", build(base, tmp, "clc-base")))
    sides.append(("PyTorch peer", None))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"# whole sweep, clc vs PyTorch peer, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
          f"{os.cpu_count()} cores ({cpu}), load {open('/proc/loadavg').read().split()[0]}, {ROUNDS} rounds",
          file=sys.stderr)
    res = {}
    for r in range(ROUNDS):
        order = [(name, b, w) for w in (1, 2) for name, b in sides]
        if r % 2:
            order.reverse()
        for name, binary, w in order:
            got = run_peer(w) if binary is None else run_clc(binary, w, tmp)
            res.setdefault((name, w), []).append(got)
            print(f"round {r + 1} {name} workers {w}: {got['trials']} trials, wall {got['wall']:.1f} s, "
                  f"CPU {got['cpu']:.1f} s, sweep {got['sweep']:.1f} s", file=sys.stderr)
    print("| run | workers | wall s: median (range) | CPU s (user+sys) | sweep s (without loading) "
          "| peer / run: wall | CPU | sweep |")
    print("|---|---|---|---|---|---|---|---|")
    for w in (1, 2):
        peer = res[("PyTorch peer", w)]
        for name, _ in sides:
            runs = res[(name, w)]
            cells = [name, str(w)] + [fmt(runs, k) for k in ("wall", "cpu", "sweep")]
            cells += [f"{med(peer, k) / med(runs, k):.2f}" for k in ("wall", "cpu", "sweep")]
            print("| " + " | ".join(cells) + " |")


def med(runs, k):
    return statistics.median(x[k] for x in runs)


def fmt(runs, k):
    v = [x[k] for x in runs]
    return f"{statistics.median(v):.1f} ({min(v):.1f}–{max(v):.1f})"


if __name__ == "__main__":
    main()
