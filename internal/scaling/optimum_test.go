package scaling

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// grid returns 10^x for x = from, from+step, …, to.
func grid(from, to, step float64) []float64 {
	var g []float64
	for i := 0; ; i++ {
		x := from + float64(i)*step
		if x > to+1e-9 {
			return g
		}
		g = append(g, math.Pow(10, x))
	}
}

// sweepTrials builds the trials of one fraction: every rate × seed, with
// loss(lr, seed); a +Inf loss makes a diverged trial.
func sweepTrials(frac float64, n, steps int, lrs []float64, seeds int, loss func(lr float64, seed int) float64) []Sample {
	var ts []Sample
	for _, lr := range lrs {
		for s := range seeds {
			v := loss(lr, s)
			t := Sample{Fraction: frac, N: n, LR: lr, Seed: s, Steps: steps, Loss: v}
			if math.IsInf(v, 1) {
				t.Diverged = true
				t.Steps = 3 // stopped early
			}
			ts = append(ts, t)
		}
	}
	return ts
}

func TestEstimateOptimaRefinesExactParabola(t *testing.T) {
	// L = 2 + 3(x + 1.3)², x = log10 η, on the grid x = −3, −2.5, …, 0.
	// The parabola through three points of a parabola is that parabola,
	// so the refined optimum is its vertex x* = −1.3 exactly (closed form);
	// the grid minimum is x = −1.5 with L = 2 + 3·0.2² = 2.12.
	lrs := grid(-3, 0, 0.5)
	ts := sweepTrials(0.25, 1000, 50, lrs, 3, func(lr float64, _ int) float64 {
		d := math.Log10(lr) + 1.3
		return 2 + 3*d*d
	})
	got := EstimateOptima(ts, OptimumOptions{Seed: 1})
	if len(got) != 1 {
		t.Fatalf("got %d optima, want 1", len(got))
	}
	o := got[0]
	if !o.Refined || !o.Bracketed || !o.Usable || o.Edge != "" || o.StabilityEdge {
		t.Errorf("flags = refined %v bracketed %v usable %v edge %q stability %v, want refined, bracketed, usable",
			o.Refined, o.Bracketed, o.Usable, o.Edge, o.StabilityEdge)
	}
	if d := math.Abs(math.Log10(o.LR) + 1.3); d > 1e-12 {
		t.Errorf("log10 η* = %.15f, want −1.3 (off by %g)", math.Log10(o.LR), d)
	}
	if math.Abs(o.Loss-2.12) > 1e-12 {
		t.Errorf("Loss = %v, want 2.12", o.Loss)
	}
	// Identical seeds: every resample gives the same curve (up to rounding).
	if o.LogSE > 1e-12 {
		t.Errorf("LogSE = %g, want 0 with identical seeds", o.LogSE)
	}
	if o.N != 1000 || o.Steps != 50 || o.Fraction != 0.25 {
		t.Errorf("N, Steps, Fraction = %d, %d, %v; want 1000, 50, 0.25", o.N, o.Steps, o.Fraction)
	}
	if want := o.LR * 50; o.Constant != want {
		t.Errorf("Constant = %v, want LR·Steps = %v", o.Constant, want)
	}
}

func TestRefine(t *testing.T) {
	tests := []struct {
		name       string
		x, y       [3]float64
		want       float64
		wantRefine bool
	}{
		// y = (x − 1.3)² at x = 0, 1, 2: vertex 1.3.
		{"convex", [3]float64{0, 1, 2}, [3]float64{1.69, 0.09, 0.49}, 1.3, true},
		// Non-uniform spacing, y = 2(x − 0.5)² + 1 at x = −1, 0, 2: vertex 0.5.
		{"uneven", [3]float64{-1, 0, 2}, [3]float64{5.5, 1.5, 5.5}, 0.5, true},
		// Concave: a < 0, keep the middle point.
		{"concave", [3]float64{0, 1, 2}, [3]float64{0, 1, 0}, 1, false},
		// Collinear: a = 0.
		{"flat", [3]float64{0, 1, 2}, [3]float64{1, 1, 1}, 1, false},
		// y = (x − 5)²: convex but the vertex 5 lies beyond x2 = 2.
		{"outside", [3]float64{0, 1, 2}, [3]float64{25, 16, 9}, 1, false},
	}
	for _, tc := range tests {
		got, ok := refine(tc.x[0], tc.x[1], tc.x[2], tc.y[0], tc.y[1], tc.y[2])
		if ok != tc.wantRefine || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: refine = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.wantRefine)
		}
	}
}

