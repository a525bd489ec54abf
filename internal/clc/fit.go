package clc

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clc-tools/clc/internal/gates"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
	"github.com/clc-tools/clc/internal/schedule"
	"github.com/clc-tools/clc/internal/train"
)

// Grid is what a sweep varies: the fractions of the training rows, the
// learning rates and the seeds, and how the optimum's uncertainty is
// estimated.
type Grid struct {
	Fractions    []float64 // ascending, in (0, 1]
	FractionText []string  // the fractions as the user gave them, e.g. "1/32"
	LRs          []float64 // ascending
	Seeds        int
	// SeedBase is the first trial seed: the trials use seeds SeedBase …
	// SeedBase+Seeds−1, so a fit can be repeated with independent seeds.
	SeedBase int
	// Bootstrap is kept for fit files of version 1 (their optima's
	// bootstrap resamples); fits of version 2 record 0.
	Bootstrap int
	// Prune records the rates above one that diverged at the same N and
	// seed as diverged without training them.
	Prune bool
	// Axes are the other training runs the sweep measures (nil: only its
	// own).
	Axes *Axes
	// Design is how the sweep chooses its trials (DesignGrid, "" too, or
	// DesignAdaptive), Precision and MaxCost the adaptive design's target
	// and budget (see SweepConfig).
	Design    string
	Precision float64
	MaxCost   float64
}

// BuiltinConfig is the fit-file configuration of a sweep trained by the
// built-in engine with cfg (its rate and seed are set per trial). The
// validation rows come from the data file's split (validFraction of the
// rows, seed splitSeed) or, when validFraction is 0, from a separate file.
// shape, when not nil, trains every trial with that schedule shape at
// granularity per, the grid value being its mean rate.
func BuiltinConfig(cfg train.Config, g Grid, validFraction float64, splitSeed, shuffleSeed uint64,
	shape *schedule.Spec, per schedule.Granularity) SweepConfig {
	c := SweepConfig{
		Model: string(cfg.Model), Hidden: cfg.Hidden, Activation: string(cfg.Activation), Optimizer: string(cfg.Optimizer),
		Epochs: cfg.Epochs, BatchSize: cfg.BatchSize, Steps: cfg.Steps, DivergenceFactor: cfg.DivergenceFactor,
		ValidFraction: validFraction, SplitSeed: splitSeed, ShuffleSeed: shuffleSeed,
	}
	c.setGrid(g)
	if shape != nil && shape.Shape != schedule.Constant {
		c.Schedule, c.Per = shape, string(per)
	}
	return c
}

// ExecConfig is the fit-file configuration of a sweep trained by the
// user's command (run through sh -c when shell): the command owns the
// model, the optimizer and the data; epochs and batchSize are what it is
// told.
func ExecConfig(command string, shell bool, epochs, batchSize int, g Grid) SweepConfig {
	c := SweepConfig{Model: "exec", Exec: command, ExecShell: shell, Epochs: epochs, BatchSize: batchSize}
	c.setGrid(g)
	return c
}

// SetShape records that every trial trains with shape at granularity per,
// the grid value being the schedule's mean rate (nil or a constant shape:
// constant rates).
func (c *SweepConfig) SetShape(shape *schedule.Spec, per schedule.Granularity) {
	c.Schedule, c.Per = nil, ""
	if shape != nil && shape.Shape != schedule.Constant {
		c.Schedule, c.Per = shape, string(per)
	}
}

func (c *SweepConfig) setGrid(g Grid) {
	c.Fractions, c.FractionText, c.LRs, c.Seeds, c.SeedBase, c.Bootstrap, c.Prune = g.Fractions, g.FractionText, g.LRs, g.Seeds, g.SeedBase, g.Bootstrap, g.Prune
	c.Design, c.Precision, c.MaxCost = g.Design, g.Precision, g.MaxCost
	if c.Design == DesignGrid {
		c.Design = "" // a grid's fit file is as it was before designs
	}
	c.Axes = g.Axes
}

