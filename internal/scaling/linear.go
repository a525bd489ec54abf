package scaling

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// linFit is the linear model y = Xθ fitted to n points with sampling
// variances v_i plus a between-point variance τ² (see fitLinear). X has p
// columns, the first of them 1 (the intercept).
type linFit struct {
	coef []float64
	// cov is the covariance of θ̂, (XᵀW*X)⁻¹; covS the part of it that
	// comes from the points' sampling variances (the rest comes from τ²).
	// Both are p×p, stored in full.
	cov, covS [][]float64
	// ainv is (XᵀWX)⁻¹ for the final weights W: cov itself for a
	// random-effects fit, cov/τ² for least squares.
	ainv [][]float64
	tau2 float64
	// q is Cochran's Q, Σ w_i (y_i − x_iᵀθ̂_FE)² with w_i = 1/v_i (the
	// residual sum of squares for least squares).
	q        float64
	r2       float64
	n, p     int
	noiseDoF int // ν₁ of the v_i; 0 for least squares
	x        [][]float64
	y        []float64 // the fitted values
	w        []float64 // the weights 1/(v_i + τ²) (1 for least squares)
	v        []float64
}

// fitLinear fits y = Xθ to the n ≥ p points (rows of x, each starting
// with 1) as a random-effects meta-regression (DerSimonian & Laird 1986;
// the regression form of Raudenbush 2009):
//
//	y_i = x_iᵀθ + u_i + e_i,   u_i ~ N(0, τ²),   e_i ~ N(0, v_i).
//
// The between-point variance τ² is the method-of-moments estimate
//
//	τ² = max(0, (Q − (n − p)·m) / (Σw − tr((XᵀWX)⁻¹XᵀW²X))),   w_i = 1/v_i,
//
// Q = Σ w_i·r_i² the weighted residual sum of squares of the fixed-effect
// fit, and m = ν₁/(ν₁ − 2) the mean of an F(·, ν₁) variable: the v_i are
// themselves estimates with ν₁ = noiseDoF degrees of freedom, which
// inflates Q's null mean (Q needs ν₁ > 2 to be used). The model is then
// weighted least squares with w*_i = 1/(v_i + τ²), and the covariance of
// θ̂ is (XᵀW*X)⁻¹. Its sampling part,
//
//	(XᵀW*X)⁻¹·XᵀW*VW*X·(XᵀW*X)⁻¹,   V = diag(v_i),
//
// is what the v_i contribute; the rest comes from τ². The v_i carry
// noiseDoF degrees of freedom, τ² at most n − p (see satterthwaite).
//
// When v is nil, or some v_i is 0, the points have no known errors: the
// fit is ordinary least squares and τ² = Q/(n − p) is the whole residual
// variance (0 for n = p, where nothing can be estimated).
//
// It reports false when the columns of X are not linearly independent
// over the points (for a line: every x the same), or n < p. For p = 2
// (a line) the normal equations are solved in closed form, centred on the
// weighted mean of x; more columns use gonum's Cholesky factorization.
func fitLinear(x [][]float64, y, v []float64, noiseDoF int) (linFit, bool) {
	n := len(x)
	if n == 0 || n < len(x[0]) {
		return linFit{}, false
	}
	p := len(x[0])
	if p == 2 {
		xMin, xMax := x[0][1], x[0][1]
		for _, xi := range x {
			xMin, xMax = math.Min(xMin, xi[1]), math.Max(xMax, xi[1])
		}
		if xMin == xMax {
			return linFit{}, false
		}
	}
	known := v != nil && noiseDoF > 0
	for i := range v {
		known = known && v[i] > 0
	}
	f := linFit{n: n, p: p, x: x, y: y, w: make([]float64, n), v: make([]float64, n)}
	if !known {
		for i := range f.w {
			f.w[i] = 1
		}
		if !f.wls(y) {
			return linFit{}, false
		}
		if n > p {
			f.tau2 = f.q / float64(n-p)
		}
		f.ainv = square(p)
		for r, row := range f.cov {
			copy(f.ainv[r], row)
		}
		for _, row := range f.cov {
			for j := range row {
				row[j] *= f.tau2
			}
		}
		f.r2 = f.rSquared(y)
		return f, true
	}
	f.noiseDoF = noiseDoF
	copy(f.v, v)
	for i := range f.w {
		f.w[i] = 1 / v[i]
	}
	if !f.wls(y) {
		return linFit{}, false
	}
	trace := f.trace()
	if n > p && trace > 0 && (!tauNullF || noiseDoF > 2) {
		m := 1.0
		if tauNullF {
			m = float64(noiseDoF) / float64(noiseDoF-2)
		}
		f.tau2 = math.Max(0, (f.q-float64(n-p)*m)/trace)
	}
	q := f.q
	for i := range f.w {
		f.w[i] = 1 / (v[i] + f.tau2)
	}
	if !f.wls(y) {
		return linFit{}, false
	}
	f.q = q
	f.ainv = f.cov
	// Sampling part: A⁻¹·(Σ w*_i² v_i·x_i x_iᵀ)·A⁻¹.
	b := square(p)
	for i, xi := range x {
		s := f.w[i] * f.w[i] * v[i]
		for j := range p {
			for k := j; k < p; k++ {
				b[j][k] += s * xi[j] * xi[k]
			}
		}
	}
	symmetrize(b)
	f.covS = mul(mul(f.cov, b), f.cov)
	symmetrize(f.covS)
	f.r2 = f.rSquared(y)
	return f, true
}

