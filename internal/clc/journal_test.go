package clc

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/schedule"
)

func journalTrials() []Trial {
	return []Trial{
		{TrialSpec: TrialSpec{Fraction: 0.25, N: 250, LR: 0.01, Seed: 0}, Steps: 12, ValidLoss: 0.5, TrainLoss: 0.4, ValidAccuracy: 0.8, Seconds: 0.1},
		{TrialSpec: TrialSpec{Fraction: 0.25, N: 250, LR: 10, Seed: 1}, Steps: 3, ValidLoss: math.Inf(1), TrainLoss: math.Inf(1), Diverged: true, Seconds: 0.01},
		{TrialSpec: TrialSpec{Fraction: 1, N: 1000, LR: 0.1, Seed: 0}, Steps: 48, ValidLoss: 0.3, TrainLoss: 0.31, Seconds: 0.3},
	}
}

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range journalTrials() {
		if err := j.Append("fp1", tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err = OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if j.Torn || j.Len() != 3 {
		t.Fatalf("reopened: torn %v, %d entries", j.Torn, j.Len())
	}
	for _, want := range journalTrials() {
		got, ok := j.Lookup("fp1", want.TrialSpec)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Lookup(%+v) = %+v, %v", want.TrialSpec, got, ok)
		}
		if _, ok := j.Lookup("fp2", want.TrialSpec); ok {
			t.Errorf("an entry was found under another fingerprint")
		}
	}
	// The same N under another fraction label is the same rows: reused.
	if got, ok := j.Lookup("fp1", TrialSpec{Fraction: 0.5, N: 250, LR: 0.01, Seed: 0}); !ok || got.Fraction != 0.5 {
		t.Errorf("lookup by N: %+v, %v", got, ok)
	}
}

func TestJournalTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, _ := OpenJournal(path)
	for _, tr := range journalTrials()[:2] {
		j.Append("fp", tr)
	}
	j.Close()
	// A kill in mid-write leaves part of a line without its newline.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"v":1,"fp":"fp","fraction":1,"n":1000,"lr":0.1,"se`)
	f.Close()
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if !j.Torn || j.Len() != 2 {
		t.Fatalf("torn %v, %d entries; want the torn line dropped and 2 entries", j.Torn, j.Len())
	}
	// Appending after the cut starts on a clean line.
	if err := j.Append("fp", journalTrials()[2]); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = OpenJournal(path)
	if err != nil || j.Torn || j.Len() != 3 {
		t.Fatalf("after repair: %v, torn %v, %d entries", err, j != nil && j.Torn, j.Len())
	}
	j.Close()
}

func TestJournalDamaged(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"garbage":  "hello\n{\"v\":1}\n",
		"version":  `{"v":2,"fp":"x","fraction":1,"n":10,"lr":0.1,"seed":0,"steps":1,"valid_loss":1,"train_loss":1,"diverged":false,"seconds":0}` + "\nmore\n",
		"unknown":  `{"v":1,"fp":"x","bogus":1}` + "\n\n",
		"longline": strings.Repeat("x", maxJournalLine+10) + "\n",
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(content), 0o644)
		_, err := OpenJournal(path)
		ie, ok := inputerr.As(err)
		if !ok || ie.Line != 1 || ie.Hint == "" {
			t.Errorf("%s: error %v, want an input error at line 1 with a hint", name, err)
		}
	}
	// A damaged final line (even with a newline) is treated as torn.
	path := filepath.Join(dir, "lastbad")
	good := `{"v":1,"fp":"x","fraction":1,"n":10,"lr":0.1,"seed":0,"steps":1,"valid_loss":1,"train_loss":1,"diverged":false,"seconds":0}`
	os.WriteFile(path, []byte(good+"\n{\"v\":1,\"fp\n"), 0o644)
	j, err := OpenJournal(path)
	if err != nil || !j.Torn || j.Len() != 1 {
		t.Fatalf("damaged last line: %v", err)
	}
	j.Close()
	if _, err := OpenJournal(filepath.Join(dir, "no", "such", "dir", "j")); err == nil {
		t.Error("opened a journal in a missing directory")
	}
}

