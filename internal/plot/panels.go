package plot

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/clc-tools/clc/internal/numfmt"
)

// errNoData is returned by a drawing function whose series hold nothing to
// draw.
var errNoData = errors.New("nothing to plot")

// LossLabels are the axis labels of the loss panel, and its title ("":
// the validation loss's).
type LossLabels struct {
	X, Y  string
	Title string
}

// LossPlot draws the validation loss against the learning rate (log x
// axis) for every fraction, one colour per fraction: each seed's loss as a
// faint point, the seed-mean L(η) as a line, η* as a large dot (hollow when
// unbracketed) on the line with its 95% interval as a horizontal bar, and
// each rate where a seed diverged as a cross in a row above the curves,
// one row per fraction. The y axis spans the range of d (see LossData): a
// loss off scale (a seed's or a mean's) is drawn as an upward triangle in
// a row at the top edge of the panel, and a mean curve running to an
// off-scale mean ends at its triangle.
func LossPlot(d LossData, labels LossLabels) (*Panel, error) {
	fs := d.Fractions
	title := labels.Title
	if title == "" {
		title = "Validation loss against learning rate, per data fraction"
	}
	p := newPlot(title, labels.X, labels.Y)
	setLog(&p.X)
	xlo, xhi := math.Inf(1), math.Inf(-1)
	anyOff := false
	for _, f := range fs {
		for _, q := range f.Seeds {
			xlo, xhi = min(xlo, q.X), max(xhi, q.X)
		}
		for _, r := range f.Diverged {
			xlo, xhi = min(xlo, r), max(xhi, r)
		}
		anyOff = anyOff || len(f.OffScale) > 0 || len(f.MeanOffScale) > 0
	}
	if math.IsInf(xlo, 0) {
		return nil, fmt.Errorf("loss panel: %w: no trials", errNoData)
	}
	ylo, yhi := d.YMin, d.YMax
	if !anySeeds(fs) { // every trial diverged
		ylo, yhi = 0, 1
	}
	if yhi-ylo < 1e-9 {
		ylo, yhi = ylo-0.5, yhi+0.5
	}
	span := yhi - ylo
	// The rows above the loss range: one row of diverged rates per
	// fraction, then, at the top edge, the off-scale row.
	divRow := func(i int) float64 { return yhi + span*(0.07+0.05*float64(i)) }
	offRow := yhi + 0.07*span
	for i, f := range fs {
		if len(f.Diverged) > 0 {
			offRow = divRow(i+1) + 0.02*span
		}
	}
	clamp := func(ps []XY) plotter.XYs {
		out := xys(ps)
		for i := range out {
			if d.OffScale(out[i].Y) {
				out[i].Y = offRow
			}
		}
		return out
	}
	onScale := func(ps []XY) []XY {
		var out []XY
		for _, q := range ps {
			if !d.OffScale(q.Y) {
				out = append(out, q)
			}
		}
		return out
	}
	anySeed, anyDiverged, anyOptimum, anyUnbracketed := false, false, false, false
	maxOff := math.Inf(-1)
	pn := &Panel{Plot: p}
	pn.Legend.Add("data fraction: N rows, T steps")
	for i, f := range fs {
		c := fractionColor(i)
		seeds := scatter(xys(onScale(f.Seeds)), draw.CircleGlyph{}, fade(c, 0.35), 2.2)
		mean := line(clamp(f.Mean), c, 1.6)
		anySeed = anySeed || len(f.Seeds) > 0
		p.Add(seeds, mean)
		thumbs := []gplot.Thumbnailer{mean}
		if len(f.OffScale) > 0 || len(f.MeanOffScale) > 0 {
			off := append(slices.Clone(f.OffScale), f.MeanOffScale...)
			p.Add(scatter(clamp(off), draw.PyramidGlyph{}, c, 4))
			for _, q := range off {
				maxOff = max(maxOff, q.Y)
			}
		}
		if f.Optimum != nil {
			o := f.Optimum
			bar, err := newXErrors(o.LR, o.Loss, o.Low, o.High, c)
			if err != nil {
				return nil, fmt.Errorf("loss panel: %w", err)
			}
			dot := optimumGlyph(o.LR, o.Loss, c, o.Bracketed)
			p.Add(bar, dot)
			thumbs = append(thumbs, dot)
			anyOptimum = true
			anyUnbracketed = anyUnbracketed || !o.Bracketed
		}
		entry := fractionEntry(f)
		if len(f.Diverged) > 0 {
			anyDiverged = true
			pts := make(plotter.XYs, len(f.Diverged))
			for j, r := range f.Diverged {
				pts[j] = plotter.XY{X: r, Y: divRow(i)}
			}
			crosses := scatter(pts, crossGlyph{vg.Points(1.6)}, c, 4)
			p.Add(crosses)
			if len(f.Mean) == 0 {
				thumbs = []gplot.Thumbnailer{crosses}
				entry = fmt.Sprintf("%s: N = %d, every rate diverged", f.Label, f.N)
			}
		}
		pn.Legend.Add(entry, thumbs...)
	}
	logRange(&p.X, xlo, xhi, 0.08)
	p.Y.Min, p.Y.Max = ylo-0.04*span, yhi+0.04*span
	switch {
	case anyOff:
		p.Y.Max = offRow + 0.04*span
	case anyDiverged:
		p.Y.Max = divRow(len(fs)-1) + 0.05*span
	}
	addLossKey(&pn.Legend, lossKey{seeds: anySeed, optimum: anyOptimum, unbracketed: anyUnbracketed,
		diverged: anyDiverged, offScale: anyOff, maxOff: maxOff, limit: d.Limit})
	return pn, nil
}

