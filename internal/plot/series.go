// Package plot turns a fit file and a schedule into figures.
//
// Every figure is built in two steps. Pure functions (LossSeries, LawSeries,
// ConstantSeries, ScheduleSeries) compute the data a panel draws — points,
// curves, bands and markers, in data units — from a *clc.FitFile or a
// *schedule.Schedule. Drawing functions (LossPlot, LawPlot, ConstantPlot,
// SchedulePlot) turn those series into gonum.org/v1/plot plots, and
// WriteFit and WriteSchedule lay the panels out and write a .png or .svg
// file atomically. The series are what the golden tests check; the drawing
// only styles them.
//
// The quantities (see internal/clc):
//
//	L(η)   = (1/S) Σ_s ValidLoss(η, s)      seed-mean validation loss at rate η
//	η*(N)  = k·N^α                          the law fitted to the optima
//	C(N)   = η*(N)·T(N)                     the cumulative-learning constant, lr·steps
//	S      = Σ_t η_t                        the area under a schedule, lr·steps
package plot

import (
	"cmp"
	"fmt"
	"iter"
	"math"
	"slices"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/scaling"
	"github.com/clc-tools/clc/internal/schedule"
)

// curvePoints is the number of log-spaced sizes N at which LawSeries and
// ConstantSeries sample each curve segment (fitted range, extrapolation).
const curvePoints = 25

// maxSchedulePoints bounds the points ScheduleSeries keeps of a long
// schedule.
const maxSchedulePoints = 2000

// XY is one point of a series, in data units.
type XY struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// FractionLoss is the data of the loss panel for one fraction: validation
// loss against learning rate.
type FractionLoss struct {
	Fraction float64 `json:"fraction"`
	Label    string  `json:"label"` // the fraction as given, e.g. "1/32"
	N        int     `json:"n"`     // training rows
	Steps    int     `json:"steps"` // T(N)
	// Seeds holds one point (η, validation loss) per trial that finished
	// with a finite loss, ordered by rate, then seed.
	Seeds []XY `json:"seeds"`
	// Mean is the seed-mean loss L(η) at every rate where no seed
	// diverged: the curve whose minimum is η*.
	Mean []XY `json:"mean"`
	// Diverged lists the rates, ascending, where at least one seed diverged
	// (or was pruned): L(η) = +Inf there.
	Diverged []float64 `json:"diverged"`
	// Optimum is η* with its 95% interval; nil when every rate diverged.
	Optimum *OptimumMark `json:"optimum,omitempty"`
	// OffScale holds the points of Seeds whose loss is above the panel's
	// LossData.Limit, with their true losses, in the order of Seeds; the
	// panel draws them above its loss range rather than at their value.
	OffScale []XY `json:"off_scale"`
	// MeanOffScale holds the points of Mean above LossData.Limit, with
	// their true losses.
	MeanOffScale []XY `json:"mean_off_scale"`
}

// offScaleFactor is how many times the reference loss a finite loss may
// reach before the loss panel calls it off scale (see LossData).
const offScaleFactor = 3

// LossData is the data of the loss panel: one FractionLoss per fraction
// and the loss range the panel's axis shows.
//
// The range is chosen robustly, so that one finite but absurd loss (a run
// that blew up to 1e30 without being flagged diverged) does not flatten
// every curve onto the axis. The reference loss is the larger of
//
//   - the largest seed-mean loss L(η) at each fraction's smallest rate
//     with a mean (the loss of barely trained models, which no sensible
//     rate should exceed by much), and
//   - the median of all finite seed losses (which no few outliers can
//     move),
//
// and a loss is off scale when it is above Limit = 3 × the reference. The
// axis then spans [YMin, YMax], the smallest and the largest seed loss
// that is not off scale; every off-scale loss is listed in its fraction's
// OffScale or MeanOffScale and drawn as a mark above that range. A fit
// whose losses are all within 3× the reference (every ordinary fit, whose
// largest loss is at its smallest rate or at a large rate that still
// trained) keeps the plain range [min, max] of its seed losses.
type LossData struct {
	Fractions []FractionLoss `json:"fractions"`
	// Reference is the reference loss described above; Limit is
	// offScaleFactor × Reference. Both are 0 when no trial finished with
	// a finite loss, or when the reference is not positive (no loss is
	// off scale then).
	Reference float64 `json:"reference"`
	Limit     float64 `json:"limit"`
	// YMin and YMax are the smallest and the largest finite seed loss that
	// is not off scale; every seed-mean loss not off scale lies between
	// them. Both are 0 when no trial finished with a finite loss.
	YMin float64 `json:"y_min"`
	YMax float64 `json:"y_max"`
}

