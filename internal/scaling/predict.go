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
	// Transferred is true when the target run differs from the fit's at
	// N (its steps, or its batch size): Transfer then says how the rate
	// was moved to it.
	Transferred bool      `json:"transferred"`
	Transfer    *Transfer `json:"transfer,omitempty"`
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
	// MSE is the decision's estimated mean squared error, decades², and
	// BendMSE the part of it that comes from the bend prior (PriorBend):
	// what more seeds or trials at the fitted sizes cannot shrink.
	MSE, BendMSE float64
	LawWeight    float64 // w
	Source       string
	Law          LawPrediction
}

// SamplingSE is the decision's standard error without the bend prior's
// part: what more seeds or trials at the fitted sizes can shrink.
func (d Decision) SamplingSE() float64 { return math.Sqrt(math.Max(0, d.MSE-d.BendMSE)) }

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
//	E(L − y)² = V_L                       (the law's prediction variance
//	                                        without the bend's, see below)
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
// The bend (see Bend) is left out of w: it moves the law's error by
// −q·g(x) and A's by −q·(g(x) − g(x_A)), nearly the same beyond the data,
// so under the model it changes w little, and letting it in made the
// demo's repeated predictions worse (RMSE 0.100 against 0.090 decades,
// scripts/calibrate-demo.sh). It is part of the MSE, as BendMSE =
// (w·g + (1 − w)(g − g_A))² with g = SD·g(x), g_A = SD·g(x_A).
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
		BendMSE: lp.BendVar, LawWeight: 1, Source: SourceLaw, Law: lp}
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
	vL := lp.Var - lp.BendVar
	w := 1.0
	if den := vL + mA - 2*c; den > 0 {
		w = math.Min(1, math.Max(0, (mA-c)/den))
	}
	d.Log10 = w*lp.Log10 + (1-w)*math.Log10(a.LR)
	// The bend (see Bend) adds to the errors −q·g(x) (L) and
	// −q·(g(x) − g(x_A)) (A, beyond b·Δ), E(q²) = SD²: to the MSE
	// (w·g + (1 − w)(g − g_A))² with g = SD·g(x), g_A = SD·g(x_A).
	var gx, ga float64
	if bd := law.Bend; bd != nil {
		gx, ga = bd.SD()*bd.Miss(x), bd.SD()*bd.Miss(xa)
	}
	d.BendMSE = (gx - (1-w)*ga) * (gx - (1-w)*ga)
	d.MSE = math.Max(0, w*w*vL+(1-w)*(1-w)*mA+2*w*(1-w)*c) + d.BendMSE
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

// Model is what a prediction needs of a fit: the size law of its own
// run, the joint law of its other runs (nil when it had none), the run
// itself, and whether a transfer to another run is assumed rather than
// measured or bounded by a prior.
type Model struct {
	Law   Law
	Joint *JointLaw
	Run   Run
	// AssumeTransfer carries C over unchanged to a run of another length
	// (η*·T_fit = η'·T'), with the interval of the fit's run and no
	// account of the batch size: what clc did before it measured the
	// training length, kept for fit files of versions 1 and 2.
	AssumeTransfer bool
}

// Prior is a normal prior N(Mean, SD²) on an exponent a fit did not
// measure.
type Prior struct {
	Mean, SD float64
}

// The priors of a transfer along an axis the fit did not vary (see
// docs/axes.md for their sources). PriorBeta is on β, the exponent of T
// at fixed N and B: its 95% range [−1.19, 0.19] holds both C invariant in
// T (β = −1) and a rate that ignores the length (β = 0), and every
// exponent clc measured across training lengths on its data (−0.14 …
// −0.77 on the demo, see BENCHMARKS.md). PriorGammaEpochs is on γ_E, the
// exponent of B at fixed epochs: its 95% range [−0.09, 1.09] holds the
// linear scaling rule (1; Goyal et al. 2017), the square-root rule of
// adaptive optimizers (0.5; Malladi et al. 2022) and a rate that ignores B
// (0).
var (
	PriorBeta        = Prior{Mean: -0.5, SD: 0.35}
	PriorGammaEpochs = Prior{Mean: 0.5, SD: 0.3}
)

