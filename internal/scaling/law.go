package scaling

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Log10SEFloor is the error floor σ0, in decades of η, added in quadrature to
// every optimum's LogSE when weighting the fits. It stands for what the
// bootstrap over a few seeds cannot see (the grid, the finite training
// budget) and keeps one very precise optimum from dominating a fit or
// getting an infinite weight when its LogSE is 0.
const Log10SEFloor = 0.01

// wls is a weighted least-squares line y = a + b·x.
type wls struct {
	a, b             float64
	varA, varB, cov  float64 // covariance of (a, b), inflated by the Birge ratio
	chi2, r2         float64
	birge            float64 // χ²/(n − 2); 0 when n = 2
	n                int
	quantile         float64 // two-sided 95% quantile for intervals
	xMin, xMax, xBar float64
}

// fitWLS fits y = a + b·x with weights w. It reports false when there are
// fewer than 2 points or every x is equal. With
//
//	S = Σw,  x̄ = Σw·x/S,  ȳ = Σw·y/S,  Sxx = Σw(x − x̄)²,
//	b = Σw(x − x̄)(y − ȳ)/Sxx,  a = ȳ − b·x̄,
//
// the covariance of (a, b) is (XᵀWX)⁻¹,
//
//	var a = 1/S + x̄²/Sxx,  var b = 1/Sxx,  cov(a, b) = −x̄/Sxx,
//
// multiplied when n > 2 by the Birge ratio r = χ²/(n − 2), χ² = Σw(y − a − b·x)²,
// when r > 1, so the errors are never smaller than the measurement errors
// imply nor than the scatter of the points shows. The 95% quantile follows
// where the variance came from: the Student t quantile t(0.975, n − 2) when
// it was scaled by r > 1 (estimated from the residuals), the normal 1.96
// when the measurement errors were taken as they are (r ≤ 1, or n = 2).
// (Student t on top of the floor at 1 would be doubly conservative: for 6
// points with correct errors it covers 99.7%, not 95%. This rule covers
// about 97% with correct errors and 91–95% for 3–10 points whose errors
// are understated by √2, by simulation.)
func fitWLS(x, y, w []float64) (wls, bool) {
	n := len(x)
	if n < 2 {
		return wls{}, false
	}
	var s, sx, sy float64
	xMin, xMax := x[0], x[0]
	for i := range x {
		s += w[i]
		sx += w[i] * x[i]
		sy += w[i] * y[i]
		xMin, xMax = math.Min(xMin, x[i]), math.Max(xMax, x[i])
	}
	if xMin == xMax {
		return wls{}, false
	}
	xb, yb := sx/s, sy/s
	var sxx, sxy, syy float64
	for i := range x {
		dx, dy := x[i]-xb, y[i]-yb
		sxx += w[i] * dx * dx
		sxy += w[i] * dx * dy
		syy += w[i] * dy * dy
	}
	f := wls{n: n, xMin: xMin, xMax: xMax, xBar: xb}
	f.b = sxy / sxx
	f.a = yb - f.b*xb
	for i := range x {
		r := y[i] - f.a - f.b*x[i]
		f.chi2 += w[i] * r * r
	}
	f.r2 = 1
	if syy > 0 {
		f.r2 = 1 - f.chi2/syy
	}
	scale := 1.0
	f.quantile = z95
	if n > 2 {
		f.birge = f.chi2 / float64(n-2)
		if f.birge > 1 {
			scale = f.birge
			f.quantile = tQuantile95(n - 2)
		}
	}
	f.varA = scale * (1/s + xb*xb/sxx)
	f.varB = scale / sxx
	f.cov = -scale * xb / sxx
	return f, true
}

// tQuantile95 is t(0.975, dof), the two-sided 95% quantile of Student's t.
func tQuantile95(dof int) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(dof)}.Quantile(0.975)
}

// predictVar is the variance of a + b·x.
func (f wls) predictVar(x float64) float64 {
	return math.Max(0, f.varA+2*x*f.cov+x*x*f.varB)
}

// fitPoints returns the optima a fit uses: the usable, bracketed ones.
func fitPoints(optima []Optimum) []Optimum {
	var ps []Optimum
	for _, o := range optima {
		if o.Usable && o.Bracketed && o.N > 0 && o.LR > 0 {
			ps = append(ps, o)
		}
	}
	return ps
}

// weight is 1/(LogSE² + σ0²), σ0 = Log10SEFloor.
func weight(o Optimum) float64 {
	return 1 / (o.LogSE*o.LogSE + Log10SEFloor*Log10SEFloor)
}