// OffScale reports whether loss y is above the panel's limit.
func (d LossData) OffScale(y float64) bool { return d.Limit > 0 && y > d.Limit }

// OptimumMark is an optimum η* as the loss panel marks it: at η* on the
// mean curve (linear interpolation of L in log10 η), with its 95% interval
// [Low, High] as a horizontal bar.
type OptimumMark struct {
	LR        float64 `json:"lr"`
	Low       float64 `json:"low"`
	High      float64 `json:"high"`
	Loss      float64 `json:"loss"`
	Bracketed bool    `json:"bracketed"`
	Edge      string  `json:"edge,omitempty"` // "low" or "high" when unbracketed
}

// LossSeries returns the loss panel's data: a FractionLoss for every
// fraction of the fit, in ascending order of fraction, and the loss range
// and off-scale limit described at LossData. The trials are grouped by
// rate; at each rate the seed-mean
//
//	L(η) = (1/S) Σ_s ValidLoss(η, s)
//
// is taken over the seeds present, and the rate is listed as diverged
// instead when any of them diverged (as scaling.EstimateOptima does).
func LossSeries(fit *clc.FitFile) LossData {
	d := LossData{Fractions: fractionLosses(fit)}
	var losses []float64
	first := math.Inf(-1)
	for _, f := range d.Fractions {
		for _, q := range f.Seeds {
			losses = append(losses, q.Y)
		}
		if len(f.Mean) > 0 {
			first = max(first, f.Mean[0].Y)
		}
	}
	if len(losses) == 0 {
		return d
	}
	if ref := max(first, median(losses)); ref > 0 {
		d.Reference, d.Limit = ref, offScaleFactor*ref
	}
	d.YMin, d.YMax = math.Inf(1), math.Inf(-1)
	for i := range d.Fractions {
		f := &d.Fractions[i]
		for _, q := range f.Seeds {
			if d.OffScale(q.Y) {
				f.OffScale = append(f.OffScale, q)
				continue
			}
			d.YMin, d.YMax = min(d.YMin, q.Y), max(d.YMax, q.Y)
		}
		for _, q := range f.Mean {
			if d.OffScale(q.Y) {
				f.MeanOffScale = append(f.MeanOffScale, q)
			}
		}
	}
	return d
}

