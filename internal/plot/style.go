package plot

import (
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	xfont "golang.org/x/image/font"

	"github.com/clc-tools/clc/internal/numfmt"
)

// Font sizes, in points.
const (
	titleSize   = 13 // panel titles and the figure heading's first line
	headingSize = 11 // the figure heading's other lines
	labelSize   = 11
	tickSize    = 10
	legendSize  = 10
)

// sans is the typeface of every text: Liberation Sans, which gonum/plot
// embeds and which covers the Greek letters and symbols the labels use.
var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// bold is sans in bold, for the figure's heading.
var bold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}

// palette holds one colour per fraction, in ascending order of fraction:
// the Okabe–Ito colours, which stay distinct for colour-blind readers,
// without the yellow that vanishes on white.
var palette = []color.NRGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // bluish green
	{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0x44, 0x44, 0x44, 0xff}, // dark grey
	{0x99, 0x66, 0x33, 0xff}, // brown
}

// Colours of what is not per fraction: the law and its band, the
// prediction at n_full, explanatory legend entries.
var (
	lawColor   = color.NRGBA{0x1f, 0x3a, 0x93, 0xff}
	predColor  = color.NRGBA{0xc0, 0x00, 0x30, 0xff}
	neutral    = color.NRGBA{0x55, 0x55, 0x55, 0xff}
	gridColor  = color.NRGBA{0xdd, 0xdd, 0xdd, 0xff}
	schedColor = color.NRGBA{0x00, 0x5a, 0x9c, 0xff}
)

// fractionColor is the colour of the i-th fraction (ascending).
func fractionColor(i int) color.NRGBA { return palette[i%len(palette)] }

// fade returns c with opacity alpha in [0, 1].
func fade(c color.NRGBA, alpha float64) color.NRGBA {
	c.A = uint8(math.Round(255 * alpha))
	return c
}

// textStyle is a style of the sans font at size points.
func textStyle(f font.Font, size vg.Length) text.Style {
	return text.Style{Color: color.Black, Font: font.From(f, size), Handler: gplot.DefaultTextHandler}
}

// newPlot returns a plot with clc's fonts, a light grid, the title and the
// axis labels.
func newPlot(title, xLabel, yLabel string) *gplot.Plot {
	p := gplot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, titleSize)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, labelSize)
		a.Tick.Label.Font = font.From(sans, tickSize)
		a.Label.Padding = vg.Points(4)
	}
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = linearTicks{}, linearTicks{}
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = gridColor, gridColor
	g.Vertical.Width, g.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	p.Add(g)
	return p
}

// setLog gives a an axis on a log10 scale with ticks labelled at powers of
// ten, or at 1, 2 and 5 times them when the axis spans less than two
// decades.
func setLog(a *gplot.Axis) {
	a.Scale = gplot.LogScale{}
	a.Tick.Marker = logTicks{}
}

// logTicks marks a log10 axis: minor ticks at 1…9 × 10^k, labels at 10^k,
// and at 2 and 5 × 10^k too when the range spans less than two decades (so
// a narrow axis still has labels).
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(lo > 0) || !(hi >= lo) {
		return nil
	}
	dense := math.Log10(hi/lo) < 2
	var ticks []gplot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := gplot.Tick{Value: v}
			if m == 1 || dense && (m == 2 || m == 5) {
				t.Label = tickLabel(v)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// tickLabel formats a tick value to 10 significant digits (dropping
// rounding noise such as 0.30000000000000004): plain decimals from 0.0001
// to 10⁶ ("0.003", "2000"), else "1e-05".
func tickLabel(v float64) string { return numfmt.Sig(v, 10, 1e-4) }

// logRange sets a's range to [lo, hi] widened by pad decades on each side.
func logRange(a *gplot.Axis, lo, hi, pad float64) {
	a.Min = lo / math.Pow(10, pad)
	a.Max = hi * math.Pow(10, pad)
}

// line returns a line through xys with colour c, width w points and an
// optional dash pattern.
func line(xys plotter.XYs, c color.Color, w float64, dashes ...vg.Length) *plotter.Line {
	l := &plotter.Line{XYs: xys}
	l.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(w), Dashes: dashes}
	return l
}

// scatter returns glyphs at xys.
func scatter(xys plotter.XYs, shape draw.GlyphDrawer, c color.Color, radius float64) *plotter.Scatter {
	s := &plotter.Scatter{XYs: xys}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(radius), Shape: shape}
	return s
}

