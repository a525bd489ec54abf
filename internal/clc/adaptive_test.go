package clc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/scaling"
)

// noisyBowl is bowlTrainer with seed noise: the vertex of each seed's
// parabola in log10 η moves by a seeded offset of sd 0.05 decades, so
// the optimum has a real error and more seeds shrink it.
type noisyBowl struct{ bowlTrainer }

func (b *noisyBowl) Train(ctx context.Context, s TrialSpec) (Outcome, error) {
	out, err := b.bowlTrainer.Train(ctx, s)
	if err != nil || out.Diverged {
		return out, err
	}
	// A deterministic offset per (N, seed): a hash mapped to ±0.1.
	h := uint64(s.N)*0x9E3779B97F4A7C15 ^ uint64(s.Seed+1)*0xBF58476D1CE4E5B9
	h ^= h >> 31
	off := (float64(h%2001)/1000 - 1) * 0.08
	opt := math.Log10(b.k) + b.alpha*math.Log10(float64(s.N)) + off
	d := math.Log10(s.LR) - opt
	out.ValidLoss = 1 + d*d
	return out, nil
}

func adaptiveOptions(t *testing.T, tr Trainer, journal string, k float64) Options {
	o := bowlOptions(t, tr, journal, false)
	o.Dataset.Rows = 1 << 14
	g := o.Config.Grid()
	g.Fractions, g.FractionText = []float64{1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4}, []string{"1/32", "1/16", "1/8", "1/4"}
	g.LRs = mustGrid(t, 1e-4, 1, 17)
	g.Design = DesignAdaptive
	o.Config = ExecConfig("bowl", false, 3, 10, g)
	_ = k
	return o
}

// TestAdaptiveBracketsAndSaves: on a bowl whose optimum follows
// η* = 0.5·N^−0.5, the adaptive sweep brackets every fraction's optimum,
// recovers the law, and trains far fewer samples than the grid.
func TestAdaptiveBracketsAndSaves(t *testing.T) {
	tr := &noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5}}
	res, err := Fit(context.Background(), adaptiveOptions(t, tr, "", 0.5))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Fit.Optima {
		if !o.Bracketed {
			t.Errorf("fraction %v: optimum %v not bracketed", o.Fraction, o.LR)
		}
	}
	if a := res.Fit.Law.Alpha; math.Abs(a+0.5) > 0.15 {
		t.Errorf("α = %v, want −0.5 ± 0.15", a)
	}
	ad := newAdaptive(res.Fit.Config, res.Planned.Plan, res.Fit.Dataset.Rows)
	spent := ad.spent(trialSetOf(res.Fit.Trials))
	if spent > 0.6*ad.gridCost() || res.Stop == nil {
		t.Errorf("spent %.2f full-size runs of the grid's %.2f (stop %+v)", spent, ad.gridCost(), res.Stop)
	}
}

func trialSetOf(trials []Trial) trialSet {
	ts := trialSet{}
	for _, t := range trials {
		ts[t.TrialSpec] = t
	}
	return ts
}

// TestAdaptiveExtendsBeyondTheGrid: optima 1.5 decades above and 1.5
// decades below the grid are still bracketed: the sweep extends the
// lattice past the grid's edge.
func TestAdaptiveExtendsBeyondTheGrid(t *testing.T) {
	for _, k := range []float64{0.5 * math.Pow(10, 2.2), 0.5 * math.Pow(10, -3.5)} {
		tr := &noisyBowl{bowlTrainer{k: k, alpha: -0.5}}
		res, err := Fit(context.Background(), adaptiveOptions(t, tr, "", k))
		if err != nil {
			t.Fatalf("k = %g: %v", k, err)
		}
		for _, o := range res.Fit.Optima {
			want := math.Log10(k) - 0.5*math.Log10(float64(o.N))
			if !o.Bracketed || math.Abs(math.Log10(o.LR)-want) > 0.3 {
				t.Errorf("k = %g, N = %d: optimum %v (bracketed %v), want about 10^%.2f", k, o.N, o.LR, o.Bracketed, want)
			}
		}
	}
}