// median returns the median of vs (not empty), which it reorders.
func median(vs []float64) float64 {
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// fractionLosses returns the FractionLoss of every fraction of the fit, in
// ascending order of fraction, without off-scale points.
func fractionLosses(fit *clc.FitFile) []FractionLoss {
	byFrac := map[float64][]clc.Trial{}
	for _, t := range ownTrials(fit) {
		byFrac[t.Fraction] = append(byFrac[t.Fraction], t)
	}
	fracs := make([]float64, 0, len(byFrac))
	for f := range byFrac {
		fracs = append(fracs, f)
	}
	slices.Sort(fracs)
	out := make([]FractionLoss, 0, len(fracs))
	for _, f := range fracs {
		out = append(out, fractionLoss(fit, f, byFrac[f]))
	}
	return out
}

// fractionLoss builds one fraction's FractionLoss from its trials.
func fractionLoss(fit *clc.FitFile, frac float64, ts []clc.Trial) FractionLoss {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b clc.Trial) int {
		return cmp.Or(cmp.Compare(a.LR, b.LR), cmp.Compare(a.Seed, b.Seed))
	})
	fl := FractionLoss{Fraction: frac, Label: fractionLabel(fit, frac), N: ts[0].N,
		Seeds: []XY{}, Mean: []XY{}, Diverged: []float64{}, OffScale: []XY{}, MeanOffScale: []XY{}}
	obj := fit.Config.Objective() // the validation loss, or the fit's metric
	for _, t := range ts {
		if v, ok := obj.Value(t); ok && finite(v) {
			fl.Steps = max(fl.Steps, t.Steps)
			fl.Seeds = append(fl.Seeds, XY{t.LR, v})
		}
	}
	// The line is the seed-mean curve the optimum is located on, in the
	// metric's own sign.
	samples, err := obj.Samples(ts)
	if err != nil {
		samples = nil // a trial without the metric: no line (Complete refuses such fits)
	}
	for _, p := range scaling.MeanCurve(samples) {
		if p.Diverged {
			fl.Diverged = append(fl.Diverged, p.LR)
		} else {
			fl.Mean = append(fl.Mean, XY{p.LR, obj.Sign() * p.Loss})
		}
	}
	if o, ok := findOptimum(fit, frac); ok && o.Usable && o.LR > 0 {
		lo, hi := interval(o)
		fl.Optimum = &OptimumMark{
			LR: o.LR, Low: lo, High: hi, Loss: lossAt(fl.Mean, o.LR, o.Loss),
			Bracketed: o.Bracketed, Edge: o.Edge,
		}
	}
	return fl
}

// lossAt interpolates the mean curve linearly in log10 η at lr; def when lr
// lies outside it.
func lossAt(mean []XY, lr, def float64) float64 {
	for i := 1; i < len(mean); i++ {
		a, b := mean[i-1], mean[i]
		if a.X <= lr && lr <= b.X {
			u := (math.Log10(lr) - math.Log10(a.X)) / (math.Log10(b.X) - math.Log10(a.X))
			return a.Y + u*(b.Y-a.Y)
		}
	}
	for _, p := range mean {
		if p.X == lr {
			return p.Y
		}
	}
	return def
}

// findOptimum returns the fit's optimum at fraction frac (of its own run).
func findOptimum(fit *clc.FitFile, frac float64) (scaling.Optimum, bool) {
	for _, o := range fit.Optima {
		if o.Fraction == frac && o.IsBase() {
			return o, true
		}
	}
	return scaling.Optimum{}, false
}

// fractionLabel is the fraction as the user gave it ("1/32"), or its
// shortest form.
func fractionLabel(fit *clc.FitFile, frac float64) string { return fit.Config.FractionLabel(frac) }

// Estimate is a value at one dataset size N with its 95% interval.
type Estimate struct {
	N     float64 `json:"n"`
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
}

// MeasuredPoint is a measured optimum (η* or C) at one fraction with its
// 95% interval. Fitted is true when the law and the constant's slope use
// it (usable and bracketed); an unbracketed optimum is shown but not used.
type MeasuredPoint struct {
	Label  string  `json:"label"`
	N      float64 `json:"n"`
	Value  float64 `json:"value"`
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	Fitted bool    `json:"fitted"`
}

// LawData is the data of the law panel: η* against N on log–log axes.
type LawData struct {
	// HasLaw is false when the fit has no usable law (fewer than 2 fitted
	// optima); only the measured optima are drawn then.
	HasLaw    bool    `json:"has_law"`
	Alpha     float64 `json:"alpha"`
	AlphaLow  float64 `json:"alpha_low"`
	AlphaHigh float64 `json:"alpha_high"`
	K         float64 `json:"k"`
	R2        float64 `json:"r2"`
	// Optima are the measured η* per usable fraction, ascending in N.
	Optima []MeasuredPoint `json:"optima"`
	// Unusable lists the fractions where every rate diverged.
	Unusable []string `json:"unusable"`
	// Fit is the law η*(N) = k·N^α with its 95% band, sampled over the
	// fitted sizes [NMin, NMax]; Extrapolation continues it from NMax to
	// the prediction's N (empty when that is not above NMax).
	Fit           []Estimate `json:"fit"`
	Extrapolation []Estimate `json:"extrapolation"`
	// Prediction is η* at the full dataset (n_full) with its 95% interval.
	Prediction *Estimate `json:"prediction,omitempty"`
}

