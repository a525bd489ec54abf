package clc

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/clc-tools/clc/internal/scaling"
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
	// Objective is what the trials are judged by: a trial that runs to its
	// end without reporting its metric stops the sweep with an input
	// error (after Progress received it), and early stopping (see
	// PruneRule) compares its scores. The zero value is the validation
	// loss.
	Objective Objective
	// Epochs is the trials' epoch count (0: unknown); with Prune, reports
	// of the last epoch never stop a trial, which has finished anyway.
	Epochs int
	// Known holds trials finished before this sweep (reused from a
	// journal); with Prune, early stopping compares against those of the
	// same N and seed at smaller rates as if they had run in this sweep,
	// so a resumed sweep decides as an uninterrupted one.
	Known []Trial
	// OnReport, when set, receives every intermediate report of a trial
	// trained by a ReportingTrainer, as it comes. It is called from one
	// goroutine at a time.
	OnReport func(spec TrialSpec, r Report)
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
	rt, reporting := trainer.(ReportingTrainer)
	reporting = reporting && (opt.Prune || opt.OnReport != nil)
	history := newPruneHistory(opt.Known)
	// finish records a trial; it reports false when the sweep must stop.
	finish := func(i int, t Trial) bool {
		mu.Lock()
		defer mu.Unlock()
		results[i] = &t
		history.add(t)
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
					var (
						res  Outcome
						err  error
						rule *pruneState
					)
					if reporting {
						rule = &pruneState{objective: opt.Objective, epochs: cmp.Or(spec.Epochs, opt.Epochs)}
						if opt.Prune {
							mu.Lock()
							rule.ref = history.reference(spec)
							mu.Unlock()
						}
						res, err = rt.TrainReporting(ctx, spec, func(r Report) bool {
							if opt.OnReport != nil {
								mu.Lock()
								opt.OnReport(spec, r)
								mu.Unlock()
							}
							return !opt.Prune || rule.keep(r)
						})
					} else {
						res, err = trainer.Train(ctx, spec)
					}
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
					if rule != nil && rule.diverged {
						t.Diverged, t.ValidLoss = true, math.Inf(1)
					}
					diverged = opt.Prune && t.Diverged
					if !finish(i, t) {
						break
					}
					if _, ok := opt.Objective.Score(t); !ok {
						mu.Lock()
						if firstErr == nil {
							firstErr = missingMetric(opt.Objective, t)
							cancel()
						}
						mu.Unlock()
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
// rate of one (N, seed, run), in ascending order of rate.
func sweepChains(specs []TrialSpec, prune bool) [][]int {
	var chains [][]int
	at := map[chainKey]int{}
	for i, s := range specs {
		if !prune {
			chains = append(chains, []int{i})
			continue
		}
		k := chainKeyOf(s)
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

// chainKey is what the trials pruned together share: the size, the seed
// and the run.
type chainKey struct {
	n, seed int
	run     scaling.RunSpec
}

func chainKeyOf(s TrialSpec) chainKey { return chainKey{s.N, s.Seed, s.RunSpec} }

// prunedTrial records a trial skipped because a smaller rate at the same N
// and seed diverged.
func prunedTrial(spec TrialSpec) Trial {
	return Trial{TrialSpec: spec, ValidLoss: math.Inf(1), TrainLoss: math.Inf(1), Diverged: true, Pruned: true}
}

func trialFrom(spec TrialSpec, r Outcome) Trial {
	t := Trial{
		TrialSpec:     spec,
		Steps:         r.Steps,
		ValidLoss:     r.ValidLoss,
		TrainLoss:     r.TrainLoss,
		ValidAccuracy: finiteOrZero(r.ValidAccuracy),
		Diverged:      r.Diverged,
		Seconds:       r.Seconds,
		Metrics:       r.Metrics,
		Curve:         r.Curve,
		Stopped:       r.Stopped,
	}
	if t.Stopped && !isFinite(t.ValidLoss) {
		t.ValidLoss = math.Inf(1)
	}
	return t
}

// BuiltinTrainer trains trials with clc's pure-Go engine. TrainSet holds all
// training rows in their sweep order (shuffled once), so a trial with N rows
// trains on the view TrainSet.Rows(N); ValidSet is the same for every trial.
// A trial of another run (TrialSpec.RunSpec) trains with that run's epochs,
// batch size or step budget in place of Config's.
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
	// TargetStd is the standard deviation of a regression target in its
	// own units, which turns the validation loss (the MSE of the
	// standardized target) into the metric "rmse" = TargetStd·√loss; 0
	// for classification, whose trials report "accuracy".
	TargetStd float64
}

// BuiltinMetrics lists the metrics the built-in trainer reports for a
// task: loss and accuracy for classification, loss and rmse for
// regression.
func BuiltinMetrics(classification bool) []string {
	if classification {
		return []string{MetricLoss, "accuracy"}
	}
	return []string{MetricLoss, "rmse"}
}

// config is the training configuration of a trial of run r.
func (b *BuiltinTrainer) config(r scaling.RunSpec) train.Config {
	cfg := b.Config
	run := r.Resolve(scaling.Run{Epochs: cfg.Epochs, BatchSize: cfg.BatchSize, Steps: cfg.Steps})
	cfg.Epochs, cfg.BatchSize, cfg.Steps = run.Epochs, run.BatchSize, run.Steps
	return cfg
}

// Multipliers returns the shape's per-step multipliers m_t (mean 1) for a
// trial of the sweep's own run on n rows, or nil without a Shape.
func (b *BuiltinTrainer) Multipliers(n int) ([]float64, error) {
	return b.multipliers(b.Config, n)
}

func (b *BuiltinTrainer) multipliers(cfg train.Config, n int) ([]float64, error) {
	if b.Shape == nil {
		return nil, nil
	}
	return ShapeMultipliers(*b.Shape, b.Per, train.StepsFor(cfg, n), n/cfg.BatchSize)
}

// ShapeMultipliers returns the per-step multipliers m_t, t = 0 … steps−1,
// of shape at granularity per over a run of steps steps with
// stepsPerEpoch steps per epoch, scaled to mean 1: a trial at grid value η
// trains step t at η·m_t, so its area is η·steps.
func ShapeMultipliers(shape schedule.Spec, per schedule.Granularity, steps, stepsPerEpoch int) ([]float64, error) {
	s, err := schedule.Design(shape, steps, float64(steps), per, stepsPerEpoch)
	if err != nil {
		return nil, err
	}
	return s.Rates, nil
}

// CheckCells reports a shape that cannot be laid over the run of one of
// the plan's cells (e.g. a warmup longer than the run).
func (b *BuiltinTrainer) CheckCells(cells []Cell) error {
	for _, c := range cells {
		if _, err := b.multipliers(b.config(c.RunSpec), c.N); err != nil {
			if c.IsBase() {
				return fmt.Errorf("fraction with N = %d: %w", c.N, err)
			}
			return fmt.Errorf("fraction with N = %d, %s: %w", c.N, RunLabel(c.RunSpec), err)
		}
	}
	return nil
}

// Train runs one trial: the first spec.N training rows, rate spec.LR (the
// mean rate with a Shape), seed spec.Seed, with the run spec.RunSpec.
func (b *BuiltinTrainer) Train(ctx context.Context, spec TrialSpec) (Outcome, error) {
	cfg := b.config(spec.RunSpec)
	cfg.LR = spec.LR
	cfg.Seed = uint64(spec.Seed)
	m, err := b.multipliers(cfg, spec.N)
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
	out := Outcome{
		ValidLoss: res.ValidLoss, TrainLoss: res.TrainLoss, ValidAccuracy: res.ValidAccuracy,
		Steps: res.Steps, Diverged: res.Diverged, Seconds: res.Seconds,
	}
	switch {
	case res.Diverged:
	case b.TargetStd > 0 && isFinite(res.ValidLoss):
		out.Metrics = map[string]float64{"rmse": b.TargetStd * math.Sqrt(res.ValidLoss)}
	case isFinite(res.ValidAccuracy):
		out.Metrics = map[string]float64{"accuracy": res.ValidAccuracy}
	}
	return out, err
}

// finiteOrZero maps NaN (accuracy of a regression) and ±Inf to 0, so they
// never reach a fit file.
func finiteOrZero(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
