package scaling

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/clc-tools/clc/internal/inputerr"
)

// optimumAt is a usable, bracketed optimum with the given N, η*, LogSE and
// steps, whose error comes from a noise model with dof degrees of freedom
// (0: no interval).
func optimumAt(n int, lr, logSE float64, steps, dof int) Optimum {
	return Optimum{N: n, LR: lr, LogSE: logSE, DoF: dof, Steps: steps, Usable: true, Bracketed: true, Constant: lr * float64(steps)}
}

// threePoints: x = log10 N = 2, 3, 4; y = log10 η* = −1, −1.4, −2.2;
// sampling variances 0.01, 0.01, 0.04 from a noise model with 12 degrees
// of freedom.
func threePoints() []Optimum {
	return []Optimum{
		optimumAt(100, 0.1, 0.1, 10, 12),
		optimumAt(1000, math.Pow(10, -1.4), 0.1, 100, 12),
		optimumAt(10000, math.Pow(10, -2.2), 0.2, 1000, 12),
	}
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// bendFit is an independent reference for a law's prediction with its
// bend (see Bend): generalized least squares of y on (1, x, ½x²) with
// weights 1/(v_i + τ²), the prior q ~ N(0, PriorBend²) entered as one
// more observation 0 = q, by dense matrices. It returns the prediction at
// x0 and its variance without τ², and the same for the line alone (gls):
// clc predicts the line's value with the bend model's mean square error
// about it, the line's variance + (bend model's variance − line's) +
// (bend model's mean − line's)².
func bendFit(x, y, v []float64, tau2, x0 float64) (mean, vr, lineMean, lineVar float64) {
	n := len(x)
	X := mat.NewDense(n+1, 3, nil)
	W := mat.NewDiagDense(n+1, nil)
	Y := mat.NewVecDense(n+1, nil)
	for i, xi := range x {
		X.SetRow(i, []float64{1, xi, xi * xi / 2})
		W.SetDiag(i, 1/(v[i]+tau2))
		Y.SetVec(i, y[i])
	}
	X.SetRow(n, []float64{0, 0, 1})
	W.SetDiag(n, 1/(PriorBend*PriorBend))
	var xtw, a, cov mat.Dense
	xtw.Mul(X.T(), W)
	a.Mul(&xtw, X)
	if err := cov.Inverse(&a); err != nil {
		panic(err)
	}
	var xty, beta mat.VecDense
	xty.MulVec(&xtw, Y)
	beta.MulVec(&cov, &xty)
	c := mat.NewVecDense(3, []float64{1, x0, x0 * x0 / 2})
	var cc mat.VecDense
	cc.MulVec(&cov, c)
	b2, cov2, _ := gls(x, y, v, tau2)
	return mat.Dot(c, &beta), mat.Dot(c, &cc), b2[0] + b2[1]*x0,
		cov2.At(0, 0) + 2*x0*cov2.At(0, 1) + x0*x0*cov2.At(1, 1)
}

// withKnown is Satterthwaite's degrees of freedom of a variance v with ν
// degrees of freedom plus a known variance b: (v + b)²/(v²/ν).
func withKnown(v, nu, b float64) float64 { return (v + b) * (v + b) / (v * v / nu) }

// gls is an independent reference for fitLine's second stage: generalized
// least squares with a dense matrix, β = (XᵀWX)⁻¹XᵀWy, Cov = (XᵀWX)⁻¹, and
// the sampling part (XᵀWX)⁻¹XᵀW·diag(v)·WX(XᵀWX)⁻¹.
func gls(x, y, v []float64, tau2 float64) (beta [2]float64, cov, covS *mat.Dense) {
	n := len(x)
	X := mat.NewDense(n, 2, nil)
	W := mat.NewDiagDense(n, nil)
	V := mat.NewDiagDense(n, v)
	for i := range x {
		X.Set(i, 0, 1)
		X.Set(i, 1, x[i])
		W.SetDiag(i, 1/(v[i]+tau2))
	}
	var xtw, a, ainv mat.Dense
	xtw.Mul(X.T(), W)
	a.Mul(&xtw, X)
	if err := ainv.Inverse(&a); err != nil {
		panic(err)
	}
	var b mat.VecDense
	b.MulVec(&xtw, mat.NewVecDense(n, y))
	var bb mat.VecDense
	bb.MulVec(&ainv, &b)
	var mid, m1, m2 mat.Dense
	mid.Mul(&xtw, V)
	m1.Mul(&mid, xtw.T())
	m2.Mul(&ainv, &m1)
	covS = &mat.Dense{}
	covS.Mul(&m2, &ainv)
	return [2]float64{bb.AtVec(0), bb.AtVec(1)}, &ainv, covS
}

func TestFitLawRandomEffects(t *testing.T) {
	// By hand: fixed-effect weights w = 100, 100, 25 give (from the old
	// closed form) Q = Σw·r² = 16/9. With ν₁ = 12 the null mean of Q/(n−2)
	// is 12/10 = 1.2. Σw = 225, and tr((XᵀWX)⁻¹XᵀW²X) = 3562500/22500 =
	// 475/3, so the denominator is 225 − 475/3 = 200/3 and
	//   τ² = (16/9 − 1.2)/(200/3) = 13/1500.
	law, err := FitLaw(threePoints())
	if err != nil {
		t.Fatal(err)
	}
	if !near(law.Tau*law.Tau, 13.0/1500, 1e-15) || law.Method != MethodRandomEffects || law.NoiseDoF != 12 {
		t.Fatalf("τ² = %.17g, method %q, ν₁ %d; want 13/1500, random-effects, 12", law.Tau*law.Tau, law.Method, law.NoiseDoF)
	}
	x, y, v := []float64{2, 3, 4}, []float64{-1, -1.4, -2.2}, []float64{0.01, 0.01, 0.04}
	beta, cov, covS := gls(x, y, v, 13.0/1500)
	const tol = 1e-12
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"log10 k", math.Log10(law.K), beta[0]},
		{"alpha", law.Alpha, beta[1]},
		{"var log10 k", law.Log10KSE * law.Log10KSE, cov.At(0, 0)},
		{"var alpha", law.AlphaSE * law.AlphaSE, cov.At(1, 1)},
		{"cov", law.CovLogKAlpha, cov.At(0, 1)},
		{"sampling var log10 k", law.SamplingCov.Log10K, covS.At(0, 0)},
		{"sampling var alpha", law.SamplingCov.Alpha, covS.At(1, 1)},
		{"sampling cov", law.SamplingCov.Log10KAlpha, covS.At(0, 1)},
		{"Birge ratio", law.BirgeRatio, 16.0 / 9},
	} {
		if !near(c.got, c.want, tol*math.Max(1, math.Abs(c.want))) {
			t.Errorf("%s = %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	// α's interval: Satterthwaite's ν from the sampling part (ν₁ = 12) and
	// the rest (n − 2 = 1).
	vs, vt := covS.At(1, 1), cov.At(1, 1)-covS.At(1, 1)
	nu := (vs + vt) * (vs + vt) / (vs*vs/12 + vt*vt/1)
	half := tQuantile95(nu) * math.Sqrt(cov.At(1, 1))
	if !near(law.AlphaDoF, nu, 1e-9) || !near(law.AlphaCI[1]-law.Alpha, half, 1e-9) || !near(law.Alpha-law.AlphaCI[0], half, 1e-9) {
		t.Errorf("α interval ±%v with ν %v; want ±%v, ν %v", law.AlphaCI[1]-law.Alpha, law.AlphaDoF, half, nu)
	}
	// The prediction at N = 10⁵ adds τ² for the new size's own deviation
	// and the bend prior's variance, a known one.
	p := law.PredictLog10(1e5)
	c := []float64{1, 5}
	quadM := func(m *mat.Dense) float64 {
		return c[0]*c[0]*m.At(0, 0) + 2*c[0]*c[1]*m.At(0, 1) + c[1]*c[1]*m.At(1, 1)
	}
	wantV := quadM(cov) + 13.0/1500
	vs, vt = quadM(covS), wantV-quadM(covS)
	bm, vr, mean, lv := bendFit(x, y, v, 13.0/1500, 5)
	bend := vr - lv + (bm-mean)*(bm-mean)
	wantNu := (wantV + bend) * (wantV + bend) / (vs*vs/12 + vt*vt/1)
	wantV += bend
	if !near(p.BendVar, bend, 1e-12) {
		t.Errorf("bend variance %v, want %v", p.BendVar, bend)
	}
	if !near(p.Log10, mean, 1e-12) || !near(p.Var, wantV, 1e-12) || !near(p.DoF, wantNu, 1e-9) {
		t.Errorf("prediction %+v; want %v, V %v, ν %v", p, mean, wantV, wantNu)
	}
	lr, lo, hi := law.Predict(1e5)
	h := tQuantile95(wantNu) * math.Sqrt(wantV)
	if !near(math.Log10(lr), p.Log10, 1e-12) || !near(math.Log10(lo), p.Log10-h, 1e-9) || !near(math.Log10(hi), p.Log10+h, 1e-9) {
		t.Errorf("Predict = %v [%v, %v]; want 10^(%v ∓ %v)", lr, lo, hi, p.Log10, h)
	}
	if a := law.Anchor; a == nil || a.N != 10000 || a.LR != math.Pow(10, -2.2) || a.LogSE != 0.2 {
		t.Errorf("anchor %+v; want the optimum at N = 10000", a)
	}
}

func TestFitLawWithinErrors(t *testing.T) {
	// Optima that scatter less than their errors: τ = 0, and every
	// interval uses the noise model's degrees of freedom (ν₁ = 8): the
	// variances are all sampling variances, (XᵀWX)⁻¹ with w = 1/LogSE².
	os := []Optimum{
		optimumAt(1000, 0.2, 0.05, 10, 8), optimumAt(2000, 0.17, 0.05, 20, 8),
		optimumAt(4000, 0.15, 0.05, 40, 8), optimumAt(8000, 0.12, 0.05, 80, 8),
	}
	law, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	x, y, v := make([]float64, 4), make([]float64, 4), []float64{0.0025, 0.0025, 0.0025, 0.0025}
	for i, o := range os {
		x[i], y[i] = math.Log10(float64(o.N)), math.Log10(o.LR)
	}
	_, cov, _ := gls(x, y, v, 0)
	const t8 = 2.306004135204166 // R: qt(0.975, 8)
	if law.Tau != 0 || !near(law.AlphaDoF, 8, 0) || !near(law.AlphaCI[1]-law.Alpha, t8*math.Sqrt(cov.At(1, 1)), 1e-12) {
		t.Errorf("τ %v ν %v half-width %v; want 0, 8, %v", law.Tau, law.AlphaDoF, law.AlphaCI[1]-law.Alpha, t8*math.Sqrt(cov.At(1, 1)))
	}
	// The prediction's ν: 8 for the law's variance, with the bend prior's
	// known variance added (Satterthwaite).
	x0 := math.Log10(16000)
	lv := cov.At(0, 0) + 2*x0*cov.At(0, 1) + x0*x0*cov.At(1, 1)
	bm, vr, mean, _ := bendFit(x, y, v, 0, x0)
	b := vr - lv + (bm-mean)*(bm-mean)
	if p := law.PredictLog10(16000); !near(p.DoF, withKnown(lv, 8, b), 1e-6) || !near(p.Var, lv+b, 1e-12) || !near(p.Log10, mean, 1e-10) {
		t.Errorf("prediction %+v, want %v, V %v, ν %v", p, mean, lv+b, withKnown(lv, 8, b))
	}
}

func TestFitLawLeastSquares(t *testing.T) {
	// Without errors (one seed) the law is ordinary least squares with the
	// classical intervals: x = 3, 3.5, 4, 4.5; y = −1, −1.1, −1.35, −1.4.
	// x̄ = 3.75, Sxx = 1.25, b = Σ(x − x̄)(y − ȳ)/Sxx = −0.29,
	// a = ȳ − b·x̄ = −1.2125 + 1.0875 = −0.125, residuals 0.045, −0.01,
	// −0.115, 0.08: RSS = 0.02265, s² = RSS/2, var b = s²/Sxx, and the
	// prediction at x₀ has variance s²(1 + 1/4 + (x₀ − x̄)²/Sxx), t with 2
	// degrees of freedom (R: qt(0.975, 2) = 4.302652729911275).
	var os []Optimum
	for i, y := range []float64{-1, -1.1, -1.35, -1.4} {
		n := int(math.Round(math.Pow(10, 3+0.5*float64(i))))
		os = append(os, optimumAt(n, math.Pow(10, y), 0, 10, 0))
	}
	law, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	// N rounds 10^3.5 to 3162: use the actual x.
	var xs []float64
	for _, o := range os {
		xs = append(xs, math.Log10(float64(o.N)))
	}
	xb := (xs[0] + xs[1] + xs[2] + xs[3]) / 4
	var sxx, sxy float64
	ys := []float64{-1, -1.1, -1.35, -1.4}
	yb := (ys[0] + ys[1] + ys[2] + ys[3]) / 4
	for i := range xs {
		sxx += (xs[i] - xb) * (xs[i] - xb)
		sxy += (xs[i] - xb) * (ys[i] - yb)
	}
	b := sxy / sxx
	a := yb - b*xb
	var rss float64
	for i := range xs {
		r := ys[i] - a - b*xs[i]
		rss += r * r
	}
	s2 := rss / 2
	const t2 = 4.302652729911275
	if law.Method != MethodLeastSquares || law.NoiseDoF != 0 || law.SamplingCov != nil || !near(law.Alpha, b, 1e-12) ||
		!near(law.Tau*law.Tau, s2, 1e-15) || !near(law.AlphaCI[1]-law.Alpha, t2*math.Sqrt(s2/sxx), 1e-9) || law.BirgeRatio != 0 {
		t.Errorf("law %+v; want least squares, α %v, τ² %v, half-width %v", law, b, s2, t2*math.Sqrt(s2/sxx))
	}
	x0 := math.Log10(20000)
	p := law.PredictLog10(20000)
	want := s2 * (1 + 0.25 + (x0-xb)*(x0-xb)/sxx)
	bm, vr, mean, lv := bendFit(xs, ys, []float64{0, 0, 0, 0}, s2, x0)
	bv := vr - lv + (bm-mean)*(bm-mean)
	if !near(p.Var, want+bv, 1e-14) || !near(p.DoF, withKnown(want, 2, bv), 1e-9) || !near(p.Log10, mean, 1e-12) {
		t.Errorf("prediction %+v; want %v, V %v ν %v", p, mean, want+bv, withKnown(want, 2, bv))
	}
}

// A line through 2 points fits any bend exactly (g(x_i) = 0 at both), so
// the data leave the prior as it was: Q = 0, QSE = PriorBend, and a
// prediction 1 decade beyond them (g = ½·(1.5² − 0.25) = 1) adds
// (PriorBend·1)² to a variance; precise optima at 5 sizes on an exact
// power law measure the bend (QSE well below the prior) and find none.
func TestBendPosterior(t *testing.T) {
	two, err := FitLaw([]Optimum{optimumAt(1000, 0.01, 0.1, 10, 6), optimumAt(10000, 0.001, 0.1, 100, 6)})
	if err != nil {
		t.Fatal(err)
	}
	b := two.Bend
	if b == nil || b.Q != 0 || !near(b.QSE, PriorBend, 1e-15) || !near(b.Miss(5), 1, 1e-12) || !near(b.Var(5), PriorBend*PriorBend, 1e-12) {
		t.Errorf("two points: bend %+v, g(5) = %v; want the prior and g = 1", b, b.Miss(5))
	}
	var os []Optimum
	for i := range 5 {
		n := 1000 << (2 * i)
		os = append(os, optimumAt(n, math.Pow(float64(n), -0.5), 0.01, 10, 20))
	}
	exact, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	if b := exact.Bend; b == nil || math.Abs(b.Q) > 1e-9 || !(b.QSE < PriorBend/5) {
		t.Errorf("exact law, precise optima: bend %+v; want Q = 0 and QSE well below %v", b, PriorBend)
	}
}

func TestFitLawTwoPoints(t *testing.T) {
	// Two points with errors: τ cannot be estimated (0), so there is no
	// interval (one that assumed τ = 0 would be a guess), no R² (a line
	// fits 2 points exactly) and no extrapolation check; the standard
	// errors from the optima's own errors are still reported.
	law, err := FitLaw([]Optimum{optimumAt(1000, 0.01, 0.1, 10, 6), optimumAt(10000, 0.001, 0.1, 100, 6)})
	if err != nil {
		t.Fatal(err)
	}
	// w = 100 each at x = 3, 4: Sxx = 50, SE α = 1/√50.
	se := 1 / math.Sqrt(50)
	if !near(law.Alpha, -1, 1e-12) || !near(law.AlphaSE, se, 1e-12) || law.DoF != 0 || law.Extrapolation != nil || law.Tau != 0 ||
		law.AlphaCI != [2]float64{} || law.R2 != 0 {
		t.Errorf("law = %+v; want α = −1, SE %v, DoF 0, no extrapolation, no interval, R² 0", law, se)
	}
	if lr, lo, hi := law.Predict(1e5); !near(lr, 1e-4, 1e-15) || lo != 0 || hi != 0 {
		t.Errorf("random effects through 2 points: %v [%v, %v]; want 1e-4 with no interval", lr, lo, hi)
	}
	// Two points without errors: a line through both, and no interval at
	// all rather than a zero-width one.
	ls, err := FitLaw([]Optimum{optimumAt(1000, 0.01, 0, 10, 0), optimumAt(10000, 0.001, 0, 100, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if lr, lo, hi := ls.Predict(1e5); !near(lr, 1e-4, 1e-18) || lo != 0 || hi != 0 || ls.AlphaCI != [2]float64{} {
		t.Errorf("least squares through 2 points: %v [%v, %v], α CI %v; want 1e-4 with no interval", lr, lo, hi, ls.AlphaCI)
	}
}

func TestSatterthwaite(t *testing.T) {
	for _, c := range []struct {
		vs    float64
		ds    int
		vt    float64
		dt    int
		want  float64
		label string
	}{
		{1, 10, 0, 3, 10, "sampling only"},
		{0, 10, 1, 3, 3, "between-size only"},
		{1, 10, 1, 3, 4 / (0.1 + 1.0/3), "equal parts: 4/(1/10 + 1/3)"},
		{0, 10, 0, 3, math.Inf(1), "nothing estimated"},
		{1, 10, 1, 0, 0, "a part without degrees of freedom"},
	} {
		if got := satterthwaite(c.vs, c.ds, c.vt, c.dt); !(got == c.want || near(got, c.want, 1e-12)) {
			t.Errorf("%s: %v, want %v", c.label, got, c.want)
		}
	}
}

func TestFitLawContinuous(t *testing.T) {
	// Nothing switches: as the largest optimum moves away from the line,
	// τ² turns positive and α's interval widens continuously — no jump
	// where Q crosses its null mean (the Birge-ratio switch of version 1
	// jumped 6.5-fold there).
	prev := -1.0
	for i := 0; i <= 400; i++ {
		os := threePoints()
		os[2].LR = math.Pow(10, -1.8-0.002*float64(i))
		law, err := FitLaw(os)
		if err != nil {
			t.Fatal(err)
		}
		half := law.AlphaCI[1] - law.Alpha
		if prev >= 0 && math.Abs(half-prev) > 0.05*prev {
			t.Fatalf("step %d: α half-width jumped from %v to %v (τ %v)", i, prev, half, law.Tau)
		}
		prev = half
	}
}

func TestExtrapolationCheck(t *testing.T) {
	// Four optima on η* = N^−0.5 exactly except the largest, 0.1 decades
	// low. The rest fit exactly (τ = 0), so the miss's variance is the
	// rest's prediction variance at N = 8000 plus the held-out LogSE², all
	// sampling variance with ν₁ = 10, plus the bend prior's (known)
	// variance.
	os := []Optimum{
		optimumAt(1000, math.Pow(1000, -0.5), 0.05, 10, 10), optimumAt(2000, math.Pow(2000, -0.5), 0.05, 20, 10),
		optimumAt(4000, math.Pow(4000, -0.5), 0.05, 40, 10), optimumAt(8000, math.Pow(8000, -0.5)*math.Pow(10, -0.1), 0.05, 80, 10),
	}
	law, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	e := law.Extrapolation
	x := []float64{3, math.Log10(2000), math.Log10(4000)}
	_, cov, _ := gls(x, []float64{-1.5, -0.5 * x[1], -0.5 * x[2]}, []float64{0.0025, 0.0025, 0.0025}, 0)
	x0 := math.Log10(8000)
	v := cov.At(0, 0) + 2*x0*cov.At(0, 1) + x0*x0*cov.At(1, 1) + 0.0025
	bm, vr, lm, lv := bendFit(x, []float64{-1.5, -0.5 * x[1], -0.5 * x[2]}, []float64{0.0025, 0.0025, 0.0025}, 0, x0)
	b := vr - lv + (bm-lm)*(bm-lm)
	nu := withKnown(v, 10, b)
	sigma := 0.1 / math.Sqrt(v+b)
	if e == nil || !near(e.MissDecades, 0.1, 1e-12) || !near(e.Sigma, sigma, 1e-9) || !near(e.DoF, nu, 1e-6) ||
		!near(e.PValue, 2*tTail(sigma, nu), 1e-9) {
		t.Fatalf("extrapolation %+v; want miss 0.1, σ %v, %v dof", e, sigma, nu)
	}
	if e.Failed() != (e.PValue < 0.05) {
		t.Errorf("Failed() = %v with p = %v", e.Failed(), e.PValue)
	}
	// A version-1 check has no p-value: it fails beyond 2σ.
	if old := (&Extrapolation{Sigma: 2.1}); !old.Failed() {
		t.Error("version-1 check at 2.1σ did not fail")
	}
}

func TestFitLawErrors(t *testing.T) {
	unbracketed := optimumAt(4000, 0.01, 0.05, 10, 5)
	unbracketed.Bracketed, unbracketed.Edge = false, "high"
	dead := Optimum{N: 8000}
	tests := []struct {
		name   string
		optima []Optimum
		msg    string
	}{
		{"none", nil, "fewer than 2 usable optima to fit the law (have 0 of 0 fractions)"},
		{"one usable", []Optimum{optimumAt(1000, 0.1, 0.05, 10, 5), unbracketed, dead},
			"fewer than 2 usable optima to fit the law (have 1 of 3 fractions)"},
		{"same N", []Optimum{optimumAt(1000, 0.1, 0.05, 10, 5), optimumAt(1000, 0.2, 0.05, 10, 5)},
			"every usable optimum has the same dataset size N = 1000; the law needs at least 2 sizes"},
	}
	for _, tc := range tests {
		_, err := FitLaw(tc.optima)
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("%s: error %v is not an input error", tc.name, err)
			continue
		}
		if ie.Msg != tc.msg || ie.Hint == "" {
			t.Errorf("%s: message %q hint %q; want %q and a hint", tc.name, ie.Msg, ie.Hint, tc.msg)
		}
	}
	_, err := FitLaw([]Optimum{optimumAt(1000, 0.1, 0.05, 10, 5)})
	if ie, _ := inputerr.As(err); !strings.Contains(ie.Hint, "lr_min/lr_max") {
		t.Errorf("hint %q does not name the settings lr_min/lr_max", ie.Hint)
	}
	// Unbracketed and unusable optima are left out of the fit.
	law, err := FitLaw([]Optimum{optimumAt(1000, 0.1, 0.05, 10, 5), optimumAt(2000, 0.05, 0.05, 10, 5), unbracketed, dead})
	if err != nil || law.Points != 2 || law.NMax != 2000 {
		t.Errorf("law %+v err %v; want 2 points up to N = 2000", law, err)
	}
}

// Optima that do not vary (every fraction's optimum on one grid rate, as on
// a 3-point grid) have no R²: the law explains nothing, and R² is 0, not 1.
func TestFitLawConstantOptimaR2(t *testing.T) {
	law, err := FitLaw([]Optimum{optimumAt(100, 0.1, 0.1, 10, 6), optimumAt(1000, 0.1, 0.1, 100, 6), optimumAt(10000, 0.1, 0.1, 1000, 6)})
	if err != nil {
		t.Fatal(err)
	}
	if law.R2 != 0 || law.Alpha != 0 {
		t.Errorf("R² %v, α %v; want 0 and 0", law.R2, law.Alpha)
	}
}
