package clc

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
)

func TestParseObjective(t *testing.T) {
	for _, c := range []struct {
		metric, dir string
		want        Objective
	}{
		{"", "", Objective{MetricLoss, Minimize}},
		{"loss", "", Objective{MetricLoss, Minimize}},
		{"accuracy", "", Objective{"accuracy", Maximize}},
		{"accuracy", "min", Objective{"accuracy", Minimize}},
		{"f1-macro.val", "max", Objective{"f1-macro.val", Maximize}},
		{"rmse", "", Objective{"rmse", Minimize}},
	} {
		got, err := ParseObjective(c.metric, c.dir)
		if err != nil || got != c.want {
			t.Errorf("ParseObjective(%q, %q) = %v, %v; want %v", c.metric, c.dir, got, err, c.want)
		}
	}
	for _, bad := range [][2]string{{"a b", ""}, {"x/y", ""}, {strings.Repeat("m", 65), ""}, {"loss", "up"}} {
		if _, err := ParseObjective(bad[0], bad[1]); err == nil {
			t.Errorf("ParseObjective(%q, %q) succeeded", bad[0], bad[1])
		} else if _, ok := inputerr.As(err); !ok {
			t.Errorf("ParseObjective(%q, %q): %v is not an input error", bad[0], bad[1], err)
		}
	}
}

func TestObjectiveScore(t *testing.T) {
	ran := Trial{ValidLoss: 0.4, Metrics: map[string]float64{"accuracy": 0.9, "f1": 0.7}}
	acc := Objective{"accuracy", Maximize}
	for _, c := range []struct {
		o     Objective
		t     Trial
		score float64
		ok    bool
	}{
		{Objective{}, ran, 0.4, true},
		{acc, ran, -0.9, true},
		{Objective{"f1", Minimize}, ran, 0.7, true},
		{Objective{"auc", Maximize}, ran, 0, false},
		{acc, Trial{ValidLoss: math.Inf(1), Diverged: true}, math.Inf(1), true}, // no metrics: diverged anyway
		{acc, Trial{ValidLoss: 0.5, Stopped: true}, math.Inf(1), true},
		{acc, Trial{Pruned: true, Diverged: true}, math.Inf(1), true},
		{acc, Trial{ValidLoss: 0.4, Metrics: map[string]float64{"accuracy": math.NaN()}}, math.Inf(1), true},
		// Records written before metrics: a positive accuracy and a finite train loss are metrics.
		{acc, Trial{ValidLoss: 0.4, ValidAccuracy: 0.8}, -0.8, true},
		{acc, Trial{ValidLoss: 0.4}, 0, false},
		{Objective{"train_loss", Minimize}, Trial{ValidLoss: 0.4, TrainLoss: 0.3}, 0.3, true},
	} {
		s, ok := c.o.Score(c.t)
		if ok != c.ok || (ok && s != c.score) {
			t.Errorf("%v.Score(%+v) = %v, %v; want %v, %v", c.o, c.t, s, ok, c.score, c.ok)
		}
	}
	if got := (Trial{Metrics: map[string]float64{"b": 1, "a": 2}}).MetricNames(); !reflect.DeepEqual(got, []string{"a", "b", "loss"}) {
		t.Errorf("MetricNames = %v", got)
	}
}