// Grid returns the configuration's grid.
func (c SweepConfig) Grid() Grid {
	return Grid{Fractions: c.Fractions, FractionText: c.FractionText, LRs: c.LRs, Seeds: c.Seeds, SeedBase: c.SeedBase, Bootstrap: c.Bootstrap,
		Prune: c.Prune, Design: c.Design, Precision: c.Precision, MaxCost: c.MaxCost, Axes: c.Axes}
}

// PlanOf is the plan of a sweep with configuration c on N_full = nFull
// rows: NewPlan with the sweep's own run, starting at c's SeedBase, and
// WithAxes with c's other runs (c.Axes). It is the one place a sweep's
// trials are decided: Fit, Merge and the shards all plan through it.
func PlanOf(nFull int, c SweepConfig) (Plan, error) {
	p, err := NewPlan(nFull, c.Fractions, c.LRs, c.Seeds, c.BatchSize)
	if err != nil {
		return p, err
	}
	p.SeedBase = c.SeedBase
	return p.WithAxes(c.Run(), c.Axes)
}

// FractionLabel writes fraction f as the user gave it ("1/32") when it is
// one of the configuration's fractions with a text, else by FormatFraction.
func (c SweepConfig) FractionLabel(f float64) string {
	for i, v := range c.Fractions {
		if v == f && i < len(c.FractionText) && c.FractionText[i] != "" {
			return c.FractionText[i]
		}
	}
	return FormatFraction(f)
}

// Options configure a fit: the data it measures, the sweep's configuration
// (which, with the data, fixes every trial's result) and the trainer that
// runs the trials, where the trials are recorded, and which share of the
// plan this process runs.
type Options struct {
	Tool    string      // the program writing the fit, e.g. "clc 0.1.0"
	Dataset DatasetInfo // the data; Dataset.Rows is N_full
	Config  SweepConfig // see BuiltinConfig and ExecConfig
	Trainer Trainer
	// Journal is the path of the journal of finished trials ("" for none).
	// A shard's journal is its result: a shard needs one.
	Journal string
	Shard   *Shard // nil runs the whole plan
	Workers int    // trials at once (≤ 0: runtime.NumCPU())
	Events  Events
}

// Events receive what a fit does as it goes; every field is optional.
type Events struct {
	// Planned is called once the plan is built, before any trial runs.
	Planned func(Planned)
	// Resumed is called once the journal is read (see RunOptions.OnResume).
	Resumed func(Resume)
	// Progress receives every trial the run finishes.
	Progress Progress
	// Report receives the intermediate reports of running trials (see
	// RunOptions.OnReport).
	Report func(spec TrialSpec, r Report)
	// Stage is called before each stage of an adaptive sweep runs.
	Stage func(Stage)
}

// Planned describes the sweep about to run.
type Planned struct {
	Plan Plan
	// Trials is the number of trials this process runs: all of the plan's
	// (Plan.Trials()), or one shard's share.
	Trials      int
	Shard       *Shard
	Fingerprint string
}

// CellChecker is implemented by trainers that can reject a plan's cells
// (its sizes and runs) before any trial runs (e.g. a schedule's warmup
// longer than the run at the smallest size).
type CellChecker interface {
	CheckCells(cells []Cell) error
}

// Result is a finished fit, or a shard's finished share.
type Result struct {
	// Fit is the completed fit; nil for a shard, whose result is its
	// journal.
	Fit         *FitFile
	Planned     Planned
	Run         *RunReport
	Fingerprint string
	// Stop says why an adaptive sweep ended; nil for a grid.
	Stop *Stop
}

