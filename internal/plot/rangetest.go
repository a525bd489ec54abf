package plot

import (
	"fmt"

	"gonum.org/v1/plot/plotter"

	"github.com/clc-tools/clc/internal/train"
)

// RangePlot draws a learning-rate range test: each step's batch loss
// (faint) and its smoothed curve against the rate (log x), with the
// suggested bracket [Low, High] shaded and the steepest descent and the
// lowest loss marked.
func RangePlot(r train.RangeReport) (*Panel, error) {
	if len(r.Points) == 0 {
		return nil, fmt.Errorf("range panel: %w: no points", errNoData)
	}
	title := fmt.Sprintf("Learning-rate range test: one run, rate growing exponentially\nsuggested bracket %s … %s (a heuristic for early training)",
		fmtG(r.Low), fmtG(r.High))
	p := newPlot(title, "learning rate η (log scale)", "training loss of the batch")
	setLog(&p.X)
	raw := make(plotter.XYs, len(r.Points))
	smooth := make(plotter.XYs, len(r.Points))
	lo, hi := r.Points[0].Smoothed, r.Points[0].Smoothed
	for i, q := range r.Points {
		raw[i] = plotter.XY{X: q.LR, Y: q.Loss}
		smooth[i] = plotter.XY{X: q.LR, Y: q.Smoothed}
		lo, hi = min(lo, q.Smoothed), max(hi, q.Smoothed)
	}
	// The smoothed curve sets the scale: the raw losses of the last steps,
	// as the run blows up, would squash it.
	pad := 0.08 * (hi - lo)
	ymin, ymax := lo-pad, hi+pad
	band := line(plotter.XYs{{X: r.Low, Y: ymax}, {X: r.High, Y: ymax}}, nil, 0)
	band.FillColor = fade(schedColor, 0.18)
	p.Add(band)
	p.Add(line(raw, fade(schedColor, 0.35), 0.6))
	p.Add(line(smooth, schedColor, 1.8))
	p.Y.Min, p.Y.Max = ymin, ymax
	p.X.Min, p.X.Max = r.Points[0].LR, r.Points[len(r.Points)-1].LR
	pn := &Panel{Plot: p}
	pn.Legend.Add("batch loss at each step", line(nil, fade(schedColor, 0.35), 0.6))
	pn.Legend.Add("smoothed (moving average, β = 0.98)", line(nil, schedColor, 1.8))
	shade := line(nil, nil, 0)
	shade.FillColor = fade(schedColor, 0.18)
	pn.Legend.Add(fmt.Sprintf("suggested bracket: from the steepest\ndescent (%s) to the lowest loss (%s)", fmtG(r.Steepest), fmtG(r.Lowest)), shade)
	return pn, nil
}

// WriteRange draws a range test under the heading lines given and writes
// it to path atomically (.png or .svg).
func WriteRange(path string, r train.RangeReport, heading ...string) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	pn, err := RangePlot(r)
	if err != nil {
		return err
	}
	return writeFigure(path, format, &Figure{Heading: heading, Panels: []*Panel{pn}, Width: scheduleWidth, PanelHeight: scheduleH})
}
