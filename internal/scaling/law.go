package scaling

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Ways a Law was fitted (Law.Method).
const (
	// MethodRandomEffects: the optima have standard errors from the pooled
	// noise model; the law is a random-effects meta-regression.
	MethodRandomEffects = "random-effects"
	// MethodLeastSquares: the optima have no standard errors (one seed);
	// the law is ordinary least squares and every error comes from the
	// scatter of the optima about the line.
	MethodLeastSquares = "least-squares"
)

var tauNullF = true

// fitLine fits the line y = a + b·x to n ≥ 2 points with distinct x
// (see fitLinear, whose model it is with the columns 1 and x).
func fitLine(x, y, v []float64, noiseDoF int) (linFit, bool) {
	rows := make([][]float64, len(x))
	for i, xi := range x {
		rows[i] = []float64{1, xi}
	}
	return fitLinear(rows, y, v, noiseDoF)
}

// quad is cᵀ·M·c for c = (1, x) and M given as (m00, m11, m01).
func quad(m [3]float64, x float64) float64 { return m[0] + 2*x*m[2] + x*x*m[1] }

// minVar is the smallest variance, in decades², an interval is drawn
// from: a standard error of 10⁻⁶ decades (a factor 1 + 2·10⁻⁶) is rounding,
// not uncertainty.
const minVar = 1e-12

// satterthwaite returns the effective degrees of freedom of a variance
// vs + vt whose parts were estimated with dofS and dofT degrees of freedom
// (Satterthwaite 1946; Welch 1947):
//
//	ν = (vs + vt)² / (vs²/ν_s + vt²/ν_t),
//
// a part with zero variance contributing nothing. It is +Inf when neither
// part is estimated (both zero), and 0 when a part is nonzero but has no
// degrees of freedom.
func satterthwaite(vs float64, dofS int, vt float64, dofT int) float64 {
	var den float64
	for _, p := range []struct {
		v   float64
		dof int
	}{{vs, dofS}, {vt, dofT}} {
		if p.v <= 0 {
			continue
		}
		if p.dof <= 0 {
			return 0
		}
		den += p.v * p.v / float64(p.dof)
	}
	if den == 0 {
		return math.Inf(1)
	}
	return (vs + vt) * (vs + vt) / den
}

// coefficient returns θ̂_j, its variance and the variance's effective
// degrees of freedom.
func (f linFit) coefficient(j int) (b, v, dof float64) {
	var vs float64
	if f.covS != nil {
		vs = f.covS[j][j]
	}
	return f.coef[j], f.cov[j][j], f.dof(f.cov[j][j], vs)
}

// interval95 is the two-sided 95% half-width t(0.975, dof)·√v; 0 (no
// interval) when dof is 0 or the variance is 0 up to rounding (below
// minVar): an interval of zero width is never one.
func interval95(v, dof float64) float64 {
	if dof <= 0 || !(v > minVar) {
		return 0
	}
	return tQuantile95(dof) * math.Sqrt(v)
}

// fitPoints returns the optima the law and the constant use: the usable,
// bracketed ones of the fit's own run whose curve is not flat.
func fitPoints(optima []Optimum) []Optimum {
	var ps []Optimum
	for _, o := range optima {
		if o.IsBase() && usable(o) {
			ps = append(ps, o)
		}
	}
	return ps
}

// usable reports whether an optimum can enter a law: usable, bracketed,
// not on a flat curve, with a size and a rate.
func usable(o Optimum) bool { return o.Usable && o.Bracketed && !o.Flat && o.N > 0 && o.LR > 0 }

// allFitPoints returns the usable, bracketed optima of every run.
func allFitPoints(optima []Optimum) []Optimum {
	var ps []Optimum
	for _, o := range optima {
		if usable(o) {
			ps = append(ps, o)
		}
	}
	return ps
}

// noiseDoF is the degrees of freedom of the optima's errors: those of the
// pooled noise model, 0 when any of them has no interval.
func noiseDoF(ps []Optimum) int {
	dof := 0
	for i, o := range ps {
		if o.DoF <= 0 || o.LogSE <= 0 {
			return 0
		}
		if i == 0 || o.DoF < dof {
			dof = o.DoF
		}
	}
	return dof
}

