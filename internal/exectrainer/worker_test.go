package exectrainer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/schedule"
)

// tinyWorker is a trainer written with examples/clc_worker.py. It appends
// its pid to $STARTS when it starts, and trains a "model" whose final loss
// is a parabola in log10 η around η*(N) = 0.5·N^-0.5, reporting one loss
// per epoch that falls to it. MODE=die makes it SIGKILL itself at trial
// $TARGET the first time ($MARKER records that it did); MODE=hang makes it
// sleep at $TARGET; MODE=raise makes train() raise at $TARGET the first
// time; MODE=slowstart makes a rate above the optimum trail by 3x until the
// last epoch.
const tinyWorker = `
import math, os, sys, time
sys.path.insert(0, os.environ["HELPER_DIR"])
import clc_worker

if os.environ.get("STARTS"):
    with open(os.environ["STARTS"], "a") as f:
        f.write("%d\n" % os.getpid())

def first_time():
    m = os.environ["MARKER"]
    if os.path.exists(m):
        return False
    open(m, "w").close()
    return True

def train(trial):
    mode, target = os.environ.get("MODE", ""), os.environ.get("TARGET", "")
    if trial.id == target:
        if mode == "die" and first_time():
            print("dying now", flush=True)
            os.kill(os.getpid(), 9)
        if mode == "hang":
            time.sleep(3600)
        if mode == "raise" and first_time():
            raise ValueError("bad batch")
    d = math.log10(trial.lr) - math.log10(0.5 / math.sqrt(trial.n))
    final = 1 + d * d + 0.01 * trial.seed
    for e in range(1, trial.epochs + 1):
        print("epoch", e)  # goes to stderr, never into the protocol
        slow = 3 if mode == "slowstart" and d > 0.3 and e < trial.epochs else 1
        trial.report(e, loss=slow * (final + (trial.epochs - e) * 0.2), accuracy=1 / (1 + final))
    out = {"loss": final, "accuracy": 1 / (1 + final), "f1": 0.5, "steps": trial.steps}
    if trial.rates is not None:
        out.update(n_rates=len(trial.rates), mean_rate=sum(trial.rates) / len(trial.rates),
                   first_rate=trial.lr_at(0), last_rate=trial.lr_at(10**9))
    return out

clc_worker.run(train)
`

// pythonOrSkip returns python3's path or skips the test.
func pythonOrSkip(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("python3 not found: the worker tests run examples/clc_worker.py")
	return ""
}

// tinySetup writes the tiny worker and returns its command and the
// environment for it.
func tinySetup(t *testing.T, extra ...string) (command string, env []string, dir string) {
	py := pythonOrSkip(t)
	dir = t.TempDir()
	script := filepath.Join(dir, "tiny.py")
	if err := os.WriteFile(script, []byte(tinyWorker), 0o644); err != nil {
		t.Fatal(err)
	}
	helper, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(), "HELPER_DIR="+helper, "STARTS="+filepath.Join(dir, "starts"), "MARKER="+filepath.Join(dir, "marker"))
	env = append(env, extra...)
	return shellQuote(py) + " " + shellQuote(script), env, dir
}

// starts reads the pids the tiny workers wrote at start.
func starts(t *testing.T, dir string) []int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "starts"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	return pids
}

func tinyOptions(tr clc.Trainer, journal string, workers int, prune bool) clc.Options {
	g := clc.Grid{Fractions: []float64{0.25, 0.5, 1}, FractionText: []string{"1/4", "1/2", "1"},
		LRs: []float64{0.003, 0.01, 0.03, 0.1, 0.3}, Seeds: 2, Bootstrap: 50, Prune: prune}
	cfg := clc.ExecConfig("tiny", false, 3, 10, g)
	return clc.Options{Tool: "test", Dataset: clc.DatasetInfo{Source: "exec", Rows: 400}, Config: cfg,
		Trainer: tr, Journal: journal, Workers: workers}
}

func newTiny(t *testing.T, worker bool, workers int, env []string, command string, mod func(*Config)) *Trainer {
	t.Helper()
	cfg := Config{Command: command, Epochs: 3, BatchSize: 10, Env: env, Worker: worker, Workers: workers}
	if mod != nil {
		mod(&cfg)
	}
	tr, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// journalTrials reads a journal's trial lines without their fingerprint
// and wall time, keyed by trial.
func journalTrials(t *testing.T, path string) map[string]map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]any{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if _, plan := m["plan"]; plan {
			continue
		}
		delete(m, "fp")
		delete(m, "seconds")
		key := strconv.Itoa(int(m["n"].(float64))) + "/" + strconv.FormatFloat(m["lr"].(float64), 'g', -1, 64) + "/" + strconv.Itoa(int(m["seed"].(float64)))
		out[key] = m
	}
	return out
}

