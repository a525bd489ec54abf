package clc

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
)

// bowlOptions is a fit of the bowl trainer (see bowlTrainer): 2048 rows,
// four fractions, 13 rates over 4 decades, 2 seeds.
func bowlOptions(t *testing.T, tr Trainer, journal string, prune bool) Options {
	t.Helper()
	g := Grid{Fractions: []float64{1.0 / 8, 1.0 / 4, 1.0 / 2, 1}, FractionText: []string{"1/8", "1/4", "1/2", "1"},
		LRs: mustGrid(t, 1e-4, 1, 13), Seeds: 2, Bootstrap: 100, Prune: prune}
	return Options{
		Tool: "clc test", Dataset: DatasetInfo{Source: "bowl", SHA256: "00", Rows: 2048},
		Config:  ExecConfig("bowl", false, 3, 10, g),
		Trainer: tr, Journal: journal, Workers: 2,
	}
}

// withoutTimes clears what differs between two runs of the same trials:
// the trials' wall times and the fit's creation time.
func withoutTimes(f *FitFile) *FitFile {
	c := *f
	c.Created = ""
	c.Trials = append([]Trial(nil), f.Trials...)
	for i := range c.Trials {
		c.Trials[i].Seconds = 0
	}
	return &c
}

// TestFitResumesFromJournal: a sweep that stops midway (a trainer error)
// leaves its finished trials in the journal; the same fit run again
// reuses every one of them, runs only the rest, and completes the same fit
// as a run that never stopped, in the same trial order.
func TestFitResumesFromJournal(t *testing.T) {
	for _, prune := range []bool{false, true} {
		t.Run(fmt.Sprintf("prune=%v", prune), func(t *testing.T) {
			whole, err := Fit(context.Background(), bowlOptions(t, &bowlTrainer{k: 0.5, alpha: -0.5}, "", prune))
			if err != nil {
				t.Fatal(err)
			}
			journal := filepath.Join(t.TempDir(), "fit.journal.jsonl")
			failing := &bowlTrainer{k: 0.5, alpha: -0.5, failAt: 40}
			_, err = Fit(context.Background(), bowlOptions(t, failing, journal, prune))
			var stopped *StoppedError
			var failed *TrialFailedError
			if !errors.As(err, &stopped) || !errors.As(err, &failed) || stopped.Journal != journal || stopped.Recorded == 0 {
				t.Fatalf("first run: %v; want a StoppedError with recorded trials wrapping a TrialFailedError", err)
			}
			second := &bowlTrainer{k: 0.5, alpha: -0.5}
			var resume Resume
			o := bowlOptions(t, second, journal, prune)
			o.Events.Resumed = func(r Resume) { resume = r }
			res, err := Fit(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			total := len(whole.Fit.Trials)
			// Every trial the first run finished was recorded; with pruning,
			// rates above a recorded divergence count as known too.
			if len(resume.Known) < stopped.Recorded || (!prune && len(resume.Known) != stopped.Recorded) ||
				len(resume.Known)+resume.ToRun != total {
				t.Errorf("resume: %d known + %d to run of %d (first run recorded %d)", len(resume.Known), resume.ToRun, total, stopped.Recorded)
			}
			if got := int(second.calls.Load()); got > resume.ToRun {
				t.Errorf("the second run trained %d trials, more than the %d left", got, resume.ToRun)
			}
			if !reflect.DeepEqual(withoutTimes(res.Fit), withoutTimes(whole.Fit)) {
				t.Errorf("resumed fit differs from an uninterrupted one")
			}
			// A third run has nothing left to do.
			third := &bowlTrainer{k: 0.5, alpha: -0.5}
			if _, err := Fit(context.Background(), bowlOptions(t, third, journal, prune)); err != nil || third.calls.Load() != 0 {
				t.Errorf("third run: %v, %d trials trained; want 0", err, third.calls.Load())
			}
		})
	}
}

// TestMergeEqualsSingleFit: three shards of one plan, each with its own
// journal, merge into the fit a single process computes; without one
// shard's journal the merge names the shard and the missing trials, and
// AllowPartial fits the rest and records how many were missing.
func TestMergeEqualsSingleFit(t *testing.T) {
	for _, prune := range []bool{false, true} {
		t.Run(fmt.Sprintf("prune=%v", prune), func(t *testing.T) {
			whole, err := Fit(context.Background(), bowlOptions(t, &bowlTrainer{k: 0.5, alpha: -0.5}, "", prune))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var paths []string
			for i := range 3 {
				p := filepath.Join(dir, fmt.Sprintf("s%d.jsonl", i))
				o := bowlOptions(t, &bowlTrainer{k: 0.5, alpha: -0.5}, p, prune)
				o.Shard = &Shard{Index: i, Count: 3}
				res, err := Fit(context.Background(), o)
				if err != nil || res.Fit != nil {
					t.Fatalf("shard %d: %v (fit %v); want no fit", i, err, res.Fit)
				}
				paths = append(paths, p)
			}
			// Journal order does not matter.
			m, err := Merge([]string{paths[2], paths[0], paths[1]}, MergeOptions{Tool: "clc test"})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(withoutTimes(m.Fit), withoutTimes(whole.Fit)) {
				t.Errorf("merged fit differs from the single-process fit")
			}
			part, err := Merge(paths[:2], MergeOptions{Tool: "clc test"})
			var missing *MissingTrialsError
			if !errors.As(err, &missing) || !reflect.DeepEqual(missing.MissingShards, []string{"3/3"}) || len(missing.Missing) == 0 ||
				missing.Total != len(whole.Fit.Trials) || part == nil || len(part.Merged.Missing) != len(missing.Missing) {
				t.Fatalf("merge without shard 3: %v", err)
			}
			part, err = Merge(paths[:2], MergeOptions{Tool: "clc test", AllowPartial: true})
			if err != nil || part.Fit.MissingTrials != len(missing.Missing) || part.Fit.Law.Points == 0 {
				t.Errorf("partial merge: %v, missing %d, law points %d", err, part.Fit.MissingTrials, part.Fit.Law.Points)
			}
		})
	}
}

// TestFitWithoutLaw: when every optimum sits on the grid's top edge, the
// fit fails with a NoLawError that keeps the optima and advises raising
// the grid.
func TestFitWithoutLaw(t *testing.T) {
	o := bowlOptions(t, &bowlTrainer{k: 5e3, alpha: -0.5}, "", false) // η* ≈ 100…50: above the grid
	_, err := Fit(context.Background(), o)
	nl, ok := IsNoLaw(err)
	if !ok || len(nl.Fit.Optima) != 4 || nl.Advice() != GridRaiseHigh {
		t.Fatalf("err %v; want a NoLawError with 4 optima advising a higher grid", err)
	}
}