// A maximized metric is negated for the statistics, and the optima show it
// in its own sign: the fit of an accuracy that mirrors a loss (acc = 2 −
// loss) finds the same optima as the loss.
func TestCompleteMaximizes(t *testing.T) {
	tr := &bowlTrainer{k: 0.5, alpha: -0.5}
	var trials []Trial
	p, err := NewPlan(4096, []float64{1.0 / 8, 1.0 / 4, 1.0 / 2, 1}, mustGrid(t, 1e-3, 1, 13), 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Specs() {
		o, _ := tr.Train(context.Background(), s)
		t := trialFrom(s, o)
		if !t.Diverged {
			t.Metrics = map[string]float64{"acc": 2 - t.ValidLoss}
		}
		trials = append(trials, t)
	}
	cfg := ExecConfig("x", false, 3, 10, Grid{Fractions: p.Fractions, LRs: p.LRs, Seeds: 2, Bootstrap: 100})
	loss := NewFitFile("t", DatasetInfo{Rows: 4096}, cfg, trials)
	if err := Complete(loss); err != nil {
		t.Fatal(err)
	}
	cfg.SetObjective(Objective{"acc", Maximize})
	acc := NewFitFile("t", DatasetInfo{Rows: 4096}, cfg, trials)
	if err := Complete(acc); err != nil {
		t.Fatal(err)
	}
	for i, o := range acc.Optima {
		l := loss.Optima[i]
		if math.Abs(o.LR-l.LR) > 1e-9*l.LR || math.Abs(o.Loss-(2-l.Loss)) > 1e-12 {
			t.Errorf("fraction %v: accuracy optimum %v at %v; loss optimum %v at %v", o.Fraction, o.Loss, o.LR, l.Loss, l.LR)
		}
	}
	if math.Abs(acc.Law.Alpha-loss.Law.Alpha) > 1e-9 {
		t.Errorf("alpha %v (accuracy) vs %v (loss)", acc.Law.Alpha, loss.Law.Alpha)
	}
	cfg.SetObjective(Objective{"f1", Maximize})
	err = Complete(NewFitFile("t", DatasetInfo{Rows: 4096}, cfg, trials))
	if _, ok := inputerr.As(err); !ok || !strings.Contains(err.Error(), `reported no metric "f1"; it reported acc, loss`) {
		t.Errorf("a missing metric: %v", err)
	}
}

// Metrics, the curve and the early stop survive the journal and the fit
// file; a record without them reads as before.
func TestRecordMetricsRoundTrip(t *testing.T) {
	tr := Trial{TrialSpec: TrialSpec{Fraction: 0.5, N: 100, LR: 0.1, Seed: 1}, Steps: 9, ValidLoss: 0.5, TrainLoss: 0.4,
		ValidAccuracy: 0.8, Seconds: 1, Metrics: map[string]float64{"accuracy": 0.8, "f1": 0.6, "bad": math.NaN()},
		Curve: []Report{{Epoch: 1, Values: map[string]float64{"loss": 0.9, "x": math.Inf(1)}}, {Epoch: 2, Values: map[string]float64{"loss": 0.5}}}}
	stopped := Trial{TrialSpec: TrialSpec{Fraction: 0.5, N: 100, LR: 1, Seed: 1}, Steps: 3, ValidLoss: math.Inf(1), TrainLoss: math.Inf(1),
		Stopped: true, Curve: []Report{{Epoch: 1, Values: map[string]float64{"loss": 3}}}}
	want := tr
	want.Metrics = map[string]float64{"accuracy": 0.8, "f1": 0.6}
	want.Curve = []Report{{Epoch: 1, Values: map[string]float64{"loss": 0.9}}, {Epoch: 2, Values: map[string]float64{"loss": 0.5}}}

	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []Trial{tr, stopped} {
		if err := j.Append("fp", x); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	j, err = ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := j.Lookup("fp", tr.TrialSpec); !reflect.DeepEqual(got, want) {
		t.Errorf("journal: %+v\nwant %+v", got, want)
	}
	if got, _ := j.Lookup("fp", stopped.TrialSpec); !reflect.DeepEqual(got, stopped) {
		t.Errorf("journal: %+v\nwant %+v", got, stopped)
	}

	f := &FitFile{Version: FitVersion, Config: SweepConfig{BatchSize: 1, Epochs: 1}, Trials: []Trial{tr, stopped}}
	b, err := MarshalFit(f)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalFit(b, "f.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(back.Trials[0], want) || !reflect.DeepEqual(back.Trials[1], stopped) {
		t.Errorf("fit file: %+v", back.Trials)
	}
	if !strings.Contains(string(b), "metrics: {accuracy: 0.8, f1: 0.6}") {
		t.Errorf("fit file:\n%s", b)
	}
	for _, bad := range []string{"metrics: [1]", "metrics: {a: x}", "metrics: {a: {b: 1}}"} {
		edited := strings.Replace(string(b), "metrics: {accuracy: 0.8, f1: 0.6}", bad, 1)
		if _, err := UnmarshalFit([]byte(edited), "f.yaml"); err == nil {
			t.Errorf("%s: read without error", bad)
		} else if _, ok := inputerr.As(err); !ok {
			t.Errorf("%s: %v is not an input error", bad, err)
		}
	}
}