// wls sets f.coef, f.cov = (XᵀWX)⁻¹ and f.q = Σw·r² for the weights f.w;
// false when XᵀWX is singular.
func (f *linFit) wls(y []float64) bool {
	if f.p == 2 {
		f.wlsLine(y)
	} else if !f.wlsChol(y) {
		return false
	}
	f.q = 0
	for i := range f.x {
		r := f.residual(i, y[i])
		f.q += f.w[i] * r * r
	}
	return true
}

// residual is y − x_iᵀθ̂, subtracting the terms in order.
func (f *linFit) residual(i int, y float64) float64 {
	r := y
	for j, c := range f.coef {
		r -= c * f.x[i][j]
	}
	return r
}

// wlsLine solves the weighted normal equations of a line y = a + b·x in
// closed form, centred on the weighted mean x̄:
//
//	b = Σw(x − x̄)(y − ȳ)/Σw(x − x̄)²,  a = ȳ − b·x̄,
//	Cov = [[1/Σw + x̄²/Sxx, −x̄/Sxx], [−x̄/Sxx, 1/Sxx]].
func (f *linFit) wlsLine(y []float64) {
	var s, sx, sy float64
	for i, xi := range f.x {
		s += f.w[i]
		sx += f.w[i] * xi[1]
		sy += f.w[i] * y[i]
	}
	xb, yb := sx/s, sy/s
	var sxx, sxy float64
	for i, xi := range f.x {
		x := xi[1]
		sxx += f.w[i] * (x - xb) * (x - xb)
		sxy += f.w[i] * (x - xb) * (y[i] - yb)
	}
	b := sxy / sxx
	f.coef = []float64{yb - b*xb, b}
	f.cov = [][]float64{{1/s + xb*xb/sxx, -xb / sxx}, {-xb / sxx, 1 / sxx}}
}

// maxCondition bounds the condition number of XᵀWX: beyond it the columns
// are taken as linearly dependent (an axis that does not vary
// independently of the others).
const maxCondition = 1e10

// wlsChol solves the weighted normal equations XᵀWX·θ = XᵀWy by a
// Cholesky factorization; false when XᵀWX is singular or too badly
// conditioned to separate the columns.
func (f *linFit) wlsChol(y []float64) bool {
	p := f.p
	a := mat.NewSymDense(p, nil)
	rhs := mat.NewVecDense(p, nil)
	for i, xi := range f.x {
		for j := range p {
			rhs.SetVec(j, rhs.AtVec(j)+f.w[i]*xi[j]*y[i])
			for k := j; k < p; k++ {
				a.SetSym(j, k, a.At(j, k)+f.w[i]*xi[j]*xi[k])
			}
		}
	}
	var ch mat.Cholesky
	if !ch.Factorize(a) || ch.Cond() > maxCondition {
		return false
	}
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		return false
	}
	var theta mat.VecDense
	if err := ch.SolveVecTo(&theta, rhs); err != nil {
		return false
	}
	f.coef = make([]float64, p)
	f.cov = square(p)
	for j := range p {
		f.coef[j] = theta.AtVec(j)
		for k := range p {
			f.cov[j][k] = inv.At(j, k)
		}
	}
	return true
}

// trace is Σw − tr((XᵀWX)⁻¹·XᵀW²X) for the current weights, the
// denominator of the method-of-moments τ²; in closed form for a line.
func (f *linFit) trace() float64 {
	if f.p == 2 {
		var sw, swx, swxx, s2, s2x, s2xx float64
		for i, xi := range f.x {
			x, w := xi[1], f.w[i]
			sw += w
			swx += w * x
			swxx += w * x * x
			s2 += w * w
			s2x += w * w * x
			s2xx += w * w * x * x
		}
		det := sw*swxx - swx*swx
		return sw - (swxx*s2-2*swx*s2x+sw*s2xx)/det
	}
	p := f.p
	s2 := square(p)
	var sw float64
	for i, xi := range f.x {
		w := f.w[i]
		sw += w
		for j := range p {
			for k := range p {
				s2[j][k] += w * w * xi[j] * xi[k]
			}
		}
	}
	m := mul(f.cov, s2)
	var tr float64
	for j := range p {
		tr += m[j][j]
	}
	return sw - tr
}