// anySeeds reports whether any fraction has a finite seed loss.
func anySeeds(fs []FractionLoss) bool {
	for _, f := range fs {
		if len(f.Seeds) > 0 {
			return true
		}
	}
	return false
}

// fractionEntry is a fraction's legend text: "1/32: N = 219, T = 18".
func fractionEntry(f FractionLoss) string {
	s := fmt.Sprintf("%s: N = %d", f.Label, f.N)
	if f.Steps > 0 {
		s += fmt.Sprintf(", T = %d", f.Steps)
	}
	return s
}

// lossKey says which kinds of marks the loss panel holds.
type lossKey struct {
	seeds, optimum, unbracketed, diverged, offScale bool
	maxOff, limit                                   float64 // the largest off-scale loss, the limit
}

// addLossKey adds the legend entries that explain the loss panel's marks,
// in grey.
func addLossKey(l *Legend, k lossKey) {
	l.Add("")
	if k.seeds {
		l.Add("one seed's final loss", scatter(plotter.XYs{{}}, draw.CircleGlyph{}, fade(neutral, 0.5), 2.2))
		l.Add("mean over seeds, L(η)", line(nil, neutral, 1.6))
	}
	if k.optimum {
		l.Add("optimum η* and its\n95% interval", line(nil, neutral, 1.5), optimumGlyph(0, 0, neutral, true))
	}
	if k.unbracketed {
		l.Add("optimum at the grid's edge\n(unbracketed, not fitted)", optimumGlyph(0, 0, neutral, false))
	}
	if k.offScale {
		l.Add(fmt.Sprintf("loss above the axis (off scale,\n> %s, up to %s)", fmtG(k.limit), fmtG(k.maxOff)),
			scatter(plotter.XYs{{}}, draw.PyramidGlyph{}, neutral, 4))
	}
	if k.diverged {
		l.Add("rate where a seed diverged or\nwas stopped (one row per fraction)", scatter(plotter.XYs{{}}, crossGlyph{vg.Points(1.6)}, neutral, 4))
	}
}

