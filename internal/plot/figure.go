package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/renameio/v2"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/schedule"
)

// Figure sizes.
const (
	figureWidth   = 10 * vg.Inch
	panelHeight   = 4.3 * vg.Inch
	scheduleWidth = 9 * vg.Inch
	scheduleH     = 4.2 * vg.Inch
)

// Format returns the image format for path from its extension: "png" or
// "svg" (case-insensitive). Any other extension is an *inputerr.Error.
func Format(path string) (string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".png", ".svg":
		return ext[1:], nil
	case "":
		return "", inputerr.New("cannot tell the image format of %s: it has no extension", path).
			WithHint("name the plot file with .png or .svg, e.g. %s.png", path)
	}
	return "", inputerr.New("cannot plot to %s: unknown image format %q", path, ext).
		WithHint("name the plot file with .png or .svg")
}

// Figure is a drawable figure: a heading and panels stacked top down.
type Figure struct {
	Heading []string // the first line bold
	Panels  []*Panel
	Width   vg.Length
	// PanelHeight is the height of each panel.
	PanelHeight vg.Length
}

// height is the figure's total height.
func (f *Figure) height() vg.Length {
	return f.PanelHeight*vg.Length(len(f.Panels)) + f.headingHeight()
}

// headingHeight is the height of the heading: 0.3 inch plus 0.22 inch a
// line, or 0 without one.
func (f *Figure) headingHeight() vg.Length {
	if len(f.Heading) == 0 {
		return 0
	}
	return 0.3*vg.Inch + 0.22*vg.Inch*vg.Length(len(f.Heading))
}

// Draw draws the figure on c: the heading centred at the top, then the
// panels in one column, their data areas aligned, each legend to the right
// of its panel in a strip as wide as the widest legend.
func (f *Figure) Draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	top := f.headingHeight()
	if top > 0 {
		y := c.Max.Y - vg.Points(10)
		for i, h := range f.Heading {
			sty := textStyle(sans, headingSize)
			if i == 0 {
				sty = textStyle(bold, titleSize)
			}
			sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
			c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: y}, h)
			y -= sty.Height(h) + vg.Points(3)
		}
	}
	var lw vg.Length
	for _, p := range f.Panels {
		lw = max(lw, p.Legend.Width())
	}
	strip := lw + vg.Points(legendGap+legendRight)
	tiles := draw.Tiles{Rows: len(f.Panels), Cols: 1, PadTop: top + vg.Points(4), PadBottom: vg.Points(6),
		PadLeft: vg.Points(6), PadY: vg.Points(22)}
	plots := make([][]*gplot.Plot, len(f.Panels))
	yLabels := make([]string, len(f.Panels))
	for i, p := range f.Panels {
		plots[i] = []*gplot.Plot{p.Plot}
		// gonum/plot reserves room for the y label as if it were centred
		// at the arithmetic mean of the axis range, which on a log axis
		// lies near the top: the label's box then pushes the data area
		// down. A blank label reserves the label's column; the real one
		// is drawn below, centred on the data area as gonum draws it.
		yLabels[i], p.Plot.Y.Label.Text = p.Plot.Y.Label.Text, " "
	}
	defer func() {
		for i, p := range f.Panels {
			p.Plot.Y.Label.Text = yLabels[i]
		}
	}()
	left := draw.Crop(c, 0, -strip, 0, 0)
	canvases := gplot.Align(plots, tiles, left)
	for i, p := range f.Panels {
		pc := canvases[i][0]
		p.Plot.Draw(pc)
		data := p.Plot.DataCanvas(pc)
		drawYLabel(pc, data, p.Plot.Y.Label.TextStyle, yLabels[i])
		p.Legend.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: c.Max.X - lw - vg.Points(legendRight), Y: pc.Min.Y},
			Max: vg.Point{X: c.Max.X - vg.Points(legendRight), Y: data.Max.Y},
		}})
	}
}

// drawYLabel draws an axis label rotated a quarter turn at the left edge
// of the plot canvas pc, centred on the data area.
func drawYLabel(pc, data draw.Canvas, sty text.Style, label string) {
	x := pc.Min.X + sty.Height(label) - sty.FontExtents().Descent
	sty.Rotation += math.Pi / 2
	pc.FillText(sty, vg.Point{X: x, Y: (data.Min.Y + data.Max.Y) / 2}, label)
}

// Render draws the figure in format ("png" or "svg") and returns the
// file's bytes.
func (f *Figure) Render(format string) ([]byte, error) {
	w, h := f.Width, f.height()
	var cw vg.CanvasWriterTo
	switch format {
	case "png":
		cw = vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	case "svg":
		cw = vgsvg.New(w, h)
	default:
		return nil, fmt.Errorf("plot: unknown format %q", format)
	}
	f.Draw(draw.New(cw))
	var b bytes.Buffer
	if _, err := cw.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("plot: rendering %s: %w", format, err)
	}
	return b.Bytes(), nil
}

