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

import (
	"cmp"
	"math"
)

// Sample is one finished training run as the statistics see it.
type Sample struct {
	Fraction float64 // share of the training rows, in (0, 1]
	N        int     // training rows
	LR       float64 // the constant rate, or a schedule's mean rate
	Seed     int
	Steps    int     // T: optimizer steps taken (fewer when it diverged)
	Loss     float64 // final validation loss; +Inf when it diverged
	Diverged bool
	// RunSpec is the training run of the sample when it is not the fit's
	// own (the zero RunSpec): another epoch count, batch size or step
	// budget. Samples of one fraction and run form one loss curve.
	RunSpec
}

// RunSpec names a training run by how it differs from a fit's own run
// (Run): each field is 0 where the run is the fit's. The zero RunSpec is
// the fit's run itself.
type RunSpec struct {
	Epochs     int `yaml:"epochs,omitempty" json:"epochs,omitempty"`
	BatchSize  int `yaml:"batch_size,omitempty" json:"batch_size,omitempty"`
	StepBudget int `yaml:"step_budget,omitempty" json:"step_budget,omitempty"`
}

// IsBase reports whether r is the fit's own run.
func (r RunSpec) IsBase() bool { return r == RunSpec{} }

// Resolve is the run r names, given the fit's run base.
func (r RunSpec) Resolve(base Run) Run {
	out := base
	if r.Epochs > 0 {
		out.Epochs = r.Epochs
	}
	if r.BatchSize > 0 {
		out.BatchSize = r.BatchSize
	}
	if r.StepBudget > 0 {
		out.Steps = r.StepBudget
	}
	return out
}

// compareRuns orders runs: the fit's own first, then by epochs, batch
// size and step budget.
func compareRuns(a, b RunSpec) int {
	switch {
	case a == b:
		return 0
	case a.IsBase():
		return -1
	case b.IsBase():
		return 1
	}
	return cmp.Or(cmp.Compare(a.Epochs, b.Epochs), cmp.Compare(a.BatchSize, b.BatchSize), cmp.Compare(a.StepBudget, b.StepBudget))
}

// Optimum is the estimated optimal constant learning rate at one fraction.
type Optimum struct {
	Fraction float64 `yaml:"fraction"`
	N        int     `yaml:"n"`
	Steps    int     `yaml:"steps"` // T(N)
	// LR is η*: the grid minimum of the seed-mean validation loss, refined by a
	// quadratic in log10 η through the minimum and its two neighbours when that
	// parabola is convex and its vertex lies between them.
	LR float64 `yaml:"lr"`
	// GridLR is the grid rate with the lowest seed-mean loss, before
	// refinement.
	GridLR  float64 `yaml:"grid_lr"`
	Refined bool    `yaml:"refined"`
	// Loss is the seed-mean validation loss at the grid minimum.
	Loss float64 `yaml:"loss"`
	// Curvature is L'' of the refining parabola, d²L/d(log10 η)² in loss
	// per decade²: how much loss a miss of the optimum costs (about
	// ½·Curvature·miss²). 0 when η* was not refined.
	Curvature float64 `yaml:"curvature,omitempty"`
	// Seeds is the number of seeds averaged at the grid minimum.
	Seeds int `yaml:"seeds,omitempty"`
	// LogSE is the standard error of log10 η* in decades, from the noise
	// model pooled over seeds and fractions (see EstimateOptima); 0 when
	// there is no interval. (Version-1 fit files hold a bootstrap error.)
	LogSE float64 `yaml:"log10_se"`
	// LRLow and LRHigh bound a 95% interval, η*·10^(∓t(0.975, DoF)·LogSE);
	// both 0 when there is none (IntervalNote says why).
	LRLow  float64 `yaml:"lr_low"`
	LRHigh float64 `yaml:"lr_high"`
	// DoF is the degrees of freedom of the interval's t quantile (those of
	// the pooled noise model); 0 when there is no interval.
	DoF int `yaml:"dof,omitempty"`
	// IntervalNote says why there is no interval (one seed, ...).
	IntervalNote string `yaml:"interval_note,omitempty"`
	// Bracketed is false when the minimum sits on the first grid point
	// that has a finite loss (Edge "low") or on the last grid point of all
	// (Edge "high"). A minimum at the last finite point whose larger grid
	// rates all diverged is bracketed by divergence: StabilityEdge is then
	// true (see EstimateOptima).
	Bracketed     bool   `yaml:"bracketed"`
	Edge          string `yaml:"edge,omitempty"`
	StabilityEdge bool   `yaml:"stability_edge,omitempty"`
	// Usable is false when every rate diverged at this fraction.
	Usable bool `yaml:"usable"`
	// Flat is true when the fraction's loss does not depend on the rate
	// within the seeds' noise (see flatCurve): its minimum is chance, so
	// it has no interval, stays out of the noise model and the law, and
	// is not reported as being on the grid's edge.
	Flat bool `yaml:"flat,omitempty"`
	// Constant is C(N) = η*·T(N), in lr·steps.
	Constant float64 `yaml:"constant"`
	// RunSpec is the run of this optimum's trials when it is not the
	// fit's own (fit files of version 3): the optima of other runs measure
	// how η* moves with the training length and the batch size (see
	// FitJointLaw); the law η*(N) and the constant use the fit's own run.
	RunSpec `yaml:",inline"`
}

