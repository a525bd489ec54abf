package table

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/inputerr/inputerrtest"
)

func gzipBytes(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// tableWant is the part of a Table a test checks.
type tableWant struct {
	Features   []string
	Target     string
	X          []float32
	Y          []float64
	Lines      []int32
	TargetCols []int32
}

func checkTableWant(t *testing.T, got *Table, want tableWant) {
	t.Helper()
	g := tableWant{got.Features, got.Target, got.X, got.Y, got.Lines, got.TargetCols}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("table =\n%#v\nwant\n%#v", g, want)
	}
	if got.Rows != len(want.Y) {
		t.Errorf("Rows = %d, want %d", got.Rows, len(want.Y))
	}
}

// TestReadCSV checks accepted inputs. Expected values are read off the input
// text: lines count from 1, columns are 1-based byte offsets of the field's
// first byte (its opening quote when quoted) on its line, after any BOM.
func TestReadCSV(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opt  Options
		want tableWant
	}{
		{"plain", "a,b,y\n1,2,3\n4,5,6\n", Options{},
			tableWant{[]string{"a", "b"}, "y", []float32{1, 2, 4, 5}, []float64{3, 6}, []int32{2, 3}, []int32{5, 5}}},
		{"no final newline", "a,b\n1,2", Options{},
			tableWant{[]string{"a"}, "b", []float32{1}, []float64{2}, []int32{2}, []int32{3}}},
		{"crlf", "a,b\r\n1,2\r\n3,4\r\n", Options{},
			tableWant{[]string{"a"}, "b", []float32{1, 3}, []float64{2, 4}, []int32{2, 3}, []int32{3, 3}}},
		{"bom", "\ufeffa,b\n1,2\n", Options{},
			tableWant{[]string{"a"}, "b", []float32{1}, []float64{2}, []int32{2}, []int32{3}}},
		{"target in the middle", "a,b,c\n1,22,3\n", Options{Target: "b"},
			tableWant{[]string{"a", "c"}, "b", []float32{1, 3}, []float64{22}, []int32{2}, []int32{3}}},
		{"target first", "y,a\n1,2\n", Options{Target: "y"},
			tableWant{[]string{"a"}, "y", []float32{2}, []float64{1}, []int32{2}, []int32{1}}},
		{"blank lines skipped", "\na,b\n\n1,2\n\n\n3,4\n", Options{},
			tableWant{[]string{"a"}, "b", []float32{1, 3}, []float64{2, 4}, []int32{4, 7}, []int32{3, 3}}},
		// Numeric names: pandas' default labels 0..D-1, or a target named.
		{"pandas labels", "0,1,2\n4,5,6\n", Options{},
			tableWant{[]string{"0", "1"}, "2", []float32{4, 5}, []float64{6}, []int32{2}, []int32{5}}},
		{"numeric header, target named", "1,2\n3,4\n", Options{Target: "1"},
			tableWant{[]string{"2"}, "1", []float32{4}, []float64{3}, []int32{2}, []int32{1}}},
		{"no header", "1,2,3\n4,5,6\n", Options{NoHeader: true},
			tableWant{[]string{"c1", "c2"}, "c3", []float32{1, 2, 4, 5}, []float64{3, 6}, []int32{1, 2}, []int32{5, 5}}},
		{"no header after blank lines", "\r\n\n1,2\r\n3,4\r\n", Options{NoHeader: true},
			tableWant{[]string{"c1"}, "c2", []float32{1, 3}, []float64{2, 4}, []int32{3, 4}, []int32{3, 3}}},
		{"no header, target first", "1,2\n", Options{NoHeader: true, Target: "c1"},
			tableWant{[]string{"c2"}, "c1", []float32{2}, []float64{1}, []int32{1}, []int32{1}}},
		{"no header, quoted", "\"1\",2\n3,4\n", Options{NoHeader: true},
			tableWant{[]string{"c1"}, "c2", []float32{1, 3}, []float64{2, 4}, []int32{1, 2}, []int32{5, 3}}},
		{"no header, one row without newline", "7,8", Options{NoHeader: true},
			tableWant{[]string{"c1"}, "c2", []float32{7}, []float64{8}, []int32{1}, []int32{3}}},
		{"spaces trimmed", " a ,\tb\n 1 , 2\t\n", Options{Target: "b"},
			tableWant{[]string{"a"}, "b", []float32{1}, []float64{2}, []int32{2}, []int32{5}}},
		{"quoted numbers and names", "\"x,1\",\"say \"\"y\"\"\"\n\"1.5\",\" 2\"\n", Options{},
			tableWant{[]string{"x,1"}, `say "y"`, []float32{1.5}, []float64{2}, []int32{2}, []int32{7}}},
		// Decimal forms strconv.ParseFloat accepts (and pandas too).
		{"number forms", "a,b,c,d,e,y\n.5,5.,-1e-3,+2E+2,007,-0\n", Options{},
			tableWant{[]string{"a", "b", "c", "d", "e"}, "y", []float32{0.5, 5, -0.001, 200, 7}, []float64{math.Copysign(0, -1)}, []int32{2}, []int32{23}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(context.Background(), strings.NewReader(tt.in), "t.csv", tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			checkTableWant(t, got, tt.want)
			if got.Name != "t.csv" {
				t.Errorf("Name = %q", got.Name)
			}
		})
	}
}