// PriorDrift is the standard deviation, per decade of N, of how far the
// exponents of T and B may drift between the size where a fit measured
// them (JointLaw.AxisN, its smallest fractions) and the size of a target
// run: the joint law is additive in the logs, but on the demo data β
// measured at 875 rows (−0.27, the mean of five fits) and on all 7,000 rows
// (−0.40) differ by 0.15 per decade (docs/axes.md). A measured transfer
// adds (PriorDrift·log10(N/AxisN))²·(d_T² + d_B²) to its variance, d the
// weights of the measured exponents in Δ.
const PriorDrift = 0.15

// Where a transfer to another run comes from (Transfer.From).
const (
	// TransferMeasured: every exponent it uses was measured by the fit's
	// joint law.
	TransferMeasured = "measured"
	// TransferPrior: at least one exponent comes from PriorBeta or
	// PriorGammaEpochs, because the fit did not vary that axis.
	TransferPrior = "prior"
	// TransferAssumed: C carried over unchanged (fit files of versions 1
	// and 2, see Model.AssumeTransfer).
	TransferAssumed = "assumed"
)

// Transfer is how a prediction moves the rate from the fit's run at N to
// the target run at N:
//
//	log10 η*(target) = log10 η̂*(fit's run) + Δ.
type Transfer struct {
	From string `json:"from"` // TransferMeasured, TransferPrior or TransferAssumed
	// Decades is Δ and SE its standard error (the joint law's and the
	// priors'); 0 when assumed.
	Decades float64 `json:"decades"`
	SE      float64 `json:"se"`
	// LengthDecades is u = log10(T/T_fit(N)) and BatchDecades
	// v = log10(B/B_fit): how far the target run is from the fit's.
	LengthDecades float64 `json:"length_decades"`
	BatchDecades  float64 `json:"batch_decades"`
	// Priors lists the axes (AxisLength, AxisBatch) whose exponent came
	// from a prior.
	Priors []string `json:"priors,omitempty"`
	// DriftSE is the part of SE that allows for the measured exponents'
	// drift from the size they were measured at (PriorDrift); 0 at that
	// size or without measured exponents.
	DriftSE float64 `json:"drift_se,omitempty"`
	// LengthExtrapolation and BatchExtrapolation are how far, in decades,
	// the target's length (relative to the fit's run at its batch size)
	// and batch size lie outside those the joint law measured; 0 inside
	// or when the axis was not measured.
	LengthExtrapolation float64 `json:"length_extrapolation"`
	BatchExtrapolation  float64 `json:"batch_extrapolation"`
}

