package plot

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/scaling"
)

// axesFit reads testdata/axes-fit.yaml: clc fit on testdata/fashion-7x7-2k.csv
// with --epochs 2,1,4 --batch-size 16,8,32 (3 fractions of the own run; the
// other runs at 1/4).
func axesFit(t *testing.T) *clc.FitFile {
	t.Helper()
	fit, err := clc.ReadFitFile(filepath.Join("testdata", "axes-fit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return fit
}

func TestLengthSeries(t *testing.T) {
	fit := axesFit(t)
	d, ok := LengthSeries(fit)
	if !ok || len(d.Sizes) != 1 {
		t.Fatalf("length series %+v, %v; want one size", d, ok)
	}
	s := d.Sizes[0]
	// 1, 2 (the own run) and 4 epochs of batch 16 at N = 450: T = 28, 56, 112.
	if s.N != 450 || len(s.Points) != 3 || s.Points[0].N != 28 || s.Points[1].N != 56 || s.Points[2].N != 112 {
		t.Fatalf("size %+v", s)
	}
	// The law is log10 η* = a + α·log10 N + β·log10 T + γ·log10 B at B = 16.
	j := fit.Joint
	for _, e := range s.Law {
		want := j.Coef[0] + j.Coef[1]*math.Log10(450) + j.Coef[2]*math.Log10(e.N) + j.Coef[3]*math.Log10(16)
		if math.Abs(math.Log10(e.Value)-want) > 1e-12 || !(e.Low < e.Value && e.Value < e.High) {
			t.Errorf("law at T = %v: %+v, want 10^%v inside its band", e.N, e, want)
		}
	}
	if s.Law[0].N != 28 || s.Law[len(s.Law)-1].N != 112 {
		t.Errorf("law over T %v…%v, want 28…112", s.Law[0].N, s.Law[len(s.Law)-1].N)
	}
	if b, _ := j.Exponent(scaling.ExpBeta); d.Beta != b.Value || d.BetaLow != b.CI[0] || d.Verdict != j.LengthVerdict {
		t.Errorf("β %v [%v, %v], verdict %q", d.Beta, d.BetaLow, d.BetaHigh, d.Verdict)
	}
	// The full-size line is clc predict's rate for a run of T steps on all
	// rows, over the measured lengths' ratios to the own run (½ … 2).
	if d.FullN != 1800 || len(d.Full) == 0 || d.Full[0].N != 112 || d.Full[len(d.Full)-1].N != 448 {
		t.Fatalf("full line at N = %d over %v", d.FullN, d.Full)
	}
	for _, e := range d.Full {
		want, err := fit.Estimate(scaling.Target{N: 1800, Steps: int(e.N)})
		if err != nil || want.LR != e.Value || want.LRLow != e.Low || want.LRHigh != e.High {
			t.Errorf("full line at T = %v: %+v, want %+v", e.N, e, want)
		}
	}
	if _, ok := LengthSeries(demoFit(t)); ok {
		t.Error("a fit of one length has a length panel")
	}
}

func TestAxesFitFigure(t *testing.T) {
	fit := axesFit(t)
	fig, err := FitFigure(fit)
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Panels) != 4 {
		t.Errorf("%d panels, want loss, law, constant and length", len(fig.Panels))
	}
	// The loss, law and constant panels show the fit's own run only.
	var own int
	for _, tr := range fit.Trials {
		if tr.IsBase() && !tr.Diverged {
			own++
		}
	}
	var seeds int
	loss := LossSeries(fit)
	for _, f := range loss.Fractions {
		seeds += len(f.Seeds) + len(f.OffScale)
	}
	if len(loss.Fractions) != 3 || seeds != own {
		t.Errorf("loss panel: %d fractions, %d seed points; want 3 and the own run's %d", len(loss.Fractions), seeds, own)
	}
	if law := LawSeries(fit); len(law.Optima) != 3 {
		t.Errorf("law panel: %d optima, want the own run's 3", len(law.Optima))
	}
}
