package clc

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/clc-tools/clc/internal/scaling"
)

// TestPipelineRecoversLaw runs the whole chain — plan, parallel sweep,
// optima, law, constant — on bowlTrainer, whose loss is an exact parabola in
// log10 η around η*(N) = k·N^α. The three-point quadratic refinement then
// finds each vertex exactly, so the law must come back to rounding error:
// α = -0.5, k = 0.5 (values set in the trainer).
func TestPipelineRecoversLaw(t *testing.T) {
	p, err := NewPlan(1<<14, []float64{1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1}, mustGrid(t, 1e-5, 1, 21), 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	trials, err := RunSweep(context.Background(), p.Specs(), &bowlTrainer{k: 0.5, alpha: -0.5}, SweepOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	optima := scaling.EstimateOptima(Samples(trials)).Optima
	for _, o := range optima {
		want := 0.5 * math.Pow(float64(o.N), -0.5)
		if !o.Bracketed || !o.Refined || math.Abs(math.Log10(o.LR/want)) > 1e-9 {
			t.Errorf("N=%d: optimum %+v, want lr %g refined and bracketed", o.N, o, want)
		}
		// The grid minimum is the grid rate nearest the vertex: within half a
		// grid step (0.25 decades) of it, and exactly one of the grid's rates.
		if !slices.Contains(p.LRs, o.GridLR) || math.Abs(math.Log10(o.GridLR/o.LR)) > 0.125+1e-12 {
			t.Errorf("N=%d: grid lr %g for refined lr %g", o.N, o.GridLR, o.LR)
		}
	}
	law, err := scaling.FitLaw(optima)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(law.Alpha+0.5) > 1e-9 || math.Abs(law.K/0.5-1) > 1e-8 || law.Points != 5 {
		t.Errorf("law α = %g, k = %g, points %d; want -0.5, 0.5, 5", law.Alpha, law.K, law.Points)
	}
	// T = 3·floor(N/10) ∝ N and α = -0.5, so C ∝ N^0.5: not constant.
	c := scaling.AnalyzeConstant(optima, law)
	if c.Holds || math.Abs(c.Slope-0.5) > 0.01 {
		t.Errorf("constant: holds %v, slope %g; want not constant with slope ≈ 0.5", c.Holds, c.Slope)
	}
}
