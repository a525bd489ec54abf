package train

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
)

// FuzzReadCSV feeds arbitrary bytes (plain and gzip-compressed, seeded from
// testdata/*.csv) to ReadCSV and, when a table is accepted, runs it through
// NewDataset, SplitValidation, Shuffle and the Scaler. It asserts that
// nothing panics, that every rejection is a located input error, and that
// every accepted table and dataset is self-consistent.
func FuzzReadCSV(f *testing.F) {
	files, err := filepath.Glob("testdata/*.csv")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "")
		f.Add(gzipBytes(f, string(data)), "y")
	}
	f.Add([]byte("a,b,y\n1,2,3\n"), "a")
	f.Add([]byte("\ufeffa,\"b\nc\",y\r\n1,\"2\",3\r\n"), "b\nc")
	f.Add([]byte("a,y\n\"1,5\",0\n\"2\n5\",1\n"), "")
	f.Add([]byte("a,b,y\n1,2,0\n1,2\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, target string) {
		tab, err := ReadCSV(bytes.NewReader(data), "fuzz.csv", ReadOptions{Target: target})
		if err != nil {
			checkInputError(t, err)
			return
		}
		checkTableInvariants(t, tab, target)
		for _, task := range []string{"auto", "classification", "regression"} {
			d, err := NewDataset(tab, task)
			if err != nil {
				checkInputError(t, err)
				continue
			}
			checkDatasetInvariants(t, d)
			if v, err := NewValidationDataset(tab, d); err != nil {
				t.Fatalf("a table is not a valid validation set for itself: %v", err)
			} else {
				checkDatasetInvariants(t, v)
			}
			tr, va, err := SplitValidation(d, 0.25, 1)
			if err != nil {
				checkInputError(t, err)
				continue
			}
			if tr.N+va.N != d.N || tr.N == 0 || va.N == 0 {
				t.Fatalf("split %d+%d of %d rows", tr.N, va.N, d.N)
			}
			checkDatasetInvariants(t, tr)
			checkDatasetInvariants(t, va)
			Shuffle(tr, 2)
			s := FitScaler(tr)
			s.Apply(tr)
			s.Apply(va)
			for _, x := range tr.X {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("scaled training feature %v", x)
				}
			}
			for _, y := range tr.Y {
				if math.IsNaN(float64(y)) || math.IsInf(float64(y), 0) {
					t.Fatalf("scaled training target %v", y)
				}
			}
		}
	})
}

// checkInputError asserts that a rejection of in-memory data is an input
// error (never an I/O error) with a well-formed message.
func checkInputError(t *testing.T, err error) {
	t.Helper()
	ie, ok := inputerr.As(err)
	if !ok {
		t.Fatalf("error is not an input error: %v", err)
	}
	if ie.Msg == "" || strings.HasSuffix(ie.Msg, ".") || strings.ToLower(ie.Msg[:1]) != ie.Msg[:1] {
		t.Fatalf("malformed message %q", ie.Msg)
	}
	if ie.File != "" && ie.File != "fuzz.csv" || ie.Line < 0 || ie.Col < 0 || (ie.Col > 0 && ie.Line == 0) {
		t.Fatalf("bad location in %q", ie.Error())
	}
}

func checkTableInvariants(t *testing.T, tab *Table, target string) {
	t.Helper()
	nf := len(tab.Features)
	if tab.Rows < 1 || nf < 1 || len(tab.X) != tab.Rows*nf || len(tab.Y) != tab.Rows ||
		len(tab.Lines) != tab.Rows || len(tab.TargetCols) != tab.Rows {
		t.Fatalf("inconsistent table: rows %d features %d len(X) %d len(Y) %d lines %d cols %d",
			tab.Rows, nf, len(tab.X), len(tab.Y), len(tab.Lines), len(tab.TargetCols))
	}
	if target != "" && tab.Target != target {
		t.Fatalf("target %q, asked for %q", tab.Target, target)
	}
	names := append(slices.Clone(tab.Features), tab.Target)
	seen := map[string]bool{}
	for _, n := range names {
		if n == "" || seen[n] {
			t.Fatalf("empty or duplicate column name %q in %q", n, names)
		}
		seen[n] = true
	}
	for _, x := range tab.X {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			t.Fatalf("feature %v", x)
		}
	}
	for _, y := range tab.Y {
		if math.IsNaN(y) || math.IsInf(y, 0) {
			t.Fatalf("target %v", y)
		}
	}
	for i := range tab.Rows {
		if tab.Lines[i] < 2 || tab.TargetCols[i] < 1 || (i > 0 && tab.Lines[i] <= tab.Lines[i-1]) {
			t.Fatalf("row %d: line %d col %d (previous line %d)", i, tab.Lines[i], tab.TargetCols[i], tab.Lines[max(i-1, 0)])
		}
	}
}

func checkDatasetInvariants(t *testing.T, d *Dataset) {
	t.Helper()
	if len(d.X) != d.N*d.D || len(d.Y) != d.N || len(d.Features) != d.D {
		t.Fatalf("inconsistent dataset: N %d D %d len(X) %d len(Y) %d", d.N, d.D, len(d.X), len(d.Y))
	}
	switch d.Task {
	case Classification:
		if d.Classes < 2 || len(d.Labels) != d.Classes {
			t.Fatalf("%d classes, labels %q", d.Classes, d.Labels)
		}
		for _, y := range d.Y {
			if y != float32(int(y)) || y < 0 || int(y) >= d.Classes {
				t.Fatalf("class index %v of %d", y, d.Classes)
			}
		}
	case Regression:
		if d.Classes != 0 || d.Labels != nil {
			t.Fatalf("regression with classes %d labels %q", d.Classes, d.Labels)
		}
		for _, y := range d.Y {
			if math.IsNaN(float64(y)) || math.IsInf(float64(y), 0) {
				t.Fatalf("target %v", y)
			}
		}
	default:
		t.Fatalf("task %q", d.Task)
	}
}

// FuzzSplitValidation checks the stratified split rule on arbitrary class
// assignments, fractions and seeds.
func FuzzSplitValidation(f *testing.F) {
	f.Add([]byte{0, 1, 0, 1, 2, 2, 2}, 0.2, uint64(1))
	f.Add([]byte{0, 0, 0, 0, 1}, 0.5, uint64(7))
	f.Add([]byte{3}, 0.9, uint64(0))
	f.Fuzz(func(t *testing.T, labels []byte, fraction float64, seed uint64) {
		const k = 4
		counts := make([]int, k)
		d := &Dataset{D: 1, Task: Classification, Classes: k, Labels: []string{"0", "1", "2", "3"}, Features: []string{"i"}}
		for i, l := range labels {
			c := int(l) % k
			counts[c]++
			d.X = append(d.X, float32(i))
			d.Y = append(d.Y, float32(c))
			d.N++
		}
		tr, va, err := SplitValidation(d, fraction, seed)
		if err != nil {
			checkInputError(t, err)
			return
		}
		if !(fraction > 0 && fraction < 1) {
			t.Fatalf("fraction %v accepted", fraction)
		}
		got := classCounts(va)
		for c, n := range counts {
			want := int(math.Round(fraction * float64(n)))
			if n >= 2 {
				want = min(max(want, 1), n-1)
			} else {
				want = 0
			}
			if got[c] != want {
				t.Fatalf("class %d: %d of %d rows in validation, want %d", c, got[c], n, want)
			}
		}
		checkSplit(t, d, tr, va)
		_, va2, _ := SplitValidation(d, fraction, seed)
		if !slices.Equal(rowIDs(va), rowIDs(va2)) {
			t.Fatal("split not deterministic")
		}
	})
}
