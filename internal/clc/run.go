package clc

import (
	"context"
	"fmt"
	"time"
)

// RunOptions configures Run.
type RunOptions struct {
	// Workers is how many trials run at once (≤ 0: runtime.NumCPU()).
	Workers int
	// Prune skips the rates above one that diverged at the same N and seed
	// (see SweepOptions.Prune).
	Prune bool
	// Journal is the path of the sweep's journal; "" runs without one.
	Journal string
	// OnResume, when set, is called once the journal has been read and
	// before any trial runs, with what it held.
	OnResume func(Resume)
	// Progress, when set, receives every trial this run finishes (or
	// prunes), not the reused ones.
	Progress Progress
}

// Resume says what a journal held for a run's specs.
type Resume struct {
	Journal string // its path; "" without a journal
	// Torn reports that a torn last line (a run killed mid-write) was
	// dropped when the journal was opened.
	Torn bool
	// Known holds the specs' trials the journal recorded, or that pruning
	// implies from recorded divergences, in spec order.
	Known []Trial
	// Pruned counts the Known trials implied by pruning; ToRun the specs
	// left to run.
	Pruned, ToRun int
	// Stale counts recorded trials this run does not use: other data,
	// settings or grid points.
	Stale int
}

// RunReport is what Run did.
type RunReport struct {
	// Trials holds every spec's trial, in spec order.
	Trials []Trial
	Resume Resume
	// Ran counts the trials this run finished (pruned ones included).
	Ran     int
	Elapsed time.Duration
}

// Run runs the specs a journal does not already hold and returns all of
// them. It records the plan (the fingerprint fp and plan) and then every
// finished trial in the journal as it completes, so a stopped run resumes
// where it ended: the same specs with the same fingerprint reuse every
// recorded trial and run only the rest. With pruning, a rate above a
// recorded divergence at the same N and seed is pruned whether or not it
// ran (see CollectTrials), so resumed and uninterrupted runs agree trial
// for trial. The result is the same for any number of workers.
//
// When the run stops early (a trainer failure, an interruption) Run
// returns a *StoppedError saying how many trials were recorded.
func Run(ctx context.Context, specs []TrialSpec, trainer Trainer, fp string, plan PlanRecord, opt RunOptions) (*RunReport, error) {
	var journal *Journal
	if opt.Journal != "" {
		var err error
		if journal, err = OpenJournal(opt.Journal); err != nil {
			return nil, err
		}
		defer journal.Close()
		if err := journal.AppendPlan(fp, plan); err != nil {
			return nil, err
		}
	}
	lookup := func(s TrialSpec) (Trial, bool) {
		if journal == nil {
			return Trial{}, false
		}
		return journal.Lookup(fp, s)
	}
	trials, have := CollectTrials(specs, opt.Prune, lookup)
	rep := &RunReport{Resume: Resume{Journal: opt.Journal}}
	var todo []TrialSpec
	for i, s := range specs {
		if !have[i] {
			todo = append(todo, s)
			continue
		}
		rep.Resume.Known = append(rep.Resume.Known, trials[i])
		if trials[i].Pruned {
			rep.Resume.Pruned++
		}
	}
	rep.Resume.ToRun = len(todo)
	if journal != nil {
		rep.Resume.Torn = journal.Torn
		rep.Resume.Stale = journal.Len() - (len(rep.Resume.Known) - rep.Resume.Pruned)
	}
	if opt.OnResume != nil {
		opt.OnResume(rep.Resume)
	}

	record := func(t Trial, done, total int) error {
		if journal != nil && !t.Pruned { // a pruned trial did not run: nothing to reuse
			if err := journal.Append(fp, t); err != nil {
				return err
			}
		}
		if opt.Progress != nil {
			return opt.Progress(t, done, total)
		}
		return nil
	}
	start := time.Now()
	ran, err := RunSweep(ctx, todo, trainer, SweepOptions{Workers: opt.Workers, Prune: opt.Prune, Progress: record})
	rep.Ran, rep.Elapsed = len(ran), time.Since(start)
	if err != nil {
		return rep, &StoppedError{Recorded: len(specs) - len(todo) + len(ran), Total: len(specs), Journal: opt.Journal, Err: err}
	}
	// RunSweep returns the todo trials in todo order.
	k := 0
	for i := range trials {
		if !have[i] {
			trials[i] = ran[k]
			k++
		}
	}
	rep.Trials = trials
	return rep, nil
}

// StoppedError is a run that stopped before all its trials finished.
// Recorded of Total trials are in Journal ("" without one): running the
// same specs again with the journal resumes.
type StoppedError struct {
	Recorded, Total int
	Journal         string
	Err             error // the cause: a *TrialFailedError, a journal error or ctx.Err()
}

func (e *StoppedError) Error() string {
	if e.Journal == "" {
		return fmt.Sprintf("sweep stopped after %d of %d trials: %v", e.Recorded, e.Total, e.Err)
	}
	return fmt.Sprintf("sweep stopped with %d of %d trials recorded in %s: %v", e.Recorded, e.Total, e.Journal, e.Err)
}

func (e *StoppedError) Unwrap() error { return e.Err }

// TrialFailedError is a trial whose trainer failed (not a divergence,
// which is an outcome).
type TrialFailedError struct {
	Spec TrialSpec
	Err  error
}

func (e *TrialFailedError) Error() string {
	return fmt.Sprintf("trial fraction %s lr %g seed %d: %v", FormatFraction(e.Spec.Fraction), e.Spec.LR, e.Spec.Seed, e.Err)
}

func (e *TrialFailedError) Unwrap() error { return e.Err }