// fitLog fits log10(value(o)) on log10 N over ps.
func fitLog(ps []Optimum, value func(Optimum) float64) (linFit, bool) {
	x := make([]float64, len(ps))
	y := make([]float64, len(ps))
	v := make([]float64, len(ps))
	for i, o := range ps {
		x[i] = math.Log10(float64(o.N))
		y[i] = math.Log10(value(o))
		v[i] = o.LogSE * o.LogSE
	}
	return fitLine(x, y, v, noiseDoF(ps))
}

func optimumLR(o Optimum) float64 { return o.LR }

// FitLaw fits the power law
//
//	η*(N) = k·N^α,  i.e.  log10 η* = log10 k + α·log10 N,
//
// over the optima that are Usable, Bracketed and not Flat, as a random-effects
// meta-regression (fitLine): each optimum has its own sampling variance
// LogSE² from the pooled noise model, and the true optima may scatter
// about the line by τ (decades) — the law is an approximation, and nested
// subsets of one dataset differ by more than seeds show. τ² is estimated
// by DerSimonian & Laird (1986); the weights are 1/(LogSE² + τ²).
//
// Intervals. A new size's optimum differs from the line by the line's
// error and by its own deviation, so the 95% prediction interval at N is
// (Higgins, Thompson & Spiegelhalter 2009, for a meta-regression)
//
//	log10 η*(N) ± t(0.975, ν)·sqrt(cᵀ·Cov·c + τ²),  c = (1, log10 N),
//
// which widens with the distance from the fitted sizes. Its degrees of
// freedom ν combine, by Satterthwaite's formula, those of the noise model
// (for the part of the variance the optima's errors make) and n − 2 (for
// the part τ² makes): about n − 2 when the optima scatter more than their
// errors, the noise model's when they do not. Nothing switches: every
// interval changes continuously with the data. The interval of α is
// α ± t(0.975, ν_α)·SE(α) with ν_α formed the same way.
//
// Without errors (one seed, Noise.DoF = 0) the law is ordinary least
// squares and the intervals are the classical ones from the residual
// variance, with n − 2 degrees of freedom.
//
// With 2 points there is no interval at all (AlphaCI [0, 0], prediction
// intervals of no degrees of freedom) and R² is 0: a line through 2
// points fits them exactly and cannot measure τ.
//
// BirgeRatio is Q/(n − 2), Cochran's Q of the fit with the optima's errors
// alone (a diagnostic: above 1 the optima scatter more than their errors
// say, and τ > 0). R² is the weighted coefficient of determination (0
// when undefined: 2 points, or optima that do not vary).
//
// With at least 3 points the law is refitted without the optima at the
// largest N and evaluated there (Extrapolation, see extrapolate).
// Anchor is the optimum at the largest N, which the prediction blends in
// when the law is uncertain (see Predict).
//
// FitLaw returns an *inputerr.Error when fewer than 2 optima qualify or
// they all have the same N.
func FitLaw(optima []Optimum) (Law, error) {
	ps := fitPoints(optima)
	if len(ps) < 2 {
		return Law{}, inputerr.New("fewer than 2 usable optima to fit the law (have %d of %d fractions)", len(ps), len(optima)).
			WithHint("widen the learning-rate grid with %v/%v so each optimum is bracketed, or add fractions", paramLRMin, paramLRMax)
	}
	f, ok := fitLog(ps, optimumLR)
	if !ok {
		return Law{}, inputerr.New("every usable optimum has the same dataset size N = %d; the law needs at least 2 sizes", ps[0].N).
			WithHint("use fractions that give different numbers of rows, e.g. %v 1/16,1/8,1/4", paramFractions)
	}
	law := lawFrom(f, ps)
	if len(ps) >= 3 {
		law.Extrapolation = extrapolate(ps)
	}
	law.Anchor = anchorOf(ps)
	return law, nil
}