// TestReadCSVQuotedNewlines checks line numbers around quoted fields that
// span lines (white space, newlines included, is trimmed from cells).
func TestReadCSVQuotedNewlines(t *testing.T) {
	// The header spans lines 1-2; row 1 is line 3; row 2 starts on line 4
	// and its quoted "5\n" ends on line 5, where its target "6" starts at
	// byte 3 (`",6`); row 3 is line 6.
	in := "x,\"multi\nline\",y\n1,2,3\n4,\"5\n\",6\n7,8,9\n"
	got, err := Read(context.Background(), strings.NewReader(in), "t.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkTableWant(t, got, tableWant{[]string{"x", "multi\nline"}, "y",
		[]float32{1, 2, 4, 5, 7, 8}, []float64{3, 6, 9}, []int32{3, 4, 6}, []int32{5, 3, 5}})
	// Row 2's target field starts on line 5, not on the row's first line.
	if l, c := got.TargetPos(1); l != 5 || c != 3 {
		t.Errorf("TargetPos(1) = %d:%d, want 5:3", l, c)
	}
	if l, c := got.TargetPos(2); l != 6 || c != 5 {
		t.Errorf("TargetPos(2) = %d:%d, want 6:5", l, c)
	}
	if l, c := got.ColumnPos("y"); l != 2 || c != 7 {
		t.Errorf("ColumnPos(y) = %d:%d, want 2:7", l, c)
	}

	// A row after a multi-line header field and a multi-line row.
	in = "a,\"b\nc\",y\n1,2,3\n\"x\ny\",5,6\n"
	_, err = Read(context.Background(), strings.NewReader(in), "t.csv", Options{})
	inputerrtest.Check(t, err, "t.csv:4:1: cell \"x\\ny\" in column \"a\" is not a number", "")
}

