package plot

import (
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Legend is a list of entries drawn beside a plot rather than over its
// data: each entry is a thumbnail (the composite of the thumbnails of the
// plotters it names) and a text of one or more lines.
type Legend struct {
	Entries []LegendEntry
	style   text.Style
}

// LegendEntry is one entry of a Legend. An entry without thumbnails is a
// heading or a note.
type LegendEntry struct {
	Text   string
	Thumbs []gplot.Thumbnailer
}

// Legend geometry, in points.
const (
	thumbWidth  = 22
	thumbGap    = 6
	entryGap    = 5
	legendGap   = 14 // between the plot and its legend
	legendRight = 4  // right margin of the figure
)

// Add appends an entry.
func (l *Legend) Add(txt string, thumbs ...gplot.Thumbnailer) {
	l.Entries = append(l.Entries, LegendEntry{Text: txt, Thumbs: thumbs})
}

func (l *Legend) textStyle() text.Style {
	if l.style.Handler == nil {
		l.style = textStyle(sans, legendSize)
	}
	return l.style
}

// Width is the width of the widest entry, thumbnail included.
func (l *Legend) Width() vg.Length {
	sty := l.textStyle()
	var w vg.Length
	for _, e := range l.Entries {
		w = max(w, vg.Points(thumbWidth+thumbGap)+sty.Width(e.Text))
	}
	return w
}

// Draw draws the entries top down from the top left corner of c.
func (l *Legend) Draw(c draw.Canvas) {
	sty := l.textStyle()
	sty.YAlign = draw.YTop
	line := sty.FontExtents().Height
	y := c.Max.Y
	for _, e := range l.Entries {
		x := c.Min.X
		if len(e.Thumbs) > 0 {
			icon := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y - line + vg.Points(1)},
				Max: vg.Point{X: x + vg.Points(thumbWidth), Y: y - vg.Points(1)},
			}}
			for _, t := range e.Thumbs {
				t.Thumbnail(&icon)
			}
			x += vg.Points(thumbWidth + thumbGap)
		}
		c.FillText(sty, vg.Point{X: x, Y: y}, e.Text)
		y -= sty.Height(e.Text) + vg.Points(entryGap)
	}
}

// Panel is one plot and its legend; Figure.Draw draws the legend to the
// right of the plot.
type Panel struct {
	Plot   *gplot.Plot
	Legend Legend
}
