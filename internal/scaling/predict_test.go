package scaling

import (
	"math"
	"strings"
	"testing"
)

// fit holds what Predict takes from a fit file.
type fit struct {
	law      Law
	constant ConstantReport
	run      Run
}

func fitOf(law Law, c ConstantReport, run Run) *fit { return &fit{law, c, run} }

func (f *fit) Estimate(t Target) (Estimate, error) {
	return Predict(Model{Law: f.law, Run: f.run, AssumeTransfer: true}, t)
}

func TestEstimate(t *testing.T) {
	// A law η* = 0.5·N^−0.5 fitted on N 1000…16000 with tiny errors and a
	// well-measured slope: the decision is the law (w = 1).
	f := &fit{
		run: Run{Epochs: 3, BatchSize: 64},
		law: Law{Alpha: -0.5, K: 0.5, Points: 5, NMin: 1000, NMax: 16000, Log10KSE: 0.01, AlphaSE: 0.002,
			Method: MethodRandomEffects, NoiseDoF: 20, Anchor: &Anchor{N: 16000, LR: 0.5 / math.Sqrt(16000), LogSE: 0.03, Curvature: 0.8}},
	}
	e, err := f.Estimate(Target{N: 64000})
	if err != nil {
		t.Fatal(err)
	}
	// T = 3·floor(64000/64) = 3000; η* = 0.5/√64000 = 0.0019764235376052372.
	wantLR := 0.5 / math.Sqrt(64000)
	if e.Steps != 3000 || e.FitSteps != 3000 || e.Transferred || math.Abs(e.LawLR/wantLR-1) > 1e-12 ||
		e.Source != SourceLaw || e.LawWeight < 0.995 || e.ConstantFrom != SourceLaw || math.Abs(e.LR/wantLR-1) > 1e-3 ||
		math.Abs(e.Constant/(e.LR*3000)-1) > 1e-12 || !(e.ConstLow < e.Constant && e.Constant < e.ConstHigh) {
		t.Errorf("Estimate = %+v", e)
	}
	if e.LocalLR != f.law.Anchor.LR || e.LocalN != 16000 || !(e.ExpectedRegret > 0) ||
		math.Abs(e.ExpectedRegret-0.5*0.8*e.Log10SE*e.Log10SE) > 1e-15 {
		t.Errorf("local %v at %d, regret %v, log10 SE %v; want the anchor and ½·0.8·SE²", e.LocalLR, e.LocalN, e.ExpectedRegret, e.Log10SE)
	}
	// Ten epochs instead of three: the same C spread over 10000 steps, so
	// the constant rate is 3/10 of η*.
	if e10, _ := f.Estimate(Target{N: 64000, Epochs: 10}); e10.Steps != 10000 || !e10.Transferred ||
		math.Abs(e10.Constant/e.Constant-1) > 1e-12 || math.Abs(e10.LR/(0.3*e.LR)-1) > 1e-12 {
		t.Errorf("10 epochs: %+v", e10)
	}
	// 64000 is 4× above NMax: log10 4 = 0.60206 decades of extrapolation.
	if math.Abs(e.ExtrapolationDecades-math.Log10(4)) > 1e-12 {
		t.Errorf("extrapolation %v decades, want log10 4", e.ExtrapolationDecades)
	}
	if e.Epochs != 3 || e.BatchSize != 64 {
		t.Errorf("resolved run: %d epochs, batch %d; want the fit's 3 and 64", e.Epochs, e.BatchSize)
	}
	if e, _ := f.Estimate(Target{N: 5000, Epochs: 10, BatchSize: 100}); e.Steps != 500 || e.ExtrapolationDecades != 0 || e.Epochs != 10 || e.BatchSize != 100 {
		t.Errorf("inside: %+v", e)
	}
	if e, _ := f.Estimate(Target{N: 100}); math.Abs(e.ExtrapolationDecades-1) > 1e-12 {
		t.Errorf("below: %v decades, want 1", e.ExtrapolationDecades)
	}
	// A fit with a step budget keeps it unless the target sets its own.
	f.run.Steps = 777
	if e, _ := f.Estimate(Target{N: 5000}); e.Steps != 777 || e.Epochs != 0 {
		t.Errorf("steps budget: %d, want 777", e.Steps)
	}
	if e, _ := f.Estimate(Target{N: 5000, Epochs: 2}); e.Steps != 2*(5000/64) || e.FitSteps != 777 {
		t.Errorf("epochs given: %d (fit %d), want %d (777)", e.Steps, e.FitSteps, 2*(5000/64))
	}
	for _, c := range []struct {
		t    Target
		want string
	}{
		{Target{N: 0}, "size 0 must be a positive number of rows"},
		{Target{N: 10, Epochs: 1, BatchSize: 64}, "gives no full batch"},
	} {
		if _, err := f.Estimate(c.t); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Estimate(%+v) error %v, want %q", c.t, err, c.want)
		}
	}
	if _, err := Predict(Model{}, Target{N: 10}); err == nil || !strings.Contains(err.Error(), "no usable law") {
		t.Errorf("no law: %v", err)
	}
}

