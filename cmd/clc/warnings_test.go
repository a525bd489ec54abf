package main

import (
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/gates"
	"github.com/clc-tools/clc/internal/scaling"
)

// Every gate's finding is worded as one warning that names its numbers and
// a remedy; a gate that could not be checked is a note, not a warning.
func TestFitWarnings(t *testing.T) {
	fit := &clc.FitFile{
		Dataset: clc.DatasetInfo{Task: "classification", Classes: 2, Rows: 9000},
		Config:  clc.SweepConfig{LRs: []float64{0.01, 0.1, 1}, Fractions: []float64{0.125, 0.25}, FractionText: []string{"1/8", "1/4"}, Steps: 100, BatchSize: 32},
		Law: scaling.Law{Points: 3, NMin: 100, NMax: 1000,
			Extrapolation: &scaling.Extrapolation{N: 1000, MissDecades: 0.1, Sigma: 2.5, DoF: 3, PValue: 0.03}},
		Prediction: clc.Prediction{N: 9000, LR: 0.1, LRLow: 0.05, LRHigh: 0.25},
	}
	cases := []struct {
		f    gates.Finding
		want string
	}{
		{gates.Finding{Gate: gates.Trivial, Severity: gates.Fail, Fraction: 0.25, N: 2250, Value: 0.7012, Limit: 0.6931},
			"the model does not beat the trivial predictor: its best validation loss, 0.7012 at fraction 1/4 (N = 2250), is not below 0.6931, the loss of predicting the validation labels' frequencies, ln 2 for 2 balanced classes"},
		{gates.Finding{Gate: gates.Trivial, Severity: gates.Warn, Fraction: 0.125, N: 1125, Value: 0.7, Limit: 0.6931, Fractions: []float64{0.125}},
			"at fractions 1/8 the model does not beat the trivial predictor (best validation loss 0.7000 at fraction 1/8 (N = 1125)"},
		{gates.Finding{Gate: gates.FewOptima, Severity: gates.Fail, Value: 2, Limit: 3}, "the law rests on 2 optima: a line fits 2 points exactly, so it has no interval, no R²"},
		{gates.Finding{Gate: gates.StepBudget, Severity: gates.Fail, N: 3200, LR: 0.16, Value: 9000, Limit: 3200},
			"with --budget steps every run takes 100 steps of 32 rows, so it sees at most 3200 of the 9000 training rows"},
		{gates.Finding{Gate: gates.AboveDiverged, Severity: gates.Fail, LR: 4.89, Limit: 3.16, Fraction: 0.25, N: 2250},
			"the predicted rate 4.89 is at or above 3.16, where runs diverged at fraction 1/4 (N = 2250)"},
		{gates.Finding{Gate: gates.AboveGrid, Severity: gates.Fail, LR: 7.4, Limit: 1}, "the predicted rate 7.4 is above the largest rate tried (1): the law extrapolates past every measurement; raise --lr-max (e.g. --lr-max 10)"},
		{gates.Finding{Gate: gates.BelowGrid, Severity: gates.Warn, LR: 0.003, Limit: 0.01}, "lower --lr-min (e.g. --lr-min 0.001)"},
		{gates.Finding{Gate: gates.Flat, Severity: gates.Warn, Fraction: 0.125, N: 1125, Value: 0.0042}, "the loss at fraction 1/8 (N = 1125) does not depend on the rate within the seeds' noise (its seed means lie within 0.0042 of each other)"},
		{gates.Finding{Gate: gates.AllDiverged, Severity: gates.Warn, Fraction: 0.125, N: 1125}, "every rate diverged at fraction 1/8 (N = 1125); lower --lr-min"},
		{gates.Finding{Gate: gates.LowEdge, Severity: gates.Warn, Fraction: 0.125, N: 1125, LR: 0.01, Limit: 0.01}, "sits on the low edge of the grid (lr 0.01), so it is an upper bound left out of the law; lower --lr-min (e.g. --lr-min 0.001)"},
		{gates.Finding{Gate: gates.HighEdge, Severity: gates.Warn, Fraction: 0.125, N: 1125, LR: 1, Limit: 1}, "sits on the high edge of the grid (lr 1), so it is a lower bound left out of the law; raise --lr-max (e.g. --lr-max 10)"},
		{gates.Finding{Gate: gates.CoarseGrid, Severity: gates.Warn, Fraction: 0.125, N: 1125, LR: 0.01, Value: 1, Limit: 0.5}, "0.01 and 0.1 are 1.0 decades apart, so the optimum is located only within a factor 10"},
		{gates.Finding{Gate: gates.SmallValidation, Severity: gates.Warn, Value: 20, Limit: 30}, "the validation set has only 20 rows"},
		{gates.Finding{Gate: gates.WideInterval, Severity: gates.Warn, N: 9000, Value: 5, Limit: 4}, "wide interval: the 95% band of the rate at N = 9000, [0.05, 0.25], spans a factor 5"},
		{gates.Finding{Gate: gates.Extrapolation, Severity: gates.Warn, N: 1000, Value: 0.03, Limit: 0.05}, "extrapolation check failed: fitted without N = 1000, the law misses it by +0.10 decades (2.5σ, p = 0.03)"},
		{gates.Finding{Gate: gates.FarExtrapolation, Severity: gates.Warn, N: 9000, Value: 0.954, Limit: 1}, "the prediction at N = 9000 extrapolates 0.95 decades beyond the largest fitted size (1000); its interval allows only for a bend of the usual size — add a larger fraction (e.g. --fractions 1/8,1/4,1/2)"},
	}
	for _, c := range cases {
		f := *fit
		f.Gates = []gates.Finding{c.f}
		w := fitWarnings(&f)
		if len(w) != 1 || !strings.Contains(w[0], c.want) {
			t.Errorf("%s: %q, want one warning with %q", c.f.Gate, w, c.want)
		}
		if strings.Contains(w[0], "gate "+string(c.f.Gate)) {
			t.Errorf("%s has no wording of its own: %q", c.f.Gate, w[0])
		}
	}

	adaptive := *fit
	adaptive.Config.Design = clc.DesignAdaptive
	for _, c := range []struct {
		f    gates.Finding
		want string
	}{
		{gates.Finding{Gate: gates.HighEdge, Severity: gates.Warn, Fraction: 0.25, N: 2250, LR: 0.1},
			"optimum at fraction 1/4 (N = 2250) sits on the highest rate tried there (lr 0.1), so it is a lower bound left out of the law; the adaptive design's budget ran out before it extended the rates — raise --max-cost, or sweep every rate (--design grid)"},
		{gates.Finding{Gate: gates.LowEdge, Severity: gates.Warn, Fraction: 0.25, N: 2250, LR: 0.0316},
			"sits on the lowest rate tried there (lr 0.0316), so it is an upper bound left out of the law; the adaptive design's budget ran out"},
		{gates.Finding{Gate: gates.HighEdge, Severity: gates.Warn, Fraction: 0.25, N: 2250, LR: 56.2},
			"sits on the highest rate tried there (lr 56.2), as far past the grid as the adaptive design extends, so it is a lower bound left out of the law; raise --lr-max (e.g. --lr-max 562)"},
		{gates.Finding{Gate: gates.LowEdge, Severity: gates.Warn, Fraction: 0.25, N: 2250, LR: 1e-6},
			"as far past the grid as the adaptive design extends, so it is an upper bound left out of the law; lower --lr-min (e.g. --lr-min 1e-07)"},
	} {
		adaptive.Gates = []gates.Finding{c.f}
		if w := fitWarnings(&adaptive); len(w) != 1 || !strings.Contains(w[0], c.want) {
			t.Errorf("adaptive %s at %v: %q, want one warning with %q", c.f.Gate, c.f.LR, w, c.want)
		}
	}

	f := *fit
	f.Config.Exec = "./train.sh {lr}"
	f.Gates = []gates.Finding{{Gate: gates.Trivial, Severity: gates.Unavailable}}
	if w := fitWarnings(&f); len(w) != 0 {
		t.Errorf("an unavailable gate is a warning: %q", w)
	}
	if n := fitNotes(&f); len(n) != 1 || !strings.Contains(n[0], "the --exec trainer does not report the trivial loss") {
		t.Errorf("notes %q", n)
	}
	if line := gatesLine(&f); line != "all passed; not checked: whether the model beats the trivial predictor (the --exec trainer does not report the trivial loss)" {
		t.Errorf("gates line %q", line)
	}
	f.Gates = append(f.Gates, cases[0].f, cases[9].f, cases[9].f)
	if line := gatesLine(&f); !strings.HasPrefix(line, "fail: no better than the trivial predictor; warn: optimum on the low edge (2 fractions) — see the warnings; not checked") {
		t.Errorf("gates line %q", line)
	}
}