func lawFrom(f linFit, ps []Optimum) Law {
	b, vb, dof := f.coefficient(1)
	l := Law{
		Alpha:        b,
		AlphaSE:      math.Sqrt(vb),
		K:            math.Pow(10, f.coef[0]),
		Log10KSE:     math.Sqrt(f.cov[0][0]),
		CovLogKAlpha: f.cov[0][1],
		R2:           f.r2,
		Points:       f.n,
		DoF:          f.n - 2,
		NMin:         ps[0].N,
		NMax:         ps[0].N,
		Tau:          math.Sqrt(f.tau2),
		NoiseDoF:     f.noiseDoF,
		AlphaDoF:     finiteDoF(dof),
		Method:       MethodRandomEffects,
	}
	if f.noiseDoF == 0 {
		l.Method = MethodLeastSquares
	} else {
		l.SamplingCov = &Covariance{Log10K: f.covS[0][0], Alpha: f.covS[1][1], Log10KAlpha: f.covS[0][1]}
	}
	if f.n > 2 && f.noiseDoF > 0 {
		l.BirgeRatio = f.q / float64(f.n-2)
	}
	if half := interval95(vb, dof); half > 0 {
		l.AlphaCI = [2]float64{l.Alpha - half, l.Alpha + half}
	}
	l.Bend = f.bend()
	for _, o := range ps {
		l.NMin = min(l.NMin, o.N)
		l.NMax = max(l.NMax, o.N)
	}
	return l
}

// finiteDoF caps degrees of freedom at maxDoF for storing: a fit file holds
// finite numbers only, and +Inf (a known variance) must not read as 0 (no
// interval).
func finiteDoF(dof float64) float64 { return math.Min(dof, maxDoF) }

// maxDoF stands for infinitely many degrees of freedom in a fit file (the
// t quantile at 10⁶ equals the normal's to 6 digits).
const maxDoF = 1e6

// anchorOf returns the optimum at the largest N (the last one on a tie),
// with the curvature of the loss at the largest N that has one.
func anchorOf(ps []Optimum) *Anchor {
	var a *Anchor
	for _, o := range ps {
		if a == nil || o.N >= a.N {
			a = &Anchor{N: o.N, LR: o.LR, LogSE: o.LogSE, Curvature: a.curvature()}
			if o.Curvature > 0 {
				a.Curvature = o.Curvature
			}
		}
	}
	return a
}

func (a *Anchor) curvature() float64 {
	if a == nil {
		return 0
	}
	return a.Curvature
}

// extrapolate refits without the optima at the largest N and predicts
// there; nil when the rest cannot be fitted or gives no interval. (A rest
// of 2 points has no interval of its own, but the check tests an exact
// power law, τ = 0, and under that null their errors are all there is.) The miss
// is judged against its predictive variance, the rest's prediction
// variance at N (with the rest's τ²) plus the held-out optimum's own
// LogSE²:
//
//	σ = miss / sqrt(V_rest(N) + LogSE²),
//
// with Satterthwaite's degrees of freedom ν; PValue is the two-sided
// P(|t_ν| ≥ |σ|). On exact power laws with calibrated errors it falls
// below 0.05 in 5% of fits.
func extrapolate(ps []Optimum) *Extrapolation {
	nMax := 0
	for _, o := range ps {
		nMax = max(nMax, o.N)
	}
	var rest []Optimum
	var held Optimum
	for _, o := range ps {
		if o.N == nMax {
			held = o // the last (largest fraction) one on a tie
		} else {
			rest = append(rest, o)
		}
	}
	f, ok := fitLog(rest, optimumLR)
	if !ok {
		return nil
	}
	c := []float64{1, math.Log10(float64(held.N))}
	pred, v, dof := f.predict(c)
	bend := f.bend()
	miss := pred - math.Log10(held.LR)
	if f.noiseDoF > 0 {
		vs := quadForm(f.covS, c) + held.LogSE*held.LogSE
		v += held.LogSE * held.LogSE
		dof = f.dof(v, vs)
		if f.n == 2 {
			// The check tests an exact power law (τ = 0): under that null
			// the rest's 2 points have the sampling variance alone.
			dof = float64(f.noiseDoF)
		}
	}
	// The refitted law may bend between its sizes and the held-out one, as
	// every prediction allows for (see Bend).
	if bv := bend.Var(c[1]); bv > 0 && dof > 0 {
		dof = satterthwaiteF(v, dof, bv, math.Inf(1))
		v += bv
	}
	if dof <= 0 || !(v > minVar) {
		return nil
	}
	sigma := miss / math.Sqrt(v)
	return &Extrapolation{
		N:           held.N,
		PredictedLR: math.Pow(10, pred),
		MeasuredLR:  held.LR,
		MissDecades: miss,
		Sigma:       sigma,
		DoF:         finiteDoF(dof),
		PValue:      2 * tTail(math.Abs(sigma), dof),
	}
}