// Fit plans the sweep of o, runs its trials (those o.Journal does not
// already hold, or o.Shard's share of them) and, for a whole plan,
// completes the fit (see Complete). It writes no file besides the
// journal: the caller writes the fit file.
func Fit(ctx context.Context, o Options) (*Result, error) {
	plan, err := PlanOf(o.Dataset.Rows, o.Config)
	if err != nil {
		return nil, err
	}
	if cc, ok := o.Trainer.(CellChecker); ok {
		if err := cc.CheckCells(plan.Cells()); err != nil {
			return nil, err
		}
	}
	if o.Shard != nil && o.Journal == "" {
		return nil, inputerr.New("shard %s has no journal; a shard's journal is its result", o.Shard).
			WithHint("give the shard a journal")
	}
	if o.Config.Design == DesignAdaptive {
		fp := Fingerprint(o.Dataset, o.Config)
		res := &Result{Fingerprint: fp, Planned: Planned{Plan: plan, Fingerprint: fp}}
		if o.Events.Planned != nil {
			o.Events.Planned(res.Planned)
		}
		if err := runAdaptive(ctx, o, plan, fp, res); err != nil {
			return res, err
		}
		return res, complete(o, res)
	}
	specs := plan.Specs()
	if o.Shard != nil {
		specs = ShardSpecs(specs, o.Config.Prune, *o.Shard, plan.ShardCost())
	}
	fp := Fingerprint(o.Dataset, o.Config)
	res := &Result{Fingerprint: fp, Planned: Planned{Plan: plan, Trials: len(specs), Shard: o.Shard, Fingerprint: fp}}
	if o.Events.Planned != nil {
		o.Events.Planned(res.Planned)
	}
	rec := PlanRecord{Tool: o.Tool, Dataset: o.Dataset, Config: o.Config, Trials: len(specs)}
	if o.Shard != nil {
		rec.Shard = o.Shard.String()
	}
	res.Run, err = Run(ctx, specs, o.Trainer, fp, rec, RunOptions{
		Workers: o.Workers, Prune: o.Config.Prune, Journal: o.Journal,
		OnResume: o.Events.Resumed, Progress: o.Events.Progress,
		Objective: o.Config.Objective(), Epochs: o.Config.Epochs, OnReport: o.Events.Report,
	})
	if err != nil {
		return res, err
	}
	if o.Shard != nil {
		return res, nil
	}
	return res, complete(o, res)
}

// complete makes the fit of a finished sweep.
func complete(o Options, res *Result) error {
	res.Fit = NewFitFile(o.Tool, o.Dataset, o.Config, res.Run.Trials)
	return Complete(res.Fit)
}

// NewFitFile is a fit of the current format with its trials, before
// Complete.
func NewFitFile(tool string, d DatasetInfo, c SweepConfig, trials []Trial) *FitFile {
	return &FitFile{Version: FitVersion, Tool: tool, Dataset: d, Config: c, Trials: trials}
}

// Complete turns a fit's trials into its optima (with their noise model),
// law, constant, joint law over its other runs (when it has some) and
// prediction at N_full (the dataset's rows), checks its sanity gates
// (package gates) and stamps its creation time. The optima are those of
// the configuration's objective (see Objective); each optimum's Loss is
// the objective's seed-mean value at the grid optimum, in the metric's own
// sign. A trial that ran to its end without reporting the metric is an
// input error.
// When too few optima are usable for a law it returns a *NoLawError
// holding the fit with its optima and the gates that need no law (an input
// error: the grid or the fractions need changing, or the model learns
// nothing).
func Complete(f *FitFile) error {
	f.Created = time.Now().UTC().Format(time.RFC3339)
	samples, err := f.Config.Objective().Samples(f.Trials)
	if err != nil {
		return err
	}
	optima := scaling.EstimateOptima(samples)
	f.Optima, f.Noise = optima.Optima, &optima.Noise
	f.unnegate()
	law, err := scaling.FitLaw(f.Optima)
	if err != nil {
		f.Gates = gates.Check(f.gateInput()) // those that need no law
		return &NoLawError{Fit: f, Err: err}
	}
	f.Law = law
	f.Constant = scaling.AnalyzeConstant(f.Optima, law)
	f.Joint = scaling.FitJointLaw(f.Optima, f.Config.Run())
	full, err := f.Estimate(scaling.Target{N: f.Dataset.Rows})
	if err != nil {
		return fmt.Errorf("predicting the full size: %w", err)
	}
	f.Prediction = PredictionOf(full)
	f.Gates = gates.Check(f.gateInput())
	return nil
}

