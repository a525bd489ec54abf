package plot

import (
	"bytes"
	"errors"
	"flag"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
)

var outDir = flag.String("out", "", "also write the rendered test figures to this directory, to look at them")

// render renders fig in format, checks that the output is a non-trivial
// image of that format, and writes it to -out when given.
func render(t *testing.T, fig *Figure, format, name string) []byte {
	t.Helper()
	b, err := fig.Render(format)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	switch format {
	case "png":
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", name, err)
		}
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		wantW, wantH := int(fig.Width.Dots(96)+0.5), int(fig.height().Dots(96)+0.5)
		if w != wantW || h != wantH {
			t.Errorf("%s: %d×%d pixels, want %d×%d", name, w, h, wantW, wantH)
		}
	case "svg":
		if !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("</svg>")) {
			t.Errorf("%s: not an SVG document", name)
		}
	}
	if len(b) < 5000 {
		t.Errorf("%s: %d bytes: too small to hold the figure", name, len(b))
	}
	if *outDir != "" {
		if err := os.WriteFile(filepath.Join(*outDir, name+"."+format), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// TestRenderFit renders the demo fit's figure in both formats, with all
// three panels.
func TestRenderFit(t *testing.T) {
	fig, err := FitFigure(demoFit(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Panels) != 3 {
		t.Fatalf("%d panels, want 3", len(fig.Panels))
	}
	for _, format := range []string{"png", "svg"} {
		render(t, fig, format, "fit")
	}
	// Drawing restores the panels: a second rendering is the same.
	a, b := render(t, fig, "svg", "fit"), render(t, fig, "svg", "fit")
	if !bytes.Equal(a, b) {
		t.Error("rendering the same figure twice gives different SVG")
	}
}

// TestRenderSchedule renders a schedule's figure in both formats.
func TestRenderSchedule(t *testing.T) {
	fig, err := ScheduleFigure(demoSchedule(t), "heading", "second line")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"png", "svg"} {
		render(t, fig, format, "schedule")
	}
}

// TestRenderDegenerateFits: fits with less to show still plot what they
// have; the heading says what is missing.
func TestRenderDegenerateFits(t *testing.T) {
	for _, c := range []struct {
		name    string
		edit    func(*clc.FitFile)
		panels  int
		heading string
	}{
		{"diverged-fraction", func(f *clc.FitFile) { divergeFraction(f, 0.5) }, 3, ""},
		{"no-law", noLaw, 3, "no law was fitted"},
		{"all-diverged", func(f *clc.FitFile) {
			for _, fr := range f.Config.Fractions {
				divergeFraction(f, fr)
			}
			noLaw(f)
		}, 1, "every rate diverged at every fraction"},
		{"unbracketed", func(f *clc.FitFile) {
			f.Optima[0].Bracketed, f.Optima[0].Edge = false, "high"
		}, 3, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			fit := demoFit(t)
			c.edit(fit)
			fig, err := FitFigure(fit)
			if err != nil {
				t.Fatal(err)
			}
			if len(fig.Panels) != c.panels {
				t.Errorf("%d panels, want %d", len(fig.Panels), c.panels)
			}
			if h := strings.Join(fig.Heading, "\n"); !strings.Contains(h, c.heading) {
				t.Errorf("heading %q does not say %q", h, c.heading)
			}
			render(t, fig, "png", c.name)
		})
	}
}

// TestFitFigureNoTrials: a fit without trials is an input error.
func TestFitFigureNoTrials(t *testing.T) {
	fit := demoFit(t)
	fit.Trials = nil
	_, err := FitFigure(fit)
	if ie, ok := inputerr.As(err); !ok || !strings.Contains(ie.Msg, "no trials") {
		t.Errorf("err = %v, want an input error about no trials", err)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		path, want string
		hint       string
	}{
		{"fit.png", "png", ""},
		{"dir.v2/FIT.SVG", "svg", ""},
		{"fit.pdf", "", ".png or .svg"},
		{"fit", "", "fit.png"},
	} {
		got, err := Format(c.path)
		if got != c.want {
			t.Errorf("Format(%q) = %q, want %q", c.path, got, c.want)
		}
		if c.hint == "" {
			if err != nil {
				t.Errorf("Format(%q): %v", c.path, err)
			}
			continue
		}
		if ie, ok := inputerr.As(err); !ok || !strings.Contains(ie.Hint, c.hint) || !strings.Contains(ie.Msg, c.path) {
			t.Errorf("Format(%q) error %v, want an input error naming the file with a hint about %q", c.path, err, c.hint)
		}
	}
}

// TestWriteFit writes both figures to files and fails cleanly, leaving no
// file, where the directory is missing.
func TestWriteFit(t *testing.T) {
	dir := t.TempDir()
	fit := demoFit(t)
	for _, name := range []string{"fit.png", "fit.svg"} {
		if err := WriteFit(filepath.Join(dir, name), fit); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteSchedule(filepath.Join(dir, "s.png"), demoSchedule(t)); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 3 {
		t.Fatalf("%d files in the directory (%v), want 3", len(entries), err)
	}
	err = WriteFit(filepath.Join(dir, "missing", "fit.png"), fit)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("writing into a missing directory: %v, want a not-exist error", err)
	}
	if err := WriteFit(filepath.Join(dir, "fit.jpg"), fit); err == nil {
		t.Error("writing a .jpg: no error")
	}
}

// TestFitHeading: the heading of a built-in fit, and of a fit trained by the user's command,
// which names the command (shortened to the figure's width) and no empty
// fields.
func TestFitHeading(t *testing.T) {
	fit := demoFit(t)
	want := []string{"fit of demo:fashion-mnist-14x14-8k.csv.gz",
		"7000 training rows (n_full), 1000 validation rows · mlp [64] relu, sgd, 3 epochs of batch 32 · 5 fractions × 13 rates × 2 seeds"}
	if got := fitHeading(fit); !slices.Equal(got, want) {
		t.Errorf("heading\n%q\nwant\n%q", got, want)
	}
	adaptive := demoFit(t)
	adaptive.Config.Design = clc.DesignAdaptive
	adaptive.Trials = adaptive.Trials[:57]
	if got := fitHeading(adaptive)[1]; !strings.HasSuffix(got, " · 5 fractions, adaptive design: 57 trials") {
		t.Errorf("adaptive heading %q, want the design and its trial count, not a grid", got)
	}
	adaptive.Config.Axes = &clc.Axes{Epochs: []int{1, 6}, BatchSizes: []int{64}, Fractions: []float64{0.125}}
	if got := fitHeading(adaptive)[1]; !strings.HasSuffix(got, " · 5 fractions + 3 other runs, adaptive design: 57 trials") {
		t.Errorf("heading with other runs %q, want them counted", got)
	}
	const cmd = "/usr/bin/python3 /work/main/examples/torch_trainer.py --train /tmp/fashion-mnist/fashion-train.csv --valid /tmp/fashion-mnist/fashion-test.csv --lr {lr} --n {n} --seed {seed} --epochs {epochs} --batch-size {batch_size}"
	exec := func(source string, validRows int, command string) []string {
		f := demoFit(t)
		f.Dataset = clc.DatasetInfo{Source: source, Rows: 60000, ValidRows: validRows}
		f.Config.Model, f.Config.Hidden, f.Config.Activation, f.Config.Optimizer = "exec", nil, "", ""
		f.Config.Exec = command
		return fitHeading(f)
	}
	h := exec("exec", 0, cmd)
	if len(h) != 3 || h[0] != "fit of an external trainer's sweep" ||
		h[1] != "60000 training rows (n_full) · 3 epochs of batch 32 · 5 fractions × 13 rates × 2 seeds" {
		t.Errorf("exec heading %q", h)
	}
	if !strings.HasPrefix(h[2], "trained by the command: /usr/bin/python3 /work/main/examples/torch_trainer.py") ||
		!strings.HasSuffix(h[2], " …") || !strings.HasPrefix(cmd, strings.TrimSuffix(strings.TrimPrefix(h[2], "trained by the command: "), " …")) {
		t.Errorf("command line %q, want a prefix of the command and …", h[2])
	}
	if w := textStyle(sans, headingSize).Width(h[2]); w > headingWidth {
		t.Errorf("command line %v wide, more than %v", w, headingWidth)
	}
	for _, line := range h {
		if strings.Contains(line, ", ,") || strings.Contains(line, ",  ") || strings.Contains(line, " 0 validation") {
			t.Errorf("heading line %q has an empty field", line)
		}
	}
	h = exec("data/train.csv", 1000, "python train.py --lr {lr}")
	if h[0] != "fit of data/train.csv" || !strings.HasPrefix(h[1], "60000 training rows (n_full), 1000 validation rows · ") ||
		h[2] != "trained by the command: python train.py --lr {lr}" {
		t.Errorf("exec heading with a data file %q", h)
	}
}

// TestRenderOffScale renders the demo fit with one finite loss of 1e30.
func TestRenderOffScale(t *testing.T) {
	fit := demoFit(t)
	for i, tr := range fit.Trials {
		if tr.Fraction == 0.0625 && tr.LR == 0.1 && tr.Seed == 1 {
			fit.Trials[i].ValidLoss = 1e30
		}
	}
	fig, err := FitFigure(fit)
	if err != nil {
		t.Fatal(err)
	}
	render(t, fig, "png", "off-scale")
}

// TestWriteFitWithoutIntervals: a fit with one seed has optima without
// intervals (lr_low = lr_high = 0) and a least-squares law through 2
// points has no band; the figure draws the points without bars instead of
// failing on a log axis.
func TestWriteFitWithoutIntervals(t *testing.T) {
	fit := demoFit(t)
	for i := range fit.Optima {
		fit.Optima[i].LRLow, fit.Optima[i].LRHigh, fit.Optima[i].LogSE, fit.Optima[i].DoF = 0, 0, 0, 0
	}
	fit.Law.Method, fit.Law.Points, fit.Law.Anchor = scaling.MethodLeastSquares, 2, nil
	fit.Prediction.LRLow, fit.Prediction.LRHigh = 0, 0
	if lr, lo, hi := fit.Law.Predict(7000); !(lr > 0) || lo != 0 || hi != 0 {
		t.Fatalf("the test needs a law without an interval: %v [%v, %v]", lr, lo, hi)
	}
	if err := WriteFit(filepath.Join(t.TempDir(), "fit.png"), fit); err != nil {
		t.Fatal(err)
	}
}
