package scaling

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// t95df6 is the two-sided 95% quantile of Student's t with 6 degrees of
// freedom (R: qt(0.975, 6)).
const t95df6 = 2.446911851144969

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
	// so the refined optimum is its vertex x* = −1.3 exactly (closed form),
	// with curvature L₂ = 6; the 5-point cubic has no cubic term, so the
	// asymmetry correction is 0. The grid minimum is x = −1.5 with
	// L = 2 + 3·0.2² = 2.12.
	lrs := grid(-3, 0, 0.5)
	ts := sweepTrials(0.25, 1000, 50, lrs, 3, func(lr float64, _ int) float64 {
		d := math.Log10(lr) + 1.3
		return 2 + 3*d*d
	})
	got := EstimateOptima(ts)
	if len(got.Optima) != 1 {
		t.Fatalf("got %d optima, want 1", len(got.Optima))
	}
	o := got.Optima[0]
	if !o.Refined || !o.Bracketed || !o.Usable || o.Edge != "" || o.StabilityEdge {
		t.Errorf("flags = refined %v bracketed %v usable %v edge %q stability %v, want refined, bracketed, usable",
			o.Refined, o.Bracketed, o.Usable, o.Edge, o.StabilityEdge)
	}
	if d := math.Abs(math.Log10(o.LR) + 1.3); d > 1e-12 {
		t.Errorf("log10 η* = %.15f, want −1.3 (off by %g)", math.Log10(o.LR), d)
	}
	if math.Abs(o.Loss-2.12) > 1e-12 || math.Abs(o.Curvature-6) > 1e-9 || o.Seeds != 3 {
		t.Errorf("Loss %v, Curvature %v, Seeds %d; want 2.12, 6, 3", o.Loss, o.Curvature, o.Seeds)
	}
	// Identical seeds: nothing to measure the seed-to-seed spread with, so
	// no interval rather than a zero-width one.
	if got.Noise.DoF != 0 || got.Noise.Note != noteIdentical || o.LogSE != 0 || o.DoF != 0 ||
		o.LRLow != 0 || o.LRHigh != 0 || o.IntervalNote != noteIdentical {
		t.Errorf("identical seeds: noise %+v, optimum LogSE %v DoF %d [%v, %v] note %q; want no interval, note %q",
			got.Noise, o.LogSE, o.DoF, o.LRLow, o.LRHigh, o.IntervalNote, noteIdentical)
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
		if ok != tc.wantRefine || math.Abs(got.vertex-tc.want) > 1e-12 {
			t.Errorf("%s: refine = %v, %v; want %v, %v", tc.name, got.vertex, ok, tc.want, tc.wantRefine)
		}
	}
	// The gradient of the vertex against central finite differences, on an
	// uneven grid.
	x := [3]float64{-1.2, -0.9, -0.5}
	y := [3]float64{0.71, 0.52, 0.60}
	p, ok := refine(x[0], x[1], x[2], y[0], y[1], y[2])
	if !ok {
		t.Fatal("not refined")
	}
	const h = 1e-6
	for j := range y {
		up, dn := y, y
		up[j] += h
		dn[j] -= h
		pu, _ := refine(x[0], x[1], x[2], up[0], up[1], up[2])
		pd, _ := refine(x[0], x[1], x[2], dn[0], dn[1], dn[2])
		if fd := (pu.vertex - pd.vertex) / (2 * h); math.Abs(fd-p.grad[j]) > 1e-6*math.Max(1, math.Abs(fd)) {
			t.Errorf("∂x*/∂y_%d = %v, finite difference %v", j, p.grad[j], fd)
		}
	}
}

func TestEstimateOptimaEdges(t *testing.T) {
	lrs := grid(-3, 0, 0.5) // 7 rates, log10 spacing h = 0.5
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
		got := EstimateOptima(ts)
		o := got.Optima[0]
		if math.Abs(math.Log10(o.LR)-tc.wantX) > 1e-12 || o.Refined {
			t.Errorf("%s: log10 η* = %v refined %v, want grid point %v", tc.name, math.Log10(o.LR), o.Refined, tc.wantX)
		}
		if o.Bracketed != tc.bracketed || o.Edge != tc.edge || o.StabilityEdge != tc.stability || !o.Usable {
			t.Errorf("%s: bracketed %v edge %q stability %v usable %v; want %v %q %v true",
				tc.name, o.Bracketed, o.Edge, o.StabilityEdge, o.Usable, tc.bracketed, tc.edge, tc.stability)
		}
		// One seed: the interval is not available, and the optimum says why.
		if o.LogSE != 0 || o.DoF != 0 || o.LRLow != 0 || o.LRHigh != 0 || o.IntervalNote != noteOneSeed || got.Noise.Note != noteOneSeed {
			t.Errorf("%s: one seed gave LogSE %v DoF %d [%v, %v] note %q", tc.name, o.LogSE, o.DoF, o.LRLow, o.LRHigh, o.IntervalNote)
		}
	}
}