func TestDecide(t *testing.T) {
	// Three noisy optima 0.3 decades apart whose slope is barely measured
	// (α ≈ −0.37 ± 0.17). Predicting at Δ = log10 2 above N_A = 8000, by the formulas:
	//   M_A = max(0, α² − SE²)·Δ² + s_A² + 2τ²,
	//   C = h_A·(s_A² + τ²) + τ² with h_A·(s_A² + τ²) = cᵀCov·c_A,
	//   w = (M_A − C)/(V_L + M_A − 2C),
	// V_L without the bend's variance; the MSE adds the bend's part
	// (w·g + (1 − w)(g − g_A))², g and g_A the posterior sd of the bend's
	// part of the law's miss at N and at N_A (see Bend; from bendFit, with
	// the sign of the line's error through ½x²).
	law, err := FitLaw([]Optimum{
		optimumAt(2000, math.Pow(10, -0.8), 0.07, 10, 3), optimumAt(4000, math.Pow(10, -0.95), 0.07, 10, 3),
		optimumAt(8000, math.Pow(10, -1.02), 0.07, 10, 3),
	})
	if err != nil {
		t.Fatal(err)
	}
	xa, x := math.Log10(8000), math.Log10(16000)
	vl := law.PredictLog10(16000).Var
	tau2, sa2 := law.Tau*law.Tau, 0.0049
	xs, vs := []float64{math.Log10(2000), math.Log10(4000), xa}, []float64{sa2, sa2, sa2}
	ys := []float64{-0.8, -0.95, -1.02}
	half := func(x0 float64) float64 { // the line through ½x²'s miss at x0
		_, _, lm, _ := bendFit(xs, []float64{xs[0] * xs[0] / 2, xs[1] * xs[1] / 2, xa * xa / 2}, vs, tau2, x0)
		return x0*x0/2 - lm
	}
	bm, vr, mean, lv := bendFit(xs, ys, vs, tau2, x)
	sd := math.Sqrt(vr-lv+(bm-mean)*(bm-mean)) / math.Abs(half(x)) // √(Q² + QSE²)
	g, gA := sd*half(x), sd*half(xa)
	if !near(vl, lv+g*g+tau2, 1e-12) || !near(law.PredictLog10(16000).Log10, mean, 1e-12) {
		t.Fatalf("law's prediction %+v, want %v with V %v", law.PredictLog10(16000), mean, lv+g*g+tau2)
	}
	vl -= g * g // the weight leaves the bend out
	mA := math.Max(0, law.Alpha*law.Alpha-law.AlphaSE*law.AlphaSE)*(x-xa)*(x-xa) + sa2 + 2*tau2
	c := law.Log10KSE*law.Log10KSE + (x+xa)*law.CovLogKAlpha + x*xa*law.AlphaSE*law.AlphaSE + tau2
	w := (mA - c) / (vl + mA - 2*c)
	yl := mean
	d := Decide(law, 16000)
	if !(w > 0.005 && w < 0.995) || !near(d.LawWeight, w, 1e-12) || !near(d.Log10, w*yl+(1-w)*(-1.02), 1e-12) || d.Source != SourceBlend {
		t.Errorf("decision %+v; want w = %v, log10 η̂ = %v, a blend", d, w, w*yl+(1-w)*(-1.02))
	}
	// The MSE: the blend's, below the law's, plus the bend's part
	// (w·g + (1 − w)(g − g_A))², which no seed can shrink.
	bendMSE := (w*g + (1-w)*(g-gA)) * (w*g + (1-w)*(g-gA))
	if want := w*w*vl + (1-w)*(1-w)*mA + 2*w*(1-w)*c; !near(d.MSE, want+bendMSE, 1e-12) || !(want < vl) {
		t.Errorf("MSE %v, want %v + the bend's %v (below the law's %v)", d.MSE, want, bendMSE, vl)
	}
	if !near(d.BendMSE, bendMSE, 1e-12) || !near(d.SamplingSE(), math.Sqrt(d.MSE-bendMSE), 1e-12) {
		t.Errorf("bend MSE %v, sampling SE %v; want %v, √(MSE − it)", d.BendMSE, d.SamplingSE(), bendMSE)
	}
	// The interval is the law's prediction interval, widened to hold the
	// blend if needed.
	h := d.Law.Half95()
	if !near(d.Low, math.Min(yl-h, d.Log10), 1e-12) || !near(d.High, math.Max(yl+h, d.Log10), 1e-12) {
		t.Errorf("interval [%v, %v]; want the law's [%v, %v] holding %v", d.Low, d.High, yl-h, yl+h, d.Log10)
	}

	// A well-measured slope extrapolates: six optima on η* = N^−0.5 with
	// LogSE 0.02.
	var os []Optimum
	for i := range 6 {
		n := 500 << i
		os = append(os, optimumAt(n, math.Pow(float64(n), -0.5), 0.02, 10, 30))
	}
	sure, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	if d := Decide(sure, 2*16000); d.LawWeight < 0.995 || d.Source != SourceLaw {
		t.Errorf("well-measured slope: w = %v, source %q; want the law", d.LawWeight, d.Source)
	}
	// At or below the largest fitted size, and for a version-1 law, the
	// law alone.
	if d := Decide(law, 8000); d.LawWeight != 1 {
		t.Errorf("at N_A: w = %v, want 1", d.LawWeight)
	}
	// A slope that cannot be told from 0 (α ≈ 0.05 ± 0.17) leans on the
	// largest fraction alone: w clamps at 0.
	flat, err := FitLaw([]Optimum{
		optimumAt(2000, math.Pow(10, -0.9), 0.07, 10, 3), optimumAt(4000, math.Pow(10, -1.0), 0.07, 10, 3),
		optimumAt(8000, math.Pow(10, -0.93), 0.07, 10, 3),
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := Decide(flat, 16000); d.LawWeight != 0 || d.Source != SourceLocal || !near(d.Log10, -0.93, 1e-12) {
		t.Errorf("flat: %+v; want the optimum at N = 8000", d)
	}
	old := law
	old.Method = ""
	if d := Decide(old, 16000); d.LawWeight != 1 || d.Source != SourceLaw {
		t.Errorf("version 1: w = %v, want 1", d.LawWeight)
	}
}

func TestPredictIgnoresConstantVerdict(t *testing.T) {
	// The case: η* ∝ N^0.2 measured on 1000…16000 with a slope of C
	// inside ±0.25, so C is called constant — yet 100× beyond the fit the
	// rate must follow the law's slope (and widen), not the mean C.
	law := Law{Alpha: 0.2, AlphaSE: 0.01, K: 0.01, Log10KSE: 0.04, CovLogKAlpha: -0.0004, Points: 5,
		NMin: 1000, NMax: 16000, Method: MethodRandomEffects, NoiseDoF: 10,
		Anchor: &Anchor{N: 16000, LR: 0.01 * math.Pow(16000, 0.2), LogSE: 0.03}}
	// The model has no constant at all: C comes from the predicted rate.
	e, err := Predict(Model{Law: law, Run: Run{Steps: 1000}}, Target{N: 1600000})
	if err != nil {
		t.Fatal(err)
	}
	want := 0.01 * math.Pow(1600000, 0.2)
	if math.Abs(e.LawLR/want-1) > 1e-12 || math.Abs(e.LR/want-1) > 0.01 || e.ConstantFrom != SourceLaw || math.Abs(e.Constant/(e.LR*1000)-1) > 1e-12 {
		t.Errorf("estimate %+v; want the law's %v, C = η*·T", e, want)
	}
	near, _ := Predict(Model{Law: law, Run: Run{Steps: 1000}}, Target{N: 16000})
	if !(e.LRHigh/e.LRLow > near.LRHigh/near.LRLow) {
		t.Errorf("the interval did not widen with the extrapolation: %v vs %v", e.LRHigh/e.LRLow, near.LRHigh/near.LRLow)
	}
}