// unnegate gives the optima's Loss in the metric's own sign: the
// statistics minimized the negated metric of a Maximize objective.
func (f *FitFile) unnegate() {
	if f.Config.Objective().Direction != Maximize {
		return
	}
	for i := range f.Optima {
		if f.Optima[i].Usable {
			f.Optima[i].Loss = -f.Optima[i].Loss
		}
	}
}

// gateInput is what the sanity gates look at in a completed fit: the
// law, the prediction and the optima and trials of the fit's own run (the
// gates judge the law's curves fraction by fraction; the other runs' have
// the joint law's checks).
func (f *FitFile) gateInput() gates.Fit {
	p := f.Prediction
	var own []Trial
	for _, t := range f.Trials {
		if t.IsBase() {
			own = append(own, t)
		}
	}
	// The gates see the objective in the statistics' sign (lower is
	// better); the trivial predictor's loss says nothing of another metric.
	obj := f.Config.Objective()
	var optima []scaling.Optimum
	for _, o := range f.Optima {
		if o.IsBase() {
			if o.Usable {
				o.Loss *= obj.Sign()
			}
			optima = append(optima, o)
		}
	}
	samples := obj.samplesOrDiverged(own)
	trivial := f.Dataset.TrivialLoss
	if !obj.IsLoss() {
		trivial = 0
	}
	return gates.Fit{
		Optima: optima, Law: f.Law, Trials: samples, LRs: gates.RatesTried(samples), Run: f.Config.Run(),
		NFull: f.Dataset.Rows, LR: p.LR, LRLow: p.LRLow, LRHigh: p.LRHigh,
		TrivialLoss: trivial, ValidRows: f.Dataset.ValidRows, MinValidRows: train.MinValidationRows,
	}
}

// NoLawError is a fit whose optima do not support a law (fewer than 2
// usable ones, or all at one size). Fit holds the trials and optima, so a
// front end can show them and say how to change the grid.
type NoLawError struct {
	Fit *FitFile
	Err error // an *inputerr.Error from scaling.FitLaw
}

func (e *NoLawError) Error() string { return e.Err.Error() }
func (e *NoLawError) Unwrap() error { return e.Err }

// GridAdvice says which way a grid must move when no law could be fitted.
type GridAdvice int

const (
	GridOK        GridAdvice = iota // nothing to say from the optima alone
	GridDown                        // every rate diverged at every fraction
	GridRaiseHigh                   // the optima sit at the top of the grid
	GridLowerLow                    // the optima sit at the bottom of the grid
	GridFlat                        // the loss does not depend on the rate (flat curves)
)

// Advice says how to move the grid given the optima: down when every rate
// diverged everywhere, up or down when the usable optima all sit on one
// edge; GridFlat when the usable fractions' curves are all flat (no grid
// helps: the model learns nothing that depends on the rate).
func (e *NoLawError) Advice() GridAdvice {
	var diverged, high, low, flat int
	for _, o := range e.Fit.Optima {
		switch {
		case !o.Usable:
			diverged++
		case o.Flat:
			flat++
		case !o.Bracketed && o.Edge == "high":
			high++
		case !o.Bracketed && o.Edge == "low":
			low++
		}
	}
	switch n := len(e.Fit.Optima); {
	case n == 0:
		return GridOK
	case diverged == n:
		return GridDown
	case flat > 0 && flat+diverged == n:
		return GridFlat
	case high+diverged == n:
		return GridRaiseHigh
	case low+diverged == n:
		return GridLowerLow
	}
	return GridOK
}

// IsNoLaw reports whether err is (or wraps) a *NoLawError and returns it.
func IsNoLaw(err error) (*NoLawError, bool) {
	var e *NoLawError
	ok := errors.As(err, &e)
	return e, ok
}