// Law is the power law η*(N) = k·N^α fitted to the usable, bracketed, not flat
// optima (see FitLaw).
type Law struct {
	Alpha   float64 `yaml:"alpha"`
	AlphaSE float64 `yaml:"alpha_se"`
	// AlphaCI is α's 95% interval, α ± t(0.975, AlphaDoF)·AlphaSE; [0, 0]
	// when there is none (a least-squares law through 2 points).
	AlphaCI      [2]float64 `yaml:"alpha_ci,flow"`
	K            float64    `yaml:"k"`
	Log10KSE     float64    `yaml:"log10_k_se"`
	CovLogKAlpha float64    `yaml:"cov_log10k_alpha"`
	// R2 is the weighted coefficient of determination; 0 when undefined
	// (2 points, or optima that do not vary).
	R2 float64 `yaml:"r2"`
	// BirgeRatio is Q/(n − 2), Cochran's Q over its degrees of freedom with
	// the optima's own errors (0 with 2 points): above 1 the optima scatter
	// more than their errors say. A diagnostic; it scales nothing.
	BirgeRatio float64 `yaml:"birge_ratio"`
	Points     int     `yaml:"points"`
	DoF        int     `yaml:"dof"` // n − 2
	// NMin and NMax bound the dataset sizes the law was fitted on (its
	// valid range).
	NMin int `yaml:"n_min"`
	NMax int `yaml:"n_max"`
	// Method is how the law was fitted: MethodRandomEffects or
	// MethodLeastSquares; "" in fit files of version 1 (weighted least
	// squares with a Birge-ratio inflation: its band is a confidence band
	// of the line, not a prediction interval).
	Method string `yaml:"method,omitempty"`
	// Tau is τ, in decades: how far the true optima scatter about the power
	// law beyond their measurement errors (DerSimonian–Laird); for a
	// least-squares law, the residual standard deviation.
	Tau float64 `yaml:"tau,omitempty"`
	// NoiseDoF is the degrees of freedom of the optima's errors (the
	// pooled noise model's); 0 for a least-squares law.
	NoiseDoF int `yaml:"noise_dof,omitempty"`
	// AlphaDoF is the degrees of freedom of α's interval (capped at 10⁶,
	// which stands for a known variance).
	AlphaDoF float64 `yaml:"alpha_dof,omitempty"`
	// SamplingCov is the part of the covariance of (log10 k, α) that the
	// optima's errors make (the rest comes from τ); nil for a least-squares
	// law.
	SamplingCov *Covariance `yaml:"sampling_cov,omitempty"`
	// Extrapolation: the law refitted without the largest fraction, evaluated
	// at that fraction's N. Miss = log10(predicted) − log10(measured), in
	// decades. Available only with ≥ 3 points.
	Extrapolation *Extrapolation `yaml:"extrapolation,omitempty"`
	// Anchor is the optimum at the largest fitted N: the local estimate a
	// prediction beyond NMax falls back on when the law is uncertain (see
	// Predict). nil in fit files of version 1.
	Anchor *Anchor `yaml:"anchor,omitempty"`
	// Bend is the design of the fitted sizes that the bend prior needs
	// (see PriorBend); nil in fit files written before clc allowed for
	// the law to bend, whose predictions have no bend variance.
	Bend *Bend `yaml:"bend,omitempty"`
}