// shiftedParabolas is a fraction whose seed s has the loss curve
// 1 + 2(x − c − δ_s)²: every seed's curve has the curvature 4, shifted by
// its δ_s.
func shiftedParabolas(frac float64, n int, c float64, delta []float64) []Sample {
	return sweepTrials(frac, n, n/10, grid(-3, 0, 0.25), len(delta), func(lr float64, s int) float64 {
		d := math.Log10(lr) - c - delta[s]
		return 1 + 2*d*d
	})
}

func TestEstimateOptimaPooledNoise(t *testing.T) {
	// The mean of parabolas of equal curvature is a parabola with the mean
	// shift, so each fraction's η* is 10^(c + mean δ) exactly, and the
	// vertex is linear in the losses: seed s pulls it by exactly δ_s − δ̄.
	// The pooled φ² is then Σ_f Σ_s (δ_fs − δ̄_f)² / Σ_f (S_f − 1):
	//   fraction 1: δ = 0.1, −0.1, 0.06, −0.06 (mean 0):   Σ = 0.0272, 3 dof
	//   fraction 2: δ = 0.05, −0.15, 0.1, 0 (mean 0):       Σ = 0.035,  3 dof
	//   φ² = 0.0622/6, LogSE = φ/√4, interval ∓t(0.975, 6)·LogSE.
	d1 := []float64{0.1, -0.1, 0.06, -0.06}
	d2 := []float64{0.05, -0.15, 0.1, 0}
	ts := append(shiftedParabolas(0.25, 1000, -1.32, d1), shiftedParabolas(0.5, 2000, -1.61, d2)...)
	got := EstimateOptima(ts)
	phi := math.Sqrt(0.0622 / 6)
	if got.Noise.DoF != 6 || got.Noise.Fractions != 2 || math.Abs(got.Noise.SeedSD-phi) > 1e-9 || got.Noise.Note != "" ||
		math.Abs(got.Noise.Asymmetry) > 1e-6 {
		t.Errorf("noise %+v; want SeedSD %v, DoF 6, 2 fractions, asymmetry 0", got.Noise, phi)
	}
	for k, c := range []float64{-1.32, -1.61} {
		o := got.Optima[k]
		se := phi / 2
		if math.Abs(math.Log10(o.LR)-c) > 1e-9 || !o.Refined || o.DoF != 6 || math.Abs(o.LogSE-se) > 1e-9 || o.IntervalNote != "" {
			t.Errorf("fraction %v: η* 10^%v refined %v DoF %d LogSE %v; want 10^%v, refined, 6, %v", o.Fraction, math.Log10(o.LR), o.Refined, o.DoF, o.LogSE, c, se)
		}
		if lo, hi := math.Log10(o.LRLow), math.Log10(o.LRHigh); math.Abs(lo-(c-t95df6*se)) > 1e-9 || math.Abs(hi-(c+t95df6*se)) > 1e-9 {
			t.Errorf("fraction %v: interval 10^[%v, %v], want 10^(%v ∓ %v)", o.Fraction, lo, hi, c, t95df6*se)
		}
	}
	// The same trials in another order give the same result.
	rev := make([]Sample, len(ts))
	for i, tr := range ts {
		rev[len(ts)-1-i] = tr
	}
	if again := EstimateOptima(rev); !reflect.DeepEqual(got, again) {
		t.Errorf("trial order changed the optima:\n%+v\n%+v", got, again)
	}
}

