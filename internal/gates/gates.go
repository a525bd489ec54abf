// Package gates checks whether a fit's answer is supported by its
// measurements: the sanity gates of a learning-rate fit. Each gate that
// does not pass gives a typed Finding (which gate, its numbers, how
// severe); front ends word the findings and decide what to do with them
// (the command line prints them as warnings and, when asked, exits non-zero).
//
// The gates, in the order Check reports them:
//
//	Trivial          the model does not beat the trivial predictor
//	FewOptima        the law rests on fewer than 3 optima
//	StepBudget       a fixed step budget never shows the runs all the rows
//	AboveDiverged    the predicted rate is above a rate that diverged
//	AboveGrid        the predicted rate is above every rate tried
//	BelowGrid        … below every rate tried
//	Flat             a fraction's loss does not depend on the rate
//	AllDiverged      every rate diverged at a fraction
//	LowEdge          a fraction's optimum is the smallest rate tried
//	HighEdge         … the largest rate tried
//	CoarseGrid       the rates next to an optimum are too far apart
//	SmallValidation  too few validation rows to rank rates
//	WideInterval     the prediction's 95% interval is wide
//	Extrapolation    the leave-largest-out check failed
//	FarExtrapolation the prediction lies far beyond the fitted sizes
package gates

import (
	"math"
	"sort"

	"github.com/clc-tools/clc/internal/scaling"
)

// Gate names one check of a fit.
type Gate string

// The gates (see the package documentation; each Finding's fields are
// documented at its gate).
const (
	// Trivial: at the Fractions listed, the best seed-mean validation
	// loss is not clearly below the trivial loss, the loss of the best
	// constant prediction on the validation rows (the entropy of their
	// class frequencies, ln K for K balanced classes; the variance of a
	// standardized target, about 1): not below (1 − TrivialMargin)·Limit.
	// The rates were then ranked by noise (random labels, features that
	// carry nothing). Value is the lowest of those fractions' losses (at
	// Fraction, N), Limit the trivial loss. Fail when it holds at every
	// usable fraction, else Warn. Unavailable when the trivial loss is
	// unknown (a trainer that does not report it).
	Trivial Gate = "trivial"
	// FewOptima: the law rests on Value < Limit = 3 optima: it has no
	// interval, no R² and no extrapolation check. Fail.
	FewOptima Gate = "few_optima"
	// StepBudget: with a fixed budget of T steps of B rows, a run sees at
	// most T·B = Limit rows, fewer than the full size Value: beyond T·B
	// rows the optimum stops moving, and a power law fitted below it
	// overshoots. LR is the fit's rate at N = T·B (the rate to use), N
	// is T·B. Fail.
	StepBudget Gate = "step_budget"
	// AboveDiverged: the predicted rate LR is at or above Limit, the
	// smallest rate above a fraction's optimum where a seed diverged (at
	// Fraction, N). Fail.
	AboveDiverged Gate = "above_diverged"
	// AboveGrid: the predicted rate LR is above Limit, the largest rate
	// tried. Fail.
	AboveGrid Gate = "above_grid"
	// BelowGrid: the predicted rate LR is below Limit, the smallest rate
	// tried. Warn.
	BelowGrid Gate = "below_grid"
	// Flat: the loss at Fraction (N) does not depend on the rate within
	// the seeds' noise (scaling.Optimum.Flat); Value is the spread of its
	// seed-mean losses over the finite rates. Its optimum is left out of
	// the law. Warn.
	Flat Gate = "flat"
	// AllDiverged: every rate diverged at Fraction (N). Warn.
	AllDiverged Gate = "all_diverged"
	// LowEdge: the optimum LR at Fraction (N) is the smallest rate with a
	// finite loss, Limit the grid's smallest rate: it is an upper bound,
	// left out of the law. Warn.
	LowEdge Gate = "low_edge"
	// HighEdge: the optimum LR at Fraction (N) is the grid's largest rate,
	// Limit: a lower bound, left out of the law. Warn.
	HighEdge Gate = "high_edge"
	// CoarseGrid: next to the optimum at Fraction (N), grid rates lie
	// Value decades apart, more than Limit = MaxSpacing (from LR to
	// LR·10^Value): the optimum is located only to within that gap. The
	// largest such gap is reported. Warn.
	CoarseGrid Gate = "coarse_grid"
	// SmallValidation: Value validation rows, fewer than Limit: a mean
	// loss over so few rows is too noisy to rank rates. Warn.
	SmallValidation Gate = "small_validation"
	// WideInterval: the 95% interval of the predicted rate at N spans a
	// factor Value, more than Limit = WideRatio. Warn.
	WideInterval Gate = "wide_interval"
	// Extrapolation: the law fitted without the largest fraction misses
	// it by more than its predictive uncertainty allows: Value is the
	// check's p-value (|σ| in fit files of version 1), Limit its level
	// (0.05; 2 for |σ|). Warn.
	Extrapolation Gate = "extrapolation_check"
	// FarExtrapolation: the prediction at N lies Value decades above the
	// largest fitted size, more than Limit = FarDecades. Warn.
	FarExtrapolation Gate = "far_extrapolation"
)

