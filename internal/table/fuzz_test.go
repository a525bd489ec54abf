package table

import (
	"bytes"
	"context"
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

// FuzzRead feeds arbitrary bytes (plain and gzip-compressed, seeded from
// testdata/*.csv) to Read. It asserts that nothing panics, that every
// rejection is a located input error, and that every accepted table is
// self-consistent.
func FuzzRead(f *testing.F) {
	for _, data := range seedCSVs(f) {
		f.Add(data, "")
		f.Add(gzipBytes(f, string(data)), "y")
	}
	f.Add([]byte("a,b,y\n1,2,3\n"), "a")
	f.Add([]byte("\ufeffa,\"b\nc\",y\r\n1,\"2\",3\r\n"), "b\nc")
	f.Add([]byte("a,y\n\"1,5\",0\n\"2\n5\",1\n"), "")
	f.Add([]byte("a,b,y\n1,2,0\n1,2\n"), "")
	f.Fuzz(func(t *testing.T, data []byte, target string) {
		tab, err := Read(context.Background(), bytes.NewReader(data), "fuzz.csv", Options{Target: target})
		if err != nil {
			checkInputError(t, err)
			return
		}
		checkTableInvariants(t, tab, target)
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

// FuzzReadFastSlow is the differential test of the fast path: on every
// input, Read with small chunks (so that lines, fallbacks and the end of
// the input fall anywhere) must give exactly the table of the encoding/csv
// path, bit for bit, or exactly its error. Bit 1024 of chunk hides the
// input's size; bit 2048 reads it without a header.
func FuzzReadFastSlow(f *testing.F) {
	for _, data := range seedCSVs(f) {
		f.Add(data, "", uint16(7))
		f.Add(gzipBytes(f, string(data)), "y", uint16(100))
	}
	for _, s := range fastSlowCorpus {
		f.Add([]byte(s), "", uint16(3))
		f.Add([]byte(s), "", uint16(2048+5))
	}
	f.Fuzz(func(t *testing.T, data []byte, target string, chunk uint16) {
		opt := Options{Target: target, NoHeader: chunk&2048 != 0}
		want, werr := read(context.Background(), bytes.NewReader(data), "fuzz.csv", opt, readConfig{slow: true})
		var r io.Reader = bytes.NewReader(data)
		if chunk&1024 != 0 {
			r = struct{ io.Reader }{r} // size unknown
		}
		got, gerr := read(context.Background(), r, "fuzz.csv", opt, readConfig{chunk: 1 + int(chunk%512), workers: 2})
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
