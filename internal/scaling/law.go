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

// lineFit is the line y = a + b·x fitted to points with sampling
// variances v_i plus a between-point variance τ² (see fitLine).
type lineFit struct {
	a, b float64
	// cov is the covariance of (a, b); covS the part of it that comes
	// from the points' sampling variances (the rest comes from τ²).
	cov, covS [3]float64 // var a, var b, cov(a, b)
	tau2      float64
	// q is Cochran's Q, Σ w_i (y_i − a_FE − b_FE·x_i)² with w_i = 1/v_i
	// (the residual sum of squares for least squares).
	q        float64
	r2       float64
	n        int
	noiseDoF int // ν₁ of the v_i; 0 for least squares
	xs       []float64
	w        []float64 // the weights 1/(v_i + τ²) (1 for least squares)
	v        []float64
}

// fitLine fits y = a + b·x to n ≥ 2 points with distinct x, as a
// random-effects meta-regression (DerSimonian & Laird 1986; the regression
// form of Raudenbush 2009):
//
//	y_i = a + b·x_i + u_i + e_i,   u_i ~ N(0, τ²),   e_i ~ N(0, v_i).
//
// The between-point variance τ² is the method-of-moments estimate
//
//	τ² = max(0, (Q − (n − 2)) / (Σw − tr((XᵀWX)⁻¹XᵀW²X))),   w_i = 1/v_i,
//
// Q = Σ w_i·r_i² the weighted residual sum of squares of the fixed-effect
// fit. The line is then weighted least squares with w*_i = 1/(v_i + τ²),
// and the covariance of (a, b) is (XᵀW*X)⁻¹. Its sampling part,
//
//	(XᵀW*X)⁻¹·XᵀW*VW*X·(XᵀW*X)⁻¹,   V = diag(v_i),
//
// is what the v_i contribute; the rest comes from τ². The v_i carry
// noiseDoF degrees of freedom (the pooled noise model's), τ² at most
// n − 2 (see satterthwaite).
//
// When v is nil, or some v_i is 0, the points have no known errors: the
// fit is ordinary least squares and τ² = Q/(n − 2) is the whole residual
// variance (0 for n = 2, where nothing can be estimated).
func fitLine(x, y, v []float64, noiseDoF int) (lineFit, bool) {
	n := len(x)
	if n < 2 {
		return lineFit{}, false
	}
	xMin, xMax := x[0], x[0]
	for _, xi := range x {
		xMin, xMax = math.Min(xMin, xi), math.Max(xMax, xi)
	}
	if xMin == xMax {
		return lineFit{}, false
	}
	known := v != nil && noiseDoF > 0
	for i := range v {
		known = known && v[i] > 0
	}
	f := lineFit{n: n, xs: x, w: make([]float64, n), v: make([]float64, n)}
	if !known {
		for i := range f.w {
			f.w[i] = 1
		}
		wls(&f, y)
		if n > 2 {
			f.tau2 = f.q / float64(n-2)
		}
		f.cov = scale3(f.cov, f.tau2)
		f.r2 = rSquared(x, y, f.w, f.a, f.b)
		return f, true
	}
	f.noiseDoF = noiseDoF
	copy(f.v, v)
	for i := range f.w {
		f.w[i] = 1 / v[i]
	}
	wls(&f, y)
	// tr((XᵀWX)⁻¹XᵀW²X) for the 2×2 case, and Σw.
	var sw, swx, swxx, s2, s2x, s2xx float64
	for i := range x {
		w := f.w[i]
		sw += w
		swx += w * x[i]
		swxx += w * x[i] * x[i]
		s2 += w * w
		s2x += w * w * x[i]
		s2xx += w * w * x[i] * x[i]
	}
	det := sw*swxx - swx*swx
	trace := sw - (swxx*s2-2*swx*s2x+sw*s2xx)/det
	if n > 2 && trace > 0 && (!tauNullF || noiseDoF > 2) {
		m := 1.0
		if tauNullF {
			m = float64(noiseDoF) / float64(noiseDoF-2)
		}
		f.tau2 = math.Max(0, (f.q-float64(n-2)*m)/trace)
	}
	q := f.q
	for i := range f.w {
		f.w[i] = 1 / (v[i] + f.tau2)
	}
	wls(&f, y)
	f.q = q
	// Sampling part: A⁻¹·(Σ w*_i² v_i·c_i c_iᵀ)·A⁻¹, c_i = (1, x_i).
	var b00, b01, b11 float64
	for i := range x {
		s := f.w[i] * f.w[i] * v[i]
		b00 += s
		b01 += s * x[i]
		b11 += s * x[i] * x[i]
	}
	va, vb, c := f.cov[0], f.cov[1], f.cov[2]
	// A⁻¹ = [[va, c], [c, vb]]; covS = A⁻¹ B A⁻¹.
	m00, m01 := va*b00+c*b01, va*b01+c*b11
	m10, m11 := c*b00+vb*b01, c*b01+vb*b11
	f.covS = [3]float64{m00*va + m01*c, m10*c + m11*vb, m00*c + m01*vb}
	f.r2 = rSquared(x, y, f.w, f.a, f.b)
	return f, true
}