// rSquared is the weighted coefficient of determination of the fit: 0
// when it is undefined (n ≤ p points, which the model fits exactly, or
// points that do not vary).
func (f *linFit) rSquared(y []float64) float64 {
	var s, sy float64
	for i := range y {
		s += f.w[i]
		sy += f.w[i] * y[i]
	}
	if len(y) <= f.p {
		return 0
	}
	yb := sy / s
	var res, tot float64
	for i := range y {
		r := f.residual(i, y[i])
		res += f.w[i] * r * r
		tot += f.w[i] * (y[i] - yb) * (y[i] - yb)
	}
	if tot == 0 {
		return 0
	}
	return 1 - res/tot
}

// residualDoF is the degrees of freedom of τ²: n − p.
func (f linFit) residualDoF() int { return f.n - f.p }

// at is x_cᵀθ̂, the model at the regressors c (c[0] = 1).
func (f linFit) at(c []float64) float64 {
	var y float64
	for j, v := range c {
		y += f.coef[j] * v
	}
	return y
}

// predict returns the model at the regressors c, the variance of a new
// point there,
//
//	V = cᵀ·Cov·c + τ²,
//
// and its effective degrees of freedom (satterthwaite of the sampling part
// cᵀ·Cov_S·c, with the noise model's ν₁, and the rest, with n − p).
func (f linFit) predict(c []float64) (y, v, dof float64) {
	y = f.at(c)
	v = quadForm(f.cov, c) + f.tau2
	return y, v, f.dof(v, quadForm(f.covS, c))
}

// dof is the effective degrees of freedom of a variance v whose sampling
// part is vs: satterthwaite of vs (ν₁) and v − vs (n − p). With τ² = 0
// the whole variance is sampling variance (exactly, whatever the
// rounding); without a noise model it is all residual variance. With
// n = p points there is no interval (0) either way: a model through every
// point cannot tell how far the true optima scatter about it (τ), and an
// interval that assumed τ = 0 would be a guess.
func (f linFit) dof(v, vs float64) float64 {
	switch {
	case f.n <= f.p:
		return 0
	case f.noiseDoF == 0:
		return float64(f.n - f.p)
	case f.tau2 == 0:
		return float64(f.noiseDoF)
	}
	vs = math.Max(0, vs)
	return satterthwaite(vs, f.noiseDoF, math.Max(0, v-vs), f.residualDoF())
}

// combination returns cᵀθ̂ for a linear combination c of the
// coefficients, its variance cᵀ·Cov·c and the variance's effective
// degrees of freedom (no τ²: a property of the model, not of a new point).
func (f linFit) combination(c []float64) (value, v, dof float64) {
	v = quadForm(f.cov, c)
	return f.at(c), v, f.dof(v, quadForm(f.covS, c))
}

// quadForm is cᵀ·M·c, summed as Σ_i (c_i²·M_ii + Σ_{j>i} 2c_i·c_j·M_ij).
// For c = (1, x) it is M₀₀ + 2x·M₀₁ + x²·M₁₁, in that order.
func quadForm(m [][]float64, c []float64) float64 {
	if m == nil {
		return 0
	}
	var s float64
	for i := range c {
		s += c[i] * c[i] * m[i][i]
		for j := i + 1; j < len(c); j++ {
			s += 2 * c[i] * c[j] * m[i][j]
		}
	}
	return s
}

// square returns a p×p matrix of zeros.
func square(p int) [][]float64 {
	m := make([][]float64, p)
	for i := range m {
		m[i] = make([]float64, p)
	}
	return m
}

// mul is the matrix product a·b, each entry summed over k in order.
func mul(a, b [][]float64) [][]float64 {
	out := square(len(a))
	for i := range a {
		for j := range b[0] {
			var s float64
			for k := range b {
				s += a[i][k] * b[k][j]
			}
			out[i][j] = s
		}
	}
	return out
}

// symmetrize copies the upper triangle of m onto its lower one.
func symmetrize(m [][]float64) {
	for i := range m {
		for j := i + 1; j < len(m); j++ {
			m[j][i] = m[i][j]
		}
	}
}

// bend returns the Bend of the fitted line (x = the second regressor)
// under its final weights, as precisions: 1/(v_i + τ²) for a
// random-effects fit, 1/s² for least squares; nil for other models and
// for a least-squares line through every point (s² = 0: no scale).
func (f *linFit) bend() *Bend {
	leastSquares := f.noiseDoF == 0
	if f.p != 2 || leastSquares && !(f.tau2 > 0) {
		return nil
	}
	x := make([]float64, f.n)
	w := make([]float64, f.n)
	r := make([]float64, f.n)
	for i, row := range f.x {
		x[i], w[i], r[i] = row[1], f.w[i], f.residual(i, f.y[i])
		if leastSquares {
			w[i] = 1 / f.tau2
		}
	}
	return bendOf(x, w, r)
}
