package clc

import (
	"context"
	"fmt"
	"time"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/numfmt"
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
	// Objective is what the trials are judged by (see
	// SweepOptions.Objective); a reused trial without its metric is an
	// input error before any trial runs.
	Objective Objective
	// Epochs is the trials' epoch count, for early stopping (see
	// SweepOptions.Epochs).
	Epochs int
	// OnReport, when set, receives the intermediate reports of running
	// trials (see SweepOptions.OnReport).
	OnReport func(spec TrialSpec, r Report)
	// Earlier holds trials finished before these specs outside the
	// journal's lookup (an adaptive design's earlier stages): early
	// stopping compares against them too (see SweepOptions.Known).
	Earlier []Trial
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
// finished trial in the journal as it completes, under the trial's
// fingerprint (fp for the sweep's own run, TrialFingerprint of plan's data
// and configuration for another run), so a stopped run resumes
// where it ended: the same specs with the same fingerprint reuse every
// recorded trial and run only the rest. With pruning, a rate above a
// recorded divergence at the same N and seed is pruned whether or not it
// ran (see CollectTrials), so resumed and uninterrupted runs agree trial
// for trial. The result is the same for any number of workers.
//
// When the run stops early (a trainer failure, an interruption) Run
// returns a *StoppedError saying how many trials were recorded.
func Run(ctx context.Context, specs []TrialSpec, trainer Trainer, fp string, plan PlanRecord, opt RunOptions) (*RunReport, error) {
	ss, err := openSession(opt.Journal, fp, plan)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	return ss.run(ctx, specs, trainer, opt)
}

// session is a sweep's access to its journal across one or more runs of
// specs: an adaptive design runs many, with the journal open throughout.
type session struct {
	journal *Journal // nil without a journal
	path    string
	fp      string
	// fpOf is the fingerprint of a spec's trial: fp for the sweep's own
	// run, TrialFingerprint for another (see trialFingerprints).
	fpOf func(TrialSpec) string
}

// openSession opens the journal at path (none when "") and records the
// plan in it.
func openSession(path, fp string, plan PlanRecord) (*session, error) {
	ss := &session{path: path, fp: fp, fpOf: trialFingerprints(fp, plan.Dataset, plan.Config)}
	if path == "" {
		return ss, nil
	}
	j, err := OpenJournal(path)
	if err != nil {
		return nil, err
	}
	if err := j.AppendPlan(fp, plan); err != nil {
		j.Close()
		return nil, err
	}
	ss.journal = j
	return ss, nil
}

func (ss *session) close() {
	if ss.journal != nil {
		ss.journal.Close()
	}
}

// run runs the specs the journal does not hold (see Run).
func (ss *session) run(ctx context.Context, specs []TrialSpec, trainer Trainer, opt RunOptions) (*RunReport, error) {
	lookup := func(s TrialSpec) (Trial, bool) {
		if ss.journal == nil {
			return Trial{}, false
		}
		return ss.journal.Lookup(ss.fpOf(s), s)
	}
	trials, have := CollectTrials(specs, opt.Prune, lookup)
	rep := &RunReport{Resume: Resume{Journal: ss.path}}
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
	if ss.journal != nil {
		rep.Resume.Torn = ss.journal.Torn
		rep.Resume.Stale = ss.journal.Len() - (len(rep.Resume.Known) - rep.Resume.Pruned)
	}
	if opt.OnResume != nil {
		opt.OnResume(rep.Resume)
	}
	if err := opt.Objective.Check(rep.Resume.Known); err != nil {
		return rep, err
	}

	record := func(t Trial, done, total int) error {
		if ss.journal != nil && !t.Pruned { // a pruned trial did not run: nothing to reuse
			if err := ss.journal.Append(ss.fpOf(t.TrialSpec), t); err != nil {
				return err
			}
		}
		if opt.Progress != nil {
			return opt.Progress(t, done, total)
		}
		return nil
	}
	start := time.Now()
	ran, err := RunSweep(ctx, todo, trainer, SweepOptions{
		Workers: opt.Workers, Prune: opt.Prune, Progress: record,
		Objective: opt.Objective, Epochs: opt.Epochs, OnReport: opt.OnReport,
		Known: append(append([]Trial(nil), opt.Earlier...), rep.Resume.Known...),
	})
	rep.Ran, rep.Elapsed = len(ran), time.Since(start)
	if _, ok := inputerr.As(err); ok {
		return rep, err // the objective's metric is missing: nothing to resume
	}
	if err != nil {
		return rep, &StoppedError{Recorded: len(specs) - len(todo) + len(ran), Total: len(specs), Journal: ss.path, Err: err}
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
// same specs again with the journal resumes. Total is 0 for an adaptive
// sweep, whose trials are not known in advance.
type StoppedError struct {
	Recorded, Total int
	Journal         string
	Err             error // the cause: a *TrialFailedError, a journal error or ctx.Err()
}

func (e *StoppedError) Error() string {
	of := fmt.Sprintf("%d of %d trials", e.Recorded, e.Total)
	if e.Total == 0 { // an adaptive sweep: the total is not known
		of = numfmt.Count(e.Recorded, "trial", "trials")
	}
	if e.Journal == "" {
		return fmt.Sprintf("sweep stopped after %s: %v", of, e.Err)
	}
	return fmt.Sprintf("sweep stopped with %s recorded in %s: %v", of, e.Journal, e.Err)
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