// Severity says how much a finding weighs.
type Severity string

const (
	// Fail: the predicted rate is not supported by the measurements; do
	// not use it without checking.
	Fail Severity = "fail"
	// Warn: the answer stands, but is less reliable than its interval
	// says, or part of the data did not count.
	Warn Severity = "warn"
	// Unavailable: the gate could not be checked (the fit lacks what it
	// needs); not a failure.
	Unavailable Severity = "unavailable"
)

// Finding is a gate that did not pass. The meaning of LR, Value and Limit
// depends on the gate (see each Gate); fields a gate does not use are 0.
type Finding struct {
	Gate      Gate      `yaml:"gate" json:"gate"`
	Severity  Severity  `yaml:"severity" json:"severity"`
	Fraction  float64   `yaml:"fraction,omitempty" json:"fraction,omitempty"`
	N         int       `yaml:"n,omitempty" json:"n,omitempty"`
	LR        float64   `yaml:"lr,omitempty" json:"lr,omitempty"`
	Value     float64   `yaml:"value,omitempty" json:"value,omitempty"`
	Limit     float64   `yaml:"limit,omitempty" json:"limit,omitempty"`
	Fractions []float64 `yaml:"fractions,flow,omitempty" json:"fractions,omitempty"`
}

// Failed reports whether the finding is a failure or a warning (not a gate
// that could not be checked).
func (f Finding) Failed() bool { return f.Severity == Fail || f.Severity == Warn }

// Count returns the number of findings that failed or warn.
func Count(fs []Finding) int {
	n := 0
	for _, f := range fs {
		if f.Failed() {
			n++
		}
	}
	return n
}

// Thresholds of the gates.
const (
	// TrivialMargin: a loss counts as beating the trivial loss L₀ when it
	// is below (1 − TrivialMargin)·L₀, i.e. the model removes at least 1%
	// of what a constant prediction leaves.
	TrivialMargin = 0.01
	// MinOptima is the fewest optima a law needs for an interval, an R²
	// and an extrapolation check.
	MinOptima = 3
	// MaxSpacing is the widest gap between grid rates next to an optimum,
	// in decades: 0.5 (a factor 3.2), twice the default grids' 0.25.
	MaxSpacing = 0.5
	// WideRatio: a prediction's 95% interval is wide when its upper end is
	// more than this multiple of its lower end (about ±0.3 decades).
	WideRatio = 4
	// FarDecades: a prediction extrapolates far beyond this many decades
	// above the largest fitted size (a factor 10^0.5 ≈ 3.2): on
	// Fashion-MNIST the optimum's slope changes within 0.6 decades past the
	// fitted sizes, a bend no statistic of the fitted sizes can see.
	FarDecades = 0.5
)

// Fit is what the gates look at: a completed fit's statistics, its grid,
// its training length, what is known of its data, and its prediction.
type Fit struct {
	Optima []scaling.Optimum
	Law    scaling.Law // Points < 2: no law
	Trials []scaling.Sample
	LRs    []float64 // the rates tried at any fraction, ascending (see RatesTried)
	Run    scaling.Run
	// NFull is the full training size the prediction is for.
	NFull int
	// Prediction is the prediction at NFull: its rate and 95% interval (0
	// when there is none).
	LR, LRLow, LRHigh float64
	// TrivialLoss is the loss of the best constant prediction on the
	// validation rows (see Trivial); 0 when unknown.
	TrivialLoss float64
	// ValidRows is the number of validation rows (0: unknown) and
	// MinValidRows the fewest that rank rates reliably.
	ValidRows, MinValidRows int
}