func TestFingerprint(t *testing.T) {
	d := DatasetInfo{SHA256: "abc", Rows: 1000, Task: "classification", Target: "y", Valid: "split 0.1 seed 0"}
	c := SweepConfig{Model: "mlp", Hidden: []int{64}, Activation: "relu", Optimizer: "sgd", Epochs: 3, BatchSize: 32,
		Fractions: []float64{0.5, 1}, LRs: []float64{0.1, 1}, Seeds: 2, ValidFraction: 0.1, DivergenceFactor: 10}
	fp := Fingerprint(d, c)
	if len(fp) != 64 || fp != Fingerprint(d, c) {
		t.Fatalf("fingerprint %q not stable", fp)
	}
	// The grid is not part of it ...
	g := c
	g.Fractions, g.LRs, g.Seeds, g.Bootstrap = []float64{0.25}, []float64{0.01, 0.1, 1, 10}, 5, 100
	if Fingerprint(d, g) != fp {
		t.Error("changing the grid changed the fingerprint")
	}
	// ... but the data and every training setting are.
	changes := map[string]func(*DatasetInfo, *SweepConfig){
		"data":       func(d *DatasetInfo, _ *SweepConfig) { d.SHA256 = "abd" },
		"valid file": func(d *DatasetInfo, _ *SweepConfig) { d.ValidSHA256 = "v" },
		"epochs":     func(_ *DatasetInfo, c *SweepConfig) { c.Epochs = 4 },
		"batch":      func(_ *DatasetInfo, c *SweepConfig) { c.BatchSize = 64 },
		"hidden":     func(_ *DatasetInfo, c *SweepConfig) { c.Hidden = []int{65} },
		"optimizer":  func(_ *DatasetInfo, c *SweepConfig) { c.Optimizer = "adam" },
		"shuffle":    func(_ *DatasetInfo, c *SweepConfig) { c.ShuffleSeed = 1 },
		"split":      func(_ *DatasetInfo, c *SweepConfig) { c.SplitSeed = 1 },
		"divergence": func(_ *DatasetInfo, c *SweepConfig) { c.DivergenceFactor = 5 },
		"target":     func(d *DatasetInfo, _ *SweepConfig) { d.Target = "z" },
		"exec":       func(_ *DatasetInfo, c *SweepConfig) { c.Exec = "python3 train.py --lr {lr}" },
		"shape":      func(_ *DatasetInfo, c *SweepConfig) { c.Schedule = &schedule.Spec{Shape: "cosine"} },
	}
	for name, change := range changes {
		d2, c2 := d, c
		change(&d2, &c2)
		if Fingerprint(d2, c2) == fp {
			t.Errorf("changing the %s kept the fingerprint", name)
		}
	}
}

// FuzzJournal: opening any file as a journal either fails with an input
// error or loads entries that all look like finished trials; a reopened
// journal holds the same entries (loading is idempotent after the repair
// of a torn tail).
func FuzzJournal(f *testing.F) {
	good := `{"v":1,"fp":"x","fraction":1,"n":10,"lr":0.1,"seed":0,"steps":1,"valid_loss":1,"train_loss":1,"diverged":false,"seconds":0}`
	for _, s := range []string{"", good + "\n", good + "\n" + good[:40], "garbage\n", good + "\n\n" + good + "\n",
		`{"v":1,"fp":"x","fraction":0.5,"n":5,"lr":10,"seed":1,"steps":0,"valid_loss":null,"train_loss":null,"diverged":true,"seconds":0}` + "\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "j.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournal(path)
		if err != nil {
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("non-input error %v", err)
			}
			return
		}
		n := j.Len()
		for k, tr := range j.entries {
			if tr.N != k.n || !(tr.LR > 0) || (!tr.Diverged && math.IsInf(tr.ValidLoss, 0)) {
				t.Fatalf("entry %+v under key %+v", tr, k)
			}
		}
		j.Close()
		j, err = OpenJournal(path)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if j.Len() != n || j.Torn {
			t.Fatalf("reopen: %d entries (had %d), torn %v", j.Len(), n, j.Torn)
		}
		j.Close()
	})
}

