// Package scaling holds clc's statistics: the optimal learning rate at each
// dataset size from the trials' losses, the power law η*(N) = k·N^α fitted
// through those optima, the cumulative-learning constant C(N) = η*(N)·T(N),
// and what a fit predicts for a target run.
//
// Definitions:
//
//   - A sample is one training run: N rows, a (mean) learning rate η, a seed,
//     T optimizer steps, and its final validation loss (+Inf when it diverged).
//   - The optimum η*(N) minimizes the seed-mean validation loss over η at one N.
//   - The cumulative learning of a schedule η_1..η_T is S = Σ_t η_t (lr·steps);
//     at the optimum with a constant rate, C(N) = η*(N)·T(N).
package scaling

// Sample is one finished training run as the statistics see it.
type Sample struct {
	Fraction float64 // share of the training rows, in (0, 1]
	N        int     // training rows
	LR       float64 // the constant rate, or a schedule's mean rate
	Seed     int
	Steps    int     // T: optimizer steps taken (fewer when it diverged)
	Loss     float64 // final validation loss; +Inf when it diverged
	Diverged bool
}

// Optimum is the estimated optimal constant learning rate at one fraction.
type Optimum struct {
	Fraction float64 `yaml:"fraction" json:"fraction"`
	N        int     `yaml:"n" json:"n"`
	Steps    int     `yaml:"steps" json:"steps"` // T(N)
	// LR is η*: the grid minimum of the seed-mean validation loss, refined by a
	// quadratic in log10 η through the minimum and its two neighbours when that
	// parabola is convex and its vertex lies between them.
	LR float64 `yaml:"lr" json:"lr"`
	// GridLR is the grid rate with the lowest seed-mean loss, before
	// refinement.
	GridLR  float64 `yaml:"grid_lr" json:"grid_lr"`
	Refined bool    `yaml:"refined" json:"refined"`
	// Loss is the seed-mean validation loss at the grid minimum.
	Loss float64 `yaml:"loss" json:"loss"`
	// LogSE is the standard error of log10 η* in decades: the bootstrap
	// spread over seeds combined with the grid quantization (step/√12) when
	// the optimum was not refined.
	LogSE float64 `yaml:"log10_se" json:"log10_se"`
	// LRLow and LRHigh bound a 95% interval: η*·10^(∓1.96·LogSE).
	LRLow  float64 `yaml:"lr_low" json:"lr_low"`
	LRHigh float64 `yaml:"lr_high" json:"lr_high"`
	// Bracketed is false when the minimum sits on the first grid point
	// that has a finite loss (Edge "low") or on the last grid point of all
	// (Edge "high"). A minimum at the last finite point whose larger grid
	// rates all diverged is bracketed by divergence: StabilityEdge is then
	// true (see EstimateOptima).
	Bracketed     bool   `yaml:"bracketed" json:"bracketed"`
	Edge          string `yaml:"edge,omitempty" json:"edge,omitempty"`
	StabilityEdge bool   `yaml:"stability_edge,omitempty" json:"stability_edge,omitempty"`
	// Usable is false when every rate diverged at this fraction.
	Usable bool `yaml:"usable" json:"usable"`
	// Constant is C(N) = η*·T(N), in lr·steps.
	Constant float64 `yaml:"constant" json:"constant"`
}

// Law is the power law η*(N) = k·N^α fitted by weighted least squares of
// log10 η* on log10 N over the usable, bracketed optima.
type Law struct {
	Alpha        float64    `yaml:"alpha" json:"alpha"`
	AlphaSE      float64    `yaml:"alpha_se" json:"alpha_se"`
	AlphaCI      [2]float64 `yaml:"alpha_ci,flow" json:"alpha_ci"` // 95%
	K            float64    `yaml:"k" json:"k"`
	Log10KSE     float64    `yaml:"log10_k_se" json:"log10_k_se"`
	CovLogKAlpha float64    `yaml:"cov_log10k_alpha" json:"cov_log10k_alpha"`
	R2           float64    `yaml:"r2" json:"r2"`
	// BirgeRatio is χ²/(n − 2) of the weighted fit (0 with 2 points). Above
	// 1 the optima scatter more than their errors say: the covariance was
	// scaled by it and the intervals use Student's t; otherwise the errors
	// are taken as known and the intervals use the normal 1.96.
	BirgeRatio float64 `yaml:"birge_ratio" json:"birge_ratio"`
	Points     int     `yaml:"points" json:"points"`
	DoF        int     `yaml:"dof" json:"dof"`
	// NMin and NMax bound the dataset sizes the law was fitted on (its
	// valid range).
	NMin int `yaml:"n_min" json:"n_min"`
	NMax int `yaml:"n_max" json:"n_max"`
	// Extrapolation: the law refitted without the largest fraction, evaluated
	// at that fraction's N. Miss = log10(predicted) − log10(measured), in
	// decades. Available only with ≥ 3 points.
	Extrapolation *Extrapolation `yaml:"extrapolation,omitempty" json:"extrapolation,omitempty"`
}

// Extrapolation is the leave-largest-fraction-out check of a Law.
type Extrapolation struct {
	N           int     `yaml:"n" json:"n"`
	PredictedLR float64 `yaml:"predicted_lr" json:"predicted_lr"`
	MeasuredLR  float64 `yaml:"measured_lr" json:"measured_lr"`
	MissDecades float64 `yaml:"miss_decades" json:"miss_decades"`
	// Sigma is the miss divided by its standard error (prediction and
	// measurement uncertainty combined).
	Sigma float64 `yaml:"sigma" json:"sigma"`
}

// ConstantReport summarizes C(N) = η*(N)·T(N) across fractions.
type ConstantReport struct {
	Values []float64 `yaml:"values,flow,omitempty" json:"values"`
	Mean   float64   `yaml:"mean" json:"mean"`
	CV     float64   `yaml:"cv" json:"cv"` // sample std / mean
	// Slope γ of log10 C on log10 N (C ∝ N^γ) with its 95% interval; C is
	// called constant when the interval contains 0.
	Slope   float64    `yaml:"slope" json:"slope"`
	SlopeCI [2]float64 `yaml:"slope_ci,flow" json:"slope_ci"`
	Holds   bool       `yaml:"holds" json:"holds"`
	Verdict string     `yaml:"verdict" json:"verdict"`
}
