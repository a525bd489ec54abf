package gates

import (
	"math"
	"reflect"
	"testing"

	"github.com/clc-tools/clc/internal/scaling"
)

// clean is a fit that passes every gate: three bracketed optima that beat
// the trivial loss, a fine grid, a prediction inside it and below every
// divergence, a narrow interval near the fitted sizes.
func clean() Fit {
	lrs := []float64{0.01, 0.0178, 0.0316, 0.0562, 0.1, 0.178, 0.316, 0.562, 1}
	opt := func(frac float64, n int, lr float64) scaling.Optimum {
		return scaling.Optimum{Fraction: frac, N: n, LR: lr, GridLR: lr, Loss: 0.5, Usable: true, Bracketed: true}
	}
	f := Fit{
		Optima: []scaling.Optimum{opt(0.125, 1000, 0.178), opt(0.25, 2000, 0.1), opt(0.5, 4000, 0.0562)},
		Law:    scaling.Law{Points: 3, NMin: 1000, NMax: 4000, K: 10, Alpha: -0.5, Method: scaling.MethodRandomEffects},
		LRs:    lrs, Run: scaling.Run{Epochs: 3, BatchSize: 32}, NFull: 8000,
		LR: 0.04, LRLow: 0.03, LRHigh: 0.06, TrivialLoss: math.Ln2, ValidRows: 1000, MinValidRows: 30,
	}
	for _, o := range f.Optima {
		for _, lr := range lrs {
			for s := range 2 {
				t := scaling.Sample{Fraction: o.Fraction, N: o.N, LR: lr, Seed: s, Loss: 0.6}
				if lr >= 0.562 {
					t.Loss, t.Diverged = math.Inf(1), true
				}
				f.Trials = append(f.Trials, t)
			}
		}
	}
	return f
}

func gatesOf(fs []Finding) []Gate {
	var out []Gate
	for _, f := range fs {
		out = append(out, f.Gate)
	}
	return out
}

// Each gate fires past its threshold and not before, with its numbers and
// severity.
func TestCheck(t *testing.T) {
	if fs := Check(clean()); len(fs) != 0 {
		t.Fatalf("a clean fit: %+v", fs)
	}
	cases := []struct {
		name   string
		change func(*Fit)
		want   []Finding
	}{
		{"trivial everywhere", func(f *Fit) {
			for i := range f.Optima {
				f.Optima[i].Loss = 0.69 + 0.01*float64(i)
			}
		}, []Finding{{Gate: Trivial, Severity: Fail, Fraction: 0.125, N: 1000, Value: 0.69, Limit: math.Ln2, Fractions: []float64{0.125, 0.25, 0.5}}}},
		{"trivial at one fraction", func(f *Fit) { f.Optima[0].Loss = 0.99 * math.Ln2 },
			[]Finding{{Gate: Trivial, Severity: Warn, Fraction: 0.125, N: 1000, Value: 0.99 * math.Ln2, Limit: math.Ln2, Fractions: []float64{0.125}}}},
		{"just below the margin", func(f *Fit) { f.Optima[0].Loss = 0.989 * math.Ln2 }, nil},
		{"trivial unknown", func(f *Fit) { f.TrivialLoss = 0 }, []Finding{{Gate: Trivial, Severity: Unavailable}}},
		{"two optima", func(f *Fit) { f.Law.Points = 2 }, []Finding{{Gate: FewOptima, Severity: Fail, Value: 2, Limit: 3}}},
		{"steps budget", func(f *Fit) { f.Run = scaling.Run{Steps: 100, BatchSize: 32} },
			[]Finding{{Gate: StepBudget, Severity: Fail, N: 3200, LR: 10 * math.Pow(3200, -0.5), Value: 8000, Limit: 3200}}},
		{"steps budget covering N_full", func(f *Fit) { f.Run = scaling.Run{Steps: 250, BatchSize: 32} }, nil},
		{"above a divergence", func(f *Fit) { f.LR, f.LRLow, f.LRHigh = 0.6, 0.5, 0.7 },
			[]Finding{{Gate: AboveDiverged, Severity: Fail, LR: 0.6, Limit: 0.562, Fraction: 0.125, N: 1000}}},
		{"above the grid", func(f *Fit) {
			f.LR, f.LRLow, f.LRHigh = 1.2, 1, 1.4
			f.Trials = nil
		}, []Finding{{Gate: AboveGrid, Severity: Fail, LR: 1.2, Limit: 1}}},
		{"below the grid", func(f *Fit) { f.LR, f.LRLow, f.LRHigh = 0.009, 0.008, 0.01 }, []Finding{{Gate: BelowGrid, Severity: Warn, LR: 0.009, Limit: 0.01}}},
		{"flat", func(f *Fit) { f.Optima[0].Flat = true }, []Finding{{Gate: Flat, Severity: Warn, Fraction: 0.125, N: 1000}}},
		{"all diverged", func(f *Fit) { f.Optima[0].Usable = false }, []Finding{{Gate: AllDiverged, Severity: Warn, Fraction: 0.125, N: 1000}}},
		{"low edge", func(f *Fit) { f.Optima[0].Bracketed, f.Optima[0].Edge = false, "low" },
			[]Finding{{Gate: LowEdge, Severity: Warn, Fraction: 0.125, N: 1000, LR: 0.178, Limit: 0.01}}},
		{"high edge", func(f *Fit) { f.Optima[0].Bracketed, f.Optima[0].Edge = false, "high" },
			[]Finding{{Gate: HighEdge, Severity: Warn, Fraction: 0.125, N: 1000, LR: 0.178, Limit: 1}}},
		{"coarse grid", func(f *Fit) { onGrid(f, 0.01, 0.0316, 0.0562, 0.1, 0.178, 1) },
			[]Finding{{Gate: CoarseGrid, Severity: Warn, Fraction: 0.125, N: 1000, LR: 0.178, Value: math.Log10(1 / 0.178), Limit: MaxSpacing}}},
		{"grid of half decades", func(f *Fit) { onGrid(f, 0.01, 0.0316, 0.0562, 0.1, 0.178, 0.562, 1) }, nil},
		{"small validation", func(f *Fit) { f.ValidRows = 29 }, []Finding{{Gate: SmallValidation, Severity: Warn, Value: 29, Limit: 30}}},
		{"30 validation rows", func(f *Fit) { f.ValidRows = 30 }, nil},
		{"wide interval", func(f *Fit) { f.LRLow, f.LRHigh = 0.02, 0.081 }, []Finding{{Gate: WideInterval, Severity: Warn, N: 8000, Value: 0.081 / 0.02, Limit: 4}}},
		{"interval of a factor 4", func(f *Fit) { f.LRLow, f.LRHigh = 0.02, 0.08 }, nil},
		{"check failed", func(f *Fit) { f.Law.Extrapolation = &scaling.Extrapolation{N: 4000, DoF: 3, PValue: 0.04} },
			[]Finding{{Gate: Extrapolation, Severity: Warn, N: 4000, Value: 0.04, Limit: 0.05}}},
		{"check passed", func(f *Fit) { f.Law.Extrapolation = &scaling.Extrapolation{N: 4000, DoF: 3, PValue: 0.06} }, nil},
		{"far", func(f *Fit) { f.NFull = 12650 }, []Finding{{Gate: FarExtrapolation, Severity: Warn, N: 12650, Value: math.Log10(12650.0 / 4000), Limit: FarDecades}}},
		{"not far", func(f *Fit) { f.NFull = 12640 }, nil},
	}
	for _, c := range cases {
		f := clean()
		f.Optima = append([]scaling.Optimum(nil), f.Optima...)
		c.change(&f)
		got := Check(f)
		if !sameFindings(got, c.want) {
			t.Errorf("%s: %+v\n want %+v", c.name, got, c.want)
		}
	}
}

