// Package clc runs learning-rate sweeps over nested dataset fractions, finds the
// optimal rate per fraction, fits the power law η*(N) = k·N^α, and derives the
// cumulative-learning constant C(N) = η*(N)·T(N).
//
// Definitions (see docs/design.md, "The method"):
//
//   - A fraction f ∈ (0, 1] trains on N = round(f·N_full) rows, a prefix of one
//     seeded permutation of the training rows, so fractions are nested.
//   - A trial (fraction, η, seed) trains E epochs at batch size B with constant
//     rate η: T(N) = E·floor(N/B) steps (or a fixed T with a steps budget).
//   - The cumulative learning of a schedule η_1..η_T is S = Σ_t η_t (lr·steps).
//   - At the optimum with a constant rate, C(N) = η*(N)·T(N).
package clc

import (
	"context"

	"github.com/clc-tools/clc/internal/train"
)

// TrialSpec identifies one trial of a sweep.
type TrialSpec struct {
	Fraction float64 `yaml:"fraction" json:"fraction"`
	N        int     `yaml:"n" json:"n"` // training rows, round(Fraction·N_full)
	LR       float64 `yaml:"lr" json:"lr"`
	Seed     int     `yaml:"seed" json:"seed"`
}

// Trial is a finished trial: its spec and what training measured.
type Trial struct {
	TrialSpec     `yaml:",inline"`
	Steps         int     `yaml:"steps" json:"steps"`
	ValidLoss     float64 `yaml:"valid_loss" json:"valid_loss"` // +Inf when diverged
	TrainLoss     float64 `yaml:"train_loss" json:"train_loss"`
	ValidAccuracy float64 `yaml:"valid_accuracy,omitempty" json:"valid_accuracy,omitempty"`
	Diverged      bool    `yaml:"diverged" json:"diverged"`
	// Pruned marks a trial that did not run because a smaller rate at the
	// same N and seed diverged (clc fit --prune); it counts as diverged.
	Pruned  bool    `yaml:"pruned,omitempty" json:"pruned,omitempty"`
	Seconds float64 `yaml:"seconds" json:"seconds"`
}

// Trainer runs one trial. Implementations must be safe for concurrent use and
// deterministic: the result depends only on the spec and the trainer's fixed
// configuration and data.
type Trainer interface {
	Train(ctx context.Context, spec TrialSpec) (train.Result, error)
}
