package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestOptimFirstSteps applies three updates with η = 0.1 to
//
//	θ₀ = (1, −2, 0.5)
//
// with the gradients
//
//	g₁ = (0.5, −1, 2),  g₂ = (0.25, 0.5, −1),  g₃ = (−0.5, 0, 1)
//
// and compares each iterate with values worked out by hand from the update
// rules (Adam's with the textbook formula in float64, see below). The
// optimizers run in float32, so the tolerance is 1e-6 absolute (|θ| ≤ 2,
// float32 ulp ≈ 1.2e-7 at 1, a few roundings per step).
func TestOptimFirstSteps(t *testing.T) {
	theta0 := []float32{1, -2, 0.5}
	grads := [][]float32{{0.5, -1, 2}, {0.25, 0.5, -1}, {-0.5, 0, 1}}
	cases := []struct {
		kind OptimizerKind
		want [][]float64
	}{
		// SGD: θₜ = θₜ₋₁ − 0.1 gₜ
		//   θ₁ = (1 − 0.05, −2 + 0.1, 0.5 − 0.2)     = (0.95, −1.9, 0.3)
		//   θ₂ = (0.95 − 0.025, −1.9 − 0.05, 0.3 + 0.1) = (0.925, −1.95, 0.4)
		//   θ₃ = (0.925 + 0.05, −1.95 − 0, 0.4 − 0.1)   = (0.975, −1.95, 0.3)
		{SGD, [][]float64{{0.95, -1.9, 0.3}, {0.925, -1.95, 0.4}, {0.975, -1.95, 0.3}}},
		// Momentum μ = 0.9: b₁ = g₁, bₜ = 0.9 bₜ₋₁ + gₜ, θₜ = θₜ₋₁ − 0.1 bₜ
		//   b₁ = (0.5, −1, 2)                               θ₁ = (0.95, −1.9, 0.3)
		//   b₂ = (0.45 + 0.25, −0.9 + 0.5, 1.8 − 1) = (0.7, −0.4, 0.8)
		//                                                   θ₂ = (0.88, −1.86, 0.22)
		//   b₃ = (0.63 − 0.5, −0.36 + 0, 0.72 + 1) = (0.13, −0.36, 1.72)
		//                                                   θ₃ = (0.867, −1.824, 0.048)
		{Momentum, [][]float64{{0.95, -1.9, 0.3}, {0.88, -1.86, 0.22}, {0.867, -1.824, 0.048}}},
		// Adam: mₜ = 0.9 mₜ₋₁ + 0.1 gₜ, vₜ = 0.999 vₜ₋₁ + 0.001 gₜ²,
		// θₜ = θₜ₋₁ − 0.1 m̂/(√v̂ + 1e-8), m̂ = m/(1 − 0.9ᵗ), v̂ = v/(1 − 0.999ᵗ).
		//   t = 1: m̂ = g₁, v̂ = g₁², step = 0.1 g/(|g| + 1e-8) ≈ 0.1 sign(g)
		//          θ₁ = (0.9000000020, −1.900000001, 0.4000000005)
		//   t = 2, first coordinate: m = 0.09·0.5 + 0.1·0.25 = 0.07, m̂ = 0.07/0.19 = 0.3684211,
		//          v = 0.000999·0.25 + 0.001·0.0625 = 0.00031225, v̂ = v/0.001999 = 0.1562031,
		//          √v̂ = 0.3952254, θ = 0.9 − 0.1·0.3684211/0.3952254 = 0.8067820
		//          (the other coordinates and t = 3 the same way, in float64)
		{Adam, [][]float64{
			{0.9000000019999999, -1.900000001, 0.4000000004999999},
			{0.8067820404774622, -1.873366297370903, 0.37336629670243143},
			{0.795703733601094, -1.8527783673314504, 0.3284759673131702},
		}},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			p := append([]float32(nil), theta0...)
			o := newOptimizer(c.kind, len(p))
			for step, g := range grads {
				o.step(p, g, 0.1)
				for i, want := range c.want[step] {
					if math.Abs(float64(p[i])-want) > 1e-6 {
						t.Errorf("step %d θ[%d] = %.9g, want %.9g", step+1, i, p[i], want)
					}
				}
			}
		})
	}
}

// TestOptimZeroGradient: with g = 0 every rule leaves θ unchanged (Adam's
// ε keeps 0/0 away).
func TestOptimZeroGradient(t *testing.T) {
	for _, kind := range []OptimizerKind{SGD, Momentum, Adam} {
		p := []float32{1, -1}
		o := newOptimizer(kind, 2)
		for range 3 {
			o.step(p, []float32{0, 0}, 0.5)
		}
		if p[0] != 1 || p[1] != -1 {
			t.Errorf("%s: θ = %v, want [1 -1]", kind, p)
		}
	}
}

// TestOptimAdamScaleFree: Adam's early steps are ≈ η·sign(g) whatever the
// gradient scale (a property of m̂/√v̂ with constant g: exactly 1 up to ε).
func TestOptimAdamScaleFree(t *testing.T) {
	for _, g := range []float32{1e-3, 1, 1e3} {
		p := []float32{0}
		o := newOptimizer(Adam, 1)
		for range 5 {
			o.step(p, []float32{g}, 0.01)
		}
		if math.Abs(float64(p[0])+0.05) > 1e-6 {
			t.Errorf("g=%v: θ after 5 steps %v, want −0.05", g, p[0])
		}
	}
}

// TestOptimFastMatchesScalar runs the assembly update loops (when the CPU has
// them) and the scalar loops side by side for 20 steps on random gradients,
// lengths 1..40 (vector width 8 and tails). Both do the same float32
// operations in the same order without fused multiply-adds, so they must agree
// bit for bit.
func TestOptimFastMatchesScalar(t *testing.T) {
	if !hasAsm {
		t.Skip("no assembly kernels on this CPU or architecture")
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, kind := range []OptimizerKind{SGD, Momentum, Adam} {
		for n := 1; n <= 40; n++ {
			fast, slow := newOptimizer(kind, n), newOptimizer(kind, n)
			fast.fast, slow.fast = true, false
			p := randSlice[float32](r, n)
			q := append([]float32(nil), p...)
			for step := range 20 {
				g := randSlice[float32](r, n)
				fast.step(p, g, 0.01)
				slow.step(q, g, 0.01)
				for i := range p {
					if math.Float32bits(p[i]) != math.Float32bits(q[i]) {
						t.Fatalf("%s n=%d step %d: p[%d] = %v (asm), %v (scalar)", kind, n, step, i, p[i], q[i])
					}
				}
			}
		}
	}
}