// TestReadCSVErrors checks every rejected input: the location (line and
// 1-based byte column of the offending field, counted by hand from the
// input) and the message.
func TestReadCSVErrors(t *testing.T) {
	wide := "c0"
	for i := 1; i < 12; i++ {
		wide += ",c" + string(rune('0'+i%10)) + string(rune('a'+i))
	}
	tests := []struct {
		name, in string
		opt      Options
		msg      string
		hint     string
	}{
		{"empty", "", Options{}, "t.csv: file is empty; expected a header row of column names", "first line"},
		{"blank lines only", "\n\r\n\n", Options{}, "t.csv: file is empty; expected a header row of column names", ""},
		{"bom only", "\ufeff", Options{}, "t.csv: file is empty; expected a header row of column names", ""},
		{"header only", "a,b\n", Options{}, "t.csv: no data rows below the header", "at least one row"},
		{"one column", "a\n1\n", Options{}, "t.csv:1: header has 1 column; need at least one feature column and a target column", "separated by commas"},
		{"semicolons", "a;b;y\n1;2;3\n", Options{}, "t.csv:1: header has 1 column; need at least one feature column and a target column", "';'"},
		{"tabs", "a\tb\ty\n1\t2\t3\n", Options{}, "t.csv:1: header has 1 column; need at least one feature column and a target column", "tabs"},
		// Fields of "1,2" start at columns 1 and 3; the missing third has none.
		{"ragged short", "a,b,c\n1,2,3\n1,2\n", Options{}, "t.csv:3: row has 2 fields, expected 3 like the header",
			"every row needs 3 comma-separated values; one may be missing, or the row cut short"},
		{"ragged one field", "a,b,c\n1,2,3\n \n", Options{}, "t.csv:3: row has 1 field, expected 3 like the header", "stray line"},
		// The first extra field "3" starts at byte 5 of "1,2,3".
		{"ragged long", "a,b\n1,2,3\n", Options{}, "t.csv:2:5: row has 3 fields, expected 2 like the header", "quote fields"},
		{"not a number", "px1,px3,y\n1,2,0\n4,abc,1\n", Options{}, `t.csv:3:3: cell "abc" in column "px3" is not a number`, "categorical"},
		{"not a number in target", "a,y\n1,cat\n", Options{}, `t.csv:2:3: cell "cat" in column "y" is not a number`, "class labels"},
		{"missing marker", "a,b,y\n1,NA,0\n", Options{}, `t.csv:2:3: cell "NA" in column "b" is not a number`, "missing values"},
		{"hex float", "a,y\n0x1p3,1\n", Options{}, `t.csv:2:1: cell "0x1p3" in column "a" is not a number`, ""},
		{"underscore", "a,y\n0x_1p3,1\n", Options{}, `t.csv:2:1: cell "0x_1p3" in column "a" is not a number`, ""},
		// A quoted cell spanning lines 2-3 in a numeric column.
		{"newline in a number", "a,y\n\"1\n2\",0\n", Options{}, `t.csv:2:1: cell "1\n2" in column "a" is not a number`,
			"the quoted cell spans 2 lines, and a number has no line break; check for a misplaced quote"},
		{"decimal comma", "a,y\n\"1,5\",0\n", Options{}, `t.csv:2:1: cell "1,5" in column "a" is not a number`,
			"decimal commas are not supported; write the number with a point, e.g. 1.5"},
		{"decimal comma in target", "a,y\n1,\"-2,25e3\"\n", Options{}, `t.csv:2:3: cell "-2,25e3" in column "y" is not a number`,
			"e.g. -2.25e3"},
		{"comma, not a decimal", "a,y\n\"1,2.5\",0\n", Options{}, `t.csv:2:1: cell "1,2.5" in column "a" is not a number`, "categorical"},
		{"comma in a label", "a,y\n1,\"a,b\"\n", Options{}, `t.csv:2:3: cell "a,b" in column "y" is not a number`, "class labels"},
		{"two dots", "a,y\n1,2.3.4\n", Options{}, `t.csv:2:3: cell "2.3.4" in column "y" is not a number`, ""},
		{"NaN", "a,b\n1,NaN\n", Options{}, `t.csv:2:3: cell "NaN" in column "b" is NaN`, "missing values"},
		{"nan feature", "a,b\nnan,1\n", Options{}, `t.csv:2:1: cell "nan" in column "a" is NaN`, ""},
		{"Inf", "a,b\n1,-Inf\n", Options{}, `t.csv:2:3: cell "-Inf" in column "b" is infinite`, "finite"},
		{"infinity", "a,b\n+infinity,1\n", Options{}, `t.csv:2:1: cell "+infinity" in column "a" is infinite`, ""},
		{"float64 overflow", "a,b\n1,1e400\n", Options{}, `t.csv:2:3: cell "1e400" in column "b" is out of range (overflows a float64)`, "rescale"},
		{"float32 overflow", "a,b\n-1e39,1\n", Options{}, `t.csv:2:1: cell "-1e39" in column "a" is too large for a float32 (largest magnitude 3.4e38)`, "rescale"},
		{"empty cell", "a,b,c\n1,,3\n", Options{}, `t.csv:2:3: empty cell in column "b"`, "missing values"},
		{"blank cell", "a,b,c\n1,2, \n", Options{}, `t.csv:2:5: empty cell in column "c"`, ""},
		{"empty quoted cell", "a,b\n\"\",1\n", Options{}, `t.csv:2:1: empty cell in column "a"`, ""},
		{"long cell shortened", "a,b\n1," + strings.Repeat("z", 100) + "\n", Options{},
			`t.csv:2:3: cell "` + strings.Repeat("z", 40) + `"... (100 bytes) in column "b" is not a number`, ""},
		{"duplicate name", "a,b,a\n1,2,3\n", Options{}, `t.csv:1:5: duplicate column name "a" (columns 1 and 3)`, "unique"},
		{"duplicate after trim", "a, a,y\n1,2,3\n", Options{}, `t.csv:1:3: duplicate column name "a" (columns 1 and 2)`, ""},
		{"empty name", "a,,y\n1,2,3\n", Options{}, "t.csv:1:3: column 2 has an empty name", "needs a name"},
		{"trailing comma", "a,b,\n1,2,\n", Options{}, "t.csv:1:5: column 3 has an empty name", "comma at the end"},
		{"cr line endings", "a,b\r1,2\r", Options{}, `t.csv:1:3: column name "b\r1" contains a carriage return`, "CR"},
		{"missing target", "a,b,y\n1,2,3\n", Options{Target: "z"}, `t.csv:1: no column named "z"`, `the columns are "a", "b", "y"`},
		{"missing target case", "a,b,Label\n1,2,3\n", Options{Target: "label"}, `t.csv:1: no column named "label"`, `did you mean "Label"?`},
		{"missing target many", wide + "\n" + strings.Repeat("1,", 11) + "1\n", Options{Target: "q"}, `t.csv:1: no column named "q"`,
			`"c0", "c1b", "c2c", "c3d", "c4e", ..., "c9j", "c0k", "c1l" (12 in all)`},
		// csv reports the bare quote itself: byte 4 of `1,2"x`.
		{"bare quote", "a,b\n1,2\"x\n", Options{}, `t.csv:2:4: bare " in an unquoted field`, "double each"},
		// After the closing quote at byte 4 of `1,"2"x`, byte 5 is an extra character.
		{"text after quote", "a,b\n1,\"2\"x\n", Options{}, `t.csv:2:5: extraneous or missing " in a quoted field`, ""},
		// An unterminated quote runs to the end of the input; csv reports the
		// end: line 3, byte 5, just past "3,4\n".
		{"unterminated quote", "a,b\n1,\"2\n3,4\n", Options{}, `t.csv:3:5: extraneous or missing " in a quoted field`, "starts at line 2"},
		{"error after bom", "\ufeffa,a\n1,2\n", Options{}, `t.csv:1:3: duplicate column name "a" (columns 1 and 2)`, ""},
		{"error after crlf", "a,b\r\n1,2\r\n1,x\r\n", Options{}, `t.csv:3:3: cell "x" in column "b" is not a number`, ""},
		{"error after blank lines", "a,b\n\n\n1,x\n", Options{}, `t.csv:4:3: cell "x" in column "b" is not a number`, ""},
		// Row 2 spans lines 2-3; its third field "z" starts at byte 3 of line 3 (`",z`).
		{"error on continuation line", "a,b,c\n\"1\",\"2\n\",z\n", Options{}, `t.csv:3:3: cell "z" in column "c" is not a number`, ""},
		{"utf16", "\xff\xfea\x00,\x00b\x00", Options{}, "t.csv: file is UTF-16 text", "UTF-8"},
		{"zip", "PK\x03\x04\x14\x00", Options{}, "t.csv: file is a zip archive, not CSV text", "unzip"},
		{"zstd", "\x28\xb5\x2f\xfd\x00", Options{}, "t.csv: file is zstd-compressed, not CSV text", "zstd -d"},
		{"xz", "\xfd7zXZ\x00\x00", Options{}, "t.csv: file is xz-compressed, not CSV text", "xz -d"},
		{"bzip2", "BZh91AY&SY\x00", Options{}, "t.csv: file is bzip2-compressed, not CSV text", "bzip2 -d"},
		{"binary", "a\x00b\x00", Options{}, "t.csv: file holds NUL bytes: it is binary data or UTF-16 text, not CSV text", "UTF-8"},
		// A file without a header: its first row is all numbers.
		{"headerless", "1,2,3\n4,5,6\n", Options{}, "t.csv:1: the first row looks like data, not a header: every field is a number",
			"if the file has no header row, pass --no-header (the columns are then c1..c3)"},
		{"headerless after blank lines", "\n 5.1, -3.5e2 ,0\n4,5,6\n", Options{}, "t.csv:2: the first row looks like data, not a header: every field is a number", ""},
		{"headerless two columns", "0,1\n1,0\n", Options{}, "t.csv:1: the first row looks like data, not a header: every field is a number", "c1..c2"},
		{"headerless, not labels", "1,2,3\n4,5,6\n", Options{}, "t.csv:1: the first row looks like data, not a header: every field is a number", ""},
		{"headerless quoted", "\"1\",2,3\n4,5,6\n", Options{}, "t.csv:1: the first row looks like data, not a header: every field is a number", ""},
		// A Latin-1 header: "café" is caf\xe9.
		{"latin-1 header", "x,caf\xe9\n1,2\n", Options{}, `t.csv:1:3: column name "caf\xe9" is not UTF-8 text: the file has another encoding`,
			"convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8"},
		{"latin-1 header, target asked", "x,caf\xe9\n1,2\n", Options{Target: "café"}, `t.csv:1:3: column name "caf\xe9" is not UTF-8 text: the file has another encoding`, "iconv"},
		{"no header, one column", "1\n2\n", Options{NoHeader: true}, "t.csv:1: the first row has 1 field; need at least one feature column and a target column", ""},
		{"no header, but a header", "a,b\n1,2\n", Options{NoHeader: true}, `t.csv:1:1: cell "a" in column "c1" is not a number`,
			"the first row looks like a header; drop --no-header"},
		{"no header, unknown target", "1,2\n", Options{NoHeader: true, Target: "y"}, `t.csv: no column named "y"`, `--target must name a column; the columns are "c1", "c2"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab, err := Read(context.Background(), strings.NewReader(tt.in), "t.csv", tt.opt)
			if tab != nil {
				t.Errorf("got a table with an error")
			}
			inputerrtest.Check(t, err, tt.msg, tt.hint)
			if ie, ok := inputerr.As(err); ok && ie.File != "t.csv" {
				t.Errorf("File = %q", ie.File)
			}
		})
	}
}

// TestReadCSVFieldPositions asserts Line and Col fields (not only the text).
func TestReadCSVFieldPositions(t *testing.T) {
	_, err := Read(context.Background(), strings.NewReader("a,b,c\n1,2,3\n10,20,oops\n"), "d.csv", Options{})
	ie, ok := inputerr.As(err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	// "10,20,oops": fields start at bytes 1, 4 and 7.
	if ie.File != "d.csv" || ie.Line != 3 || ie.Col != 7 {
		t.Errorf("location = %s:%d:%d, want d.csv:3:7", ie.File, ie.Line, ie.Col)
	}
}

// TestReadCSVLongLine reads a row of 1 MiB and more (bufio's default buffer is
// 4 KiB; encoding/csv grows its line buffer as needed).
func TestReadCSVLongLine(t *testing.T) {
	const cols = 250_000
	var b strings.Builder
	for j := 0; j < cols; j++ {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("c")
		b.WriteString(strconv.Itoa(j))
	}
	b.WriteByte('\n')
	start := b.Len()
	for j := 0; j < cols; j++ {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("0.25")
	}
	if n := b.Len() - start; n < 1<<20 {
		t.Fatalf("data line is %d bytes, want at least 1 MiB", n)
	}
	b.WriteString("\n")
	got, err := Read(context.Background(), strings.NewReader(b.String()), "wide.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows != 1 || len(got.Features) != cols-1 || len(got.X) != cols-1 || got.Y[0] != 0.25 {
		t.Errorf("rows %d features %d", got.Rows, len(got.Features))
	}
	// The target field is the last: 5 bytes per field before it.
	if want := int32(5*(cols-1) + 1); got.TargetCols[0] != want {
		t.Errorf("TargetCols = %d, want %d", got.TargetCols[0], want)
	}

	// One 2 MiB cell: a long decimal expansion is still a number.
	long := "a,b\n0." + strings.Repeat("1", 2<<20) + ",1\n"
	got, err = Read(context.Background(), strings.NewReader(long), "long.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got.X[0] != float32(1.0/9) {
		t.Errorf("X = %v, want 1/9", got.X[0])
	}
}

// TestReadCSVGzip checks that gzip input is recognized by its magic bytes and
// that damaged gzip data is an input error.
func TestReadCSVGzip(t *testing.T) {
	const plain = "\ufeffa,b\r\n1,2\r\n3,4\r\n"
	want := tableWant{[]string{"a"}, "b", []float32{1, 3}, []float64{2, 4}, []int32{2, 3}, []int32{3, 3}}
	got, err := Read(context.Background(), bytes.NewReader(gzipBytes(t, plain)), "t.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkTableWant(t, got, want)

	// Two gzip members concatenated (as `cat a.gz b.gz`) read as one stream.
	multi := append(gzipBytes(t, "a,b\n1,2\n"), gzipBytes(t, "3,4\n")...)
	got, err = Read(context.Background(), bytes.NewReader(multi), "t.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkTableWant(t, got, tableWant{[]string{"a"}, "b", []float32{1, 3}, []float64{2, 4}, []int32{2, 3}, []int32{3, 3}})

	// Bytes after the last member are ignored, as gzip -d does.
	for _, junk := range []string{"junk!", "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", "\x1f"} {
		got, err = Read(context.Background(), bytes.NewReader(append(gzipBytes(t, "a,b\n1,2\n3,4\n"), junk...)), "t.csv", Options{})
		if err != nil {
			t.Fatalf("trailing %q: %v", junk, err)
		}
		checkTableWant(t, got, tableWant{[]string{"a"}, "b", []float32{1, 3}, []float64{2, 4}, []int32{2, 3}, []int32{3, 3}})
	}

	// A data error inside gzip is located in the decompressed text.
	_, err = Read(context.Background(), bytes.NewReader(gzipBytes(t, "a,b\n1,x\n")), "t.csv.gz", Options{})
	inputerrtest.Check(t, err, `t.csv.gz:2:3: cell "x" in column "b" is not a number`, "")

	data := gzipBytes(t, "a,b\n1,2\n")
	badCRC := bytes.Clone(data)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 is the trailer's first 4 bytes
	badHeader := bytes.Clone(data)
	badHeader[2] = 7 // compression method must be 8 (deflate)
	badDeflate := bytes.Clone(data)
	badDeflate[10] = 0xff // first byte of the deflate stream: reserved block type 3
	second := gzipBytes(t, "3,4\n")
	secondCRC := bytes.Clone(second)
	secondCRC[len(secondCRC)-8] ^= 0xff
	tests := []struct {
		name string
		in   []byte
		msg  string
	}{
		{"truncated", data[:len(data)-4], "t.csv: gzip data is truncated"},
		{"truncated header", data[:5], "t.csv: gzip data is truncated"},
		{"checksum", badCRC, "t.csv: corrupt gzip data (checksum mismatch)"},
		{"header", badHeader, "t.csv: corrupt gzip data (invalid header)"},
		// flate reports the offset after the byte it has read.
		{"deflate", badDeflate, "t.csv: corrupt gzip data (bad deflate stream before compressed byte 1)"},
		{"second member truncated", append(bytes.Clone(data), second[:len(second)-4]...), "t.csv: gzip data is truncated"},
		{"second member checksum", append(bytes.Clone(data), secondCRC...), "t.csv: corrupt gzip data (checksum mismatch)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(context.Background(), bytes.NewReader(tt.in), "t.csv", Options{})
			inputerrtest.Check(t, err, tt.msg, "gzip -t")
		})
	}
}

// TestReadCSVIOError checks that a failing reader gives a wrapped error that
// is not an input error, with or without gzip in between.
func TestReadCSVIOError(t *testing.T) {
	boom := errors.New("boom")
	plain := io.MultiReader(strings.NewReader("a,b\n1,2\n"), iotest.ErrReader(boom))
	compressed := gzipBytes(t, "a,b\n"+strings.Repeat("1,2\n", 1000))
	for name, r := range map[string]io.Reader{
		"plain":      plain,
		"gzip":       io.MultiReader(bytes.NewReader(compressed[:30]), iotest.ErrReader(boom)),
		"first read": iotest.ErrReader(boom),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Read(context.Background(), r, "t.csv", Options{})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want it to wrap boom", err)
			}
			if _, ok := inputerr.As(err); ok {
				t.Errorf("an I/O error must not be an input error: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "read t.csv: ") {
				t.Errorf("err = %q", err)
			}
		})
	}
}

// TestLoadCSV checks paths, stdin and gzip detection by content.
func TestLoadCSV(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const text = "a,b\n1,2\n"
	want := tableWant{[]string{"a"}, "b", []float32{1}, []float64{2}, []int32{2}, []int32{3}}
	for name, path := range map[string]string{
		"plain":            write("plain.csv", []byte(text)),
		"gzip with .gz":    write("data.csv.gz", gzipBytes(t, text)),
		"gzip without .gz": write("data.csv", gzipBytes(t, text)),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Load(context.Background(), path, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			checkTableWant(t, got, want)
			if got.Name != path {
				t.Errorf("Name = %q, want %q", got.Name, path)
			}
		})
	}
	t.Run("stdin", func(t *testing.T) {
		got, err := Load(context.Background(), "-", strings.NewReader(text), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkTableWant(t, got, want)
		if got.Name != "<stdin>" {
			t.Errorf("Name = %q", got.Name)
		}
		_, err = Load(context.Background(), "-", strings.NewReader("a,b\n1,x\n"), Options{})
		inputerrtest.Check(t, err, `<stdin>:2:3: cell "x" in column "b" is not a number`, "")
	})
	t.Run("stdin gzip", func(t *testing.T) {
		got, err := Load(context.Background(), "-", bytes.NewReader(gzipBytes(t, text)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkTableWant(t, got, want)
	})
	t.Run("testdata", func(t *testing.T) {
		got, err := Load(context.Background(), "testdata/bom_crlf_quoted.csv", nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The file: BOM, header `"a,1","b ""q""",y`, rows `1,"2",3` and `"4",5,6`.
		checkTableWant(t, got, tableWant{[]string{"a,1", `b "q"`}, "y",
			[]float32{1, 2, 4, 5}, []float64{3, 6}, []int32{2, 3}, []int32{7, 7}})
	})

	missing := filepath.Join(dir, "nope.csv")
	_, err := Load(context.Background(), missing, nil, Options{})
	inputerrtest.Check(t, err, missing+": no such file", "check the path")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err does not wrap fs.ErrNotExist: %v", err)
	}
	_, err = Load(context.Background(), dir, nil, Options{})
	inputerrtest.Check(t, err, dir+": is a directory, not a CSV file", "")
	_, err = Load(context.Background(), "", nil, Options{})
	inputerrtest.Check(t, err, "no data file given", "")
	if _, err := Load(context.Background(), "-", nil, Options{}); err == nil {
		t.Error("no error for - without stdin")
	}

	if os.Geteuid() != 0 { // root reads any file
		locked := write("locked.csv", []byte(text))
		if err := os.Chmod(locked, 0); err != nil {
			t.Fatal(err)
		}
		_, err = Load(context.Background(), locked, nil, Options{})
		inputerrtest.Check(t, err, locked+": permission denied", "permissions")
	}
}

// BenchmarkReadCSV reads a 20000×101 table of short decimals (about the
// shape of an image dataset); b.SetBytes makes the result MB/s.
func BenchmarkReadCSV(b *testing.B) {
	var buf bytes.Buffer
	for j := range 101 {
		if j > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("c" + strconv.Itoa(j))
	}
	buf.WriteByte('\n')
	for i := range 20000 {
		for j := range 101 {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(strconv.FormatFloat(float64((i*31+j*17)%1000)/997, 'f', 4, 64))
		}
		buf.WriteByte('\n')
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(context.Background(), bytes.NewReader(data), "bench.csv", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadCSVFastMatchesSlow compares the fast path with the encoding/csv
// path (readConfig.slow) on edge inputs, the testdata files and a generated
// table with rare irregular cells, for many chunk sizes: tables must be
// identical bit for bit, errors identical in text, hint and position.
func TestReadCSVFastMatchesSlow(t *testing.T) {
	inputs := slices.Clone(fastSlowCorpus)
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(data))
	}
	r := rand.New(rand.NewPCG(3, 4))
	odd := []string{"\"7\"", " 7", "7 ", "1e2", "-0", "0.000000000000000000001", "1234567890123456789", "NA", "", "1e39", "\"1\n2\""}
	for k := range 6 {
		var b strings.Builder
		b.WriteString("a,b,c,y\n")
		for i := range 300 {
			for j := range 4 {
				if j > 0 {
					b.WriteByte(',')
				}
				if r.IntN(400) == 0 && (k > 0 || j == 3) {
					b.WriteString(odd[r.IntN(len(odd))])
				} else {
					b.WriteString(strconv.FormatFloat(r.NormFloat64()*math.Pow(10, float64(r.IntN(12)-6)), 'g', r.IntN(17)+1, 64))
				}
			}
			if i%50 == 7 {
				b.WriteString("\r")
			}
			b.WriteByte('\n')
		}
		inputs = append(inputs, b.String())
	}
	for i, in := range inputs {
		for _, opt := range []Options{{}, {Target: "a"}, {NoHeader: true}} {
			target := opt.Target
			if opt.NoHeader {
				target = "(no header)"
			}
			// A stream hides the size: the features then collect in blocks.
			for _, form := range []string{"plain", "gzip", "stream", "gzip stream"} {
				data := []byte(in)
				if strings.HasPrefix(form, "gzip") {
					data = gzipBytes(t, in)
				}
				open := func() io.Reader {
					if strings.HasSuffix(form, "stream") {
						return struct{ io.Reader }{bytes.NewReader(data)}
					}
					return bytes.NewReader(data)
				}
				want, werr := read(context.Background(), open(), "t.csv", opt, readConfig{slow: true})
				for _, chunk := range []int{1, 2, 3, 5, 8, 13, 64, 1000, 0} {
					got, gerr := read(context.Background(), open(), "t.csv", opt, readConfig{chunk: chunk, workers: 1 + chunk%3})
					t.Run(fmt.Sprintf("input%d/target%q/%s/chunk%d", i, target, form, chunk), func(t *testing.T) {
						checkSameRead(t, got, gerr, want, werr)
					})
				}
			}
		}
	}
}

// BenchmarkLoadCSVFile reads the file named by $CLC_BENCH_CSV (skipped when
// unset) as clc fit does: MB/s of the file's bytes. $CLC_BENCH_SLOW=1 reads
// it with the encoding/csv path instead. scripts/bench-peer.sh runs it next
// to pandas.read_csv.
func BenchmarkLoadCSVFile(b *testing.B) {
	path := os.Getenv("CLC_BENCH_CSV")
	if path == "" {
		b.Skip("set CLC_BENCH_CSV to a CSV file")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	cfg := readConfig{slow: os.Getenv("CLC_BENCH_SLOW") == "1"}
	cfg.workers, _ = strconv.Atoi(os.Getenv("CLC_BENCH_WORKERS"))
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := read(context.Background(), f, path, Options{}, cfg); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