func TestEstimateOptimaAsymmetry(t *testing.T) {
	// L = (x − c)² + (κ/3)(x − c)³ has L₂ = 2, L₃ = 2κ at its minimum c:
	// κ = L₃/L₂. The parabola through three grid points 0.25 apart misses
	// c by about −κh²/6·(1 − 3p²) (p: c's offset from the middle point in
	// steps); the correction must remove most of it.
	const kappa, c = 2.0, -1.43 // p = 0.28 from x = −1.5
	lrs := grid(-2.25, 0, 0.25) // u > −0.82: L' = 2u(1 + u) > 0 only at the minimum
	ts := sweepTrials(0.5, 1000, 100, lrs, 1, func(lr float64, _ int) float64 {
		u := math.Log10(lr) - c
		return 1 + u*u + kappa/3*u*u*u
	})
	got := EstimateOptima(ts)
	o := got.Optima[0]
	y := func(x float64) float64 { u := x - c; return 1 + u*u + kappa/3*u*u*u }
	raw, ok := refine(-1.75, -1.5, -1.25, y(-1.75), y(-1.5), y(-1.25))
	if !ok {
		t.Fatal("reference parabola not refined")
	}
	before, after := raw.vertex-c, math.Log10(o.LR)-c
	if p := 0.28; math.Abs(before-(-kappa*0.0625/6*(1-3*p*p))) > 0.004 {
		t.Errorf("uncorrected miss %v, want about −κh²/6·(1 − 3p²) = %v", before, -kappa*0.0625/6*(1-3*p*p))
	}
	if math.Abs(after) > math.Abs(before)/4 || math.Abs(got.Noise.Asymmetry-kappa) > 0.5 {
		t.Errorf("corrected miss %v (uncorrected %v), asymmetry %v; want under a quarter of it, κ ≈ %v", after, before, got.Noise.Asymmetry, kappa)
	}
}

