package scaling

import (
	"cmp"
	"math"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Run is the training length of a fit's trials: Epochs epochs of batches
// of BatchSize rows, T(N) = Epochs·floor(N/BatchSize), or a fixed budget of
// Steps steps when Steps > 0.
type Run struct {
	Epochs    int
	BatchSize int
	Steps     int
}

// Target describes a training run to tune: N rows, E epochs of batches of
// B rows, or a fixed number of steps.
type Target struct {
	N         int
	Epochs    int // 0: the fit's epochs
	BatchSize int // 0: the fit's batch size
	Steps     int // > 0: a fixed step budget T (overrides Epochs and BatchSize)
}

// Where a prediction's rate comes from (Estimate.Source).
const (
	SourceLaw   = "law"   // the power law (weight ≥ 0.995)
	SourceLocal = "local" // the optimum at the largest fitted size (weight ≤ 0.005)
	SourceBlend = "blend" // a mix of the two, Estimate.LawWeight on the law
)

// Estimate is what a fit predicts for one target run: the cumulative
// learning C the run should carry, the constant rate that carries it over
// the run's steps, their 95% intervals, where the rate comes from, what a
// miss is expected to cost, and how far the target lies outside the sizes
// the law was fitted on.
type Estimate struct {
	N     int `json:"n"`
	Steps int `json:"steps"` // T of the target run
	// Epochs and BatchSize describe the target run as resolved (the
	// target's, else the fit's); Epochs is 0 for a fixed step budget.
	Epochs    int `json:"epochs"`
	BatchSize int `json:"batch_size"`
	// LR is the constant rate that carries Constant over the target run:
	// C/T. With the fit's epochs and batch size it is η*(N) itself.
	// LRLow and LRHigh bound its 95% interval; both 0 when there is none
	// (IntervalNote says why).
	LR     float64 `json:"lr"`
	LRLow  float64 `json:"lr_low"`
	LRHigh float64 `json:"lr_high"`
	// OptimumLR is the decision η̂*(N) for a run with the fit's epochs and
	// batch size (FitSteps steps): the law, the local estimate or a blend
	// (Source, LawWeight; see Predict).
	OptimumLR float64 `json:"optimum_lr"`
	// LawLR is η*(N) = k·N^α, the law alone, with its 95% prediction
	// interval [LawLRLow, LawLRHigh].
	LawLR     float64 `json:"law_lr"`
	LawLRLow  float64 `json:"law_lr_low"`
	LawLRHigh float64 `json:"law_lr_high"`
	// LocalLR is the measured optimum at the largest fitted size
	// (LocalN), the estimate that ignores the size gap; 0 when the fit
	// has none (version 1).
	LocalLR float64 `json:"local_lr,omitempty"`
	LocalN  int     `json:"local_n,omitempty"`
	// Source is SourceLaw, SourceLocal or SourceBlend, and LawWeight the
	// law's weight w in log10 η̂* = w·law + (1 − w)·local.
	Source    string  `json:"source"`
	LawWeight float64 `json:"law_weight"`
	// Log10SE is the root of the decision's estimated mean squared error,
	// in decades, and DoF the degrees of freedom of its t interval (0: no
	// interval).
	Log10SE float64 `json:"log10_se"`
	DoF     float64 `json:"dof"`
	// ExpectedRegret is the validation loss the decision is expected to
	// lose against the true optimum, ½·L''·MSE, with L'' the curvature of
	// the loss curve at the largest fitted size that has one (loss per
	// decade²); 0 when unknown.
	ExpectedRegret float64 `json:"expected_regret"`
	FitSteps       int     `json:"fit_steps"`
	// Constant is the C a schedule for this run must carry, in lr·steps:
	// η̂*(N)·T_fit(N), with its interval.
	Constant  float64 `json:"constant"`
	ConstLow  float64 `json:"constant_low"`
	ConstHigh float64 `json:"constant_high"`
	// ConstantFrom says where Constant comes from: the Source of η̂*(N)
	// ("law", "local" or "blend"); "mean" only in predictions of clc
	// versions before fit files of version 2.
	ConstantFrom string `json:"constant_from"`
	// IntervalNote says why there is no interval, when there is none.
	IntervalNote string `json:"interval_note,omitempty"`
	// Transferred is true when the target's steps differ from the fit's at
	// N: the rate then assumes that C carries over to another training
	// length, which the fit did not measure.
	Transferred bool `json:"transferred"`
	// ExtrapolationDecades is log10 of how far N lies outside the fitted
	// range [NMin, NMax]: 0 inside, log10(N/NMax) above, log10(NMin/N) below.
	ExtrapolationDecades float64 `json:"extrapolation_decades"`
}

// Decision is the choice of log10 η̂* at one size (see Decide).
type Decision struct {
	Log10 float64 // log10 η̂*
	// Low and High bound the 95% interval of log10 η*; equal to Log10
	// when there is none (DoF 0).
	Low, High float64
	DoF       float64 // degrees of freedom of the law's prediction interval
	// MSE is the decision's estimated mean squared error, decades².
	MSE       float64
	LawWeight float64 // w
	Source    string
	Law       LawPrediction
}

// Decide chooses the rate to use at size n: the estimate that minimizes
// the expected squared miss in log10 η — and so, near the optimum where
// the loss is ½·L₂·miss², the expected loss — among the blends
//
//	y(w) = w·L + (1 − w)·A,   0 ≤ w ≤ 1,
//
// of the law's prediction L at n and the local estimate A, the measured
// optimum at the largest fitted size N_A (Law.Anchor). Under the law's
// random-effects model (y_i = a + b·x_i + u_i + e_i, see FitLaw) with
// Δ = log10(n/N_A), the errors of the two have
//
//	E(L − y)² = V_L                       (the law's prediction variance)
//	E(A − y)² = M_A = b²Δ² + s_A² + 2τ²    (the size gap, A's error, two
//	                                        sizes' deviations from the law)
//	E(L − y)(A − y) = C = h_A·(s_A² + τ²) + τ²
//
// where s_A is A's LogSE and h_A the weight of A's point in the law's
// prediction at n (cᵀ·Cov·c_A/(s_A² + τ²)). The expected squared error of
// y(w) is
//
//	MSE(w) = w²V_L + (1 − w)²M_A + 2w(1 − w)C,
//
// least at
//
//	w = (M_A − C)/(V_L + M_A − 2C),  clamped to [0, 1],
//
// with b² estimated without bias by max(0, α² − SE(α)²). A law whose
// slope is well measured has M_A ≫ V_L and w = 1: it extrapolates. A law
// whose slope is lost in its error (few, noisy optima, α's interval wide
// around 0) has w < 1 and leans on the largest fraction: extrapolating a
// slope that cannot be told from 0 costs more than it gains. At or below
// N_A, and for fits of version 1 (no anchor), w = 1.
//
// The interval is the law's 95% prediction interval (calibrated by
// simulation, see the calibration suite), widened to include y(w) when
// the blend lies outside it: given the data, y(w) − y = (L − y) +
// (1 − w)(A − L) differs from the law's error by a known amount, so an
// interval centred on y(w) with the law's width would not keep its
// coverage. MSE is MSE(w), the basis of the expected regret.
func Decide(law Law, n float64) Decision {
	lp := law.PredictLog10(n)
	h := lp.Half95()
	d := Decision{Log10: lp.Log10, Low: lp.Log10 - h, High: lp.Log10 + h, DoF: lp.DoF, MSE: lp.Var,
		LawWeight: 1, Source: SourceLaw, Law: lp}
	a := law.Anchor
	if a == nil || law.Method == "" || !(n > float64(a.N)) || !(a.LR > 0) {
		return d
	}
	xa, x := math.Log10(float64(a.N)), math.Log10(n)
	delta := x - xa
	sa2, tau2 := a.LogSE*a.LogSE, law.Tau*law.Tau
	b2 := math.Max(0, law.Alpha*law.Alpha-law.AlphaSE*law.AlphaSE)
	mA := b2*delta*delta + sa2 + 2*tau2
	var hA float64
	if sa2+tau2 > 0 {
		cov := law.Log10KSE*law.Log10KSE + (x+xa)*law.CovLogKAlpha + x*xa*law.AlphaSE*law.AlphaSE
		hA = cov / (sa2 + tau2)
	}
	c := hA*(sa2+tau2) + tau2
	w := 1.0
	if den := lp.Var + mA - 2*c; den > 0 {
		w = math.Min(1, math.Max(0, (mA-c)/den))
	}
	d.Log10 = w*lp.Log10 + (1-w)*math.Log10(a.LR)
	d.MSE = math.Max(0, w*w*lp.Var+(1-w)*(1-w)*mA+2*w*(1-w)*c)
	if h > 0 {
		d.Low, d.High = math.Min(d.Low, d.Log10), math.Max(d.High, d.Log10)
	} else {
		d.Low, d.High = d.Log10, d.Log10
	}
	d.LawWeight = w
	switch {
	case w >= 0.995:
		d.Source = SourceLaw
	case w <= 0.005:
		d.Source = SourceLocal
	default:
		d.Source = SourceBlend
	}
	return d
}

// Predict predicts, from a fit's law measured with runs of length fit, the
// optimal constant rate and the cumulative learning for the target run t
// on N rows.
//
// The rate for a run like the fit's trials, which take T_fit(N) =
// E·floor(N/B) steps (the fit's E and B) or the fit's fixed step budget,
// is the decision η̂*(N) of Decide: the law k·N^α, or, beyond the fitted
// sizes when the law is uncertain, a blend with the optimum measured at the
// largest size. The cumulative learning at N is
//
//	C(N) = η̂*(N)·T_fit(N)
//
// whatever the constant's verdict: a constant C would drop the measured
// slope and the extrapolation distance. The target run of T steps (its own
// epochs and batch size, or t.Steps; unset fields take the fit's) carries
// C(N) at the constant rate C(N)/T; when T ≠ T_fit(N) that transfer of C
// to another training length is an assumption, flagged by Transferred.
//
// The 95% interval is η̂*·10^(∓t(0.975, ν)·√Var) (the law's prediction
// interval when the law alone decides), times T_fit/T for the rate. The
// expected regret is ½·L₂·MSE in validation loss, L₂ the curvature of
// the loss at the largest fitted size. The constant's report is accepted
// and does not change the prediction.
func Predict(law Law, _ ConstantReport, fit Run, t Target) (Estimate, error) {
	if law.Points < 2 || !(law.K > 0) {
		return Estimate{}, inputerr.New("the fit has no usable law (fewer than 2 optima)").
			WithHint("re-run %v with a wider learning-rate grid or more fractions", inputerr.Command("fit"))
	}
	if t.N < 1 {
		return Estimate{}, inputerr.New("size %d must be a positive number of rows", t.N)
	}
	fitSteps, err := runSteps(t.N, fit.Epochs, fit.BatchSize, fit.Steps)
	if err != nil {
		return Estimate{}, err
	}
	steps, epochs, batch := fitSteps, fit.Epochs, fit.BatchSize
	if fit.Steps > 0 {
		epochs = 0
	}
	if t.Steps > 0 || t.Epochs > 0 || t.BatchSize > 0 {
		epochs = cmp.Or(t.Epochs, fit.Epochs)
		batch = cmp.Or(t.BatchSize, fit.BatchSize)
		if steps, err = runSteps(t.N, epochs, batch, t.Steps); err != nil {
			return Estimate{}, err
		}
		if t.Steps > 0 {
			epochs = 0
		}
	}
	e := Estimate{N: t.N, Steps: steps, Epochs: epochs, BatchSize: batch, FitSteps: fitSteps, Transferred: steps != fitSteps}
	d := Decide(law, float64(t.N))
	e.LawLR, e.LawLRLow, e.LawLRHigh = law.Predict(float64(t.N))
	if a := law.Anchor; a != nil {
		e.LocalLR, e.LocalN = a.LR, a.N
		e.ExpectedRegret = 0.5 * a.Curvature * d.MSE
	}
	e.Source, e.LawWeight, e.DoF, e.Log10SE = d.Source, d.LawWeight, finiteDoF(d.DoF), math.Sqrt(d.MSE)
	e.OptimumLR = math.Pow(10, d.Log10)
	e.ConstantFrom = d.Source
	fitT, T := float64(fitSteps), float64(steps)
	e.Constant = e.OptimumLR * fitT
	if d.High > d.Low {
		e.ConstLow, e.ConstHigh = math.Pow(10, d.Low)*fitT, math.Pow(10, d.High)*fitT
		e.LRLow, e.LRHigh = e.ConstLow/T, e.ConstHigh/T
	} else {
		e.IntervalNote = "no interval: the optima carry no measurable uncertainty (no seed-to-seed errors, and they lie exactly on the law)"
		if law.Points < 3 {
			e.IntervalNote = "no interval: the law rests on 2 optima, which cannot show how far optima scatter about a power law (3 or more are needed)"
		}
	}
	e.LR = e.Constant / T
	for _, v := range []float64{e.LR, e.LRLow, e.LRHigh, e.Constant, e.ConstLow, e.ConstHigh, e.LawLR, e.LawLRLow, e.LawLRHigh} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Estimate{}, inputerr.New("the law gives a non-finite rate at N = %d (α = %g, k = %g)", t.N, law.Alpha, law.K).
				WithHint("the fit file is damaged, or N is too far outside the fitted sizes %d…%d", law.NMin, law.NMax)
		}
	}
	switch n := float64(t.N); {
	case n > float64(law.NMax):
		e.ExtrapolationDecades = math.Log10(n / float64(law.NMax))
	case n < float64(law.NMin):
		e.ExtrapolationDecades = math.Log10(float64(law.NMin) / n)
	}
	return e, nil
}

// The settings this package's messages name.
const (
	paramBatchSize inputerr.Param = "batch_size"
	paramLRMin     inputerr.Param = "lr_min"
	paramLRMax     inputerr.Param = "lr_max"
	paramFractions inputerr.Param = "fractions"
)

// runSteps is T = epochs·floor(n/batch), or fixed when fixed > 0.
func runSteps(n, epochs, batch, fixed int) (int, error) {
	if fixed > 0 {
		return fixed, nil
	}
	if epochs < 1 || batch < 1 {
		return 0, inputerr.New("epochs %d and batch size %d must be at least 1", epochs, batch)
	}
	if n/batch < 1 {
		return 0, inputerr.New("size %d with batch size %d gives no full batch", n, batch).
			WithHint("use a smaller %v", paramBatchSize)
	}
	return epochs * (n / batch), nil
}
