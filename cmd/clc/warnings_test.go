package main

import (
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/scaling"
)

// Each law warning fires past its threshold and not before.
func TestFitWarnings(t *testing.T) {
	base := func() *clc.FitFile {
		return &clc.FitFile{
			Config:     clc.SweepConfig{LRs: []float64{0.01, 0.1, 1}},
			Optima:     []scaling.Optimum{{Fraction: 0.5, N: 100, Usable: true, Bracketed: true}},
			Law:        scaling.Law{Points: 3, NMin: 100, NMax: 1000, Extrapolation: &scaling.Extrapolation{N: 1000, MissDecades: 0.1, Sigma: 1.9}},
			Prediction: clc.Prediction{N: 9000, LR: 0.1, LRLow: 0.05, LRHigh: 0.199},
		}
	}
	if w := fitWarnings(base()); len(w) != 0 {
		t.Fatalf("below every threshold: %q", w)
	}
	cases := []struct {
		name   string
		change func(*clc.FitFile)
		want   string
	}{
		{"wide", func(f *clc.FitFile) { f.Prediction.LRHigh = 0.21 }, "wide interval: the 95% band of the rate at N = 9000, [0.05, 0.21], spans a factor 4.2"},
		{"miss", func(f *clc.FitFile) { f.Law.Extrapolation.Sigma = -2.5 }, "extrapolation check failed: fitted without N = 1000, the law misses it by +0.10 decades (2.5σ)"},
		{"far", func(f *clc.FitFile) { f.Prediction.N = 11000 }, "the prediction at N = 11000 extrapolates 1.0 decades beyond the largest fitted size (1000)"},
		{"edge", func(f *clc.FitFile) { f.Optima[0].Bracketed, f.Optima[0].Edge = false, "high" }, "sits on the high edge of the grid"},
	}
	for _, c := range cases {
		f := base()
		c.change(f)
		w := fitWarnings(f)
		if len(w) != 1 || !strings.Contains(w[0], c.want) {
			t.Errorf("%s: %q, want one warning with %q", c.name, w, c.want)
		}
	}
	f := base()
	f.Law.Points = 1 // no law: nothing to say about it
	f.Prediction.LRHigh = 10
	if w := fitWarnings(f); len(w) != 0 {
		t.Errorf("without a law: %q", w)
	}
}