func TestEstimateOptimaEdges(t *testing.T) {
	lrs := grid(-3, 0, 0.5) // 7 rates, log10 spacing h = 0.5
	// An unrefined optimum with one seed has LogSE = h/√12 (quantization
	// of a uniform position within one grid step).
	quant := 0.5 / math.Sqrt(12)
	tests := []struct {
		name      string
		loss      func(x float64) float64
		wantX     float64
		bracketed bool
		edge      string
		stability bool
	}{
		{"decreasing", func(x float64) float64 { return 1 - x }, 0, false, "high", false},
		{"increasing", func(x float64) float64 { return 1 + x }, -3, false, "low", false},
		{"stability edge", func(x float64) float64 {
			if x > -1.25 {
				return math.Inf(1) // −1 and above diverge
			}
			return 1 - x
		}, -1.5, true, "", true},
		{"diverged at low rates", func(x float64) float64 {
			if x < -2.25 {
				return math.Inf(1)
			}
			return 10 + x
		}, -2, false, "low", false},
	}
	for _, tc := range tests {
		ts := sweepTrials(0.5, 100, 10, lrs, 1, func(lr float64, _ int) float64 { return tc.loss(math.Log10(lr)) })
		o := EstimateOptima(ts, OptimumOptions{})[0]
		if math.Abs(math.Log10(o.LR)-tc.wantX) > 1e-12 || o.Refined {
			t.Errorf("%s: log10 η* = %v refined %v, want grid point %v", tc.name, math.Log10(o.LR), o.Refined, tc.wantX)
		}
		if o.Bracketed != tc.bracketed || o.Edge != tc.edge || o.StabilityEdge != tc.stability || !o.Usable {
			t.Errorf("%s: bracketed %v edge %q stability %v usable %v; want %v %q %v true",
				tc.name, o.Bracketed, o.Edge, o.StabilityEdge, o.Usable, tc.bracketed, tc.edge, tc.stability)
		}
		if math.Abs(o.LogSE-quant) > 1e-12 {
			t.Errorf("%s: LogSE = %v, want h/√12 = %v", tc.name, o.LogSE, quant)
		}
		// η*·10^(∓1.96·LogSE), 1.96 = Φ⁻¹(0.975).
		if lo := o.LR * math.Pow(10, -1.959963984540054*quant); math.Abs(o.LRLow/lo-1) > 1e-12 {
			t.Errorf("%s: LRLow = %v, want %v", tc.name, o.LRLow, lo)
		}
		if hi := o.LR * math.Pow(10, 1.959963984540054*quant); math.Abs(o.LRHigh/hi-1) > 1e-12 {
			t.Errorf("%s: LRHigh = %v, want %v", tc.name, o.LRHigh, hi)
		}
	}
}

// noisyTrials is a parabola in log10 η with the vertex moved per seed, so
// the bootstrap over seeds has something to measure.
func noisyTrials(frac float64, n int, seeds int, rng *rand.Rand) []Sample {
	shift := make([]float64, seeds)
	for s := range shift {
		shift[s] = 0.2 * rng.NormFloat64()
	}
	return sweepTrials(frac, n, n/10, grid(-3, 0, 0.25), seeds, func(lr float64, s int) float64 {
		d := math.Log10(lr) + 1.4 + shift[s]
		return 0.5 + d*d
	})
}

