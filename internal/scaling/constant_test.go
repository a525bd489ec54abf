package scaling

import (
	"math"
	"strings"
	"testing"
)

// epochOptima makes optima for an epoch budget, T(N) = E·N/B with E = 5,
// B = 50, and η*(N) = k·N^α·10^(δ_i) with small fixed offsets δ_i.
func epochOptima(k, alpha, logSE float64) []Optimum {
	delta := []float64{0.01, -0.01, 0.005, -0.005, 0.01, -0.01}
	var os []Optimum
	for i, d := range delta {
		n := 1000 << i
		os = append(os, optimumAt(n, k*math.Pow(float64(n), alpha)*math.Pow(10, d), logSE, 5*n/50, 20))
	}
	return os
}

func TestAnalyzeConstantHolds(t *testing.T) {
	// α = −1 with T ∝ N: C = η*·T = k·(E/B)·10^δ = 2·0.1·10^δ ≈ 0.2.
	os := epochOptima(2, -1, 0.02)
	law, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	r := AnalyzeConstant(os, law)
	if !r.Holds {
		t.Fatalf("constancy rejected: %+v", r)
	}
	if len(r.Values) != 6 || !near(r.Mean, 0.2, 0.005) || r.CV > 0.03 {
		t.Errorf("values %v mean %v CV %v; want 6 values near 0.2 with CV < 3%%", r.Values, r.Mean, r.CV)
	}
	for i, o := range os {
		if r.Values[i] != o.LR*float64(o.Steps) {
			t.Errorf("value %d = %v, want LR·Steps = %v", i, r.Values[i], o.LR*float64(o.Steps))
		}
	}
	if !strings.HasPrefix(r.Verdict, "constant within uncertainty: C = 0.2") || !strings.Contains(r.Verdict, "lr·steps (CV ") {
		t.Errorf("verdict %q", r.Verdict)
	}
	// log10 C = log10 η* + log10 T, and log10 T = log10 N − 1 exactly, so
	// the slope of C is α + 1 with the same errors.
	if !near(r.Slope, law.Alpha+1, 1e-9) || !near(r.SlopeCI[1]-r.Slope, law.AlphaCI[1]-law.Alpha, 1e-9) {
		t.Errorf("slope %v CI %v; want α + 1 = %v with the law's half-width", r.Slope, r.SlopeCI, law.Alpha+1)
	}
	// The verdict is a report: predictions still take C from the law.
	if !strings.HasSuffix(r.Verdict, "; clc uses C(N) = η*(N)·T(N) from the law (α = -1.00)") {
		t.Errorf("verdict %q does not say where predictions take C from", r.Verdict)
	}
	n := 1 << 20
	f := fitOf(law, r, Run{Epochs: 5, BatchSize: 50})
	lr, _, _ := law.Predict(float64(n))
	if e, err := f.Estimate(Target{N: n}); err != nil || e.LawLR != lr || !near(e.Constant, e.OptimumLR*float64(5*(n/50)), 1e-12*e.Constant) ||
		e.ConstantFrom != e.Source || e.Constant == r.Mean {
		t.Errorf("Estimate = %+v, %v; want η*(n)·T(n) from the prediction even when C is constant", e, err)
	}
}