// fitLog fits log10(value(o)) on log10 N over ps.
func fitLog(ps []Optimum, value func(Optimum) float64) (wls, bool) {
	x := make([]float64, len(ps))
	y := make([]float64, len(ps))
	w := make([]float64, len(ps))
	for i, o := range ps {
		x[i] = math.Log10(float64(o.N))
		y[i] = math.Log10(value(o))
		w[i] = weight(o)
	}
	return fitWLS(x, y, w)
}

func optimumLR(o Optimum) float64 { return o.LR }

// FitLaw fits the power law
//
//	η*(N) = k·N^α,  i.e.  log10 η* = log10 k + α·log10 N,
//
// by weighted least squares over the optima that are Usable and Bracketed,
// with weights
//
//	w = 1/(LogSE² + σ0²),  σ0 = Log10SEFloor = 0.01 decades.
//
// The covariance of (log10 k, α) is (XᵀWX)⁻¹, multiplied for n > 2 points
// by the Birge ratio r = χ²/(n − 2) when r > 1 (the points scatter more
// than their errors say). The 95% interval of α is α ± t(0.975, n − 2)·SE
// when that happened and α ± 1.96·SE otherwise — the errors are then the
// optima's own LogSE, known rather than estimated; with n = 2 there are no
// residual degrees of freedom to estimate anything. R² is the weighted
// coefficient of determination.
//
// With at least 3 points the law is refitted without the optima at the
// largest N and evaluated there (Extrapolation): the miss in decades and
// the miss over its standard error,
//
//	σ = miss / sqrt(var pred + LogSE² + σ0²),
//
// where LogSE² + σ0² is the same error the fit assigns to that optimum.
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
	return law, nil
}

func lawFrom(f wls, ps []Optimum) Law {
	l := Law{
		Alpha:        f.b,
		AlphaSE:      math.Sqrt(f.varB),
		K:            math.Pow(10, f.a),
		Log10KSE:     math.Sqrt(f.varA),
		CovLogKAlpha: f.cov,
		R2:           f.r2,
		BirgeRatio:   f.birge,
		Points:       f.n,
		DoF:          f.n - 2,
		NMin:         ps[0].N,
		NMax:         ps[0].N,
	}
	half := f.quantile * l.AlphaSE
	l.AlphaCI = [2]float64{l.Alpha - half, l.Alpha + half}
	for _, o := range ps {
		l.NMin = min(l.NMin, o.N)
		l.NMax = max(l.NMax, o.N)
	}
	return l
}

// extrapolate refits without the optima at the largest N and predicts
// there; nil when the rest cannot be fitted.
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
	sd := math.Sqrt(f.predictVar(x) + held.LogSE*held.LogSE + Log10SEFloor*Log10SEFloor)
	return &Extrapolation{
		N:           held.N,
		PredictedLR: math.Pow(10, pred),
		MeasuredLR:  held.LR,
		MissDecades: miss,
		Sigma:       miss / sd,
	}
}

// quantile95 is the two-sided 95% quantile used for the law's intervals:
// t(0.975, DoF) when the covariance was scaled by BirgeRatio > 1, else the
// normal 1.96.
func (l Law) quantile95() float64 {
	if l.DoF > 0 && l.BirgeRatio > 1 {
		return tQuantile95(l.DoF)
	}
	return z95
}

// Log10Sigma returns the standard error, in decades, of the law's
// log10 η*(n), from the covariance of (log10 k, α):
//
//	var = var(log10 k) + 2x·cov(log10 k, α) + x²·var(α),  x = log10 n
func (l Law) Log10Sigma(n float64) float64 {
	x := math.Log10(n)
	v := l.Log10KSE*l.Log10KSE + 2*x*l.CovLogKAlpha + x*x*l.AlphaSE*l.AlphaSE
	return math.Sqrt(math.Max(0, v))
}

// Predict returns the law's optimal rate at dataset size n and its 95% band
//
//	η*(n) = k·n^α,  [lo, hi] = η*(n)·10^(∓q·Log10Sigma(n)),
//
// where q is the quantile of the α interval (t(0.975, n − 2) when the
// Birge ratio exceeds 1, else 1.96). Outside [NMin, NMax] it extrapolates and the band widens.
func (l Law) Predict(n float64) (lr, lo, hi float64) {
	y := math.Log10(l.K) + l.Alpha*math.Log10(n)
	h := l.quantile95() * l.Log10Sigma(n)
	return math.Pow(10, y), math.Pow(10, y-h), math.Pow(10, y+h)
}
