package plot

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/scaling"
	"github.com/clc-tools/clc/internal/schedule"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// demoFit reads testdata/demo-fit.yaml: the output of `clc fit --demo`
// (5 fractions × 13 rates × 2 seeds of an MLP on Fashion-MNIST at 14×14),
// committed so the golden series do not change with the trainer.
func demoFit(t *testing.T) *clc.FitFile {
	t.Helper()
	fit, err := clc.ReadFitFile(filepath.Join("testdata", "demo-fit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return fit
}

// demoSchedule is a 40-step warmup-cosine schedule of area 2.
func demoSchedule(t *testing.T) *schedule.Schedule {
	t.Helper()
	s, err := schedule.Design(schedule.Spec{Shape: schedule.WarmupCosine, Warmup: 0.1, MinRatio: 0.1}, 40, 2, schedule.PerStep, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGoldenSeries checks the data every panel draws against golden JSON
// files (go test -update rewrites them). Numbers are compared with a
// relative tolerance of 1e-9, so the files do not depend on the last bit
// of a platform's math.Pow.
func TestGoldenSeries(t *testing.T) {
	fit := demoFit(t)
	for _, c := range []struct {
		name string
		data any
	}{
		{"loss", LossSeries(fit)},
		{"law", LawSeries(fit)},
		{"constant", ConstantSeries(fit)},
		{"schedule", ScheduleSeries(demoSchedule(t))},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.MarshalIndent(c.data, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", c.name+".golden.json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if diff := jsonDiff(t, want, got, 1e-9); diff != "" {
				t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", c.name, path, diff)
			}
		})
	}
}

// jsonDiff compares two JSON documents, numbers within a relative
// tolerance tol, and describes the first difference.
func jsonDiff(t *testing.T, want, got []byte, tol float64) string {
	t.Helper()
	var w, g any
	for _, p := range []struct {
		b []byte
		v *any
	}{{want, &w}, {got, &g}} {
		d := json.NewDecoder(bytes.NewReader(p.b))
		if err := d.Decode(p.v); err != nil {
			t.Fatal(err)
		}
	}
	return diffValue("$", w, g, tol)
}

func diffValue(path string, w, g any, tol float64) string {
	switch w := w.(type) {
	case map[string]any:
		gm, ok := g.(map[string]any)
		if !ok || len(gm) != len(w) {
			return fmt.Sprintf("%s: want %v, got %v", path, w, g)
		}
		for k, wv := range w {
			if d := diffValue(path+"."+k, wv, gm[k], tol); d != "" {
				return d
			}
		}
	case []any:
		ga, ok := g.([]any)
		if !ok || len(ga) != len(w) {
			return fmt.Sprintf("%s: want %d items, got %v", path, len(w), g)
		}
		for i := range w {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), w[i], ga[i], tol); d != "" {
				return d
			}
		}
	case float64:
		gf, ok := g.(float64)
		if !ok || math.Abs(gf-w) > tol*math.Max(math.Abs(w), 1e-300) {
			return fmt.Sprintf("%s: want %v, got %v", path, w, g)
		}
	default:
		if w != g {
			return fmt.Sprintf("%s: want %v, got %v", path, w, g)
		}
	}
	return ""
}

// TestLossSeries checks the loss data against the fit file by hand: the
// first fraction's seed points and means (the trials of
// testdata/demo-fit.yaml), its diverged rate and its optimum.
func TestLossSeries(t *testing.T) {
	fit := demoFit(t)
	fs := LossSeries(fit).Fractions
	if len(fs) != 5 {
		t.Fatalf("%d fractions, want 5", len(fs))
	}
	f := fs[0]
	if f.Label != "1/32" || f.N != 219 || f.Steps != 18 {
		t.Errorf("first fraction %s N=%d T=%d, want 1/32 N=219 T=18", f.Label, f.N, f.Steps)
	}
	// 13 rates × 2 seeds, the largest rate (1) diverged for both seeds.
	if len(f.Seeds) != 24 || len(f.Mean) != 12 || !slices.Equal(f.Diverged, []float64{1}) {
		t.Errorf("%d seed points, %d means, diverged %v; want 24, 12, [1]", len(f.Seeds), len(f.Mean), f.Diverged)
	}
	// The mean at η = 0.001 of the two seeds' losses in the fit file.
	if want := (2.353664626148245 + 2.3468228621794514) / 2; math.Abs(f.Mean[0].Y-want) > 1e-15 || f.Mean[0].X != 0.001 {
		t.Errorf("mean[0] = %v, want (0.001, %v)", f.Mean[0], want)
	}
	o := f.Optimum
	if o == nil || o.LR != fit.Optima[0].LR || o.Low != fit.Optima[0].LRLow || !o.Bracketed {
		t.Fatalf("optimum %+v, want the fit's %+v", o, fit.Optima[0])
	}
	// The mark lies on the mean curve, between the neighbouring means.
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 1; i < len(f.Mean); i++ {
		if f.Mean[i-1].X <= o.LR && o.LR <= f.Mean[i].X {
			lo, hi = min(f.Mean[i-1].Y, f.Mean[i].Y), max(f.Mean[i-1].Y, f.Mean[i].Y)
		}
	}
	if !(lo <= o.Loss && o.Loss <= hi) {
		t.Errorf("optimum loss %v not between its neighbours' means [%v, %v]", o.Loss, lo, hi)
	}
}

// TestLawSeries checks the law data: the fitted curve spans [NMin, NMax],
// its value is k·N^α (closed form), the band contains it, and the
// extrapolation ends at the prediction.
func TestLawSeries(t *testing.T) {
	fit := demoFit(t)
	d := LawSeries(fit)
	if !d.HasLaw || len(d.Optima) != 5 || len(d.Fit) != curvePoints || len(d.Extrapolation) != curvePoints {
		t.Fatalf("law %v, %d optima, %d fit, %d extrapolation points", d.HasLaw, len(d.Optima), len(d.Fit), len(d.Extrapolation))
	}
	if d.Fit[0].N != float64(fit.Law.NMin) || d.Fit[len(d.Fit)-1].N != float64(fit.Law.NMax) {
		t.Errorf("fit spans %v…%v, want %d…%d", d.Fit[0].N, d.Fit[len(d.Fit)-1].N, fit.Law.NMin, fit.Law.NMax)
	}
	for _, e := range append(slices.Clone(d.Fit), d.Extrapolation...) {
		want := fit.Law.K * math.Pow(e.N, fit.Law.Alpha)
		if math.Abs(e.Value-want) > 1e-12*want || !(e.Low < e.Value && e.Value < e.High) {
			t.Errorf("N = %v: %v [%v, %v], want %v inside its band", e.N, e.Value, e.Low, e.High, want)
		}
	}
	last := d.Extrapolation[len(d.Extrapolation)-1]
	p := fit.Prediction
	if d.Prediction == nil || last.N != float64(p.N) || math.Abs(d.Prediction.Value-p.LR) > 1e-12*p.LR ||
		math.Abs(d.Prediction.Low-p.LRLow) > 1e-12*p.LR || math.Abs(d.Prediction.High-p.LRHigh) > 1e-12*p.LR {
		t.Errorf("prediction %+v, extrapolation ends at %v; want the fit's %+v", d.Prediction, last.N, p)
	}
}

// TestConstantSeries checks the constant data: C = η*·T per fraction as in
// the fit file, and the line at n_full equal to the fit's prediction.
func TestConstantSeries(t *testing.T) {
	fit := demoFit(t)
	d := ConstantSeries(fit)
	if len(d.Points) != 5 || d.From != "law" || d.Holds {
		t.Fatalf("%d points from %q (holds %v), want 5 from the law", len(d.Points), d.From, d.Holds)
	}
	for i, q := range d.Points {
		o := fit.Optima[i]
		if want := o.Constant; math.Abs(q.Value-want) > 1e-12*want || q.Low != o.LRLow*float64(o.Steps) {
			t.Errorf("%s: C = %v [%v], want %v", q.Label, q.Value, q.Low, want)
		}
	}
	if p := d.Prediction; p == nil || math.Abs(p.Value-fit.Prediction.Constant) > 1e-9*fit.Prediction.Constant {
		t.Errorf("prediction %+v, want C = %v", p, fit.Prediction.Constant)
	}
}

// TestConstantSeriesVerdictOnly: a verdict that C is constant changes the
// title, not the line: C(N) still comes from the law, as predictions and
// schedules take it.
func TestConstantSeriesVerdictOnly(t *testing.T) {
	fit := demoFit(t)
	d := ConstantSeries(fit)
	fit.Constant.Holds = true
	held := ConstantSeries(fit)
	if held.From != "law" || !held.Holds || !slices.Equal(held.Line, d.Line) || !slices.Equal(held.Extrapolation, d.Extrapolation) {
		t.Fatalf("constant C: from %q, holds %v, line changed %v; want the law's line unchanged", held.From, held.Holds, !slices.Equal(held.Line, d.Line))
	}
}

// TestScheduleSeries: every step plus the closing point, so the step
// function's area Σ_t η_t·1 is the schedule's area.
func TestScheduleSeries(t *testing.T) {
	s := demoSchedule(t)
	d := ScheduleSeries(s)
	if len(d.Rates) != s.Steps+1 || d.Rates[s.Steps].X != float64(s.Steps) {
		t.Fatalf("%d points, want %d", len(d.Rates), s.Steps+1)
	}
	area := 0.0
	for i := 1; i < len(d.Rates); i++ {
		area += (d.Rates[i].X - d.Rates[i-1].X) * d.Rates[i-1].Y
	}
	if math.Abs(area-s.Area) > 1e-12 {
		t.Errorf("area under the step function %v, want %v", area, s.Area)
	}
}

// TestScheduleSeriesThinned: a long schedule keeps at most
// maxSchedulePoints+1 points, in step order, with its peak and its ends.
func TestScheduleSeriesThinned(t *testing.T) {
	s, err := schedule.Design(schedule.Spec{Shape: schedule.OneCycle}, 100_003, 50, schedule.PerStep, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := ScheduleSeries(s)
	if len(d.Rates) > maxSchedulePoints+1 {
		t.Fatalf("%d points, want at most %d", len(d.Rates), maxSchedulePoints+1)
	}
	peak := 0.0
	for i, p := range d.Rates {
		if i > 0 && p.X <= d.Rates[i-1].X {
			t.Fatalf("point %d at step %v after step %v", i, p.X, d.Rates[i-1].X)
		}
		peak = max(peak, p.Y)
	}
	if peak != s.Peak || d.Rates[0].X != 0 || d.Rates[len(d.Rates)-1] != (XY{float64(s.Steps), s.Final}) {
		t.Errorf("peak %v (want %v), first %v, last %v", peak, s.Peak, d.Rates[0], d.Rates[len(d.Rates)-1])
	}
}

// divergeFraction marks every trial at fraction f diverged and its
// optimum unusable, as clc fit records a fraction where every rate
// diverged.
func divergeFraction(fit *clc.FitFile, f float64) {
	for i, t := range fit.Trials {
		if t.Fraction == f {
			fit.Trials[i].Diverged, fit.Trials[i].ValidLoss, fit.Trials[i].TrainLoss = true, math.Inf(1), math.Inf(1)
		}
	}
	for i, o := range fit.Optima {
		if o.Fraction == f {
			fit.Optima[i] = scaling.Optimum{Fraction: o.Fraction, N: o.N}
		}
	}
}

// TestSeriesAllDivergedFraction: a fraction where every rate diverged has
// no seed points, no mean and no optimum, and the law panel names it.
func TestSeriesAllDivergedFraction(t *testing.T) {
	fit := demoFit(t)
	divergeFraction(fit, 0.5)
	fs := LossSeries(fit).Fractions
	last := fs[len(fs)-1]
	if len(last.Seeds) != 0 || len(last.Mean) != 0 || len(last.Diverged) != 13 || last.Optimum != nil {
		t.Errorf("all-diverged fraction: %d seeds, %d means, %d diverged, optimum %v", len(last.Seeds), len(last.Mean), len(last.Diverged), last.Optimum)
	}
	d := LawSeries(fit)
	if len(d.Optima) != 4 || !slices.Equal(d.Unusable, []string{"1/2"}) {
		t.Errorf("law: %d optima, unusable %v; want 4 and [1/2]", len(d.Optima), d.Unusable)
	}
	if c := ConstantSeries(fit); len(c.Points) != 4 {
		t.Errorf("constant: %d points, want 4", len(c.Points))
	}
}

// noLaw removes the law, as clc fit writes a fit with fewer than 2
// bracketed optima.
func noLaw(fit *clc.FitFile) {
	fit.Law = scaling.Law{}
	fit.Constant = scaling.ConstantReport{Verdict: "untested: one dataset size only"}
	fit.Prediction = clc.Prediction{N: fit.Dataset.Rows}
}

// TestSeriesNoLaw: without a law the panels keep the measured optima and
// draw no curve.
func TestSeriesNoLaw(t *testing.T) {
	fit := demoFit(t)
	noLaw(fit)
	d := LawSeries(fit)
	if d.HasLaw || len(d.Fit) != 0 || len(d.Extrapolation) != 0 || d.Prediction != nil || len(d.Optima) != 5 {
		t.Errorf("law data without a law: %+v", d)
	}
	c := ConstantSeries(fit)
	if c.From != "" || len(c.Line) != 0 || c.Prediction != nil || len(c.Points) != 5 {
		t.Errorf("constant data without a law: %+v", c)
	}
}

// TestLossSeriesRange: in the demo fit no loss is off scale and the range
// is the plain [min, max] of the seed losses (the range the panel had
// before off-scale losses existed).
func TestLossSeriesRange(t *testing.T) {
	fit := demoFit(t)
	d := LossSeries(fit)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, tr := range fit.Trials {
		if !tr.Diverged && !tr.Pruned && finite(tr.ValidLoss) {
			lo, hi = min(lo, tr.ValidLoss), max(hi, tr.ValidLoss)
		}
	}
	if d.YMin != lo || d.YMax != hi {
		t.Errorf("range [%v, %v], want the seed losses' [%v, %v]", d.YMin, d.YMax, lo, hi)
	}
	// The reference is the mean at 1/32's smallest rate, above the median.
	if ref := (2.353664626148245 + 2.3468228621794514) / 2; d.Reference != ref || d.Limit != 3*ref {
		t.Errorf("reference %v, limit %v; want %v and 3× it", d.Reference, d.Limit, ref)
	}
	for _, f := range d.Fractions {
		if len(f.OffScale) != 0 || len(f.MeanOffScale) != 0 {
			t.Errorf("%s: off scale %v, means %v; want none", f.Label, f.OffScale, f.MeanOffScale)
		}
	}
}

// TestLossSeriesOffScale: one finite loss of 1e30 (not flagged diverged)
// is listed off scale with its true value, with the mean it pulls up,
// and leaves the range where the other losses put it.
func TestLossSeriesOffScale(t *testing.T) {
	fit := demoFit(t)
	want := LossSeries(fit)
	blown := -1
	for i, tr := range fit.Trials {
		if tr.Fraction == 0.0625 && tr.LR == 0.1 && tr.Seed == 1 {
			blown = i
		}
	}
	if blown < 0 || fit.Trials[blown].Diverged {
		t.Fatal("the demo fit has no finished trial at 1/16, η = 0.1, seed 1")
	}
	other := 0.0
	for _, tr := range fit.Trials {
		if tr.Fraction == 0.0625 && tr.LR == 0.1 && tr.Seed != 1 {
			other = tr.ValidLoss
		}
	}
	fit.Trials[blown].ValidLoss = 1e30
	d := LossSeries(fit)
	if d.YMin != want.YMin || d.YMax != want.YMax || d.Limit != want.Limit {
		t.Errorf("range [%v, %v] limit %v, want [%v, %v] limit %v as without the blown loss",
			d.YMin, d.YMax, d.Limit, want.YMin, want.YMax, want.Limit)
	}
	for i, f := range d.Fractions {
		if i != 1 {
			if len(f.OffScale) != 0 || len(f.MeanOffScale) != 0 {
				t.Errorf("%s: off scale %v, means %v; want none", f.Label, f.OffScale, f.MeanOffScale)
			}
			continue
		}
		if !slices.Equal(f.OffScale, []XY{{0.1, 1e30}}) {
			t.Errorf("%s: off scale %v, want [(0.1, 1e30)]", f.Label, f.OffScale)
		}
		if !slices.Equal(f.MeanOffScale, []XY{{0.1, (1e30 + other) / 2}}) {
			t.Errorf("%s: means off scale %v, want [(0.1, %v)]", f.Label, f.MeanOffScale, (1e30+other)/2)
		}
		// Seeds and Mean keep every finite loss, the blown one included.
		if len(f.Seeds) != len(want.Fractions[i].Seeds) || len(f.Mean) != len(want.Fractions[i].Mean) ||
			!slices.Contains(f.Seeds, XY{0.1, 1e30}) {
			t.Errorf("%s: %d seeds, %d means; want %d and %d with the blown loss",
				f.Label, len(f.Seeds), len(f.Mean), len(want.Fractions[i].Seeds), len(want.Fractions[i].Mean))
		}
	}
	// The panel's axis stops a little above the range: the off-scale row
	// sits above the diverged rows, not at 1e30.
	pn, err := LossPlot(d, LossLabels{})
	if err != nil {
		t.Fatal(err)
	}
	if top := pn.Plot.Y.Max; !(top > d.YMax && top < 2*d.YMax) {
		t.Errorf("y axis up to %v, want just above %v", top, d.YMax)
	}
	if pn.Plot.Y.Min >= d.YMin {
		t.Errorf("y axis from %v, want below %v", pn.Plot.Y.Min, d.YMin)
	}
}

// TestLossSeriesMedianReference: when the smallest rates' losses are low
// the median of the losses sets the reference, so the losses of rates
// that trained poorly but did not blow up stay on scale.
func TestLossSeriesMedianReference(t *testing.T) {
	fit := &clc.FitFile{}
	for i, loss := range []float64{0.1, 0.2, 0.5, 0.6, 0.9, 1.4} {
		fit.Trials = append(fit.Trials, clc.Trial{TrialSpec: clc.TrialSpec{Fraction: 1, N: 100, LR: float64(i + 1)}, Steps: 10, ValidLoss: loss})
	}
	d := LossSeries(fit)
	if d.Reference != 0.55 || d.YMax != 1.4 || len(d.Fractions[0].OffScale) != 0 {
		t.Errorf("reference %v, y max %v, off scale %v; want 0.55, 1.4, none", d.Reference, d.YMax, d.Fractions[0].OffScale)
	}
}