// FitFigure builds the figure of a fit: a heading describing the data and
// the sweep, then (1) the loss panel, (2) the law panel and (3) the
// constant panel. A panel with nothing to draw (no usable optimum) is left
// out and the heading says why; a fit without trials is an
// *inputerr.Error.
func FitFigure(fit *clc.FitFile) (*Figure, error) {
	fig := &Figure{Heading: fitHeading(fit), Width: figureWidth, PanelHeight: panelHeight}
	loss, err := LossPlot(LossSeries(fit), lossLabels(fit))
	if err != nil {
		if errors.Is(err, errNoData) {
			return nil, inputerr.New("the fit has no trials to plot").
				WithHint("plot a fit file written by %v or %v", inputerr.Command("fit"), inputerr.Command("merge"))
		}
		return nil, err
	}
	fig.Panels = append(fig.Panels, loss)
	idx := fractionIndex(fit)
	var skipped []string
	law, err := LawPlot(LawSeries(fit), colorIndexes(fit, idx))
	switch {
	case errors.Is(err, errNoData):
		skipped = append(skipped, "no usable optimum: every rate diverged at every fraction, so there is no law or constant to plot")
	case err != nil:
		return nil, err
	default:
		fig.Panels = append(fig.Panels, law)
		c, err := ConstantPlot(ConstantSeries(fit), colorIndexes(fit, idx))
		if err != nil && !errors.Is(err, errNoData) {
			return nil, err
		}
		if err == nil {
			fig.Panels = append(fig.Panels, c)
		}
		if ld, ok := LengthSeries(fit); ok {
			colors := map[string]int{}
			for f, i := range idx {
				colors[fractionLabel(fit, f)] = i
			}
			lp, err := LengthPlot(ld, colors)
			if err != nil && !errors.Is(err, errNoData) {
				return nil, err
			}
			if err == nil {
				fig.Panels = append(fig.Panels, lp)
			}
		}
	}
	if !hasLaw(fit) && len(skipped) == 0 {
		skipped = append(skipped, "no law was fitted (fewer than 2 bracketed optima): widen the learning-rate grid")
	}
	fig.Heading = append(fig.Heading, skipped...)
	return fig, nil
}

// fractionIndex maps each fraction of the fit (trials and optima) to its
// position in ascending order: the colour index LossSeries' order gives.
func fractionIndex(fit *clc.FitFile) map[float64]int {
	seen := map[float64]bool{}
	for _, t := range ownTrials(fit) {
		seen[t.Fraction] = true
	}
	var fs []float64
	for f := range seen {
		fs = append(fs, f)
	}
	idx := map[float64]int{}
	slices.Sort(fs)
	for i, f := range fs {
		idx[f] = i
	}
	return idx
}

// colorIndexes returns the colour index of each usable optimum in the order
// LawSeries and ConstantSeries list them (ascending N).
func colorIndexes(fit *clc.FitFile, idx map[float64]int) []int {
	var out []int
	for _, o := range sortedOptima(fit) {
		if o.Usable && o.LR > 0 {
			out = append(out, idx[o.Fraction])
		}
	}
	return out
}

// lossLabels are the loss panel's axis labels for fit: the rate is a
// constant rate, or the mean rate of the schedule shape the fit trained
// with; the loss is named by the task, another objective by its metric.
func lossLabels(fit *clc.FitFile) LossLabels {
	l := LossLabels{X: "learning rate η (log scale)", Y: "final validation loss"}
	if s := fit.Config.Schedule; s != nil && s.Shape != "" && s.Shape != schedule.Constant {
		l.X = fmt.Sprintf("mean learning rate η of a %s schedule (log scale)", s.Shape)
	}
	if obj := fit.Config.Objective(); !obj.IsLoss() {
		better := map[clc.Direction]string{clc.Minimize: "lower", clc.Maximize: "higher"}[obj.Direction]
		l.Y = fmt.Sprintf("final %s (%s is better)", obj.Metric, better)
		l.Title = fmt.Sprintf("Validation %s against learning rate, per data fraction", obj.Metric)
		return l
	}
	switch fit.Dataset.Task {
	case "classification":
		l.Y += " (cross-entropy)"
	case "regression":
		l.Y += " (MSE, standardized target)"
	}
	return l
}

