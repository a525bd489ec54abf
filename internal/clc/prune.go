package clc

import (
	"math"

	"github.com/clc-tools/clc/internal/scaling"
)

// PruneMargin is the relative margin of early stopping's "clearly worse".
//
// Early stopping is how pruning stops a trial that reports intermediate
// results (a ReportingTrainer's trial, with SweepOptions.Prune). With
// pruning the rates of one (N, seed) run in ascending order on one
// worker (see SweepOptions.Prune), and after each epoch's report of the
// objective's metric, with s_e the report's score (the value, negated for
// Maximize: lower is better):
//
//  1. Diverging: the value is not finite (NaN, ±Inf). The trial stops and
//     is recorded as diverged, so the larger rates of its (N, seed) are
//     pruned as after any divergence.
//
//  2. Clearly worse: some smaller rate at the same N, seed (and run) reported
//     epoch e, the best of their scores at epoch e is b_e, and
//
//     s_e − b_e > PruneMargin·|b_e|
//
//     (with the default 0.5: a loss 50% above the best smaller rate's at
//     the same epoch, or an accuracy below half of it). The trial stops
//     and is recorded as stopped (Trial.Stopped); the statistics treat it
//     as diverged.
//
// A report of the last epoch (SweepOptions.Epochs) never stops a trial,
// and neither does a report without the objective's metric. The
// comparison set is the smaller rates of the same chain, which have all
// finished before a rate starts, whatever the number of workers (and, on
// resume, the journal's trials: SweepOptions.Known), so what is stopped
// does not depend on --workers or on interruptions.
//
// Early stopping biases the optimum toward fast starters: a rate whose
// loss falls slowly at first but would end lowest is stopped when it
// trails a smaller rate by the margin early on. The margin is wide so that
// the rates next to the optimum, which trail by a few percent, run to the
// end; the rule saves most on rates well above the optimum.
const PruneMargin = 0.5

// pruneKey is one chain of a pruned sweep: a size, a seed and a run.
type pruneKey struct {
	n, seed int
	run     scaling.RunSpec
}

// pruneHistory holds the finished trials of every (N, seed), for the
// reference of early stopping.
type pruneHistory struct {
	trials map[pruneKey][]Trial
}

func newPruneHistory(known []Trial) *pruneHistory {
	h := &pruneHistory{trials: map[pruneKey][]Trial{}}
	for _, t := range known {
		h.add(t)
	}
	return h
}

// add records a finished trial; only those with a curve can be a
// reference.
func (h *pruneHistory) add(t Trial) {
	if len(t.Curve) > 0 {
		k := pruneKey{t.N, t.Seed, t.RunSpec}
		h.trials[k] = append(h.trials[k], t)
	}
}

// reference returns the finished trials of spec's N and seed at smaller
// rates (their order does not matter: early stopping takes their best
// score per epoch).
func (h *pruneHistory) reference(spec TrialSpec) []Trial {
	var out []Trial
	for _, t := range h.trials[pruneKey{spec.N, spec.Seed, spec.RunSpec}] {
		if t.LR < spec.LR {
			out = append(out, t)
		}
	}
	return out
}

// pruneState applies early stopping (see PruneMargin) to one running trial.
type pruneState struct {
	objective Objective
	epochs    int
	ref       []Trial // smaller rates of the same N and seed
	best      map[int]float64
	// diverged reports that the trial was stopped by a non-finite value.
	diverged bool
}

// score is a reported value in the statistics' sign: lower is better.
func (p *pruneState) score(v float64) float64 {
	if p.objective.norm().Direction == Maximize {
		return -v
	}
	return v
}

// bestAt is the best score the reference reported at epoch e.
func (p *pruneState) bestAt(e int) (float64, bool) {
	if p.best == nil {
		p.best = map[int]float64{}
		metric := p.objective.norm().Metric
		for _, t := range p.ref {
			for _, r := range t.Curve {
				v, ok := r.Values[metric]
				if !ok || !isFinite(v) {
					continue
				}
				s := p.score(v)
				if b, ok := p.best[r.Epoch]; !ok || s < b {
					p.best[r.Epoch] = s
				}
			}
		}
	}
	b, ok := p.best[e]
	return b, ok
}

// keep reports whether the trial goes on after report r.
func (p *pruneState) keep(r Report) bool {
	v, ok := r.Values[p.objective.norm().Metric]
	if !ok {
		return true
	}
	if !isFinite(v) {
		p.diverged = true
		return false
	}
	if p.epochs > 0 && r.Epoch >= p.epochs {
		return true
	}
	b, ok := p.bestAt(r.Epoch)
	return !ok || p.score(v)-b <= PruneMargin*math.Abs(b)
}