func TestAnalyzeConstantFails(t *testing.T) {
	// α = −0.5 with T ∝ N: C ∝ N^0.5. With LogSE = 0.02, w = 1/0.0004 =
	// 2500 and x spaced by log10 2 over 6 sizes, Sxx = 2500·17.5·log10(2)²
	// = 3964.6, so SE = 0.015882; the offsets δ scatter less than the
	// errors (Q = 0.39·… < its null mean), so τ = 0 and the interval is
	// ±t(0.975, 20)·SE = ±2.085963·0.015882 = ±0.03313. The offsets tilt
	// the slope by Σ(i − 2.5)δ_i/17.5/log10 2 = −0.004746: γ = 0.495254,
	// interval [0.46213, 0.52838].
	os := epochOptima(2, -0.5, 0.02)
	law, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	r := AnalyzeConstant(os, law)
	if r.Holds {
		t.Fatalf("constancy accepted: %+v", r)
	}
	const want = "not constant: C grows as N^0.50 [0.46, 0.53]; clc uses C(N) = η*(N)·T(N) from the law (α = -0.50)"
	if r.Verdict != want {
		t.Errorf("verdict\n%q, want\n%q", r.Verdict, want)
	}
	// Not constant: C at a size comes from the law, η*(n)·T.
	n, steps := 1<<16, 6553
	lr, _, _ := law.Predict(float64(n))
	f := fitOf(law, r, Run{Steps: steps})
	if e, err := f.Estimate(Target{N: n}); err != nil || e.LawLR != lr || !near(e.Constant, e.OptimumLR*float64(steps), 1e-12*e.Constant) || e.ConstantFrom != e.Source {
		t.Errorf("Estimate = %+v, %v; want η*(n)·T from the prediction", e, err)
	}
	if r.CV < 0.3 {
		t.Errorf("CV = %v; C varies by a factor √32 ≈ 5.7 across sizes", r.CV)
	}
	// A constant shrinking with N reads "shrinks".
	r = AnalyzeConstant(epochOptima(2, -1.5, 0.02), law)
	if r.Holds || !strings.HasPrefix(r.Verdict, "not constant: C shrinks as N^-0.50") {
		t.Errorf("verdict %q", r.Verdict)
	}
}

func TestAnalyzeConstantTooFew(t *testing.T) {
	r := AnalyzeConstant(nil, Law{})
	if r.Holds || r.Values != nil || !strings.HasPrefix(r.Verdict, "untested") {
		t.Errorf("no optima: %+v", r)
	}
	one := []Optimum{optimumAt(1000, 0.01, 0.02, 1234, 5)}
	r = AnalyzeConstant(one, Law{})
	if r.Holds || r.Mean != 12.34 || r.CV != 0 || r.Verdict != "untested: one dataset size only; C = 12.3 lr·steps" {
		t.Errorf("one optimum: %+v", r)
	}
	// Without a law there is nothing to predict from.
	if _, err := Predict(Model{}, Target{N: 5000}); err == nil {
		t.Error("Estimate without a law succeeded")
	}
}

func TestFmtG(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{12.345, "12.3"}, {1234, "1230"}, {0.012345, "0.0123"}, {2e7, "2e+07"}, {1e-5, "1e-05"}, {0, "0"}} {
		if got := fmtG(c.v); got != c.want {
			t.Errorf("fmtG(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	if got := fmtF(-0.001); got != "0.00" {
		t.Errorf("fmtF(-0.001) = %q, want 0.00", got)
	}
}

func TestAnalyzeConstantUndetermined(t *testing.T) {
	// α = −1 (slope of C 0) but only 3 sizes with LogSE = 0.3 decades: the
	// slope's interval is about ±0.3/(log10 2·√2)·1.96 ≈ ±1.4 wide, far past
	// ±0.25, so failing to reject 0 must not be called "constant".
	os := epochOptima(2, -1, 0.3)[:3]
	law, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	r := AnalyzeConstant(os, law)
	if r.Holds || !strings.HasPrefix(r.Verdict, "undetermined: C ∝ N^") || !strings.Contains(r.Verdict, "clc uses C(N) = η*(N)·T(N) from the law") {
		t.Errorf("wide interval: holds %v, verdict %q, CI %v", r.Holds, r.Verdict, r.SlopeCI)
	}
	if !(r.SlopeCI[0] < -ConstantSlopeTolerance && r.SlopeCI[1] > ConstantSlopeTolerance) {
		t.Errorf("slope CI %v is not wide; the test needs a wide one", r.SlopeCI)
	}
}