func TestLocateStride(t *testing.T) {
	// On a grid finer than a quarter decade the parabola takes the points a
	// quarter decade away; the nearest ones when those are not finite.
	for _, tc := range []struct {
		step  float64
		inf   float64 // rates above this diverge
		wantK int
	}{{0.25, 1, 1}, {0.125, 1, 2}, {0.0625, 1, 4}, {0.1, 1, 2}, {0.0625, -1.3, 1}} {
		var xs, ys []float64
		for x := -3.0; x <= 1e-9; x += tc.step {
			xs = append(xs, x)
			y := 1 + (x+1.47)*(x+1.47)
			if x > tc.inf {
				y = math.Inf(1)
			}
			ys = append(ys, y)
		}
		_, p, refined, k := locate(xs, ys)
		if !refined || k != tc.wantK || math.Abs(p.vertex+1.47) > 1e-9 {
			t.Errorf("step %v: refined %v stride %d vertex %v; want stride %d, vertex −1.47", tc.step, refined, k, p.vertex, tc.wantK)
		}
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
	got := EstimateOptima(ts)
	if len(got.Optima) != 2 || got.Optima[0].Fraction != 0.25 || got.Optima[1].Fraction != 0.5 {
		t.Fatalf("got %+v, want fractions 0.25 then 0.5", got)
	}
	dead := got.Optima[0]
	if want := (Optimum{Fraction: 0.25, N: 100}); !reflect.DeepEqual(dead, want) {
		t.Errorf("all diverged: got %+v, want %+v (unusable, zero rates)", dead, want)
	}
	o := got.Optima[1]
	if math.Abs(math.Log10(o.LR)+1.5) > 1e-12 || o.Refined || !o.Bracketed || o.StabilityEdge || math.Abs(o.Loss-1.2) > 1e-12 {
		t.Errorf("got %+v; want η* = 10^−1.5, loss 1.2, bracketed, unrefined", o)
	}
	if o.Steps != 20 {
		t.Errorf("Steps = %d, want 20 (from a non-diverged trial, not the diverged one's 3)", o.Steps)
	}
	// No fraction has a parabola, so there is no noise model to give an
	// interval, and the note says so.
	if got.Noise.DoF != 0 || got.Noise.Note != noteNoParabola || o.IntervalNote != noteNoParabola {
		t.Errorf("noise %+v, note %q; want none with %q", got.Noise, o.IntervalNote, noteNoParabola)
	}
}

func TestEstimateOptimaUnrefinedError(t *testing.T) {
	// Two fractions with a parabola give the noise model; a third at the
	// stability edge is a grid point whose error adds q = h²/4 (h the grid
	// step, 0.25) to φ²/S.
	d := []float64{0.08, -0.08}
	ts := append(shiftedParabolas(0.25, 1000, -1.3, d), shiftedParabolas(0.5, 2000, -1.4, d)...)
	ts = append(ts, sweepTrials(1, 4000, 400, grid(-3, 0, 0.25), 2, func(lr float64, s int) float64 {
		x := math.Log10(lr)
		if x > -1.1 {
			return math.Inf(1)
		}
		return 1 - x + 0.01*float64(s)
	})...)
	got := EstimateOptima(ts)
	phi := got.Noise.SeedSD
	if math.Abs(phi-0.08*math.Sqrt2) > 1e-9 || got.Noise.DoF != 2 {
		t.Fatalf("noise %+v; want φ = 0.08·√2 with 2 dof", got.Noise)
	}
	o := got.Optima[2]
	if want := math.Sqrt(phi*phi/2 + 0.0625/4); !o.StabilityEdge || o.Refined || math.Abs(o.LogSE-want) > 1e-12 || o.DoF != 2 {
		t.Errorf("stability edge: %+v; want LogSE %v with 2 dof", o, want)
	}
}

// A curve that does not depend on the rate within the seeds' noise is
// diagnosed as flat — not as an optimum on the grid's low edge — in 95% of
// replicates (the F test's level, within Monte-Carlo error), and
// a flat fraction stays out of the noise model and the law. Real curves
// (the calibration suite's simulated sweeps) are never flat.
func TestEstimateOptimaFlat(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	lrs := grid(-4, 0, 0.25)
	flat := 0
	const reps = 300
	for range reps {
		shift := make([]float64, 4)
		for s := range shift {
			shift[s] = 0.05 * rng.NormFloat64() // a seed moves its whole curve
		}
		ts := sweepTrials(0.5, 500, 30, lrs, 4, func(lr float64, s int) float64 {
			return 0.69 + shift[s] + 0.003*rng.NormFloat64()
		})
		o := EstimateOptima(ts).Optima[0]
		if o.Flat {
			flat++
			if o.LogSE != 0 || o.IntervalNote != noteFlat {
				t.Fatalf("a flat optimum has an interval: %+v", o)
			}
		}
	}
	t.Logf("%d of %d flat curves diagnosed flat", flat, reps)
	if lo, hi := mcBounds(0.95, 0.95, reps, 3); float64(flat) < lo*reps || float64(flat) > hi*reps {
		t.Errorf("%d of %d flat curves diagnosed flat, want 95%% (%.0f–%.0f)", flat, reps, lo*reps, hi*reps)
	}

	// A flat fraction beside curved ones: out of the law and the noise model.
	curved := func(frac float64, n int, c float64) []Sample {
		return sweepTrials(frac, n, 30, lrs, 2, func(lr float64, s int) float64 {
			x := math.Log10(lr)
			return 0.5 + 0.4*(x-c)*(x-c) + 0.01*float64(s)*(x-c)
		})
	}
	ts := append(curved(1.0/8, 1000, -1), curved(1.0/4, 2000, -1.2)...)
	ts = append(ts, curved(1.0/2, 4000, -1.4)...)
	ts = append(ts, sweepTrials(1.0/16, 500, 30, lrs, 2, func(lr float64, s int) float64 {
		return 2.3 + 0.01*float64(s) + 0.003*rng.NormFloat64()
	})...)
	res := EstimateOptima(ts)
	if !res.Optima[0].Flat || res.Optima[1].Flat || res.Optima[2].Flat || res.Optima[3].Flat {
		t.Fatalf("flat: %v %v %v %v, want only the first", res.Optima[0].Flat, res.Optima[1].Flat, res.Optima[2].Flat, res.Optima[3].Flat)
	}
	if res.Noise.Fractions != 3 {
		t.Errorf("noise model pooled over %d fractions, want the 3 curved ones", res.Noise.Fractions)
	}
	law, err := FitLaw(res.Optima)
	if err != nil || law.Points != 3 || law.NMin != 1000 {
		t.Errorf("law on %d points from N = %d (%v), want the 3 curved fractions", law.Points, law.NMin, err)
	}

	sims := 0
	for range 100 {
		sw := simulate(simScenario{Alpha: -0.3, Fractions: 5, Seeds: 2, Grid: grid17}, rng)
		for _, o := range EstimateOptima(sw.Trials).Optima {
			if o.Flat {
				sims++
			}
		}
	}
	if sims > 0 {
		t.Errorf("%d of 500 simulated curved fractions diagnosed flat", sims)
	}
}

// TestMeanCurve: the seed mean at every rate, +Inf where a seed diverged,
// ascending in rate whatever the order of the samples.
func TestMeanCurve(t *testing.T) {
	s := []Sample{
		{N: 10, LR: 0.1, Seed: 1, Loss: 2}, {N: 10, LR: 0.01, Seed: 0, Loss: 3}, {N: 10, LR: 0.1, Seed: 0, Loss: 1},
		{N: 10, LR: 1, Seed: 0, Loss: math.Inf(1), Diverged: true}, {N: 10, LR: 1, Seed: 1, Loss: 5}, {N: 10, LR: 0.01, Seed: 1, Loss: 4},
	}
	got := MeanCurve(s)
	want := []CurvePoint{{LR: 0.01, Loss: 3.5, Seeds: 2}, {LR: 0.1, Loss: 1.5, Seeds: 2}, {LR: 1, Loss: math.Inf(1), Seeds: 2, Diverged: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MeanCurve = %+v, want %+v", got, want)
	}
}