// optimumGlyph marks an optimum: a filled dot with a dark ring when
// bracketed, a ring when not.
func optimumGlyph(x, y float64, c color.Color, bracketed bool) *plotter.Scatter {
	g := ringGlyph{Width: vg.Points(1.8)}
	if bracketed {
		g = ringGlyph{Width: vg.Points(1), Outline: color.NRGBA{0x22, 0x22, 0x22, 0xff}}
	}
	return scatter(plotter.XYs{{X: x, Y: y}}, g, c, 4.5)
}

// LawPlot draws η* against N on log–log axes: the measured optima with
// their 95% intervals in their fractions' colours (hollow when unbracketed
// and so not fitted), the fitted law η*(N) = k·N^α over the fitted sizes
// with its 95% band, the law's extrapolation to n_full dashed over a paler
// band, and the predicted rate at n_full with its interval.
func LawPlot(d LawData, colors []int) (*Panel, error) {
	title := "Optimal learning rate η* against dataset size N"
	if d.HasLaw {
		ci, r2 := fmt.Sprintf(" [95%%: %s, %s]", signed(d.AlphaLow), signed(d.AlphaHigh)), fmt.Sprintf(", R² = %.2f", d.R2)
		if !(d.AlphaHigh > d.AlphaLow) {
			ci = " (no interval)" // e.g. a law through 2 optima
		}
		if d.R2 == 0 {
			r2 = "" // undefined: 2 optima, or optima that do not vary
		}
		title += fmt.Sprintf("\nlaw η* = %s·N^α, α = %s%s%s", fmtG(d.K), signed(d.Alpha), ci, r2)
	} else {
		title += " (no law: fewer than 2 bracketed optima)"
	}
	p := newPlot(title, "training rows N (log scale)", "optimal rate η* (log scale)")
	setLog(&p.X)
	setLog(&p.Y)
	pn := &Panel{Plot: p}
	rng := newRange()
	if d.HasLaw {
		addCurve(pn, d.Fit, d.Extrapolation, rng,
			"law η* = k·N^α fitted on the\nbracketed optima (95% band)",
			"extrapolation to the full data")
	}
	if err := addMeasured(pn, d.Optima, colors, rng, "measured η* per fraction\n(95% interval; colours as above)"); err != nil {
		return nil, fmt.Errorf("law panel: %w", err)
	}
	if d.Prediction != nil {
		e := *d.Prediction
		if err := addPrediction(pn, e, rng, fmt.Sprintf("prediction for all %s rows:\nη* = %s", fmtN(e.N), fmtInterval(e.Value, e.Low, e.High))); err != nil {
			return nil, fmt.Errorf("law panel: %w", err)
		}
	}
	if len(d.Unusable) > 0 {
		pn.Legend.Add(fmt.Sprintf("every rate diverged at\nfraction %s: no optimum", strings.Join(d.Unusable, ", ")))
	}
	if rng.empty() {
		return nil, fmt.Errorf("law panel: %w: no usable optimum", errNoData)
	}
	logRange(&p.X, rng.xlo, rng.xhi, 0.08)
	logRange(&p.Y, rng.ylo, rng.yhi, 0.08)
	return pn, nil
}

// signed formats v with 3 significant digits and a true minus sign.
func signed(v float64) string {
	return strings.Replace(fmtG(v), "-", "−", 1)
}

// fmtN formats a row count.
func fmtN(n float64) string { return fmt.Sprintf("%.0f", n) }

// dataRange accumulates the data range of a log–log panel.
type dataRange struct{ xlo, xhi, ylo, yhi float64 }

