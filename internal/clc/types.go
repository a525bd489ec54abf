// Package clc is clc's pipeline: it plans a learning-rate sweep over nested
// dataset fractions, runs its trials on a Trainer (reusing those a journal
// already holds, or one shard's share of them), merges the journals of a
// sharded sweep, and completes a fit: the optimal rate per fraction, the
// power law η*(N) = k·N^α, the cumulative-learning constant
// C(N) = η*(N)·T(N) and the prediction at the full size (the statistics are
// package scaling's). It also owns the fit file and the journal formats.
//
// Definitions (see docs/design.md, "The method"):
//
//   - A fraction f ∈ (0, 1] trains on N = round(f·N_full) rows, a prefix of one
//     seeded permutation of the training rows, so fractions are nested.
//   - A trial (fraction, η, seed) trains E epochs at batch size B with constant
//     rate η: T(N) = E·floor(N/B) steps (or a fixed T with a steps budget);
//     a sweep over several lengths or batch sizes (Axes) has trials of other
//     runs too (TrialSpec.RunSpec).
//   - The cumulative learning of a schedule η_1..η_T is S = Σ_t η_t (lr·steps).
//   - At the optimum with a constant rate, C(N) = η*(N)·T(N).
package clc

import (
	"context"

	"github.com/clc-tools/clc/internal/scaling"
)

// TrialSpec identifies one trial of a sweep.
type TrialSpec struct {
	Fraction float64 `yaml:"fraction" json:"fraction"`
	N        int     `yaml:"n" json:"n"` // training rows, round(Fraction·N_full)
	LR       float64 `yaml:"lr" json:"lr"`
	Seed     int     `yaml:"seed" json:"seed"`
	// RunSpec is the trial's run when it is not the sweep's own (the
	// configuration's epochs, batch size and step budget): a sweep over
	// several training lengths or batch sizes (Axes) trains some trials
	// with another epoch count, batch size or step budget. Zero, and left
	// out of fit files and journals, for the sweep's own run.
	scaling.RunSpec `yaml:",inline"`
}

// Trial is a finished trial: its spec and what training measured.
// It is stored as a trialRecord (see MarshalYAML).
type Trial struct {
	TrialSpec
	Steps         int
	ValidLoss     float64 // +Inf when diverged
	TrainLoss     float64
	ValidAccuracy float64 // 0 or NaN when unknown
	Diverged      bool
	// Pruned marks a trial that did not run because a smaller rate at the
	// same N and seed diverged (Grid.Prune); it counts as diverged.
	Pruned  bool
	Seconds float64
	// Metrics holds every final value the trainer reported by name
	// ("accuracy", "rmse", "f1", ...) except the validation loss, which
	// is ValidLoss (the metric "loss"). Non-finite values are left out.
	Metrics map[string]float64
	// Curve holds the intermediate results the trainer reported, one per
	// epoch, in order; nil when it reported none.
	Curve []Report
	// Stopped marks a trial stopped early by pruning after the last epoch
	// of Curve because it was clearly worse than a smaller rate at the same
	// N and seed (see PruneMargin); the statistics treat it like a diverged
	// one.
	Stopped bool
}

// Report is an intermediate result of a trial: the values it reported
// after one epoch, by metric name (non-finite values are left out).
type Report struct {
	Epoch  int                `yaml:"epoch" json:"epoch"`
	Values map[string]float64 `yaml:"values,flow" json:"values"`
}

// Outcome is what training one trial measured.
type Outcome struct {
	ValidLoss     float64 // final validation loss; +Inf when the run diverged
	TrainLoss     float64 // mean batch loss of the last epoch; NaN when unknown
	ValidAccuracy float64 // classification accuracy in [0, 1]; NaN when unknown
	Steps         int     // optimizer steps taken (fewer when it diverged)
	Diverged      bool
	Seconds       float64 // wall time
	// Metrics holds the other final values the trainer reported, by name
	// (see Trial.Metrics); the validation loss is ValidLoss.
	Metrics map[string]float64
	// Curve holds the per-epoch reports, when the trainer made any.
	Curve []Report
	// Stopped reports that the trial ended early because its report
	// callback asked it to (see ReportingTrainer).
	Stopped bool
}

// Trainer runs one trial. Implementations must be safe for concurrent use and
// deterministic: the outcome depends only on the spec and the trainer's fixed
// configuration and data.
type Trainer interface {
	Train(ctx context.Context, spec TrialSpec) (Outcome, error)
}

// ReportingTrainer is a Trainer whose trials report intermediate results
// as they train. TrainReporting calls report (from one goroutine, in epoch
// order) with each report; when report returns false the trial stops as
// soon as it can and its Outcome has Stopped set. The reports are also in
// the Outcome's Curve.
type ReportingTrainer interface {
	Trainer
	TrainReporting(ctx context.Context, spec TrialSpec, report func(Report) bool) (Outcome, error)
}