// hasLaw reports whether the fit holds a law that can be evaluated.
func hasLaw(fit *clc.FitFile) bool {
	return fit.Law.Points >= 2 && fit.Law.K > 0 && fit.Law.NMin > 0 && fit.Law.NMax >= fit.Law.NMin
}

// LawSeries returns the law panel's data: the measured η* per fraction with
// its 95% interval [η*·10^(−t·SE), η*·10^(t·SE)] (none when the fit has
// no noise model), and the fitted law
//
//	η*(N) = k·N^α,  band  η*(N)·10^(∓t·√V(N))
//
// (V(N) the variance of a new size's optimum, t its 95% quantile; see
// scaling.Law.PredictLog10) over the fitted sizes, extrapolated to n_full,
// where Prediction is the rate clc gives (scaling.Decide).
func LawSeries(fit *clc.FitFile) LawData {
	d := LawData{Optima: []MeasuredPoint{}, Unusable: []string{}, Fit: []Estimate{}, Extrapolation: []Estimate{}}
	for _, o := range sortedOptima(fit) {
		if !o.Usable || !(o.LR > 0) {
			d.Unusable = append(d.Unusable, fractionLabel(fit, o.Fraction))
			continue
		}
		lo, hi := interval(o)
		d.Optima = append(d.Optima, MeasuredPoint{
			Label: fractionLabel(fit, o.Fraction), N: float64(o.N),
			Value: o.LR, Low: lo, High: hi, Fitted: o.Bracketed,
		})
	}
	if !hasLaw(fit) {
		return d
	}
	l := fit.Law
	d.HasLaw = true
	d.Alpha, d.AlphaLow, d.AlphaHigh, d.K, d.R2 = l.Alpha, l.AlphaCI[0], l.AlphaCI[1], l.K, l.R2
	predict := func(n float64) (Estimate, bool) {
		v, lo, hi := l.Predict(n)
		if !(hi > lo) { // no interval (a least-squares law through 2 points): no band
			lo, hi = v, v
		}
		return Estimate{N: n, Value: v, Low: lo, High: hi}, finite(v) && finite(lo) && finite(hi)
	}
	d.Fit = sample(float64(l.NMin), float64(l.NMax), predict)
	if nf := predictionN(fit); nf > float64(l.NMax) {
		d.Extrapolation = sample(float64(l.NMax), nf, predict)
	}
	if nf := predictionN(fit); nf > 0 {
		// The rate clc gives for the full data: the decision (the law, or
		// a blend with the largest fraction's optimum; see scaling.Decide).
		if e, err := fit.Estimate(scaling.Target{N: int(math.Round(nf))}); err == nil {
			t := float64(e.FitSteps)
			p := Estimate{N: nf, Value: e.OptimumLR, Low: e.ConstLow / t, High: e.ConstHigh / t}
			if !(p.High > p.Low) {
				p.Low, p.High = p.Value, p.Value
			}
			d.Prediction = &p
		}
	}
	return d
}

// predictionN is the size the fit predicts for: the prediction's N, else
// the dataset's rows.
func predictionN(fit *clc.FitFile) float64 {
	return float64(cmp.Or(fit.Prediction.N, fit.Dataset.Rows))
}

// interval is an optimum's 95% interval, or the point itself when it has
// none (one seed: no bar rather than a bar to 0).
func interval(o scaling.Optimum) (lo, hi float64) {
	if o.LRHigh > o.LRLow {
		return o.LRLow, o.LRHigh
	}
	return o.LR, o.LR
}