// onGrid keeps the trials at the rates lrs.
func onGrid(f *Fit, lrs ...float64) {
	keep := map[float64]bool{}
	for _, v := range lrs {
		keep[v] = true
	}
	var ts []scaling.Sample
	for _, t := range f.Trials {
		if keep[t.LR] {
			ts = append(ts, t)
		}
	}
	f.Trials, f.LRs = ts, RatesTried(ts)
}

func sameFindings(a, b []Finding) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if math.Abs(x.Value-y.Value) > 1e-9*math.Abs(y.Value) || math.Abs(x.LR-y.LR) > 1e-9*y.LR || math.Abs(x.Limit-y.Limit) > 1e-12 {
			return false
		}
		x.Value, x.LR, x.Limit = y.Value, y.LR, y.Limit
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// A divergence below a fraction's optimum marks no stability edge, and a
// flat curve's spread is the range of its seed means.
func TestCheckDetails(t *testing.T) {
	f := clean()
	f.Trials = append(f.Trials, scaling.Sample{Fraction: 0.125, N: 1000, LR: 0.0178, Seed: 9, Loss: math.Inf(1), Diverged: true})
	f.LR = 0.2
	if fs := Check(f); len(fs) != 0 {
		t.Errorf("a divergence below the optimum: %+v", fs)
	}
	f = clean()
	f.Optima[1].Flat = true
	for i := range f.Trials {
		if tr := &f.Trials[i]; tr.Fraction == 0.25 && !tr.Diverged {
			tr.Loss = 0.6 + 0.001*math.Log10(tr.LR) + 0.0005*float64(tr.Seed)
		}
	}
	fs := Check(f)
	if len(fs) != 1 || fs[0].Gate != Flat || math.Abs(fs[0].Value-0.001*math.Log10(0.316/0.01)) > 1e-12 {
		t.Errorf("flat: %+v", fs)
	}
	if Count([]Finding{{Severity: Fail}, {Severity: Warn}, {Severity: Unavailable}}) != 2 {
		t.Error("Count counts what failed or warns")
	}
	if got := gatesOf(Check(Fit{Law: scaling.Law{Points: 2}, LR: 7, LRs: []float64{1}})); !reflect.DeepEqual(got, []Gate{FewOptima, AboveGrid}) {
		t.Errorf("order: %v", got)
	}
}