// Check runs every gate on f and returns the findings, in the order of
// the package documentation.
func Check(f Fit) []Finding {
	var out []Finding
	add := func(fs ...Finding) { out = append(out, fs...) }
	add(trivial(f)...)
	if f.Law.Points >= 2 && f.Law.Points < MinOptima {
		add(Finding{Gate: FewOptima, Severity: Fail, Value: float64(f.Law.Points), Limit: MinOptima})
	}
	add(stepBudget(f)...)
	add(rateGates(f)...)
	for _, o := range f.Optima {
		switch {
		case !o.Usable:
			add(Finding{Gate: AllDiverged, Severity: Warn, Fraction: o.Fraction, N: o.N})
		case o.Flat:
			add(Finding{Gate: Flat, Severity: Warn, Fraction: o.Fraction, N: o.N, Value: lossSpread(f.Trials, o.Fraction)})
		case !o.Bracketed && o.Edge == "low":
			add(Finding{Gate: LowEdge, Severity: Warn, Fraction: o.Fraction, N: o.N, LR: o.LR, Limit: first(f.LRs)})
		case !o.Bracketed:
			add(Finding{Gate: HighEdge, Severity: Warn, Fraction: o.Fraction, N: o.N, LR: o.LR, Limit: last(f.LRs)})
		}
	}
	add(coarseGrid(f)...)
	if f.ValidRows > 0 && f.ValidRows < f.MinValidRows {
		add(Finding{Gate: SmallValidation, Severity: Warn, Value: float64(f.ValidRows), Limit: float64(f.MinValidRows)})
	}
	add(predictionGates(f)...)
	return out
}

// trivial is the Trivial gate.
func trivial(f Fit) []Finding {
	var usable []scaling.Optimum
	for _, o := range f.Optima {
		if o.Usable {
			usable = append(usable, o)
		}
	}
	if len(usable) == 0 {
		return nil
	}
	if !(f.TrivialLoss > 0) {
		return []Finding{{Gate: Trivial, Severity: Unavailable}}
	}
	fd := Finding{Gate: Trivial, Severity: Warn, Limit: f.TrivialLoss}
	for _, o := range usable {
		if o.Loss >= (1-TrivialMargin)*f.TrivialLoss {
			fd.Fractions = append(fd.Fractions, o.Fraction)
			if fd.N == 0 || o.Loss < fd.Value {
				fd.Fraction, fd.N, fd.Value = o.Fraction, o.N, o.Loss
			}
		}
	}
	if len(fd.Fractions) == 0 {
		return nil
	}
	if len(fd.Fractions) == len(usable) {
		fd.Severity = Fail
	}
	return []Finding{fd}
}

// stepBudget is the StepBudget gate.
func stepBudget(f Fit) []Finding {
	seen := f.Run.Steps * f.Run.BatchSize
	if f.Run.Steps <= 0 || f.NFull <= seen {
		return nil
	}
	fd := Finding{Gate: StepBudget, Severity: Fail, N: seen, Value: float64(f.NFull), Limit: float64(seen)}
	if f.Law.Points >= 2 {
		if e, err := scaling.Predict(scaling.Model{Law: f.Law, Run: f.Run}, scaling.Target{N: seen}); err == nil {
			fd.LR = e.LR
		}
	}
	return []Finding{fd}
}

// rateGates are AboveDiverged, AboveGrid and BelowGrid.
func rateGates(f Fit) []Finding {
	if f.Law.Points < 2 || !(f.LR > 0) {
		return nil
	}
	var out []Finding
	if lr, o, ok := lowestDiverged(f); ok && f.LR >= lr {
		out = append(out, Finding{Gate: AboveDiverged, Severity: Fail, LR: f.LR, Limit: lr, Fraction: o.Fraction, N: o.N})
	}
	if len(f.LRs) > 0 {
		if hi := last(f.LRs); f.LR > hi {
			out = append(out, Finding{Gate: AboveGrid, Severity: Fail, LR: f.LR, Limit: hi})
		}
		if lo := first(f.LRs); f.LR < lo {
			out = append(out, Finding{Gate: BelowGrid, Severity: Warn, LR: f.LR, Limit: lo})
		}
	}
	return out
}

