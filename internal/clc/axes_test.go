package clc

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/scaling"
)

// axesTrainer is the bowl trainer (see bowlTrainer) of a sweep whose own
// run is Base, with its minimum at
//
//	log10 η* = log10 k + α·log10 N + β·log10 T + γ·log10 B,
//
// T and B the trial's run's (TrialSpec.RunSpec resolved against Base).
type axesTrainer struct {
	bowlTrainer
	base              scaling.Run
	alpha, beta, gamm float64
}

func (a *axesTrainer) Train(ctx context.Context, s TrialSpec) (Outcome, error) {
	a.calls.Add(1)
	r := s.RunSpec.Resolve(a.base)
	steps := r.Steps
	if steps == 0 {
		steps = r.Epochs * (s.N / r.BatchSize)
	}
	opt := math.Log10(a.k) + a.alpha*math.Log10(float64(s.N)) + a.beta*math.Log10(float64(steps)) + a.gamm*math.Log10(float64(r.BatchSize))
	d := math.Log10(s.LR) - opt
	if d > math.Log10(30) {
		return Outcome{ValidLoss: math.Inf(1), Diverged: true, Steps: 1}, nil
	}
	return Outcome{ValidLoss: 1 + d*d + 0.01*float64(s.Seed), TrainLoss: 1, Steps: steps}, nil
}

func newAxesTrainer() *axesTrainer {
	return &axesTrainer{bowlTrainer: bowlTrainer{k: 0.05}, base: scaling.Run{Epochs: 3, BatchSize: 8}, alpha: 0.6, beta: -0.7, gamm: 0.4}
}

// axesOptions is a fit of the axes trainer on 4096 rows (N/B whole at every
// fraction), its own run 3 epochs of batch 8, and other runs of 1 and 9
// epochs and batch sizes 4 and 32 at the two smallest fractions.
func axesOptions(t *testing.T, tr Trainer, journal string, prune bool) Options {
	t.Helper()
	g := Grid{Fractions: []float64{1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2}, FractionText: []string{"1/16", "1/8", "1/4", "1/2"},
		LRs: mustGrid(t, 1e-4, 10, 21), Seeds: 2, Prune: prune,
		Axes: &Axes{Epochs: []int{1, 9}, BatchSizes: []int{4, 32}, Fractions: []float64{1.0 / 16, 1.0 / 8}}}
	return Options{
		Tool: "clc test", Dataset: DatasetInfo{Source: "axes", SHA256: "01", Rows: 4096},
		Config:  ExecConfig("axes", false, 3, 8, g),
		Trainer: tr, Journal: journal, Workers: 2,
	}
}

func TestFitAxesRecoversJointLaw(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "fit.journal.jsonl")
	res, err := Fit(context.Background(), axesOptions(t, newAxesTrainer(), journal, false))
	if err != nil {
		t.Fatal(err)
	}
	f := res.Fit
	// 4 fractions of the own run + 4 runs × 2 fractions, 21 rates, 2 seeds.
	if len(f.Trials) != 12*21*2 || res.Planned.Plan.Trials() != len(f.Trials) || len(f.Optima) != 12 {
		t.Fatalf("%d trials, %d optima; want %d and 12", len(f.Trials), len(f.Optima), 12*21*2)
	}
	j := f.Joint
	if !j.Fitted() || !reflect.DeepEqual(j.Terms, []string{scaling.TermN, scaling.TermT, scaling.TermB}) {
		t.Fatalf("joint law %+v", j)
	}
	for name, want := range map[string]float64{scaling.ExpAlpha: 0.6, scaling.ExpBeta: -0.7, scaling.ExpGamma: 0.4, scaling.ExpGammaEpochs: 1.1} {
		if e, ok := j.Exponent(name); !ok || math.Abs(e.Value-want) > 1e-6 {
			t.Errorf("%s = %+v, want %v", name, e, want)
		}
	}
	// The size law is the own run's: at 3 epochs of batch 8, T = 3N/8 and
	// η* ∝ N^(α+β).
	if math.Abs(f.Law.Alpha-(0.6-0.7)) > 1e-6 || f.Law.Points != 4 {
		t.Errorf("size law α = %v on %d points, want −0.1 on 4", f.Law.Alpha, f.Law.Points)
	}
	// A prediction for 9 epochs of batch 32 at N_full moves by the exact law.
	e, err := f.Estimate(scaling.Target{N: 4096, Epochs: 9, BatchSize: 32})
	if err != nil {
		t.Fatal(err)
	}
	want := 0.05 * math.Pow(4096, 0.6) * math.Pow(float64(9*(4096/32)), -0.7) * math.Pow(32, 0.4)
	if e.Transfer == nil || e.Transfer.From != scaling.TransferMeasured || math.Abs(math.Log10(e.LR/want)) > 1e-6 {
		t.Errorf("9 epochs of batch 32: %v (%+v), want %v measured", e.LR, e.Transfer, want)
	}
	// The journal: the own run's trials carry no run, the others theirs.
	data, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	var own, other int
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		switch {
		case strings.Contains(line, `"plan"`):
		case strings.Contains(line, `"epochs"`) || strings.Contains(line, `"batch_size"`):
			other++
		default:
			own++
		}
	}
	if own != 4*21*2 || other != 8*21*2 {
		t.Errorf("journal: %d trial lines of the own run, %d of others; want %d, %d", own, other, 4*21*2, 8*21*2)
	}
	// The fit file round-trips.
	b, err := MarshalFit(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := UnmarshalFit(b, "fit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, f) {
		t.Error("the fit file changed in a round trip")
	}
}

