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
// rounds them, so that updates agree with torch to a few ulps.
type optimizer struct {
	kind OptimizerKind
	m    []float32 // momentum buffer b (Momentum) or first moment m (Adam)
	v    []float32 // second moment v (Adam)
	t    int       // updates applied so far
}

// newOptimizer returns an optimizer for n parameters with zero state.
func newOptimizer(kind OptimizerKind, n int) *optimizer {
	o := &optimizer{kind: kind}
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
func (o *optimizer) step(p, g []float32, lr float64) {
	if len(g) != len(p) {
		panic("train: gradient length differs from parameters")
	}
	o.t++
	neg := float32(-lr)
	switch o.kind {
	case SGD:
		g = g[:len(p)]
		for i := range p {
			p[i] += neg * g[i]
		}
	case Momentum:
		b := o.m[:len(p)]
		g = g[:len(p)]
		if o.t == 1 {
			copy(b, g) // torch: buf = clone(g)
		} else {
			mu := float32(momentumMu)
			for i, gi := range g {
				b[i] = b[i]*mu + gi // buf.mul_(μ).add_(g)
			}
		}
		for i := range p {
			p[i] += neg * b[i]
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
		for i, gi := range g {
			mi := m[i]*b1 + c1*gi           // exp_avg.mul_(β₁).add_(g, alpha=1−β₁)
			vi := v[i]*b2 + c2*gi*gi        // exp_avg_sq.mul_(β₂).addcmul_(g, g, value=1−β₂)
			den := sqrt32(vi)/bc2Sqrt + eps // (exp_avg_sq.sqrt() / √bc₂).add_(ε)
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