// TestAdaptiveResumes: a sweep stopped midway by a trainer failure
// resumes from its journal and ends with the same fit as one that never
// stopped; a third run trains nothing.
func TestAdaptiveResumes(t *testing.T) {
	whole, err := Fit(context.Background(), adaptiveOptions(t, &noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5}}, "", 0))
	if err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(t.TempDir(), "a.journal.jsonl")
	for _, failAt := range []int64{5, 20, 35} {
		_, err := Fit(context.Background(), adaptiveOptions(t, &noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5, failAt: failAt}}, journal, 0))
		var stopped *StoppedError
		if !errors.As(err, &stopped) {
			t.Fatalf("fail at %d: %v; want a StoppedError", failAt, err)
		}
	}
	res, err := Fit(context.Background(), adaptiveOptions(t, &noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5}}, journal, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutTimes(res.Fit), withoutTimes(whole.Fit)) {
		t.Errorf("resumed adaptive fit differs from an uninterrupted one: %d vs %d trials", len(res.Fit.Trials), len(whole.Fit.Trials))
	}
	third := &noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5}}
	if _, err := Fit(context.Background(), adaptiveOptions(t, third, journal, 0)); err != nil || third.calls.Load() != 0 {
		t.Errorf("third run: %v, %d trials trained; want 0", err, third.calls.Load())
	}
}

// TestAdaptiveRefusesShards: an adaptive sweep's stages need each other's
// results, so it cannot be split into shards.
func TestAdaptiveRefusesShards(t *testing.T) {
	o := adaptiveOptions(t, &noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5}}, filepath.Join(t.TempDir(), "j"), 0)
	o.Shard = &Shard{Index: 0, Count: 2}
	if _, err := Fit(context.Background(), o); err == nil {
		t.Error("an adaptive shard ran")
	}
}

// TestLatticeMatchesGrid: the lattice's rates inside the grid are the
// grid's, bit for bit, and continue at its spacing outside.
func TestLatticeMatchesGrid(t *testing.T) {
	g := mustGrid(t, 1e-4, 1, 17)
	l := newLattice(g)
	for i, v := range g {
		if l.rate(i) != v {
			t.Errorf("rate(%d) = %v, want %v", i, l.rate(i), v)
		}
	}
	if d := math.Log10(l.rate(-1)) - math.Log10(g[0]); math.Abs(d+0.25) > 1e-12 {
		t.Errorf("rate(-1) is %v decades from the grid's lowest, want -0.25", d)
	}
	if l.index(math.Log10(g[5])+0.1) != 5 || l.index(100) != l.hi || l.index(-100) != l.lo {
		t.Errorf("index rounding or clamping wrong")
	}
	explicit := newLattice([]float64{0.001, 0.01, 0.03, 1})
	if explicit.uniform || explicit.lo != 0 || explicit.hi != 3 || explicit.index(math.Log10(0.02)) != 2 {
		t.Errorf("explicit lattice %+v", explicit)
	}
}

