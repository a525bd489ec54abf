package train

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
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
	for _, data := range seedCSVs(f) {
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

// FuzzReadCSVFastSlow is the differential test of the fast path: on every
// input, ReadCSV with small chunks (so that lines, fallbacks and the end of
// the input fall anywhere) must give exactly the table of the encoding/csv
// path, bit for bit, or exactly its error.
func FuzzReadCSVFastSlow(f *testing.F) {
	for _, data := range seedCSVs(f) {
		f.Add(data, "", uint16(7))
		f.Add(gzipBytes(f, string(data)), "y", uint16(100))
	}
	for _, s := range fastSlowCorpus {
		f.Add([]byte(s), "", uint16(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, target string, chunk uint16) {
		opt := ReadOptions{Target: target}
		want, werr := readCSV(bytes.NewReader(data), "fuzz.csv", opt, readConfig{slow: true})
		var r io.Reader = bytes.NewReader(data)
		if chunk&1024 != 0 {
			r = struct{ io.Reader }{r} // size unknown
		}
		got, gerr := readCSV(r, "fuzz.csv", opt, readConfig{chunk: 1 + int(chunk%512), workers: 2})
		checkSameRead(t, got, gerr, want, werr)
	})
}

// fastSlowCorpus holds inputs at the edges of the fast path.
var fastSlowCorpus = []string{
	"a,b,y\n1,2,3\n4,5,6\n",
	"a,b\r\n1,2\r\n\r\n3,4\r\n",
	"\n\r\na,b\n\n1,2\n\n",
	"a,b\n1,2\r",
	"a,b\n1,2\r3\n",
	"a,b\r\r\n1,2\n",
	"\r\r\na,b\n1,2\n",
	"a,b\n-0,+.5\n5.,1e3\n0.1234567890123456,123456789012345678\n",
	"a,b\n1,2\n3,\"4\"\n5,6\n",
	"a,b\n1,2\n3,4,5\n",
	"a,b\n1,2\n3\n",
	"a,b\n1,2\n3,\n",
	"a,b\n1,2\n3,",
	"a,b\n1,2\n3",
	"a,b\n1, 2\n",
	"a,b\n1,\ufeff2\n",
	"a,b\n1e39,2\n",
	"a,b\n1,1e400\n",
	"a,b\n1,0x10\n",
	"a,b\n1,NaN\n",
	"a,b\n.,1\n",
	"a,b\n-,1\n",
	"\"a\",b\n1,2\n",
	"a,\"b\nc\",y\n1,2,3\n",
	"a,b\n1,\"2\n3\",4\n",
	"a,b\n1,2\"\n",
	"a,b",
	"a,b\n",
	"",
	"\n\n",
	"a\n1\n",
	"a,a\n1,2\n",
}

// checkSameRead asserts that two reads gave identical tables (floats
// compared bit for bit) or identical errors.
func checkSameRead(t *testing.T, got *Table, gerr error, want *Table, werr error) {
	t.Helper()
	if (gerr != nil) != (werr != nil) {
		t.Fatalf("fast error %v, encoding/csv error %v", gerr, werr)
	}
	if werr != nil {
		gi, gok := inputerr.As(gerr)
		wi, wok := inputerr.As(werr)
		if gerr.Error() != werr.Error() || gok != wok || gok && (gi.Hint != wi.Hint || gi.Line != wi.Line || gi.Col != wi.Col) {
			t.Fatalf("fast error %q (%+v), encoding/csv error %q (%+v)", gerr, gi, werr, wi)
		}
		return
	}
	if len(got.X) != len(want.X) || len(got.Y) != len(want.Y) {
		t.Fatalf("fast %d features %d targets, encoding/csv %d %d", len(got.X), len(got.Y), len(want.X), len(want.Y))
	}
	for i := range want.X {
		if math.Float32bits(got.X[i]) != math.Float32bits(want.X[i]) {
			t.Fatalf("X[%d] = %v fast, %v encoding/csv", i, got.X[i], want.X[i])
		}
	}
	for i := range want.Y {
		if math.Float64bits(got.Y[i]) != math.Float64bits(want.Y[i]) {
			t.Fatalf("Y[%d] = %v fast, %v encoding/csv", i, got.Y[i], want.Y[i])
		}
	}
	g, w := *got, *want
	g.X, g.Y, w.X, w.Y = nil, nil, nil, nil
	if len(g.Lines) == 0 {
		g.Lines, g.TargetCols = nil, nil
	}
	if len(w.Lines) == 0 {
		w.Lines, w.TargetCols = nil, nil
	}
	if !reflect.DeepEqual(g, w) {
		short := func(t Table) string {
			s := fmt.Sprintf("%+v", t)
			if len(s) > 1000 {
				s = s[:1000] + "..."
			}
			return s
		}
		t.Fatalf("fast table\n%s\nencoding/csv table\n%s", short(g), short(w))
	}
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
