package scaling

import (
	"math"
	"strings"
	"testing"
)

func TestEstimate(t *testing.T) {
	// A law η* = 0.5·N^−0.5 fitted on N 1000…16000, C not constant.
	f := &fit{
		run: Run{Epochs: 3, BatchSize: 64},
		law: Law{Alpha: -0.5, K: 0.5, Points: 5, NMin: 1000, NMax: 16000, Log10KSE: 0.01, AlphaSE: 0.002},
	}
	e, err := f.Estimate(Target{N: 64000})
	if err != nil {
		t.Fatal(err)
	}
	// T = 3·floor(64000/64) = 3000; η* = 0.5/√64000 = 0.0019764235376052372.
	wantLR := 0.5 / math.Sqrt(64000)
	if e.Steps != 3000 || e.FitSteps != 3000 || e.Transferred || math.Abs(e.LR/wantLR-1) > 1e-12 || e.LawLR != e.LR ||
		e.ConstantFrom != "law" || math.Abs(e.Constant/(wantLR*3000)-1) > 1e-12 || !(e.ConstLow < e.Constant && e.Constant < e.ConstHigh) {
		t.Errorf("Estimate = %+v", e)
	}
	// Ten epochs instead of three: the same C spread over 10000 steps, so
	// the constant rate is 3/10 of η*.
	if e10, _ := f.Estimate(Target{N: 64000, Epochs: 10}); e10.Steps != 10000 || !e10.Transferred ||
		math.Abs(e10.Constant/e.Constant-1) > 1e-12 || math.Abs(e10.LR/(0.3*wantLR)-1) > 1e-12 {
		t.Errorf("10 epochs: %+v", e10)
	}
	// 64000 is 4× above NMax: log10 4 = 0.60206 decades of extrapolation.
	if math.Abs(e.ExtrapolationDecades-math.Log10(4)) > 1e-12 {
		t.Errorf("extrapolation %v decades, want log10 4", e.ExtrapolationDecades)
	}
	// Other epochs and batch size; a size inside the range; below the range.
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
	if _, err := Predict(Law{}, ConstantReport{}, Run{}, Target{N: 10}); err == nil || !strings.Contains(err.Error(), "no usable law") {
		t.Errorf("no law: %v", err)
	}
}

// fit holds what Predict takes from a fit file.
type fit struct {
	law      Law
	constant ConstantReport
	run      Run
}

func fitOf(law Law, c ConstantReport, run Run) *fit { return &fit{law, c, run} }

func (f *fit) Estimate(t Target) (Estimate, error) { return Predict(f.law, f.constant, f.run, t) }
