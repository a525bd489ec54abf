package train

import "math"

// Hyperparameters fixed by clc's conventions (PyTorch's defaults).
const (
	momentumMu = 0.9   // SGD momentum μ (dampening 0, no Nesterov)
	adamBeta1  = 0.9   // Adam β₁
	adamBeta2  = 0.999 // Adam β₂
	adamEps    = 1e-8  // Adam ε
)

// optimizer applies one of PyTorch's update rules (torch.optim, no weight
// decay) to a flat float32 parameter vector. Every elementwise operation is
// done in float32 in the order PyTorch's single-tensor CPU implementation
// uses, with its double-precision scalars rounded to float32 where PyTorch
// rounds them, so that updates agree with torch to a few ulps. Products are
// rounded before they are added (float32(x*y) + z: the conversion keeps the
// compiler from fusing them, as it would on arm64), so the scalar loops, the
// AVX2 loops and the NEON loops give the same bits on every architecture.
type optimizer struct {
	kind OptimizerKind
	m    []float32 // momentum buffer b (Momentum) or first moment m (Adam)
	v    []float32 // second moment v (Adam)
	t    int       // updates applied so far
	fast bool      // use the assembly loops (useAsm when built); same results
}

// newOptimizer returns an optimizer for n parameters with zero state.
func newOptimizer(kind OptimizerKind, n int) *optimizer {
	o := &optimizer{kind: kind, fast: useAsm}
	switch kind {
	case SGD:
	case Momentum:
		o.m = make([]float32, n)
	case Adam:
		o.m = make([]float32, n)
		o.v = make([]float32, n)
	default:
		panic("train: unknown optimizer " + string(kind))
	}
	return o
}

// step updates p in place from the gradient g with learning rate η = lr.
//
// SGD:
//
//	θ ← θ − η g
//
// Momentum (μ = 0.9, torch.optim.SGD with momentum, dampening 0):
//
//	b₁ = g₁,  bₜ = μ bₜ₋₁ + gₜ,  θ ← θ − η bₜ
//
// Adam (β₁ = 0.9, β₂ = 0.999, ε = 1e-8; torch.optim.Adam, t = 1, 2, …):
//
//	m ← β₁ m + (1 − β₁) g
//	v ← β₂ v + (1 − β₂) g²
//	θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
//
// which is m̂/(√v̂ + ε) with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ), evaluated in
// torch's order (denominator first, step size η/(1−β₁ᵗ) computed in float64).
//
// When o.fast is set the elements in whole groups of 8 are updated by the
// assembly loops (AVX2 or NEON: axpy8, momentum8, adam8), fused into one
// pass over p, g and the state, doing the same float32 operations in the same order with no
// fused multiply-add, so the results equal the scalar loop's
// (TestOptimFastMatchesScalar); the remaining elements use the scalar loop.
func (o *optimizer) step(p, g []float32, lr float64) {
	if len(g) != len(p) {
		panic("train: gradient length differs from parameters")
	}
	o.t++
	neg := float32(-lr)
	switch o.kind {
	case SGD:
		g = g[:len(p)]
		done := 0
		if o.fast && len(p) >= 8 {
			done = len(p) &^ 7
			axpy8(&p[0], &g[0], done/8, neg)
		}
		for i := done; i < len(p); i++ {
			p[i] += float32(neg * g[i])
		}
	case Momentum:
		b := o.m[:len(p)]
		g = g[:len(p)]
		done := 0
		if o.t == 1 {
			copy(b, g) // torch: buf = clone(g)
			if o.fast && len(p) >= 8 {
				done = len(p) &^ 7
				axpy8(&p[0], &b[0], done/8, neg)
			}
		} else {
			mu := float32(momentumMu)
			if o.fast && len(p) >= 8 {
				done = len(p) &^ 7
				momentum8(&p[0], &g[0], &b[0], done/8, mu, neg)
			}
			for i := done; i < len(p); i++ {
				b[i] = float32(b[i]*mu) + g[i] // buf.mul_(μ).add_(g)
			}
		}
		for i := done; i < len(p); i++ {
			p[i] += float32(neg * b[i])
		}
	case Adam:
		t := float64(o.t)
		bc1 := 1 - math.Pow(adamBeta1, t)
		bc2 := 1 - math.Pow(adamBeta2, t)
		stepNeg := float32(-(lr / bc1))
		bc2Sqrt := float32(math.Sqrt(bc2))
		b1, c1 := float32(adamBeta1), float32(1-adamBeta1)
		b2, c2 := float32(adamBeta2), float32(1-adamBeta2)
		eps := float32(adamEps)
		m, v := o.m[:len(p)], o.v[:len(p)]
		g = g[:len(p)]
		done := 0
		if o.fast && len(p) >= 8 {
			done = len(p) &^ 7
			k := [7]float32{b1, c1, b2, c2, bc2Sqrt, eps, stepNeg}
			adam8(&p[0], &g[0], &m[0], &v[0], done/8, &k)
		}
		for i := done; i < len(p); i++ {
			gi := g[i]
			mi := float32(m[i]*b1) + float32(c1*gi)    // exp_avg.mul_(β₁).add_(g, alpha=1−β₁)
			vi := float32(v[i]*b2) + float32(c2*gi*gi) // exp_avg_sq.mul_(β₂).addcmul_(g, g, value=1−β₂)
			den := sqrt32(vi)/bc2Sqrt + eps            // (exp_avg_sq.sqrt() / √bc₂).add_(ε)
			m[i], v[i] = mi, vi
			p[i] += stepNeg * mi / den // param.addcdiv_(exp_avg, denom, value=−step_size)
		}
	default:
		panic("train: unknown optimizer " + string(o.kind))
	}
}

// sqrt32 is the correctly rounded float32 square root (the float64 root of a
// float32, rounded once, is correctly rounded).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