// sortedOptima returns the fit's optima in ascending order of N, then
// fraction.
func sortedOptima(fit *clc.FitFile) []scaling.Optimum {
	var os []scaling.Optimum
	for _, o := range fit.Optima {
		if o.IsBase() {
			os = append(os, o)
		}
	}
	slices.SortFunc(os, func(a, b scaling.Optimum) int {
		return cmp.Or(cmp.Compare(a.N, b.N), cmp.Compare(a.Fraction, b.Fraction))
	})
	return os
}

// sample evaluates f at curvePoints sizes spaced evenly in log10 N from lo
// to hi (both included), dropping the sizes where f fails.
func sample(lo, hi float64, f func(n float64) (Estimate, bool)) []Estimate {
	out := []Estimate{}
	if !(lo > 0) || !(hi >= lo) {
		return out
	}
	a, b := math.Log10(lo), math.Log10(hi)
	for i := range curvePoints {
		n := math.Pow(10, a+(b-a)*float64(i)/float64(curvePoints-1))
		switch i {
		case 0:
			n = lo
		case curvePoints - 1:
			n = hi
		}
		if e, ok := f(n); ok {
			out = append(out, e)
		}
	}
	return out
}

// ConstantData is the data of the constant panel: C = η*·T against N.
type ConstantData struct {
	// Points are the measured C(N) = η*(N)·T(N) per usable fraction,
	// with the 95% interval of η* times T(N), ascending in N.
	Points []MeasuredPoint `json:"points"`
	// Holds is true when the fit found C constant across sizes (a report:
	// predictions still take C(N) from the law); Mean is the mean of the
	// fitted C values.
	Holds   bool       `json:"holds"`
	Mean    float64    `json:"mean"`
	Slope   float64    `json:"slope"` // γ of C ∝ N^γ
	SlopeCI [2]float64 `json:"slope_ci"`
	Verdict string     `json:"verdict"`
	// From says where the line's η*(N) comes from, as predictions and
	// schedules use it (scaling.Estimate.ConstantFrom): "law", or beyond
	// the fitted sizes "blend" or "local" when the law is uncertain; ""
	// when there is no line.
	From string `json:"from"`
	// Line is C(N) with its 95% band over the fitted sizes, Extrapolation
	// from there to n_full, Prediction the value at n_full.
	Line          []Estimate `json:"line"`
	Extrapolation []Estimate `json:"extrapolation"`
	Prediction    *Estimate  `json:"prediction,omitempty"`
}

// ConstantSeries returns the constant panel's data: the measured
//
//	C(N) = η*(N)·T(N)   (lr·steps)
//
// per fraction, and the C(N) = η̂*(N)·T(N) clc uses for a run of the
// fit's epochs and batch size at N (clc.FitFile.Estimate: η̂* from the law,
// beyond the fitted sizes possibly blended with the largest fraction's
// optimum), whatever the constant's verdict; over the fitted sizes and
// extrapolated to n_full.
func ConstantSeries(fit *clc.FitFile) ConstantData {
	d := ConstantData{
		Points: []MeasuredPoint{}, Line: []Estimate{}, Extrapolation: []Estimate{},
		Holds: fit.Constant.Holds, Mean: fit.Constant.Mean, Slope: fit.Constant.Slope, SlopeCI: fit.Constant.SlopeCI, Verdict: fit.Constant.Verdict,
	}
	for _, o := range sortedOptima(fit) {
		if !o.Usable || !(o.LR > 0) || o.Steps < 1 {
			continue
		}
		t := float64(o.Steps)
		lo, hi := interval(o)
		d.Points = append(d.Points, MeasuredPoint{
			Label: fractionLabel(fit, o.Fraction), N: float64(o.N),
			Value: o.LR * t, Low: lo * t, High: hi * t, Fitted: o.Bracketed,
		})
	}
	if !hasLaw(fit) {
		return d
	}
	estimate := func(n float64) (Estimate, bool) {
		e, err := fit.Estimate(scaling.Target{N: int(math.Round(n))})
		if err != nil {
			return Estimate{}, false
		}
		d.From = e.ConstantFrom
		if !(e.ConstHigh > e.ConstLow) {
			return Estimate{N: n, Value: e.Constant, Low: e.Constant, High: e.Constant}, true
		}
		return Estimate{N: n, Value: e.Constant, Low: e.ConstLow, High: e.ConstHigh}, true
	}
	d.Line = sample(float64(fit.Law.NMin), float64(fit.Law.NMax), estimate)
	if nf := predictionN(fit); nf > float64(fit.Law.NMax) {
		d.Extrapolation = sample(float64(fit.Law.NMax), nf, estimate)
	}
	if nf := predictionN(fit); nf > 0 {
		if e, ok := estimate(nf); ok {
			d.Prediction = &e
		}
	}
	return d
}