func TestEstimateOptimaBootstrap(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	ts := append(noisyTrials(0.5, 500, 5, rng), noisyTrials(1, 1000, 5, rng)...)
	a := EstimateOptima(ts, OptimumOptions{Seed: 3})
	b := EstimateOptima(ts, OptimumOptions{Seed: 3})
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("same inputs and seed gave different optima:\n%+v\n%+v", a, b)
	}
	// Reversed input order: grouping and sorting make the result the same.
	rev := make([]Sample, len(ts))
	for i, tr := range ts {
		rev[len(ts)-1-i] = tr
	}
	if c := EstimateOptima(rev, OptimumOptions{Seed: 3}); !reflect.DeepEqual(a, c) {
		t.Errorf("trial order changed the optima:\n%+v\n%+v", a, c)
	}
	for _, o := range a {
		// Seed shifts have sd 0.2; the mean of 5 has sd ≈ 0.09 decades,
		// and the bootstrap should see a spread of that order.
		if !o.Refined || o.LogSE < 0.01 || o.LogSE > 0.3 {
			t.Errorf("fraction %v: refined %v LogSE %v; want refined with LogSE in [0.01, 0.3]", o.Fraction, o.Refined, o.LogSE)
		}
	}
	if d := EstimateOptima(ts, OptimumOptions{Seed: 4}); d[0].LogSE == a[0].LogSE {
		t.Errorf("another bootstrap seed gave the same LogSE %v", a[0].LogSE)
	}
	if d := EstimateOptima(ts, OptimumOptions{Bootstrap: -1}); d[0].LogSE != 0 {
		t.Errorf("bootstrap off: LogSE = %v, want 0 for a refined optimum", d[0].LogSE)
	}

	// One seed: the bootstrap part is 0, and a refined optimum has LogSE 0.
	one := EstimateOptima(noisyTrials(0.5, 500, 1, rng), OptimumOptions{Seed: 3})[0]
	if !one.Refined || one.LogSE != 0 || one.LRLow != one.LR || one.LRHigh != one.LR {
		t.Errorf("one seed: refined %v LogSE %v [%v, %v] around %v; want 0 width", one.Refined, one.LogSE, one.LRLow, one.LRHigh, one.LR)
	}
}

func TestEstimateOptimaDiverged(t *testing.T) {
	lrs := grid(-3, 0, 0.5)
	// Fraction 0.5: L = 1 + (x + 1)² + 0.1(x + 1), but seed 1 diverges at
	// x = −1, so that rate's mean is +Inf and the minimum moves to
	// x = −1.5 (L = 1 + 0.25 − 0.05 = 1.2; x = −0.5 has 1.3). Its
	// neighbour x = −1 is infinite, so no refinement; larger finite rates
	// exist, so it is bracketed and not at the stability edge.
	ts := sweepTrials(0.5, 200, 20, lrs, 2, func(lr float64, s int) float64 {
		x := math.Log10(lr)
		if s == 1 && math.Abs(x+1) < 1e-9 {
			return math.Inf(1)
		}
		return 1 + (x+1)*(x+1) + 0.1*(x+1)
	})
	// Fraction 0.25: everything diverged.
	ts = append(ts, sweepTrials(0.25, 100, 10, lrs, 2, func(float64, int) float64 { return math.Inf(1) })...)
	got := EstimateOptima(ts, OptimumOptions{Seed: 1})
	if len(got) != 2 || got[0].Fraction != 0.25 || got[1].Fraction != 0.5 {
		t.Fatalf("got %+v, want fractions 0.25 then 0.5", got)
	}
	dead := got[0]
	want := Optimum{Fraction: 0.25, N: 100}
	if !reflect.DeepEqual(dead, want) {
		t.Errorf("all diverged: got %+v, want %+v (unusable, zero rates)", dead, want)
	}
	o := got[1]
	if math.Abs(math.Log10(o.LR)+1.5) > 1e-12 || o.Refined || !o.Bracketed || o.StabilityEdge || math.Abs(o.Loss-1.2) > 1e-12 {
		t.Errorf("got %+v; want η* = 10^−1.5, loss 1.2, bracketed, unrefined", o)
	}
	if o.Steps != 20 {
		t.Errorf("Steps = %d, want 20 (from a non-diverged trial, not the diverged one's 3)", o.Steps)
	}
}