// Predict predicts, from a fit's model, the optimal constant rate and the
// cumulative learning for the target run t on N rows.
//
// The rate for a run like the fit's trials, which take T_fit(N) =
// E·floor(N/B) steps (the fit's E and B) or the fit's fixed step budget,
// is the decision η̂*(N) of Decide: the law k·N^α, or, beyond the fitted
// sizes when the law is uncertain, a blend with the optimum measured at the
// largest size. The cumulative learning of that run is C(N) =
// η̂*(N)·T_fit(N), whatever the constant's verdict.
//
// A target run of T steps with batch size B (its own epochs and batch
// size, or t.Steps; unset fields take the fit's) is another run when T ≠
// T_fit(N) or B ≠ B_fit. Its rate is moved by the transfer Δ (see
// transfer): from the fit's joint law where it measured the axes, else
// from PriorBeta and PriorGammaEpochs, so that
//
//	η'(N) = η̂*(N)·10^Δ,   C' = η'(N)·T.
//
// The 95% interval is the law's prediction interval moved by Δ and
// widened by Δ's variance and its covariance with the law (both are
// fitted to the fit's own optima),
//
//	L + Δ ± t(0.975, ν)·sqrt(V_L + V_Δ + 2·Cov(L, Δ) + V_prior + max(0, τ_J² − τ_S²)),
//
// (the target's optimum scattering about the joint law by its τ_J, where
// V_L holds the size law's τ_S²),
// widened to hold the decision, with ν Satterthwaite's combination of
// the parts (a prior's variance is known: infinitely many degrees of
// freedom). With Model.AssumeTransfer (fit files before version 3) C(N)
// is carried over unchanged instead: η' = C(N)/T with the interval of the
// fit's run, as clc did then; Transfer.From says "assumed".
//
// The expected regret is ½·L₂·MSE in validation loss, L₂ the curvature of
// the loss at the largest fitted size, MSE the decision's plus Δ's.
func Predict(m Model, t Target) (Estimate, error) {
	law, fit := m.Law, m.Run
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
	e := Estimate{N: t.N, Steps: steps, Epochs: epochs, BatchSize: batch, FitSteps: fitSteps}
	d := Decide(law, float64(t.N))
	e.LawLR, e.LawLRLow, e.LawLRHigh = law.Predict(float64(t.N))
	var curvature float64
	if a := law.Anchor; a != nil {
		e.LocalLR, e.LocalN = a.LR, a.N
		curvature = a.Curvature
	}
	e.Source, e.LawWeight, e.DoF, e.Log10SE = d.Source, d.LawWeight, finiteDoF(d.DoF), math.Sqrt(d.MSE)
	e.OptimumLR = math.Pow(10, d.Log10)
	e.ConstantFrom = d.Source
	fitT, T := float64(fitSteps), float64(steps)
	mse := d.MSE
	noInterval := "no interval: the optima carry no measurable uncertainty (no seed-to-seed errors, and they lie exactly on the law)"
	if law.Points < 3 {
		noInterval = "no interval: the law rests on 2 optima, which cannot show how far optima scatter about a power law (3 or more are needed)"
	}
	switch {
	case m.AssumeTransfer || (steps == fitSteps && batch == fit.BatchSize):
		e.Transferred = steps != fitSteps
		if e.Transferred {
			e.Transfer = &Transfer{From: TransferAssumed, LengthDecades: math.Log10(T / fitT), BatchDecades: math.Log10(float64(batch) / float64(fit.BatchSize))}
		}
		e.Constant = e.OptimumLR * fitT
		if d.High > d.Low {
			e.ConstLow, e.ConstHigh = math.Pow(10, d.Low)*fitT, math.Pow(10, d.High)*fitT
			e.LRLow, e.LRHigh = e.ConstLow/T, e.ConstHigh/T
		} else {
			e.IntervalNote = noInterval
		}
		e.LR = e.Constant / T
	default:
		e.Transferred = true
		tr, tv := transfer(m, t.N, steps, batch)
		e.Transfer = &tr
		x := math.Log10(float64(t.N))
		covL := tv.covLaw(x)
		covD := d.LawWeight*covL + (1-d.LawWeight)*tv.covAnchor
		center := d.Log10 + tr.Decades
		// The target run's own optimum scatters about the joint law by
		// τ_J, where the fit's run's scatters about the size law by τ_S:
		// the larger of the two replaces τ_S² in the law's variance.
		tauS2, tauJ2, tauDoF := law.Tau*law.Tau, 0.0, 0.0
		if m.Joint.Fitted() {
			tauJ2, tauDoF = m.Joint.Tau*m.Joint.Tau, float64(max(0, m.Joint.Points-len(m.Joint.Coef)))
		}
		extra := math.Max(0, tauJ2-tauS2)
		mse = math.Max(0, d.MSE+tv.v+2*covD+tv.vPrior+extra)
		e.Log10SE = math.Sqrt(mse)
		e.LR = math.Pow(10, center)
		if h := d.Law.Half95(); h > 0 {
			vl := d.Law.Var
			vd := math.Max(0, tv.v+2*covL)
			total := vl + vd + tv.vPrior + extra
			dof := satterthwaiteF(vl, d.Law.DoF, vd, tv.dof, tv.vPrior, math.Inf(1), extra, tauDoF)
			half := interval95(total, dof)
			lo, hi := d.Law.Log10+tr.Decades-half, d.Law.Log10+tr.Decades+half
			lo, hi = math.Min(lo, center), math.Max(hi, center)
			e.LRLow, e.LRHigh, e.DoF = math.Pow(10, lo), math.Pow(10, hi), finiteDoF(dof)
		} else {
			e.IntervalNote = noInterval
		}
		e.Constant, e.ConstLow, e.ConstHigh = e.LR*T, e.LRLow*T, e.LRHigh*T
	}
	e.ExpectedRegret = 0.5 * curvature * mse
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

// transferVariance holds what the interval of a transfer needs beyond its
// Transfer: the variance of the measured part and its degrees of freedom,
// the prior's variance, and the covariances of the measured part with the
// size law's coefficients and its anchor.
type transferVariance struct {
	v, dof    float64
	vPrior    float64
	cross     []float64 // Cov(Δ̂, (log10 k, α))
	covAnchor float64   // Cov(Δ̂, log10 η*_anchor)
}

// covLaw is Cov(Δ̂, log10 k + α·x).
func (tv transferVariance) covLaw(x float64) float64 {
	if tv.cross == nil {
		return 0
	}
	return tv.cross[0] + x*tv.cross[1]
}

// transfer returns Δ, the move of log10 η* from the fit's run at N to a run
// of T steps with batch size B at N, and its variance. With
//
//	u = log10(T/T_fit(N)),  v = log10(B/B_fit),
//
// the joint law log10 η* = … + β·log10 T + γ·log10 B gives
//
//	Δ = β·u + γ·v = β·(u + v) + γ_E·v      (γ_E = γ − β)
//
// where it measured both axes (the coefficients of log10 T and log10 B). An
// axis the fit did not vary takes its exponent from its prior: without
// log10 B, γ_E ~ PriorGammaEpochs; without log10 T, β ~ PriorBeta, with
// the weight u_B = log10(T/T_fit(N, B)), the length relative to the fit's
// run at the target's batch size (under an epoch budget the batch size
// alone moves T, and that move belongs to γ_E: Δ = β·u_B + γ_E·v; under a
// step budget Δ = β·(u + v) + γ_E·v). Under an epoch budget without
// log10 T the coefficient of log10 B is γ_E itself, and under a step
// budget it is γ, so that there Δ = β·u + γ·v. The
// measured part d·θ̂ (d the weights of the coefficients) has variance
// dᵀ·Cov·d with the joint law's degrees of freedom; a prior adds
// weight²·SD² with infinitely many.
func transfer(m Model, n, steps, batch int) (Transfer, transferVariance) {
	fit, j := m.Run, m.Joint
	t0 := float64(baseSteps(n, fit))
	u := math.Log10(float64(steps) / t0)
	v := math.Log10(float64(batch) / float64(fit.BatchSize))
	// ul is the length relative to the fit's run at the target's batch
	// size: under an epoch budget the batch size alone moves T (T ∝ N/B),
	// and that move belongs to the batch exponent γ_E, not to β.
	ul := u
	if t1 := baseSteps(n, Run{Epochs: fit.Epochs, BatchSize: batch, Steps: fit.Steps}); t1 > 0 {
		ul = math.Log10(float64(steps) / float64(t1))
	}
	tr := Transfer{From: TransferMeasured, LengthDecades: u, BatchDecades: v}
	var tv transferVariance
	hasT, hasB := j.has(TermT), j.has(TermB)
	var d []float64
	if j.Fitted() {
		d = make([]float64, len(j.Coef))
	}
	prior := func(axis string, p Prior, w float64) {
		if w == 0 {
			return
		}
		tr.Decades += p.Mean * w
		tv.vPrior += p.SD * p.SD * w * w
		tr.Priors = append(tr.Priors, axis)
		tr.From = TransferPrior
	}
	switch {
	case hasT && hasB:
		d[j.index(TermT)], d[j.index(TermB)] = u, v
	case hasT:
		d[j.index(TermT)] = u + v
		prior(AxisBatch, PriorGammaEpochs, v)
	case hasB && budgetOf(fit) == BudgetSteps:
		d[j.index(TermB)] = v
		prior(AxisLength, PriorBeta, u)
	case hasB:
		d[j.index(TermB)] = v
		prior(AxisLength, PriorBeta, ul)
	case budgetOf(fit) == BudgetSteps:
		prior(AxisLength, PriorBeta, u+v)
		prior(AxisBatch, PriorGammaEpochs, v)
	default:
		prior(AxisLength, PriorBeta, ul)
		prior(AxisBatch, PriorGammaEpochs, v)
	}
	if d != nil && (hasT || hasB) {
		var mean float64
		for i, w := range d {
			mean += w * j.Coef[i]
		}
		tr.Decades += mean
		tv.v = quadForm(j.Cov, d)
		tv.dof = j.dof(tv.v, quadForm(j.SamplingCov, d))
		if j.AxisN > 0 {
			// The measured exponents may drift from AxisN to N: a known
			// (prior) variance.
			var w2 float64
			for _, t := range []string{TermT, TermB} {
				if i := j.index(t); i > 0 {
					w2 += d[i] * d[i]
				}
			}
			l := math.Log10(float64(n) / j.AxisN)
			drift := PriorDrift * PriorDrift * l * l * w2
			tv.vPrior += drift
			tr.DriftSE = math.Sqrt(drift)
		}
		if j.CrossCov != nil {
			tv.cross = make([]float64, 2)
			for r, w := range d {
				tv.cross[0] += w * j.CrossCov[r][0]
				tv.cross[1] += w * j.CrossCov[r][1]
				tv.covAnchor += w * j.AnchorCov[r]
			}
		}
	}
	tr.SE = math.Sqrt(tv.v + tv.vPrior)
	if hasT {
		tr.LengthExtrapolation = outside(ul, j.LengthRange[0], j.LengthRange[1])
	}
	if hasB {
		lb := math.Log10(float64(batch))
		tr.BatchExtrapolation = outside(lb, math.Log10(float64(j.BatchRange[0])), math.Log10(float64(j.BatchRange[1])))
	}
	return tr, tv
}

// outside is how far x lies outside [lo, hi] (0 inside).
func outside(x, lo, hi float64) float64 {
	switch {
	case x < lo:
		return lo - x
	case x > hi:
		return x - hi
	}
	return 0
}

// dof is the effective degrees of freedom of a variance v of the joint
// law whose sampling part is vs (as linFit.dof).
func (j *JointLaw) dof(v, vs float64) float64 {
	p := len(j.Coef)
	switch {
	case j.NoiseDoF == 0 && j.Points <= p:
		return 0
	case j.NoiseDoF == 0:
		return float64(j.Points - p)
	case j.Tau == 0:
		return float64(j.NoiseDoF)
	}
	vs = math.Max(0, vs)
	return satterthwaite(vs, j.NoiseDoF, math.Max(0, v-vs), j.Points-p)
}

// satterthwaiteF is Satterthwaite's effective degrees of freedom of a sum
// of variances given as (variance, dof) pairs, dof possibly +Inf (a known
// variance); a part with zero variance contributes nothing, a nonzero
// part with no degrees of freedom makes the whole 0 (no interval), and
// more than maxDoF is +Inf.
func satterthwaiteF(parts ...float64) float64 {
	var sum, den float64
	for i := 0; i+1 < len(parts); i += 2 {
		v, dof := parts[i], parts[i+1]
		if v <= 0 {
			continue
		}
		if dof <= 0 {
			return 0
		}
		sum += v
		if !math.IsInf(dof, 1) {
			den += v * v / dof
		}
	}
	// A sum dominated by known variances has as good as infinitely many
	// degrees of freedom (and t's quantile is not computable beyond some).
	if den == 0 || sum*sum/den >= maxDoF {
		return math.Inf(1)
	}
	return sum * sum / den
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