// goldenPlan is a plan record with every field set, as a sweep with a
// schedule shape and a validation file writes it.
func goldenPlan() PlanRecord {
	return PlanRecord{
		Tool: "clc test",
		Dataset: DatasetInfo{Source: "train.csv", SHA256: "ab12", Rows: 7000, Features: 196, Task: "classification",
			Classes: 10, Target: "label", Valid: "valid.csv", ValidRows: 1000, ValidSHA256: "cd34"},
		Config: SweepConfig{Model: "mlp", Hidden: []int{64, 32}, Activation: "relu", Optimizer: "adam", Epochs: 3, BatchSize: 32,
			Fractions: []float64{0.25, 0.5}, FractionText: []string{"1/4", "0.5"}, LRs: []float64{1e-3, 1e-2, 1e-1}, Seeds: 2,
			SplitSeed: 1, ShuffleSeed: 2, DivergenceFactor: 10, Bootstrap: 1000,
			Schedule: &schedule.Spec{Shape: "cosine", MinRatio: 0.1}, Per: "step", Prune: true},
		Shard:  "2/3",
		Trials: 6,
	}
}

// TestJournalGolden pins the journal's format: a plan record and a trial
// line, byte for byte (go test -update rewrites testdata/journal.golden.jsonl
// after an intended change of format, which needs a new PlanVersion or
// JournalVersion).
func TestJournalGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AppendPlan("fp0", goldenPlan()); err != nil {
		t.Fatal(err)
	}
	trials := []Trial{
		{TrialSpec: TrialSpec{Fraction: 0.25, N: 1750, LR: 0.01, Seed: 1}, Steps: 162, ValidLoss: 0.5585, TrainLoss: 0.5, ValidAccuracy: 0.81, Seconds: 1.5},
		{TrialSpec: TrialSpec{Fraction: 0.5, N: 3500, LR: 0.1, Seed: 0}, Steps: 7, ValidLoss: math.Inf(1), TrainLoss: math.NaN(), Diverged: true},
	}
	for _, tr := range trials {
		if err := j.Append("fp0", tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/journal.golden.jsonl"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("journal differs from %s (go test -update after an intended change):\n%s", golden, got)
	}
}

// TestJournalPlanV1: a journal written before plan records had their own
// keys (version 1, Go field names) still reads: its plan record, its
// trials, and reopening it with the same plan appends no new record.
func TestJournalPlanV1(t *testing.T) {
	j, err := ReadJournal("testdata/journal-v1.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	plans := j.Plans()
	if len(plans) != 1 {
		t.Fatalf("%d plan records, want 1", len(plans))
	}
	p := plans[0]
	if p.Dataset.Rows != 7000 || p.Dataset.Source != "demo:fashion-mnist-14x14-8k.csv.gz" || p.Config.BatchSize != 32 ||
		!reflect.DeepEqual(p.Config.FractionText, []string{"1/32", "1/16", "1/8", "1/4", "1/2"}) || len(p.Config.LRs) != 13 ||
		p.Config.Seeds != 2 || p.Dataset.ValidRows != 1000 || p.Config.Hidden[0] != 64 {
		t.Errorf("plan record read as %+v", p.PlanRecord)
	}
	if j.Len() != 2 {
		t.Errorf("%d trials, want 2", j.Len())
	}
	tr, ok := j.Lookup(p.Fingerprint, TrialSpec{Fraction: 0.5, N: 3500, LR: 0.001, Seed: 1})
	if !ok || tr.Steps != 327 || tr.ValidAccuracy != 0.364 {
		t.Errorf("trial %+v, %v", tr, ok)
	}
	data, err := os.ReadFile("testdata/journal-v1.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "j.jsonl")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.AppendPlan(p.Fingerprint, p.PlanRecord); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if after, _ := os.ReadFile(path); len(after) != len(data) {
		t.Errorf("reopening a version-1 journal with its own plan appended a record")
	}
}
