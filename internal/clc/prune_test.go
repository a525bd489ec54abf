package clc

import (
	"context"
	"math"
	"reflect"
	"testing"
)

func TestPruneRule(t *testing.T) {
	ref := []Trial{
		{TrialSpec: TrialSpec{N: 100, LR: 0.01}, Curve: []Report{{1, map[string]float64{"loss": 2, "acc": 0.4}}, {2, map[string]float64{"loss": 1, "acc": 0.8}}}},
		{TrialSpec: TrialSpec{N: 100, LR: 0.03}, Curve: []Report{{1, map[string]float64{"loss": 1.5, "acc": 0.5}}}},
	}
	rep := func(e int, k string, v float64) Report { return Report{Epoch: e, Values: map[string]float64{k: v}} }
	for _, c := range []struct {
		o        Objective
		r        Report
		keep     bool
		diverged bool
	}{
		{Objective{}, rep(1, "loss", 1.5*1.5), true, false}, // exactly the margin: kept
		{Objective{}, rep(1, "loss", 1.5*1.5+1e-9), false, false},
		{Objective{}, rep(2, "loss", 1.49), true, false},
		{Objective{}, rep(2, "loss", 1.51), false, false},
		{Objective{}, rep(3, "loss", 100), true, false}, // the last epoch
		{Objective{}, rep(4, "loss", 100), true, false}, // no reference at epoch 4 (and past the last)
		{Objective{}, rep(1, "acc", 0.1), true, false},  // not the objective's metric
		{Objective{}, rep(1, "loss", math.NaN()), false, true},
		{Objective{}, rep(3, "loss", math.Inf(1)), false, true}, // diverging even at the last epoch
		{Objective{"acc", Maximize}, rep(2, "acc", 0.41), true, false},
		{Objective{"acc", Maximize}, rep(2, "acc", 0.39), false, false},
		{Objective{"acc", Maximize}, rep(1, "acc", 0.25), true, false},
	} {
		p := &pruneState{objective: c.o, epochs: 3, ref: ref}
		if got := p.keep(c.r); got != c.keep || p.diverged != c.diverged {
			t.Errorf("%v, %+v: keep %v, diverged %v; want %v, %v", c.o, c.r, got, p.diverged, c.keep, c.diverged)
		}
	}
}

// curveTrainer reports a loss per epoch that falls to the bowl's final
// loss, but 4× higher until the last epoch for rates more than half a
// decade above the optimum.
type curveTrainer struct{ bowlTrainer }

func (c *curveTrainer) TrainReporting(ctx context.Context, s TrialSpec, report func(Report) bool) (Outcome, error) {
	o, err := c.Train(ctx, s)
	if err != nil || o.Diverged {
		return o, err
	}
	d := math.Log10(s.LR) - (math.Log10(c.k) + c.alpha*math.Log10(float64(s.N)))
	for e := 1; e <= 3; e++ {
		v := o.ValidLoss + float64(3-e)*0.1
		if d > 0.5 && e < 3 {
			v *= 4
		}
		r := Report{Epoch: e, Values: map[string]float64{"loss": v}}
		o.Curve = append(o.Curve, r)
		if !report(r) {
			o.Stopped = true
			return o, nil
		}
	}
	return o, nil
}

// Early stopping decides the same for any number of workers and when a
// run resumes from trials it already holds.
func TestRunSweepEarlyStoppingDeterministic(t *testing.T) {
	p, err := NewPlan(4096, []float64{1.0 / 8, 1.0 / 4, 1}, mustGrid(t, 1e-3, 1, 13), 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	specs := p.Specs()
	run := func(workers int, specs []TrialSpec, known []Trial) []Trial {
		got, err := RunSweep(context.Background(), specs, &curveTrainer{bowlTrainer{k: 0.5, alpha: -0.5}},
			SweepOptions{Workers: workers, Prune: true, Epochs: 3, Known: known})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	one := run(1, specs, nil)
	stopped, diverged := 0, 0
	for _, tr := range one {
		if tr.Stopped {
			stopped++
			if len(tr.Curve) != 1 {
				t.Errorf("stopped trial %+v: want it stopped at epoch 1", tr)
			}
			if s, _ := (Objective{}).Score(tr); !math.IsInf(s, 1) {
				t.Errorf("a stopped trial scores %v", s)
			}
		}
		if tr.Diverged {
			diverged++
		}
	}
	if stopped == 0 || diverged == 0 {
		t.Fatalf("%d stopped, %d diverged: the test needs both", stopped, diverged)
	}
	if got := run(4, specs, nil); !reflect.DeepEqual(got, one) {
		t.Errorf("4 workers decide otherwise than 1")
	}
	// Resume: the first half of each (N, seed)'s rates is known.
	var known []Trial
	var rest []TrialSpec
	for i, s := range specs {
		if s.LR < 0.03 {
			known = append(known, one[i])
		} else {
			rest = append(rest, s)
		}
	}
	resumed := run(2, rest, known)
	k := 0
	for i, s := range specs {
		if s.LR >= 0.03 {
			if !reflect.DeepEqual(resumed[k], one[i]) {
				t.Errorf("resumed %+v, uninterrupted %+v", resumed[k], one[i])
			}
			k++
		}
	}
}