// The persistent workers serve every trial of a sweep with at most
// Workers processes, and record exactly what the one-shot protocol records
// for the same trials (the same script run once per trial).
func TestWorkersServeSweepLikeOneShot(t *testing.T) {
	command, env, dir := tinySetup(t)
	const workers = 2
	w := newTiny(t, true, workers, env, command, nil)
	wj := filepath.Join(dir, "workers.journal.jsonl")
	res, err := clc.Fit(context.Background(), tinyOptions(w, wj, workers, false))
	if err != nil {
		t.Fatal(err)
	}
	n := len(res.Run.Trials)
	if n != 30 || res.Run.Ran != n {
		t.Fatalf("%d trials, %d ran; want 30", n, res.Run.Ran)
	}
	if got := starts(t, dir); len(got) == 0 || len(got) > workers || w.Starts() != len(got) {
		t.Errorf("%d trials served by %d worker starts (pids %v, Starts %d); want at most %d", n, len(got), got, w.Starts(), workers)
	}
	if a := res.Fit.Law.Alpha; math.Abs(a+0.5) > 1e-6 {
		t.Errorf("alpha = %v, want -0.5", a)
	}
	for _, tr := range res.Run.Trials {
		if len(tr.Curve) != 3 || tr.Curve[2].Epoch != 3 || tr.Metrics["f1"] != 0.5 {
			t.Fatalf("trial %+v: want a 3-epoch curve and the metric f1", tr)
		}
	}

	os.Remove(filepath.Join(dir, "starts"))
	one := newTiny(t, false, 0, env, command, nil)
	oj := filepath.Join(dir, "oneshot.journal.jsonl")
	if _, err := clc.Fit(context.Background(), tinyOptions(one, oj, workers, false)); err != nil {
		t.Fatal(err)
	}
	if got := starts(t, dir); len(got) != n {
		t.Errorf("one-shot: %d process starts for %d trials", len(got), n)
	}
	a, b := journalTrials(t, wj), journalTrials(t, oj)
	if len(a) != n || !reflect.DeepEqual(a, b) {
		for k := range a {
			if !reflect.DeepEqual(a[k], b[k]) {
				t.Errorf("trial %s: workers %v, one-shot %v", k, a[k], b[k])
				break
			}
		}
		t.Fatalf("the journals differ (%d and %d trials)", len(a), len(b))
	}
}

// A worker that dies during a trial is restarted and the trial retried;
// without retries the trial fails naming the worker's exit and its stderr.
func TestWorkerKilledIsRestarted(t *testing.T) {
	spec := clc.TrialSpec{Fraction: 0.5, N: 200, LR: 0.1, Seed: 1}
	command, env, dir := tinySetup(t, "MODE=die", "TARGET="+TrialID(spec))
	w := newTiny(t, true, 1, env, command, func(c *Config) { c.Retries = 1 })
	ctx := context.Background()
	if _, err := w.Train(ctx, clc.TrialSpec{Fraction: 0.25, N: 100, LR: 0.1, Seed: 0}); err != nil {
		t.Fatal(err)
	}
	out, err := w.Train(ctx, spec)
	if err != nil || out.Diverged || !(out.ValidLoss > 1) {
		t.Fatalf("retried trial: %+v, %v", out, err)
	}
	if got := starts(t, dir); len(got) != 2 || w.Starts() != 2 {
		t.Errorf("worker starts %v (Starts %d), want 2: the first and its replacement", got, w.Starts())
	}

	os.Remove(filepath.Join(dir, "marker"))
	w0 := newTiny(t, true, 1, env, command, nil)
	_, err = w0.Train(ctx, spec)
	var te *TrialError
	if !errors.As(err, &te) || !te.Worker || te.Attempts != 1 || !strings.Contains(err.Error(), "worker exited during the trial") ||
		!strings.Contains(err.Error(), "dying now") {
		t.Fatalf("err = %v, want a worker exit after 1 attempt with its last output", err)
	}
	// The next trial gets a fresh worker.
	if _, err := w0.Train(ctx, clc.TrialSpec{Fraction: 0.25, N: 100, LR: 0.01, Seed: 0}); err != nil {
		t.Fatal(err)
	}
}

