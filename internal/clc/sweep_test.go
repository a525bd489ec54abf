package clc

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/clc-tools/clc/internal/scaling"
)

// bowlTrainer is a synthetic Trainer whose validation loss is a parabola in
// log10 η with its minimum at η*(N) = k·N^α, plus a seed-dependent offset:
//
//	loss = 1 + (log10 η − log10(k·N^α))² + 0.01·seed
//
// Rates 30× above the optimum diverge.
type bowlTrainer struct {
	k, alpha float64
	calls    atomic.Int64
	failAt   int64 // return an error on this call number (1-based), 0 = never
}

func (b *bowlTrainer) Train(ctx context.Context, s TrialSpec) (Outcome, error) {
	n := b.calls.Add(1)
	if b.failAt > 0 && n == b.failAt {
		return Outcome{}, errors.New("boom")
	}
	if err := ctx.Err(); err != nil {
		return Outcome{}, err
	}
	opt := math.Log10(b.k) + b.alpha*math.Log10(float64(s.N))
	d := math.Log10(s.LR) - opt
	steps := 3 * (s.N / 10)
	if d > math.Log10(30) {
		return Outcome{ValidLoss: math.Inf(1), Diverged: true, Steps: 1}, nil
	}
	return Outcome{ValidLoss: 1 + d*d + 0.01*float64(s.Seed), TrainLoss: 1, Steps: steps}, nil
}

func TestRunSweepSameResultsForAnyWorkers(t *testing.T) {
	p, err := NewPlan(4096, []float64{1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1}, mustGrid(t, 1e-4, 1, 17), 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	var want []Trial
	for _, workers := range []int{1, 2, 7} {
		calls := 0
		got, err := RunSweep(context.Background(), p.Specs(), &bowlTrainer{k: 0.5, alpha: -0.5}, SweepOptions{Workers: workers,
			Progress: func(_ Trial, done, total int) error {
				calls++
				if done != calls || total != len(p.Specs()) {
					t.Errorf("progress(%d, %d) on call %d", done, total, calls)
				}
				return nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		if calls != len(p.Specs()) {
			t.Errorf("workers=%d: %d progress calls, want %d", workers, calls, len(p.Specs()))
		}
		for i := range got {
			if got[i].TrialSpec != p.Specs()[i] {
				t.Fatalf("workers=%d: trial %d is %+v, want spec %+v", workers, i, got[i].TrialSpec, p.Specs()[i])
			}
		}
		if want == nil {
			want = got
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("workers=%d: trials differ from workers=1", workers)
		}
	}
}

func TestRunSweepStopsOnError(t *testing.T) {
	p, _ := NewPlan(1000, []float64{0.5, 1}, mustGrid(t, 1e-3, 1, 9), 2, 10)
	tr := &bowlTrainer{k: 0.5, alpha: -0.5, failAt: 5}
	got, err := RunSweep(context.Background(), p.Specs(), tr, SweepOptions{Workers: 1})
	if err == nil || !strings.Contains(err.Error(), "boom") || len(got) != 4 {
		t.Fatalf("RunSweep = %d trials, %v; want 4 trials and an error", len(got), err)
	}
	if tr.calls.Load() != 5 {
		t.Errorf("%d trainer calls after the failure, want 5 (no new trials start)", tr.calls.Load())
	}
}

func TestRunSweepCancelled(t *testing.T) {
	p, _ := NewPlan(1000, []float64{0.5, 1}, mustGrid(t, 1e-3, 1, 9), 2, 10)
	ctx, cancel := context.WithCancel(context.Background())
	got, err := RunSweep(ctx, p.Specs(), &bowlTrainer{k: 0.5, alpha: -0.5}, SweepOptions{Workers: 2, Progress: func(_ Trial, done, _ int) error {
		if done == 3 {
			cancel()
		}
		return nil
	}})
	if !errors.Is(err, context.Canceled) || len(got) >= len(p.Specs()) {
		t.Fatalf("cancelled sweep: %d trials, err %v", len(got), err)
	}
}

func mustGrid(t *testing.T, lo, hi float64, n int) []float64 {
	t.Helper()
	g, err := LogGrid(lo, hi, n)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestRunSweepStopsOnProgressError(t *testing.T) {
	p, _ := NewPlan(1000, []float64{0.5, 1}, mustGrid(t, 1e-3, 1, 9), 2, 10)
	tr := &bowlTrainer{k: 0.5, alpha: -0.5}
	got, err := RunSweep(context.Background(), p.Specs(), tr, SweepOptions{Workers: 1, Progress: func(_ Trial, done, _ int) error {
		if done == 3 {
			return errors.New("disk full")
		}
		return nil
	}})
	if err == nil || err.Error() != "disk full" || len(got) != 3 || tr.calls.Load() != 3 {
		t.Fatalf("RunSweep = %d trials (%d calls), %v; want 3 and the progress error", len(got), tr.calls.Load(), err)
	}
}

// TestRunSweepPrune: with Prune, the rates above the first divergence of
// each (N, seed) are recorded as pruned without training, the same trials
// for any number of workers, and the optima are those of the full sweep
// (bowlTrainer diverges at every rate above 30× the optimum, so pruning
// loses nothing).
func TestRunSweepPrune(t *testing.T) {
	p, err := NewPlan(4096, []float64{1.0 / 8, 1.0 / 2, 1}, mustGrid(t, 1e-4, 10, 21), 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	full, err := RunSweep(context.Background(), p.Specs(), &bowlTrainer{k: 0.5, alpha: -0.5}, SweepOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var first []Trial
	for _, workers := range []int{1, 2, 5} {
		tr := &bowlTrainer{k: 0.5, alpha: -0.5}
		got, err := RunSweep(context.Background(), p.Specs(), tr, SweepOptions{Workers: workers, Prune: true})
		if err != nil {
			t.Fatal(err)
		}
		pruned := 0
		for i, g := range got {
			if g.Pruned {
				pruned++
				if !g.Diverged || !math.IsInf(g.ValidLoss, 1) || g.Steps != 0 || !full[i].Diverged {
					t.Fatalf("pruned trial %+v; the full sweep had %+v", g, full[i])
				}
			} else if !reflect.DeepEqual(g, full[i]) {
				t.Fatalf("trial %d: %+v, full sweep %+v", i, g, full[i])
			}
		}
		if pruned == 0 || int(tr.calls.Load()) != len(p.Specs())-pruned {
			t.Errorf("workers=%d: %d pruned, %d trainer calls of %d trials", workers, pruned, tr.calls.Load(), len(p.Specs()))
		}
		if first == nil {
			first = got
		} else if !reflect.DeepEqual(got, first) {
			t.Errorf("workers=%d: pruned sweep differs from workers=1", workers)
		}
	}
	a, b := scaling.EstimateOptima(Samples(full)), scaling.EstimateOptima(Samples(first))
	if !reflect.DeepEqual(a, b) {
		t.Errorf("pruning changed the optima:\n%+v\n%+v", a, b)
	}
}