// ScheduleData is the data of the schedule panel: the rate η_t against the
// optimizer step t.
type ScheduleData struct {
	Shape string  `json:"shape"` // the shape and its parameters, e.g. "cosine (min_ratio 0.1)"
	Steps int     `json:"steps"` // T
	Per   string  `json:"per"`   // "step" or "epoch"
	Area  float64 `json:"area"`  // S = Σ_t η_t, lr·steps
	Peak  float64 `json:"peak"`
	Final float64 `json:"final"`
	// Rates are the points (t, η_t), t = 0 … T−1, plus (T, η_{T−1}), so
	// that a step function through them (η_t held over [t, t+1)) encloses
	// exactly the area S. A schedule longer than maxSchedulePoints steps is
	// thinned: each of maxSchedulePoints/2 runs of consecutive steps keeps
	// its smallest and largest rate, so the peak and the shape's envelope
	// survive.
	Rates []XY `json:"rates"`
}

// ScheduleSeries returns the schedule panel's data for s, reading its
// rates once, in order (a schedule whose rates are computed as they are
// read, however long, takes memory for the plotted points only).
func ScheduleSeries(s *schedule.Schedule) ScheduleData {
	d := ScheduleData{Shape: s.Spec.String(), Steps: s.Steps, Per: string(s.Per),
		Area: s.Area, Peak: s.Peak, Final: s.Final, Rates: thin(s.All(), s.Steps, maxSchedulePoints)}
	if s.Steps > 0 {
		d.Rates = append(d.Rates, XY{float64(s.Steps), s.Final})
	}
	return d
}

// thin returns (t, η_t) for every one of the n rates when there are at
// most limit; otherwise it splits the steps into limit/2 runs of
// consecutive steps and keeps each run's smallest and largest rate (the
// first of equal ones), in step order.
func thin(rates iter.Seq2[int, float64], n, limit int) []XY {
	out := []XY{}
	if n <= limit {
		for t, v := range rates {
			out = append(out, XY{float64(t), v})
		}
		return out
	}
	buckets := limit / 2
	b, hi := 0, n/buckets
	var lo, hi2 XY // the bucket's smallest and largest rate
	flush := func() {
		first, second := lo, hi2
		if second.X < first.X {
			first, second = second, first
		}
		out = append(out, first)
		if second.X != first.X {
			out = append(out, second)
		}
	}
	for t, v := range rates {
		if t >= hi {
			flush()
			b++
			hi = (b + 1) * n / buckets
		}
		p := XY{float64(t), v}
		if t == b*n/buckets {
			lo, hi2 = p, p
			continue
		}
		if v < lo.Y {
			lo = p
		}
		if v > hi2.Y {
			hi2 = p
		}
	}
	flush()
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// fmtG formats v with 3 significant digits, without an exponent between
// 0.001 and 10⁶.
func fmtG(v float64) string { return numfmt.Sig(v, 3, 1e-3) }

// fmtInterval formats "v [lo, hi]".
func fmtInterval(v, lo, hi float64) string {
	return fmt.Sprintf("%s [%s, %s]", fmtG(v), fmtG(lo), fmtG(hi))
}