// A worker that hangs is timed out and killed with its process group; the
// trial fails (timeouts are not retried) and the next trial starts a new
// worker.
func TestWorkerHangTimesOut(t *testing.T) {
	spec := clc.TrialSpec{Fraction: 0.5, N: 200, LR: 0.1, Seed: 0}
	command, env, dir := tinySetup(t, "MODE=hang", "TARGET="+TrialID(spec))
	w := newTiny(t, true, 1, env, command, func(c *Config) { c.Timeout = 3 * time.Second; c.Retries = 2 })
	ctx := context.Background()
	if _, err := w.Train(ctx, clc.TrialSpec{Fraction: 0.25, N: 100, LR: 0.1, Seed: 0}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := w.Train(ctx, spec)
	var te *TrialError
	if !errors.As(err, &te) || !te.TimedOut || te.Attempts != 1 || !strings.Contains(err.Error(), "worker timed out after 3s") {
		t.Fatalf("err = %v, want a timeout after 1 attempt", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	pids := starts(t, dir)
	if len(pids) != 1 {
		t.Fatalf("starts %v", pids)
	}
	if err := syscall.Kill(pids[0], 0); err == nil {
		t.Errorf("the hung worker %d is still alive", pids[0])
	}
	if _, err := w.Train(ctx, clc.TrialSpec{Fraction: 0.25, N: 100, LR: 0.01, Seed: 0}); err != nil {
		t.Fatal(err)
	}
	if got := starts(t, dir); len(got) != 2 {
		t.Errorf("starts %v, want a second worker after the timeout", got)
	}
}

// An exception in train() is a failed attempt on a live worker: it is
// retried there, and reported with its message when retries run out.
func TestWorkerErrorLine(t *testing.T) {
	spec := clc.TrialSpec{Fraction: 0.5, N: 200, LR: 0.1, Seed: 0}
	command, env, dir := tinySetup(t, "MODE=raise", "TARGET="+TrialID(spec))
	w := newTiny(t, true, 1, env, command, nil)
	_, err := w.Train(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "worker reported an error after 1 attempt: ValueError: bad batch") {
		t.Fatalf("err = %v", err)
	}
	if _, err := w.Train(context.Background(), spec); err != nil { // MODE=raise fails once
		t.Fatal(err)
	}
	if got := starts(t, dir); len(got) != 1 {
		t.Errorf("starts %v: an error line must not restart the worker", got)
	}
}

// A hello with another major version is refused with an input error; a
// first line that is no hello fails the trial.
func TestWorkerHandshake(t *testing.T) {
	py := pythonOrSkip(t)
	for _, c := range []struct{ hello, want string }{
		{`{"type": "hello", "protocol": "2.0"}`, `the worker speaks protocol "2.0"; this clc speaks 1.0 (major 1)`},
		{`{"loss": 1}`, `worker sent "{\"loss\": 1}" as its first line, not a hello`},
	} {
		w := newTiny(t, true, 1, nil, py+` -c 'print(`+strconv.Quote(c.hello)+`, flush=True); import sys; sys.stdin.read()'`, nil)
		_, err := w.Train(context.Background(), clc.TrialSpec{Fraction: 1, N: 10, LR: 0.1})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("hello %s: err = %v, want %q", c.hello, err, c.want)
		}
		if _, ok := inputerr.As(err); ok != strings.Contains(c.want, "protocol") {
			t.Errorf("hello %s: input error %v", c.hello, ok)
		}
	}
	if _, err := New(Config{Command: "python3 t.py {lr}", Worker: true}); err == nil || !strings.Contains(err.Error(), "{lr} changes with every trial") {
		t.Errorf("a per-trial placeholder in a worker command: %v", err)
	}
}

// With pruning, a worker's reports stop the trials that trail a smaller
// rate of the same N and seed by more than the margin; which ones does not
// depend on the number of workers, and the optimum is still found.
func TestWorkerPruneStopsClearlyWorse(t *testing.T) {
	command, env, _ := tinySetup(t, "MODE=slowstart")
	var first []clc.Trial
	for _, workers := range []int{1, 3} {
		w := newTiny(t, true, workers, env, command, func(c *Config) { c.Prune = true })
		res, err := clc.Fit(context.Background(), tinyOptions(w, "", workers, true))
		if err != nil {
			t.Fatal(err)
		}
		stopped := 0
		for _, tr := range res.Run.Trials {
			if tr.Stopped {
				stopped++
				if len(tr.Curve) != 1 {
					t.Errorf("stopped trial %+v: want it stopped after its first epoch", tr)
				}
			}
		}
		if stopped == 0 {
			t.Errorf("workers=%d: no trial stopped", workers)
		}
		got := res.Run.Trials
		for i := range got {
			got[i].Seconds, got[i].TrainLoss = 0, 0 // wall time; NaN (no train loss) is not DeepEqual to itself
		}
		if first == nil {
			first = got
		} else if !reflect.DeepEqual(got, first) {
			for i := range got {
				if !reflect.DeepEqual(got[i], first[i]) {
					t.Errorf("workers=%d: trial %+v, with 1 worker %+v", workers, got[i], first[i])
					break
				}
			}
		}
	}
}

// With a schedule shape, every trial carries the rate of each of its
// steps, whose mean is the trial's rate; a shape that does not fit the
// smallest run is refused before any trial.
func TestWorkerSchedule(t *testing.T) {
	command, env, _ := tinySetup(t)
	shape := schedule.Spec{Shape: schedule.Linear, MinRatio: 0.1}
	w := newTiny(t, true, 1, env, command, func(c *Config) { c.Shape, c.Per = &shape, schedule.PerStep })
	out, err := w.Train(context.Background(), clc.TrialSpec{Fraction: 0.5, N: 200, LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	m := out.Metrics
	if m["n_rates"] != 60 || math.Abs(m["mean_rate"]-0.1) > 1e-12 || !(m["first_rate"] > 0.1) || !(m["last_rate"] < m["first_rate"]) {
		t.Errorf("schedule seen by the worker: %v", m)
	}
	if err := w.CheckCells([]clc.Cell{{Fraction: 0.5, N: 200}, {Fraction: 1, N: 1000}}); err != nil {
		t.Errorf("CheckCells: %v", err)
	}
	if _, err := New(Config{Command: "x", Shape: &shape, Epochs: 3, BatchSize: 10}); err == nil {
		t.Error("a shape with a one-shot command was accepted")
	}
}