// lowestDiverged returns the smallest rate, over the usable fractions,
// that lies above the fraction's optimum and where a seed diverged; a
// divergence below the optimum marks no stability edge.
func lowestDiverged(f Fit) (float64, scaling.Optimum, bool) {
	byFrac := map[float64]scaling.Optimum{}
	for _, o := range f.Optima {
		if o.Usable {
			byFrac[o.Fraction] = o
		}
	}
	best, found := math.Inf(1), false
	var at scaling.Optimum
	for _, t := range f.Trials {
		o, ok := byFrac[t.Fraction]
		if !ok || !(t.Diverged || math.IsNaN(t.Loss) || math.IsInf(t.Loss, 0)) || t.LR <= o.GridLR {
			continue
		}
		if t.LR < best {
			best, at, found = t.LR, o, true
		}
	}
	return best, at, found
}

// RatesTried returns the distinct rates of the trials, ascending.
func RatesTried(trials []scaling.Sample) []float64 {
	seen := map[float64]bool{}
	var out []float64
	for _, t := range trials {
		if !seen[t.LR] {
			seen[t.LR] = true
			out = append(out, t.LR)
		}
	}
	sort.Float64s(out)
	return out
}

// coarseGrid is the CoarseGrid gate: the widest gap between the grid rate
// of an optimum (usable, not flat) and its neighbours among the rates tried
// at its fraction.
func coarseGrid(f Fit) []Finding {
	byFrac := map[float64][]scaling.Sample{}
	for _, t := range f.Trials {
		byFrac[t.Fraction] = append(byFrac[t.Fraction], t)
	}
	var fd Finding
	for _, o := range f.Optima {
		if !o.Usable || o.Flat {
			continue
		}
		lrs := RatesTried(byFrac[o.Fraction])
		i := sort.SearchFloat64s(lrs, o.GridLR)
		if i >= len(lrs) || lrs[i] != o.GridLR {
			continue
		}
		for _, j := range []int{i - 1, i} {
			if j < 0 || j+1 >= len(lrs) {
				continue
			}
			if gap := math.Log10(lrs[j+1] / lrs[j]); gap > MaxSpacing && gap > fd.Value {
				fd = Finding{Gate: CoarseGrid, Severity: Warn, Fraction: o.Fraction, N: o.N, LR: lrs[j], Value: gap, Limit: MaxSpacing}
			}
		}
	}
	if fd.Gate == "" {
		return nil
	}
	return []Finding{fd}
}

// predictionGates are WideInterval, Extrapolation and FarExtrapolation.
func predictionGates(f Fit) []Finding {
	law := f.Law
	if law.Points < 2 || !(f.LR > 0) {
		return nil
	}
	var out []Finding
	if f.LRLow > 0 && f.LRHigh/f.LRLow > WideRatio {
		out = append(out, Finding{Gate: WideInterval, Severity: Warn, N: f.NFull, Value: f.LRHigh / f.LRLow, Limit: WideRatio})
	}
	if e := law.Extrapolation; e.Failed() {
		fd := Finding{Gate: Extrapolation, Severity: Warn, N: e.N, Value: e.PValue, Limit: 0.05}
		if e.DoF == 0 { // version 1: no p-value
			fd.Value, fd.Limit = math.Abs(e.Sigma), 2
		}
		out = append(out, fd)
	}
	if law.NMax > 0 {
		if d := math.Log10(float64(f.NFull) / float64(law.NMax)); d > FarDecades {
			out = append(out, Finding{Gate: FarExtrapolation, Severity: Warn, N: f.NFull, Value: d, Limit: FarDecades})
		}
	}
	return out
}

// lossSpread is the range of the finite seed-mean losses of a fraction.
func lossSpread(trials []scaling.Sample, frac float64) float64 {
	sum, n := map[float64]float64{}, map[float64]int{}
	bad := map[float64]bool{}
	for _, t := range trials {
		if t.Fraction != frac {
			continue
		}
		if t.Diverged || math.IsNaN(t.Loss) || math.IsInf(t.Loss, 0) {
			bad[t.LR] = true
			continue
		}
		sum[t.LR] += t.Loss
		n[t.LR]++
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for lr, s := range sum {
		if bad[lr] {
			continue
		}
		m := s / float64(n[lr])
		lo, hi = math.Min(lo, m), math.Max(hi, m)
	}
	if hi < lo {
		return 0
	}
	return hi - lo
}

func first(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

func last(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return v[len(v)-1]
}