// wls sets f.a, f.b, f.cov = (XᵀWX)⁻¹ and f.q = Σw·r² for the weights
// f.w.
func wls(f *lineFit, y []float64) {
	var s, sx, sy float64
	for i, x := range f.xs {
		s += f.w[i]
		sx += f.w[i] * x
		sy += f.w[i] * y[i]
	}
	xb, yb := sx/s, sy/s
	var sxx, sxy float64
	for i, x := range f.xs {
		sxx += f.w[i] * (x - xb) * (x - xb)
		sxy += f.w[i] * (x - xb) * (y[i] - yb)
	}
	f.b = sxy / sxx
	f.a = yb - f.b*xb
	f.cov = [3]float64{1/s + xb*xb/sxx, 1 / sxx, -xb / sxx}
	f.q = 0
	for i, x := range f.xs {
		r := y[i] - f.a - f.b*x
		f.q += f.w[i] * r * r
	}
}

// rSquared is the weighted coefficient of determination of y = a + b·x:
// 0 when it is undefined (2 points, which any line fits exactly, or points
// that do not vary).
func rSquared(x, y, w []float64, a, b float64) float64 {
	var s, sy float64
	for i := range y {
		s += w[i]
		sy += w[i] * y[i]
	}
	if len(y) <= 2 {
		return 0
	}
	yb := sy / s
	var res, tot float64
	for i := range y {
		r := y[i] - a - b*x[i]
		res += w[i] * r * r
		tot += w[i] * (y[i] - yb) * (y[i] - yb)
	}
	if tot == 0 {
		return 0
	}
	return 1 - res/tot
}

func scale3(c [3]float64, s float64) [3]float64 { return [3]float64{c[0] * s, c[1] * s, c[2] * s} }

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

// residualDoF is the degrees of freedom of τ²: n − 2.
func (f lineFit) residualDoF() int { return f.n - 2 }

// predict returns the line at x, the variance of a new point there,
//
//	V = cᵀ·Cov·c + τ²,  c = (1, x),
//
// and its effective degrees of freedom (satterthwaite of the sampling part
// cᵀ·Cov_S·c, with the noise model's ν₁, and the rest, with n − 2).
func (f lineFit) predict(x float64) (y, v, dof float64) {
	y = f.a + f.b*x
	v = quad(f.cov, x) + f.tau2
	return y, v, f.dof(v, quad(f.covS, x))
}

// dof is the effective degrees of freedom of a variance v whose sampling
// part is vs: satterthwaite of vs (ν₁) and v − vs (n − 2). With τ² = 0
// the whole variance is sampling variance (exactly, whatever the
// rounding); without a noise model it is all residual variance. With 2
// points there is no interval (0) either way: a line through 2 points
// cannot tell how far the true optima scatter about a power law (τ), and
// an interval that assumed τ = 0 would be a guess.
func (f lineFit) dof(v, vs float64) float64 {
	switch {
	case f.n <= 2:
		return 0
	case f.noiseDoF == 0:
		return float64(f.n - 2)
	case f.tau2 == 0:
		return float64(f.noiseDoF)
	}
	vs = math.Max(0, vs)
	return satterthwaite(vs, f.noiseDoF, math.Max(0, v-vs), f.residualDoF())
}

// slope returns b, its variance and the variance's effective degrees of
// freedom.
func (f lineFit) slope() (b, v, dof float64) {
	return f.b, f.cov[1], f.dof(f.cov[1], f.covS[1])
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

// fitPoints returns the optima a fit uses: the usable, bracketed ones
// whose curve is not flat.
func fitPoints(optima []Optimum) []Optimum {
	var ps []Optimum
	for _, o := range optima {
		if o.Usable && o.Bracketed && !o.Flat && o.N > 0 && o.LR > 0 {
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
func fitLog(ps []Optimum, value func(Optimum) float64) (lineFit, bool) {
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

func lawFrom(f lineFit, ps []Optimum) Law {
	b, vb, dof := f.slope()
	l := Law{
		Alpha:        b,
		AlphaSE:      math.Sqrt(vb),
		K:            math.Pow(10, f.a),
		Log10KSE:     math.Sqrt(f.cov[0]),
		CovLogKAlpha: f.cov[2],
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
		l.SamplingCov = &Covariance{Log10K: f.covS[0], Alpha: f.covS[1], Log10KAlpha: f.covS[2]}
	}
	if f.n > 2 && f.noiseDoF > 0 {
		l.BirgeRatio = f.q / float64(f.n-2)
	}
	if half := interval95(vb, dof); half > 0 {
		l.AlphaCI = [2]float64{l.Alpha - half, l.Alpha + half}
	}
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
	x := math.Log10(float64(held.N))
	pred := f.a + f.b*x
	miss := pred - math.Log10(held.LR)
	_, v, dof := f.predict(x)
	if f.noiseDoF > 0 {
		vs := quad(f.covS, x) + held.LogSE*held.LogSE
		v += held.LogSE * held.LogSE
		dof = f.dof(v, vs)
		if f.n == 2 {
			// The check tests an exact power law (τ = 0): under that null
			// the rest's 2 points have the sampling variance alone.
			dof = float64(f.noiseDoF)
		}
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