// TestAxesShareTheJournal: the trials of another run are those a sweep of
// that run alone would record, so a sweep over several lengths reuses a
// single-length sweep's journal (and the other way round), whichever run
// each takes as its own.
func TestAxesShareTheJournal(t *testing.T) {
	journal := filepath.Join(t.TempDir(), "fit.journal.jsonl")
	// First a sweep of 9 epochs alone, at the fractions the axes use (its
	// trainer's own run is 9 epochs, as clc fit --epochs 9 builds it).
	nine := newAxesTrainer()
	nine.base.Epochs = 9
	single := axesOptions(t, nine, journal, false)
	single.Config.Axes = nil
	single.Config.Epochs = 9
	single.Config.Fractions, single.Config.FractionText = []float64{1.0 / 16, 1.0 / 8}, nil
	if _, err := Fit(context.Background(), single); err != nil {
		t.Fatal(err)
	}
	tr := newAxesTrainer()
	var resume Resume
	o := axesOptions(t, tr, journal, false)
	o.Events.Resumed = func(r Resume) { resume = r }
	res, err := Fit(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(resume.Known) != 2*21*2 || int(tr.calls.Load()) != len(res.Fit.Trials)-2*21*2 {
		t.Errorf("reused %d trials and trained %d; want the 84 of 9 epochs reused", len(resume.Known), tr.calls.Load())
	}
	for _, k := range resume.Known {
		if k.Epochs != 9 {
			t.Errorf("reused trial %+v is not of 9 epochs", k.TrialSpec)
		}
	}
	whole, err := Fit(context.Background(), axesOptions(t, newAxesTrainer(), "", false))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutTimes(res.Fit), withoutTimes(whole.Fit)) {
		t.Error("the fit with reused trials differs from a fresh one")
	}
}