// tTail is P(T > t) for Student's t with dof degrees of freedom (the
// normal's for dof = +Inf).
func tTail(t, dof float64) float64 {
	if math.IsInf(dof, 1) || dof >= maxDoF {
		return distuv.UnitNormal.Survival(t)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: dof}.Survival(t)
}

// Log10Sigma returns the standard error, in decades, of the law's line
// log10 k + α·log10 n (without τ):
//
//	var = var(log10 k) + 2x·cov(log10 k, α) + x²·var(α),  x = log10 n
func (l Law) Log10Sigma(n float64) float64 {
	x := math.Log10(n)
	v := l.Log10KSE*l.Log10KSE + 2*x*l.CovLogKAlpha + x*x*l.AlphaSE*l.AlphaSE
	return math.Sqrt(math.Max(0, v))
}

// LawPrediction is the law's prediction of log10 η* at one size: the
// line, the variance of the optimum there (the line's plus τ²) and the
// degrees of freedom of its t interval (0: no interval).
type LawPrediction struct {
	Log10 float64
	Var   float64
	DoF   float64
	// BendVar is the part of Var the bend prior adds (see PriorBend):
	// what no number of seeds or trials at the fitted sizes can shrink.
	BendVar float64
}

// addBend adds the bend's variance at x, (SD·g(x))² (see Bend), to the
// prediction, a known variance: the degrees of freedom become
// Satterthwaite's for the sum (an interval stays unavailable when there
// was none).
func (p *LawPrediction) addBend(b *Bend, x float64) {
	p.BendVar = b.Var(x)
	if p.BendVar == 0 {
		return
	}
	if p.DoF > 0 {
		p.DoF = satterthwaiteF(p.Var, p.DoF, p.BendVar, math.Inf(1))
	}
	p.Var += p.BendVar
}

// Half95 is the half-width of the 95% interval in decades; 0 when there
// is none.
func (p LawPrediction) Half95() float64 { return interval95(p.Var, p.DoF) }

// PredictLog10 returns the law's prediction at size n: log10 k + α·log10 n
// with the variance of a new optimum there,
//
//	V = var(log10 k) + 2x·cov + x²·var(α) + τ²,  x = log10 n,
//
// and its degrees of freedom ν: Satterthwaite's combination of NoiseDoF
// for the part of V the optima's errors make (SamplingCov) and n − 2 for
// the rest (see FitLaw). A fit file of version 1 (Method "") has a
// confidence band for the line instead: ν = DoF when its Birge ratio
// exceeded 1, else normal.
func (l Law) PredictLog10(n float64) LawPrediction {
	x := math.Log10(n)
	p := LawPrediction{Log10: math.Log10(l.K) + l.Alpha*x}
	s := l.Log10Sigma(n)
	p.Var = s*s + l.Tau*l.Tau
	switch l.Method {
	case "": // version 1
		p.DoF = math.Inf(1)
		if l.DoF > 0 && l.BirgeRatio > 1 {
			p.DoF = float64(l.DoF)
		}
	case MethodLeastSquares:
		p.DoF = float64(max(0, l.Points-2))
	default:
		if l.Points <= 2 {
			break // no interval from 2 points (see lineFit.dof)
		}
		switch c := l.SamplingCov; {
		case l.Tau == 0 || c == nil:
			p.DoF = float64(l.NoiseDoF)
		default:
			vs := math.Max(0, quad([3]float64{c.Log10K, c.Alpha, c.Log10KAlpha}, x))
			p.DoF = satterthwaite(vs, l.NoiseDoF, math.Max(0, p.Var-vs), l.Points-2)
		}
	}
	p.addBend(l.Bend, x)
	return p
}

// Predict returns the law's optimal rate at dataset size n and its 95%
// prediction interval
//
//	η*(n) = k·n^α,  [lo, hi] = η*(n)·10^(∓t(0.975, ν)·√V)
//
// (see PredictLog10); lo = hi = 0 when there is no interval (a
// least-squares law through 2 points). Outside [NMin, NMax] it
// extrapolates and the interval widens.
func (l Law) Predict(n float64) (lr, lo, hi float64) {
	p := l.PredictLog10(n)
	lr = math.Pow(10, p.Log10)
	if h := p.Half95(); h > 0 {
		lo, hi = math.Pow(10, p.Log10-h), math.Pow(10, p.Log10+h)
	}
	return lr, lo, hi
}
