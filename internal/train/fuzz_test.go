package train

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/table"
)

// FuzzDataset feeds arbitrary bytes (seeded from testdata/*.csv) to the
// table reader and, when a table is accepted, runs it through NewDataset,
// NewValidationDataset, SplitValidation, Shuffle and the Scaler. It asserts
// that nothing panics, that every rejection is a located input error, and
// that every accepted dataset is self-consistent.
func FuzzDataset(f *testing.F) {
	for _, data := range seedCSVs(f) {
		f.Add(data, "")
		f.Add(data, "y")
	}
	f.Add([]byte("a,b,y\n1,2,3\n"), "a")
	f.Add([]byte("\ufeffa,\"b\nc\",y\r\n1,\"2\",3\r\n"), "b\nc")
	f.Add([]byte("a,y\n\"1,5\",0\n\"2\n5\",1\n"), "")
	f.Add([]byte("a,b,y\n1,2,0\n1,2\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, target string) {
		tab, err := table.Read(context.Background(), bytes.NewReader(data), "fuzz.csv", table.Options{Target: target})
		if err != nil {
			checkInputError(t, err)
			return
		}
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
		tr, va, err := splitOf(d, fraction, seed)
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
		_, va2, _ := splitOf(d, fraction, seed)
		if !slices.Equal(rowIDs(va), rowIDs(va2)) {
			t.Fatal("split not deterministic")
		}
	})
}

// seedCSVs returns the contents of testdata/*.csv, the fuzz targets' seeds.
func seedCSVs(f *testing.F) [][]byte {
	files, err := filepath.Glob("testdata/*.csv")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed files: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}
