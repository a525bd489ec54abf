package clc

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/clc-tools/clc/internal/schedule"
	"github.com/clc-tools/clc/internal/train"
)

// Progress receives each finished trial as it completes, with the count of
// finished and total trials. It is called from one goroutine at a time. An
// error (e.g. the trial could not be recorded) stops the sweep like a
// trainer error.
type Progress func(t Trial, done, total int) error

// SweepOptions configures RunSweep.
type SweepOptions struct {
	// Workers is how many trials run at once (≤ 0: runtime.NumCPU()).
	Workers int
	// Prune skips the rates above one that diverged at the same N and seed:
	// they are recorded as diverged (Pruned, no steps) without training.
	// The rates of each (N, seed) then run in ascending order on one worker,
	// so what is pruned does not depend on the number of workers.
	Prune bool
	// Progress, when set, receives every finished (or pruned) trial.
	Progress Progress
}

// RunSweep runs every spec on trainer. Trials start largest-N first so that
// the longest ones do not straggle at the end; the returned trials are in
// the order of specs, whatever the number of workers. A trainer or Progress
// error stops the sweep: no new trials start and the first error is
// returned together with the trials finished so far (in spec order,
// unfinished ones omitted).
func RunSweep(ctx context.Context, specs []TrialSpec, trainer Trainer, opt SweepOptions) ([]Trial, error) {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	chains := sweepChains(specs, opt.Prune)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]*Trial, len(specs))
	jobs := make(chan []int)
	var (
		mu       sync.Mutex
		firstErr error
		done     int
		wg       sync.WaitGroup
	)
	// finish records a trial; it reports false when the sweep must stop.
	finish := func(i int, t Trial) bool {
		mu.Lock()
		defer mu.Unlock()
		results[i] = &t
		done++
		if opt.Progress != nil {
			if err := opt.Progress(t, done, len(specs)); err != nil && firstErr == nil {
				firstErr = err
				cancel()
			}
		}
		return firstErr == nil
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chain := range jobs {
				diverged := false
				for _, i := range chain {
					if ctx.Err() != nil {
						break // stopping: start no more trials
					}
					spec := specs[i]
					if diverged {
						if !finish(i, prunedTrial(spec)) {
							break
						}
						continue
					}
					res, err := trainer.Train(ctx, spec)
					if err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = &TrialFailedError{Spec: spec, Err: err}
							cancel()
						}
						mu.Unlock()
						break
					}
					t := trialFrom(spec, res)
					diverged = opt.Prune && t.Diverged
					if !finish(i, t) {
						break
					}
				}
			}
		}()
	}
feed:
	for _, c := range chains {
		select {
		case jobs <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	out := make([]Trial, 0, len(specs))
	for _, t := range results {
		if t != nil {
			out = append(out, *t)
		}
	}
	if firstErr == nil && ctx.Err() != nil && len(out) < len(specs) {
		firstErr = ctx.Err()
	}
	return out, firstErr
}

// sweepChains groups spec indices into units of work, largest N first.
// Without pruning each trial is its own unit; with pruning a unit is every
// rate of one (N, seed), in ascending order of rate.
func sweepChains(specs []TrialSpec, prune bool) [][]int {
	type key struct{ n, seed int }
	var chains [][]int
	at := map[key]int{}
	for i, s := range specs {
		if !prune {
			chains = append(chains, []int{i})
			continue
		}
		k := key{s.N, s.Seed}
		c, ok := at[k]
		if !ok {
			c = len(chains)
			at[k] = c
			chains = append(chains, nil)
		}
		chains[c] = append(chains[c], i)
	}
	for _, c := range chains {
		sort.SliceStable(c, func(a, b int) bool { return specs[c[a]].LR < specs[c[b]].LR })
	}
	sort.SliceStable(chains, func(a, b int) bool { return specs[chains[a][0]].N > specs[chains[b][0]].N })
	return chains
}

// prunedTrial records a trial skipped because a smaller rate at the same N
// and seed diverged.
func prunedTrial(spec TrialSpec) Trial {
	return Trial{TrialSpec: spec, ValidLoss: math.Inf(1), TrainLoss: math.Inf(1), Diverged: true, Pruned: true}
}

func trialFrom(spec TrialSpec, r Outcome) Trial {
	return Trial{
		TrialSpec:     spec,
		Steps:         r.Steps,
		ValidLoss:     r.ValidLoss,
		TrainLoss:     r.TrainLoss,
		ValidAccuracy: finiteOrZero(r.ValidAccuracy),
		Diverged:      r.Diverged,
		Seconds:       r.Seconds,
	}
}

// BuiltinTrainer trains trials with clc's pure-Go engine. TrainSet holds all
// training rows in their sweep order (shuffled once), so a trial with N rows
// trains on the view TrainSet.Rows(N); ValidSet is the same for every trial.
//
// With a Shape, a trial's grid value η is the schedule's mean rate: step t
// trains at η·m_t, where the multipliers m_t follow the shape and average
// 1 over the run's T steps, so the trial's area is Σ_t η·m_t = η·T.
type BuiltinTrainer struct {
	TrainSet *train.Dataset
	ValidSet *train.Dataset
	Config   train.Config // LR, Seed and Schedule are set per trial
	Shape    *schedule.Spec
	Per      schedule.Granularity
}

// Multipliers returns the shape's per-step multipliers m_t (mean 1) for a
// trial on n rows, or nil without a Shape.
func (b *BuiltinTrainer) Multipliers(n int) ([]float64, error) {
	if b.Shape == nil {
		return nil, nil
	}
	steps := train.StepsFor(b.Config, n)
	s, err := schedule.Design(*b.Shape, steps, float64(steps), b.Per, n/b.Config.BatchSize)
	if err != nil {
		return nil, err
	}
	return s.Rates, nil
}

// CheckSizes reports a shape that cannot be laid over the run at one of
// the plan's dataset sizes (e.g. a warmup longer than the run).
func (b *BuiltinTrainer) CheckSizes(sizes []int) error {
	for _, n := range sizes {
		if _, err := b.Multipliers(n); err != nil {
			return fmt.Errorf("fraction with N = %d: %w", n, err)
		}
	}
	return nil
}

// Train runs one trial: the first spec.N training rows, rate spec.LR (the
// mean rate with a Shape), seed spec.Seed.
func (b *BuiltinTrainer) Train(ctx context.Context, spec TrialSpec) (Outcome, error) {
	cfg := b.Config
	cfg.LR = spec.LR
	cfg.Seed = uint64(spec.Seed)
	m, err := b.Multipliers(spec.N)
	if err != nil {
		return Outcome{}, err
	}
	if m != nil {
		lr := spec.LR
		cfg.Schedule = func(t, _ int) float64 { return lr * m[t] }
	}
	start := time.Now()
	res, err := train.Run(ctx, b.TrainSet.Rows(spec.N), b.ValidSet, cfg)
	if res.Seconds == 0 {
		res.Seconds = time.Since(start).Seconds()
	}
	return Outcome{
		ValidLoss: res.ValidLoss, TrainLoss: res.TrainLoss, ValidAccuracy: res.ValidAccuracy,
		Steps: res.Steps, Diverged: res.Diverged, Seconds: res.Seconds,
	}, err
}

// finiteOrZero maps NaN (accuracy of a regression) and ±Inf to 0, so they
// never reach a fit file.
func finiteOrZero(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