// dashed is the dash pattern of extrapolated curves.
var dashed = []vg.Length{vg.Points(6), vg.Points(4)}

// band returns the filled region between the Low and High of es, in
// colour c.
func band(es []Estimate, c color.Color) *plotter.Polygon {
	pts := make(plotter.XYs, 0, 2*len(es))
	for _, e := range es {
		pts = append(pts, plotter.XY{X: e.N, Y: e.Low})
	}
	for i := len(es) - 1; i >= 0; i-- {
		pts = append(pts, plotter.XY{X: es[i].N, Y: es[i].High})
	}
	p := &plotter.Polygon{XYs: []plotter.XYs{pts}, Color: c}
	p.LineStyle.Width = 0
	return p
}

// values returns the (N, Value) points of es.
func values(es []Estimate) plotter.XYs {
	xys := make(plotter.XYs, len(es))
	for i, e := range es {
		xys[i] = plotter.XY{X: e.N, Y: e.Value}
	}
	return xys
}

// xys converts points.
func xys(ps []XY) plotter.XYs {
	out := make(plotter.XYs, len(ps))
	for i, p := range ps {
		out[i] = plotter.XY{X: p.X, Y: p.Y}
	}
	return out
}

// yErrors draws vertical 95% interval bars through points, in colour c.
type yErrors struct {
	plotter.XYs
	plotter.YErrors
}

// newYErrors returns interval bars from Low to High at each point's N.
func newYErrors(ps []MeasuredPoint, c color.Color) (*plotter.YErrorBars, error) {
	e := yErrors{XYs: make(plotter.XYs, len(ps)), YErrors: make(plotter.YErrors, len(ps))}
	for i, p := range ps {
		e.XYs[i] = plotter.XY{X: p.N, Y: p.Value}
		e.YErrors[i].Low, e.YErrors[i].High = p.Value-p.Low, p.High-p.Value
	}
	b, err := plotter.NewYErrorBars(e)
	if err != nil {
		return nil, err
	}
	b.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.3)}
	b.CapWidth = vg.Points(6)
	return b, nil
}

// xErrors draws horizontal interval bars.
type xErrors struct {
	plotter.XYs
	plotter.XErrors
}

// newXErrors returns a horizontal bar from low to high at height y.
func newXErrors(x, y, low, high float64, c color.Color) (*plotter.XErrorBars, error) {
	e := xErrors{XYs: plotter.XYs{{X: x, Y: y}}, XErrors: plotter.XErrors{{Low: x - low, High: high - x}}}
	b, err := plotter.NewXErrorBars(e)
	if err != nil {
		return nil, err
	}
	b.LineStyle = draw.LineStyle{Color: c, Width: vg.Points(1.5)}
	b.CapWidth = vg.Points(6)
	return b, nil
}

// crossGlyph is an × drawn with lines Width wide.
type crossGlyph struct{ Width vg.Length }

// DrawGlyph implements draw.GlyphDrawer.
func (g crossGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: g.Width})
	r := sty.Radius * 0.7071
	var p vg.Path
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y + r})
	p.Move(vg.Point{X: pt.X - r, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y - r})
	c.Stroke(p)
}

// ringGlyph is a circle outline Width wide; with Fill it is a filled
// circle in the style's colour with an outline in Fill's place.
type ringGlyph struct {
	Width   vg.Length
	Outline color.Color // nil: the style's colour, unfilled
}

// DrawGlyph implements draw.GlyphDrawer.
func (g ringGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + sty.Radius, Y: pt.Y})
	p.Arc(pt, sty.Radius, 0, 2*math.Pi)
	p.Close()
	outline := sty.Color
	if g.Outline != nil {
		c.SetColor(sty.Color)
		c.Fill(p)
		outline = g.Outline
	}
	c.SetLineStyle(draw.LineStyle{Color: outline, Width: g.Width})
	c.Stroke(p)
}

// linearTicks marks a linear axis with about six labelled ticks at
// multiples of 1, 2 or 5 × 10^k, and a minor tick between each pair.
type linearTicks struct{}

// Ticks implements plot.Ticker.
func (linearTicks) Ticks(lo, hi float64) []gplot.Tick {
	if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil
	}
	raw := (hi - lo) / 6
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []gplot.Tick
	for i := math.Ceil(lo / (step / 2)); i*step/2 <= hi*(1+1e-12); i++ {
		v := i * step / 2
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		t := gplot.Tick{Value: v}
		if math.Mod(i, 2) == 0 {
			t.Label = tickLabel(v)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