// TestGridDesignGolden: --design grid reproduces the fit files of clc
// before designs existed, byte for byte (apart from the creation time and
// the trials' wall times): testdata/grid-design.golden.yaml was written by
// that version on the same sweep of the bowl trainer, with pruning, and
// updated where the statistics changed since (an exact law's intervals of
// zero width are none, the fit records its gates, and the law its bend).
// Its version line
// reads 2: versions 3 (the other runs) and 4 (the law's bend, which it
// holds) change nothing else in the fit file of a sweep of one run.
func TestGridDesignGolden(t *testing.T) {
	o := bowlOptions(t, &bowlTrainer{k: 0.5, alpha: -0.5}, "", true)
	g := o.Config.Grid()
	g.Design = DesignGrid
	o.Config = ExecConfig("bowl", false, 3, 10, g)
	res, err := Fit(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := MarshalFit(withoutTimes(res.Fit))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/grid-design.golden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if v := fmt.Sprintf("version: %d\n", FitVersion); strings.HasPrefix(string(got), v) {
		got = append([]byte("version: 2\n"), got[len(v):]...)
	}
	if string(got) != string(want) {
		t.Errorf("the grid design's fit file differs from testdata/grid-design.golden.yaml")
	}
}

// TestAdaptiveOtherRuns: with other training lengths and batch sizes the
// adaptive design trains each at its axis fractions (a window around the
// own run's optimum there), resumes to the same fit, and a merge of its
// journal replays the same decisions.
func TestAdaptiveOtherRuns(t *testing.T) {
	opts := func(tr Trainer, journal string) Options {
		o := adaptiveOptions(t, tr, journal, 0)
		g := o.Config.Grid()
		g.Axes = &Axes{Epochs: []int{1, 6}, BatchSizes: []int{20}, Fractions: []float64{1.0 / 16}, FractionText: []string{"1/16"}}
		o.Config = ExecConfig("bowl", false, 3, 10, g)
		return o
	}
	whole, err := Fit(context.Background(), opts(&noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5}}, ""))
	if err != nil {
		t.Fatal(err)
	}
	runs := map[scaling.RunSpec]int{}
	for _, tr := range whole.Fit.Trials {
		runs[tr.RunSpec]++
		if !tr.RunSpec.IsBase() && tr.N != 1024 {
			t.Errorf("a trial of run %+v at N = %d, not at the axis fraction's 1024", tr.RunSpec, tr.N)
		}
	}
	if len(runs) != 4 {
		t.Errorf("trials of %d runs, want the own run and 3 others: %v", len(runs), runs)
	}
	journal := filepath.Join(t.TempDir(), "a.journal.jsonl")
	_, err = Fit(context.Background(), opts(&noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5, failAt: 30}}, journal))
	var stopped *StoppedError
	if !errors.As(err, &stopped) {
		t.Fatalf("%v; want a StoppedError", err)
	}
	res, err := Fit(context.Background(), opts(&noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5}}, journal))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutTimes(res.Fit), withoutTimes(whole.Fit)) {
		t.Errorf("resumed fit differs from an uninterrupted one")
	}
	m, err := Merge([]string{journal}, MergeOptions{Tool: "clc test"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutTimes(m.Fit), withoutTimes(whole.Fit)) {
		t.Errorf("merged fit differs from the sweep's")
	}
}

// TestAdaptiveExtendsWhenMoreSeedsMoveTheMinimum: the base seeds put a
// fraction's minimum in the middle of three rates, and the refinement's
// extra seeds move the seed-mean minimum onto the highest of them. The
// next stage extends the rates above it, at that fraction, rather than
// refining a minimum the fit would leave out of the law as unbracketed
// (what happened on Fashion-MNIST when only the base seeds were read).
func TestAdaptiveExtendsWhenMoreSeedsMoveTheMinimum(t *testing.T) {
	o := adaptiveOptions(t, &noisyBowl{bowlTrainer{k: 0.5, alpha: -0.5}}, "", 0)
	plan, err := NewPlan(o.Dataset.Rows, o.Config.Fractions, o.Config.LRs, o.Config.Seeds, 1)
	if err != nil {
		t.Fatal(err)
	}
	ad := newAdaptive(o.Config, plan, o.Dataset.Rows)
	cell := plan.Cells()[3] // 1/4
	lo, mid, hi := ad.lat.index(-1.5), ad.lat.index(-1.25), ad.lat.index(-1)
	ts := trialSet{}
	add := func(i, seed int, loss float64) {
		s := cell.Spec(ad.lat.rate(i), seed)
		ts[s] = Trial{TrialSpec: s, ValidLoss: loss}
	}
	base := o.Config.SeedBase
	for _, seed := range []int{base, base + 1} { // the base seeds: minimum at mid
		add(lo, seed, 1.2)
		add(mid, seed, 1.0)
		add(hi, seed, 1.1)
	}
	if st := ad.extension(ts, cell); st != nil {
		t.Fatalf("bracketed minimum: extension %+v, want none", st)
	}
	for seed := base + 2; seed < base+8; seed++ { // refinement: minimum at hi
		add(lo, seed, 1.2)
		add(mid, seed, 1.1)
		add(hi, seed, 0.9)
	}
	st := ad.extension(ts, cell)
	if st == nil || st.Kind != "extend" || st.Cell != cell || len(st.LRs) == 0 || !(st.LRs[0] > ad.lat.rate(hi)) {
		t.Fatalf("minimum moved onto the highest rate by 6 more seeds: stage %+v, want an extension above %v at 1/4", st, ad.lat.rate(hi))
	}
}