// Bend is how far a law may bend away from a straight line in
// x = log10 N. The truth is modelled as
//
//	log10 η*(N) = a + b·x + ½·q·(x − x̄)²,   q ~ N(0, PriorBend²) a priori.
//
// Center, Spread and Skew describe where the law's points lie, weighted as
// the fit weighted them (w_i = 1/(LogSE_i² + τ²)): x̄ = Σw·x/Σw,
// s² = Σw(x − x̄)²/Σw and m₃/s² with m₃ = Σw(x − x̄)³/Σw. The straight
// line fitted to such a truth misses it at x by −q·g(x), where
//
//	g(x) = ½·((x − x̄)² − s² − (m₃/s²)·(x − x̄))
//
// (½(x − x̄)² less its weighted projection on (1, x)). By Frisch–Waugh–
// Lovell the bend's weighted least-squares estimate given the line's
// residuals r_i is Σw·g(x_i)·r_i/Σw·g(x_i)², and with the prior it is
// the posterior
//
//	Q = Σw·g_i·r_i / P,   QSE² = 1/P,   P = Σw·g_i² + 1/PriorBend²,
//
// uncorrelated with the line's coefficients (the residuals are orthogonal
// to the fitted line). With 2 points (g_i = 0) or noisy optima the data
// say little about the bend and QSE ≈ PriorBend; precise optima over a
// wide range of sizes measure it and QSE shrinks.
//
// A prediction at x stays on the line: the bend widens intervals, it does
// not move estimates. The posterior mean Q, the direction the residuals
// lean, is not applied — on the demo data applying it made 40 repeated
// predictions worse (RMSE 0.112 against 0.090 decades,
// scripts/calibrate-demo.sh): from 3–6 noisy optima it is mostly noise.
// So the line's error from the bend is −q·g(x) with q ~ N(Q, QSE²) given
// the data, whose mean square is
//
//	Var(x) = (Q² + QSE²)·g(x)² = SD²·g(x)²,
//
// the variance a prediction adds (the MSE of an estimate that leaves the
// bend's mean out; over the prior, E(Q² + QSE²) = PriorBend²). Where the
// data measure a bend (many precise optima) the interval widens to hold
// it; without Q² it covered only 89–92% of simulated truths there. Miss
// is g.
type Bend struct {
	Center float64 `yaml:"center" json:"center"`
	Spread float64 `yaml:"spread" json:"spread"`
	Skew   float64 `yaml:"skew" json:"skew"`
	Q      float64 `yaml:"q" json:"q"`
	QSE    float64 `yaml:"q_se" json:"q_se"`
}

// Miss is g(x), the line's error at x = log10 N per unit of bend q (see
// Bend); 0 for a nil Bend.
func (b *Bend) Miss(x float64) float64 {
	if b == nil {
		return 0
	}
	d := x - b.Center
	return (d*d - b.Spread - b.Skew*d) / 2
}

// SD is √(Q² + QSE²), the root mean square of the bend given the data;
// 0 for a nil Bend.
func (b *Bend) SD() float64 {
	if b == nil {
		return 0
	}
	return math.Hypot(b.Q, b.QSE)
}

// Var is the bend's part of a prediction's variance at x, (SD·g(x))²; 0
// for a nil Bend.
func (b *Bend) Var(x float64) float64 {
	g := b.SD() * b.Miss(x)
	return g * g
}

// bendOf returns the Bend of a line fitted to points x_i with precision
// weights w_i (1/variance) and residuals r_i; nil when they do not spread
// (one size).
func bendOf(x, w, r []float64) *Bend {
	var sw, swx float64
	for i, xi := range x {
		sw += w[i]
		swx += w[i] * xi
	}
	if !(sw > 0) {
		return nil
	}
	c := swx / sw
	var m2, m3 float64
	for i, xi := range x {
		d := xi - c
		m2 += w[i] * d * d
		m3 += w[i] * d * d * d
	}
	m2, m3 = m2/sw, m3/sw
	if !(m2 > 0) {
		return nil
	}
	b := &Bend{Center: c, Spread: m2, Skew: m3 / m2}
	p := 1 / (PriorBend * PriorBend)
	var gr float64
	for i, xi := range x {
		g := b.Miss(xi)
		p += w[i] * g * g
		gr += w[i] * g * r[i]
	}
	b.Q, b.QSE = gr/p, math.Sqrt(1/p)
	if math.IsNaN(b.Q) || math.IsInf(b.Q, 0) || !(b.QSE > 0) {
		b.Q, b.QSE = 0, PriorBend // the data say nothing usable: the prior
	}
	return b
}