// fitHeading describes the data and the sweep, leaving out what the fit
// does not record: the data source in bold, then the rows, the model, the
// optimizer, the budget and the grid. A fit trained by an external command
// (config.model "exec") is "a sweep of an external trainer" when it has no data file of
// its own (source "exec"), and a third line names the command, shortened
// to the figure's width, instead of a model and an optimizer.
func fitHeading(fit *clc.FitFile) []string {
	d, c := fit.Dataset, fit.Config
	exec := c.Model == "exec"
	first := "fit"
	switch {
	case exec && (d.Source == "" || d.Source == "exec"):
		first += " of an external trainer's sweep"
	case d.Source != "":
		first += " of " + d.Source
	}
	data := fmt.Sprintf("%d training rows (n_full)", d.Rows)
	if d.ValidRows > 0 || !exec {
		data += fmt.Sprintf(", %d validation rows", d.ValidRows)
	}
	budget := fmt.Sprintf("%d epochs of batch %d", c.Epochs, c.BatchSize)
	if c.Steps > 0 {
		budget = fmt.Sprintf("%d steps of batch %d", c.Steps, c.BatchSize)
	}
	grid := fmt.Sprintf("%d fractions", len(c.Fractions))
	if runs := len(c.Axes.Runs()); runs > 0 {
		grid += " + " + numfmt.Count(runs, "other run", "other runs")
	}
	if c.Design == clc.DesignAdaptive {
		// The adaptive design chose its own rates and seeds per fraction.
		grid += ", adaptive design"
		if len(fit.Trials) > 0 {
			grid += ": " + numfmt.Count(len(fit.Trials), "trial", "trials")
		}
	} else {
		grid += fmt.Sprintf(" × %d rates × %s", len(c.LRs), numfmt.Count(c.Seeds, "seed", "seeds"))
	}
	if exec {
		cmd := strings.Join(strings.Fields(c.Exec), " ")
		if cmd == "" {
			cmd = "(command not recorded)"
		}
		const lead = "trained by the command: "
		return []string{first,
			strings.Join([]string{data, budget, grid}, " · "),
			lead + shorten(cmd, headingWidth-textStyle(sans, headingSize).Width(lead))}
	}
	var training []string
	model := c.Model
	if len(c.Hidden) > 0 {
		model += fmt.Sprintf(" %v", c.Hidden)
	}
	if c.Activation != "" && c.Model == "mlp" {
		model += " " + c.Activation
	}
	for _, s := range []string{model, c.Optimizer, budget} {
		if s != "" {
			training = append(training, s)
		}
	}
	return []string{first, strings.Join([]string{data, strings.Join(training, ", "), grid}, " · ")}
}

// headingWidth is the width a line of a fit figure's heading may take:
// the figure's width less a margin on each side.
const headingWidth = figureWidth - 0.5*vg.Inch

// shorten returns s when it is at most width wide in the heading's font,
// else its longest prefix that is, with "…", cut after a space when one
// lies in the prefix's second half.
func shorten(s string, width vg.Length) string {
	sty := textStyle(sans, headingSize)
	if sty.Width(s) <= width {
		return s
	}
	r := []rune(s)
	n := len(r)
	for n > 0 && sty.Width(string(r[:n])+" …") > width {
		n--
	}
	cut := string(r[:n])
	if i := strings.LastIndexByte(cut, ' '); i >= len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ") + " …"
}

// WriteFit draws the fit figure (see FitFigure) and writes it to path
// atomically, in the format of its extension (.png or .svg).
func WriteFit(path string, fit *clc.FitFile) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	fig, err := FitFigure(fit)
	if err != nil {
		return err
	}
	return writeFigure(path, format, fig)
}

// ScheduleFigure builds the figure of a schedule (see SchedulePlot), under
// the heading lines given (the first in bold), if any.
func ScheduleFigure(s *schedule.Schedule, heading ...string) (*Figure, error) {
	pn, err := SchedulePlot(ScheduleSeries(s))
	if err != nil {
		return nil, err
	}
	return &Figure{Heading: heading, Panels: []*Panel{pn}, Width: scheduleWidth, PanelHeight: scheduleH}, nil
}

// WriteSchedule draws the schedule figure under the heading lines given
// and writes it to path atomically, in the format of its extension (.png
// or .svg).
func WriteSchedule(path string, s *schedule.Schedule, heading ...string) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	fig, err := ScheduleFigure(s, heading...)
	if err != nil {
		return err
	}
	return writeFigure(path, format, fig)
}

// writeFigure renders fig and writes it to path atomically (a temporary
// file renamed over path, mode 0644).
func writeFigure(path, format string, fig *Figure) error {
	b, err := fig.Render(format)
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("plot: writing %s: %w", path, err)
	}
	return nil
}