// TestAxesShardsAndResume: a sweep over several runs split into shards
// merges into the single process's fit, with and without pruning (chains
// of one N, seed and run).
func TestAxesShardsAndResume(t *testing.T) {
	for _, prune := range []bool{false, true} {
		t.Run(fmt.Sprintf("prune=%v", prune), func(t *testing.T) {
			whole, err := Fit(context.Background(), axesOptions(t, newAxesTrainer(), "", prune))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var paths []string
			for i := range 3 {
				p := filepath.Join(dir, fmt.Sprintf("s%d.jsonl", i))
				o := axesOptions(t, newAxesTrainer(), p, prune)
				o.Shard = &Shard{Index: i, Count: 3}
				if _, err := Fit(context.Background(), o); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
			m, err := Merge(paths, MergeOptions{Tool: "clc test"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(withoutTimes(m.Fit), withoutTimes(whole.Fit)) {
				t.Error("merged fit differs from the single-process fit")
			}
		})
	}
}

func TestPlanWithAxes(t *testing.T) {
	p, err := NewPlan(4096, []float64{1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2}, []float64{0.01, 0.1, 1}, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	run := scaling.Run{Epochs: 3, BatchSize: 8}
	p, err = p.WithAxes(run, &Axes{Epochs: []int{1, 9}, BatchSizes: []int{32}, Fractions: []float64{1.0 / 16, 1.0 / 8}})
	if err != nil {
		t.Fatal(err)
	}
	specs := p.Specs()
	if p.Trials() != (4+3*2)*3*2 || len(specs) != p.Trials() {
		t.Fatalf("%d trials (%d specs)", p.Trials(), len(specs))
	}
	// The own run first, as a plan without axes lists it; then each run.
	if specs[0] != (TrialSpec{Fraction: 1.0 / 16, N: 256, LR: 0.01}) ||
		specs[4*6] != (TrialSpec{Fraction: 1.0 / 16, N: 256, LR: 0.01, RunSpec: scaling.RunSpec{Epochs: 1}}) ||
		specs[len(specs)-1] != (TrialSpec{Fraction: 1.0 / 8, N: 512, LR: 1, Seed: 1, RunSpec: scaling.RunSpec{BatchSize: 32}}) {
		t.Errorf("specs %v … %v", specs[:1], specs[len(specs)-1:])
	}
	// Cost in samples, T·B: 3·(N/8)·8 = 3N for the own run; the others at
	// N = 256 and 512 cost (1 + 9 + 3)·768 against 3·(256+…+2048) = 11520.
	if got, want := p.AxisShare(), float64((1+9+3)*768)/11520; math.Abs(got-want) > 1e-12 {
		t.Errorf("axis share %v, want %v", got, want)
	}
	if !strings.Contains(p.String(), "3 other runs (1 epoch, 9 epochs, batch 32) at 2 fractions") || !strings.Contains(p.String(), "+87% in samples") {
		t.Errorf("plan %q", p)
	}
	for _, c := range []struct {
		axes *Axes
		run  scaling.Run
		want string
	}{
		{&Axes{Epochs: []int{3}, Fractions: []float64{0.5}}, run, "epochs 3 is given twice"},
		{&Axes{Epochs: []int{2, 2}, Fractions: []float64{0.5}}, run, "epochs 2 is given twice"},
		{&Axes{Epochs: []int{0}, Fractions: []float64{0.5}}, run, "epochs 0 must be at least 1"},
		{&Axes{Steps: []int{100}, Fractions: []float64{0.5}}, run, "several values of steps need a step budget"},
		{&Axes{Epochs: []int{2}, Fractions: []float64{0.5}}, scaling.Run{Steps: 50, BatchSize: 8}, "several values of epochs need an epoch budget"},
		{&Axes{BatchSizes: []int{1024}, Fractions: []float64{1.0 / 16}}, run, "axis fraction 1/16 leaves 256 of 4096 training rows, fewer than one batch of 1024"},
		{&Axes{Epochs: []int{2}}, run, "have no fractions"},
		{&Axes{Epochs: []int{2}, Fractions: []float64{0.5, 0.25}}, run, "axis fractions 1/2 and 1/4 give 2048 and 1024 rows"},
	} {
		if _, err := p.WithAxes(c.run, c.axes); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("WithAxes(%+v): %v, want %q", c.axes, err, c.want)
		}
	}
}

func TestDefaultAxisFractions(t *testing.T) {
	g := Grid{Fractions: []float64{1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2}, FractionText: []string{"1/32", "1/16", "1/8", "1/4", "1/2"},
		LRs: []float64{0.01, 0.1, 1}, Seeds: 2}
	for _, c := range []struct {
		nFull     int
		axes      Axes
		epochs, b int
		want      []string
	}{
		// The demo's sweep: 1 epoch of batch 32 needs 640 rows for 20 steps,
		// batches of 64 need 512 rows: 1/8 (875 rows) is the smallest that
		// qualifies, and 1/8 with 1/4 would cost more than half the sweep.
		{7000, Axes{Epochs: []int{1, 6}, BatchSizes: []int{16, 64}}, 3, 32, []string{"1/8"}},
		// Fashion-MNIST: 1875 rows at 1/32 are enough, and 1/32 with 1/16
		// cost (7/3 + 2)·(3/32)/(31/32) = 42% of the sweep.
		{60000, Axes{Epochs: []int{1, 6}, BatchSizes: []int{32, 128}}, 3, 64, []string{"1/32", "1/16"}},
		// Around three epochs, 1 and 24 at two fractions would cost
		// (25/3)·(3/32)/(31/32) = 81%: one.
		{60000, Axes{Epochs: []int{1, 24}}, 3, 64, []string{"1/32"}},
		// One shorter length only: the two smallest cost little.
		{60000, Axes{Epochs: []int{2}}, 3, 64, []string{"1/32", "1/16"}},
		// No fraction has 8 batches of 4096 rows: the largest.
		{7000, Axes{BatchSizes: []int{4096}}, 3, 32, []string{"1/2"}},
	} {
		cfg := ExecConfig("x", false, c.epochs, c.b, g)
		cfg.Axes = &c.axes
		_, texts := DefaultAxisFractions(c.nFull, cfg)
		if !reflect.DeepEqual(texts, c.want) {
			t.Errorf("N = %d, %+v: %v, want %v", c.nFull, c.axes, texts, c.want)
		}
	}
}