// PriorBend is the prior standard deviation of q, the bend of log10 η* in
// log10 N (decades per decade², i.e. how much the exponent α changes per
// decade of N; see Bend): a power law is an approximation, and
// extrapolated beyond the fitted sizes its error grows with the square of
// the distance. On the data clc could measure — the demo, Fashion-MNIST
// and a regression made from it, SGD and Adam, fitted on fractions ≤ 1/4
// and judged against a many-seed optimum on all rows — the bends implied
// by the laws' misses have a median size of 0.29 (from 0.05 to 1.4; 12
// fits, BENCHMARKS.md "Regret"), against a typical error of 0.1–0.3 from
// the optima's noise; 0.3 is that median, rounded. Updated by the fit's
// residuals (see Bend), it adds (SD·g(x))² to the variance of every
// prediction, a known variance (no degrees of freedom of its own), and is
// what lets an interval cover the truth when the exponent drifts between
// the fitted sizes and the target.
const PriorBend = 0.3

// Covariance is the covariance matrix of (log10 k, α).
type Covariance struct {
	Log10K      float64 `yaml:"log10_k"`       // var(log10 k)
	Alpha       float64 `yaml:"alpha"`         // var(α)
	Log10KAlpha float64 `yaml:"log10_k_alpha"` // cov(log10 k, α)
}

// Anchor is the measured optimum at the largest fitted size.
type Anchor struct {
	N     int     `yaml:"n"`
	LR    float64 `yaml:"lr"`
	LogSE float64 `yaml:"log10_se"`
	// Curvature is the loss curve's d²L/d(log10 η)² at the largest size
	// that has one, in loss per decade²: a miss of δ decades costs about
	// ½·Curvature·δ² of validation loss.
	Curvature float64 `yaml:"curvature"`
}

// Extrapolation is the leave-largest-fraction-out check of a Law.
type Extrapolation struct {
	N           int     `yaml:"n" json:"n"`
	PredictedLR float64 `yaml:"predicted_lr" json:"predicted_lr"`
	MeasuredLR  float64 `yaml:"measured_lr" json:"measured_lr"`
	MissDecades float64 `yaml:"miss_decades" json:"miss_decades"`
	// Sigma is the miss divided by its standard error: the refitted law's
	// prediction variance at N (with its τ²) plus the measured optimum's
	// own error.
	Sigma float64 `yaml:"sigma" json:"sigma"`
	// DoF is the degrees of freedom of Sigma's t distribution and PValue
	// the two-sided P(|t| ≥ |Sigma|): below 0.05 the law misses the held-out
	// size by more than its predictive uncertainty allows. Both 0 in fit
	// files of version 1.
	DoF    float64 `yaml:"dof,omitempty" json:"dof,omitempty"`
	PValue float64 `yaml:"p_value,omitempty" json:"p_value,omitempty"`
}

// Failed reports whether the check fails at the 5% level: PValue < 0.05,
// or, in a fit file of version 1 without a p-value, |Sigma| > 2.
func (e *Extrapolation) Failed() bool {
	if e == nil {
		return false
	}
	if e.DoF > 0 {
		return e.PValue < 0.05
	}
	return math.Abs(e.Sigma) > 2
}

// ConstantReport summarizes C(N) = η*(N)·T(N) across fractions.
type ConstantReport struct {
	Values []float64 `yaml:"values,flow,omitempty"`
	Mean   float64   `yaml:"mean"`
	CV     float64   `yaml:"cv"` // sample std / mean
	// Slope γ of log10 C on log10 N (C ∝ N^γ) with its 95% interval; C is
	// called constant when the interval contains 0.
	Slope   float64    `yaml:"slope"`
	SlopeCI [2]float64 `yaml:"slope_ci,flow"`
	Holds   bool       `yaml:"holds"`
	Verdict string     `yaml:"verdict"`
}
