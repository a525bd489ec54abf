package clc

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/schedule"
)

func TestParseShard(t *testing.T) {
	for text, want := range map[string]Shard{"1/1": {0, 1}, "2/3": {1, 3}, " 3 / 3 ": {2, 3}} {
		if got, err := ParseShard(text); err != nil || got != want || got.String() != strings.ReplaceAll(strings.TrimSpace(text), " ", "") {
			t.Errorf("ParseShard(%q) = %+v (%s), %v", text, got, got, err)
		}
	}
	for _, bad := range []string{"", "2", "0/3", "4/3", "1/0", "a/b", "-1/3", "1/2/3"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		} else if _, ok := inputerr.As(err); !ok {
			t.Errorf("ParseShard(%q): %v is not an input error", bad, err)
		}
	}
}

func shardPlan(t *testing.T) []TrialSpec {
	t.Helper()
	lrs, err := LogGrid(1e-3, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(6400, []float64{1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4}, lrs, 3, 32)
	if err != nil {
		t.Fatal(err)
	}
	return p.Specs()
}

// Every shard count partitions the plan: disjoint shares whose union is
// the plan, each in spec order, the same on every call, with the cost (N)
// spread evenly; with pruning each (N, seed) stays on one shard.
func TestShardSpecsPartition(t *testing.T) {
	specs := shardPlan(t)
	var total float64
	for _, s := range specs {
		total += float64(s.N)
	}
	for _, prune := range []bool{false, true} {
		for n := 1; n <= 7; n++ {
			seen := map[TrialSpec]int{}
			owner := map[[2]int]int{}
			maxLoad := 0.0
			for i := 0; i < n; i++ {
				mine := ShardSpecs(specs, prune, Shard{i, n}, nil)
				if again := ShardSpecs(specs, prune, Shard{i, n}, nil); !reflect.DeepEqual(mine, again) {
					t.Fatalf("prune %v shard %d/%d: not deterministic", prune, i+1, n)
				}
				load := 0.0
				for k, s := range mine {
					seen[s]++
					load += float64(s.N)
					if k > 0 && specIndex(specs, mine[k-1]) > specIndex(specs, s) {
						t.Fatalf("shard %d/%d out of spec order", i+1, n)
					}
					key := [2]int{s.N, s.Seed}
					if o, ok := owner[key]; prune && ok && o != i {
						t.Fatalf("prune: (N %d, seed %d) on shards %d and %d", s.N, s.Seed, o+1, i+1)
					}
					owner[key] = i
				}
				maxLoad = math.Max(maxLoad, load)
			}
			if len(seen) != len(specs) {
				t.Fatalf("prune %v, %d shards cover %d of %d trials", prune, n, len(seen), len(specs))
			}
			for s, c := range seen {
				if c != 1 {
					t.Fatalf("prune %v, %d shards: %+v in %d shards", prune, n, s, c)
				}
			}
			// LPT is within 4/3 of the optimum, itself at least max(mean
			// load, largest unit); checked against the mean load where
			// units are small.
			if !prune && maxLoad > total/float64(n)*4/3+6400/4 {
				t.Errorf("%d shards: largest load %.0f of total %.0f", n, maxLoad, total)
			}
		}
	}
	if got := ShardUnits(specs, false); got != len(specs) {
		t.Errorf("units without prune = %d, want %d", got, len(specs))
	}
	if got := ShardUnits(specs, true); got != 4*3 {
		t.Errorf("units with prune = %d, want 12 (N, seed) pairs", got)
	}
}

func specIndex(specs []TrialSpec, s TrialSpec) int {
	for i, x := range specs {
		if x == s {
			return i
		}
	}
	return -1
}

// With pruning, CollectTrials marks every rate above the lowest diverged
// one at the same (N, seed) as pruned, recorded or not, and leaves other
// (N, seed) pairs alone.
func TestCollectTrialsPrune(t *testing.T) {
	specs := []TrialSpec{
		{Fraction: 0.5, N: 50, LR: 0.1, Seed: 0}, {Fraction: 0.5, N: 50, LR: 1, Seed: 0}, {Fraction: 0.5, N: 50, LR: 10, Seed: 0},
		{Fraction: 0.5, N: 50, LR: 0.1, Seed: 1}, {Fraction: 0.5, N: 50, LR: 1, Seed: 1}, {Fraction: 0.5, N: 50, LR: 10, Seed: 1},
	}
	rec := map[TrialSpec]Trial{
		specs[0]: {TrialSpec: specs[0], ValidLoss: 0.5, Steps: 3},
		specs[1]: {TrialSpec: specs[1], ValidLoss: math.Inf(1), Diverged: true, Steps: 1},
		specs[2]: {TrialSpec: specs[2], ValidLoss: 0.7, Steps: 3}, // ran in a run without pruning
		specs[4]: {TrialSpec: specs[4], ValidLoss: 0.6, Steps: 3},
	}
	lookup := func(s TrialSpec) (Trial, bool) { t, ok := rec[s]; return t, ok }
	trials, have := CollectTrials(specs, true, lookup)
	if want := []bool{true, true, true, false, true, false}; !reflect.DeepEqual(have, want) {
		t.Fatalf("have = %v, want %v", have, want)
	}
	if !trials[2].Pruned || !trials[2].Diverged || trials[1].Pruned {
		t.Errorf("pruning: %+v %+v", trials[1], trials[2])
	}
	trials, have = CollectTrials(specs, false, lookup)
	if have[5] || trials[2].Pruned || trials[2].ValidLoss != 0.7 {
		t.Errorf("without pruning the recorded trial must stand: %+v", trials[2])
	}
}

func writeShardJournal(t *testing.T, path, fp string, rec PlanRecord, trials []Trial) *Journal {
	t.Helper()
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AppendPlan(fp, rec); err != nil {
		t.Fatal(err)
	}
	if err := j.AppendPlan(fp, rec); err != nil { // the same plan again: no new line
		t.Fatal(err)
	}
	for _, tr := range trials {
		if err := j.Append(fp, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Plans()) != 1 {
		t.Fatalf("%d plan records, want 1", len(r.Plans()))
	}
	return r
}

func TestMergeJournals(t *testing.T) {
	dir := t.TempDir()
	lrs := []float64{0.01, 0.1, 1}
	rec := PlanRecord{
		Tool:    "clc test",
		Dataset: DatasetInfo{Source: "a.csv", SHA256: "abc", Rows: 400, Task: "regression"},
		Config: SweepConfig{Model: "linear", Optimizer: "sgd", Epochs: 1, BatchSize: 10, Fractions: []float64{0.25, 1},
			LRs: lrs, Seeds: 2, Schedule: &schedule.Spec{Shape: schedule.Cosine}, Per: "step"},
	}
	fp := Fingerprint(rec.Dataset, rec.Config)
	plan, err := NewPlan(400, rec.Config.Fractions, lrs, 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	specs := plan.Specs()
	var journals []*Journal
	for i := 0; i < 3; i++ {
		s := Shard{i, 3}
		r := rec
		r.Shard = s.String()
		if i == 1 {
			r.Dataset.Source = "/elsewhere/a.csv" // another machine's path: the same data
		}
		var trials []Trial
		for _, spec := range ShardSpecs(specs, false, s, nil) {
			trials = append(trials, Trial{TrialSpec: spec, ValidLoss: spec.LR + float64(spec.N), Steps: spec.N / 10})
		}
		journals = append(journals, writeShardJournal(t, filepath.Join(dir, s.String()[:1]+".jsonl"), fp, r, trials))
	}
	m, err := MergeJournals(journals)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Missing) != 0 || len(m.Trials) != len(specs) || len(m.MissingShards) != 0 || m.Plan.Dataset.Source != "a.csv" {
		t.Fatalf("merge: %d trials, %d missing, shards %v missing %v", len(m.Trials), len(m.Missing), m.Shards, m.MissingShards)
	}
	for i, tr := range m.Trials {
		if tr.TrialSpec != specs[i] || tr.ValidLoss != specs[i].LR+float64(specs[i].N) {
			t.Fatalf("trial %d = %+v, want spec %+v", i, tr, specs[i])
		}
	}

	// Without the second shard: its trials and its name are missing.
	m, err = MergeJournals([]*Journal{journals[0], journals[2]})
	if err != nil {
		t.Fatal(err)
	}
	if want := ShardSpecs(specs, false, Shard{1, 3}, nil); !reflect.DeepEqual(m.Missing, want) || !reflect.DeepEqual(m.MissingShards, []string{"2/3"}) {
		t.Errorf("missing %v (shards %v), want %v", m.Missing, m.MissingShards, want)
	}

	// Another grid is another plan, named by its key.
	other := rec
	other.Config.LRs = []float64{0.01, 0.1}
	oj := writeShardJournal(t, filepath.Join(dir, "other.jsonl"), Fingerprint(other.Dataset, other.Config), other, nil)
	_, err = MergeJournals([]*Journal{journals[0], oj})
	if ie, ok := inputerr.As(err); !ok || !strings.Contains(err.Error(), "config.lrs is [0.01 0.1] here but [0.01 0.1 1] there") || ie.Line != 1 {
		t.Errorf("other grid: %v", err)
	}
	// Other data is another plan too.
	other = rec
	other.Dataset.SHA256 = "def"
	oj = writeShardJournal(t, filepath.Join(dir, "data.jsonl"), Fingerprint(other.Dataset, other.Config), other, nil)
	if _, err = MergeJournals([]*Journal{journals[0], oj}); err == nil || !strings.Contains(err.Error(), "dataset.sha256 is def here but abc there") {
		t.Errorf("other data: %v", err)
	}
	// A journal without a plan record says how to add one.
	bare, err := OpenJournal(filepath.Join(dir, "bare.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	bare.Close()
	bare, _ = ReadJournal(filepath.Join(dir, "bare.jsonl"))
	if _, err = MergeJournals([]*Journal{bare}); err == nil || !strings.Contains(err.Error(), "has no plan record") {
		t.Errorf("bare journal: %v", err)
	}
}

// A journal open for appending is locked: a second sweep on it fails with
// an input error instead of interleaving lines.
func TestJournalLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if !lockSupported {
		j.Close()
		t.Skip("no file locks on this system")
	}
	_, err = OpenJournal(path)
	if _, ok := inputerr.As(err); !ok || !strings.Contains(err.Error(), "in use by another clc process") {
		t.Errorf("second open: %v", err)
	}
	if _, err := ReadJournal(path); err != nil {
		t.Errorf("reading a locked journal: %v", err)
	}
	j.Close()
	j, err = OpenJournal(path)
	if err != nil {
		t.Errorf("after close: %v", err)
	} else {
		j.Close()
	}
	if errors.Is(err, errLocked) {
		t.Error("still locked")
	}
}