func newRange() *dataRange {
	return &dataRange{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
}

func (r *dataRange) add(x, y float64) {
	r.xlo, r.xhi = min(r.xlo, x), max(r.xhi, x)
	r.ylo, r.yhi = min(r.ylo, y), max(r.yhi, y)
}

func (r *dataRange) addEstimates(es []Estimate) {
	for _, e := range es {
		r.add(e.N, e.Low)
		r.add(e.N, e.High)
	}
}

func (r *dataRange) empty() bool { return math.IsInf(r.xlo, 0) }

// addCurve draws a fitted curve with its band over the fitted range, and
// its extrapolation dashed over a paler band.
func addCurve(pn *Panel, fit, extra []Estimate, rng *dataRange, fitText, extraText string) {
	if len(fit) == 0 {
		return
	}
	b := band(fit, fade(lawColor, 0.18))
	l := line(values(fit), lawColor, 2)
	pn.Plot.Add(b)
	rng.addEstimates(fit)
	if len(extra) > 0 {
		eb := band(extra, fade(lawColor, 0.08))
		el := line(values(extra), lawColor, 1.6, dashed...)
		pn.Plot.Add(eb, el)
		rng.addEstimates(extra)
		defer pn.Legend.Add(extraText, eb, el)
	}
	pn.Plot.Add(l)
	pn.Legend.Add(fitText, b, l)
}

// addMeasured draws measured points with 95% interval bars, each in its
// fraction's colour (colors[i] is the colour index of ps[i]).
func addMeasured(pn *Panel, ps []MeasuredPoint, colors []int, rng *dataRange, legend string) error {
	for i, q := range ps {
		c := fractionColor(i)
		if i < len(colors) {
			c = fractionColor(colors[i])
		}
		bars, err := newYErrors([]MeasuredPoint{q}, c)
		if err != nil {
			return err
		}
		pn.Plot.Add(bars, optimumGlyph(q.N, q.Value, c, q.Fitted))
		rng.add(q.N, q.Low)
		rng.add(q.N, q.High)
	}
	if len(ps) > 0 {
		pn.Legend.Add(legend, line(nil, neutral, 1.3), optimumGlyph(0, 0, neutral, true))
	}
	for _, q := range ps {
		if !q.Fitted {
			pn.Legend.Add("unbracketed: not fitted", optimumGlyph(0, 0, neutral, false))
			break
		}
	}
	return nil
}

// addPrediction marks the value at n_full with its interval.
func addPrediction(pn *Panel, e Estimate, rng *dataRange, legend string) error {
	bars, err := newYErrors([]MeasuredPoint{{N: e.N, Value: e.Value, Low: e.Low, High: e.High}}, predColor)
	if err != nil {
		return err
	}
	bars.LineStyle.Width = vg.Points(1.8)
	mark := scatter(plotter.XYs{{X: e.N, Y: e.Value}}, draw.BoxGlyph{}, predColor, 4.5)
	pn.Plot.Add(bars, mark)
	pn.Legend.Add(legend, line(nil, predColor, 1.8), mark)
	rng.add(e.N, e.Low)
	rng.add(e.N, e.High)
	return nil
}

// constantVerdict is the constant's verdict in a line that fits a panel's
// title, in glyphs the figures' font has (no ∝): from the slope γ of
// C ~ N^γ and its 95% interval.
func constantVerdict(d ConstantData) string {
	lo, hi := numfmt.Fixed(d.SlopeCI[0], 2), numfmt.Fixed(d.SlopeCI[1], 2)
	switch {
	case d.Verdict == "" || strings.HasPrefix(d.Verdict, "untested"):
		verdict, _, _ := strings.Cut(d.Verdict, ";")
		return verdict
	case d.Holds:
		return fmt.Sprintf("constant: C = %s lr·steps (slope %s [%s, %s])", numfmt.Sig(d.Mean, 3, 1e-3), numfmt.Fixed(d.Slope, 2), lo, hi)
	case d.SlopeCI[0] <= 0 && 0 <= d.SlopeCI[1]:
		return fmt.Sprintf("undetermined: C ~ N^%s, exponent in [%s, %s]", numfmt.Fixed(d.Slope, 2), lo, hi)
	case d.Slope > 0:
		return fmt.Sprintf("not constant: C grows as N^%s [%s, %s]", numfmt.Fixed(d.Slope, 2), lo, hi)
	}
	return fmt.Sprintf("not constant: C shrinks as N^%s [%s, %s]", numfmt.Fixed(d.Slope, 2), lo, hi)
}

// ConstantPlot draws the cumulative-learning constant C = η*·T against N
// (log x; log y when the values span more than a decade, else linear from
// 0): the measured C per fraction with 95% intervals in the fractions'
// colours, the C(N) = η*(N)·T(N) clc uses (from the law, whatever the
// verdict on C) with its 95% band over the fitted sizes, extrapolated
// dashed to n_full, and the value there.
func ConstantPlot(d ConstantData, colors []int) (*Panel, error) {
	title := "Cumulative-learning constant C = η*·T against N"
	if v := constantVerdict(d); v != "" {
		title += "\n" + v
	}
	p := newPlot(title, "training rows N (log scale)", "C = η*·T (lr·steps)")
	setLog(&p.X)
	pn := &Panel{Plot: p}
	rng := newRange()
	if d.From != "" {
		addCurve(pn, d.Line, d.Extrapolation, rng, "C(N) = η*(N)·T(N) from the\nlaw (95% band)", "extrapolation to the full data")
	}
	if err := addMeasured(pn, d.Points, colors, rng, "measured C = η*·T per fraction\n(95% interval)"); err != nil {
		return nil, fmt.Errorf("constant panel: %w", err)
	}
	if d.Prediction != nil {
		e := *d.Prediction
		if err := addPrediction(pn, e, rng, fmt.Sprintf("C for all %s rows:\n%s lr·steps", fmtN(e.N), fmtInterval(e.Value, e.Low, e.High))); err != nil {
			return nil, fmt.Errorf("constant panel: %w", err)
		}
	}
	if rng.empty() {
		return nil, fmt.Errorf("constant panel: %w: no usable optimum", errNoData)
	}
	logRange(&p.X, rng.xlo, rng.xhi, 0.08)
	if rng.ylo > 0 && rng.yhi/rng.ylo > 10 {
		setLog(&p.Y)
		p.Y.Label.Text += " (log scale)"
		logRange(&p.Y, rng.ylo, rng.yhi, 0.05)
	} else {
		p.Y.Min, p.Y.Max = 0, rng.yhi*1.08
	}
	return pn, nil
}

// SchedulePlot draws a schedule: the rate η_t against the optimizer step t
// as a step function (η_t held over [t, t+1)) with the area under it, the
// cumulative learning S = Σ_t η_t, shaded. The title states the shape,
// the steps, the area and the peak and final rates.
func SchedulePlot(d ScheduleData) (*Panel, error) {
	if len(d.Rates) == 0 {
		return nil, fmt.Errorf("schedule panel: %w: no rates", errNoData)
	}
	title := fmt.Sprintf("Schedule: %s\n%d steps (rate set per %s), area Σ η_t = %s lr·steps, peak %s, final %s",
		d.Shape, d.Steps, d.Per, fmtG(d.Area), fmtG(d.Peak), fmtG(d.Final))
	p := newPlot(title, "optimizer step t", "learning rate η_t")
	l := line(xys(d.Rates), schedColor, 1.8)
	l.StepStyle = plotter.PostStep
	l.FillColor = fade(schedColor, 0.22)
	p.Add(l)
	p.X.Min, p.X.Max = 0, float64(d.Steps)
	p.Y.Min, p.Y.Max = 0, d.Peak*1.08
	if !(d.Peak > 0) {
		p.Y.Max = 1
	}
	pn := &Panel{Plot: p}
	pn.Legend.Add("rate η_t at step t", line(nil, schedColor, 1.8))
	shade := line(nil, nil, 0)
	shade.FillColor = fade(schedColor, 0.22)
	pn.Legend.Add(fmt.Sprintf("area Σ η_t = %s lr·steps:\nthe cumulative learning C", fmtG(d.Area)), shade)
	return pn, nil
}
