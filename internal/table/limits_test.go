package table

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/inputerr/inputerrtest"
)

// endless is an io.Reader that repeats a prefix-less pattern forever, as
// /dev/zero or a stream that never ends.
type endless struct {
	head    []byte // returned first
	pattern []byte
	off     int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	if len(e.head) > 0 {
		n = copy(p, e.head)
		e.head = e.head[n:]
	}
	for n < len(p) {
		k := copy(p[n:], e.pattern[e.off:])
		n += k
		e.off = (e.off + k) % len(e.pattern)
	}
	return n, nil
}

// endlessInputs are streams that never end, each with the limit it must
// hit: the words of the error message.
var endlessInputs = []struct {
	name        string
	head        string
	pattern     string
	opt         Options
	msg         string // in the error message
	line, start int    // the error's line (0: any)
}{
	{"zeros", "", "\x00", Options{}, "NUL bytes", 0, 0},
	{"zeros after a header", "alpha,beta\n", "\x00", Options{}, "longer than 16 MiB, the limit of a line", 2, 0},
	{"digits without a newline", "", "1234567890", Options{}, "longer than 16 MiB, the limit of a line", 1, 0},
	{"digits after rows", "a,b\n1,2\n3,4\n", "9", Options{}, "longer than 16 MiB, the limit of a line", 4, 0},
	{"newlines", "", "\n", Options{}, "more than 65536 empty lines in a row, the limit", 1, 0},
	{"crlf newlines after a header", "a,b\n", "\r\n", Options{}, "more than 65536 empty lines in a row, the limit", 2, 0},
	{"commas", "", ",", Options{}, "more than 1000000 fields, the limit of columns", 1, 0},
	{"commas in a row", "a,b\n1,2\n", ",", Options{}, "more than 1000000 fields, the limit of columns", 3, 0},
	{"spaces", "", " ", Options{}, "longer than 16 MiB, the limit of a line", 1, 0},
	{"an open quote", "a,b\n1,\"", "x\n", Options{}, "a quoted field makes a record longer than 16 MiB", 2, 0},
	{"rows", "a,b,y\n", "1,2,3\n", Options{Limits: Limits{MaxBytes: 1 << 20}}, "the table passes the memory limit of 1 MiB at row 43691", 43692, 0},
	{"rows, small limits", "a,b,y\n", "1,2,3\n", Options{Limits: Limits{MaxBytes: 1000}}, "memory limit of 1000 bytes at row 42", 43, 0},
	{"rows without a header", "", "1,2,3\n", Options{NoHeader: true, Limits: Limits{MaxBytes: 1000}}, "memory limit of 1000 bytes at row 42", 42, 0},
	{"quoted rows", "a,b,y\n", "\"1\",2,3\n", Options{Limits: Limits{MaxBytes: 1000}}, "memory limit of 1000 bytes at row 42", 43, 0},
	{"long lines, small limit", "a,b\n", "1", Options{Limits: Limits{MaxLineBytes: 100}}, "longer than 100 bytes, the limit of a line", 2, 0},
	{"fields, small limit", "", "1,", Options{Limits: Limits{MaxColumns: 10}}, "more than 10 fields, the limit of columns", 1, 0},
}

// TestReadEndless feeds Read streams that never end and checks that each
// stops with an input error naming the limit it passed, located where the
// offending record (or run of empty lines) starts. The context's deadline
// only keeps a regression from hanging the suite: reaching it fails the
// test, since a limit must stop the read first.
func TestReadEndless(t *testing.T) {
	for _, tt := range endlessInputs {
		for _, cfg := range []readConfig{{}, {slow: true}} {
			name := tt.name
			if cfg.slow {
				name += "/encoding-csv"
			}
			t.Run(name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				in := &endless{head: []byte(tt.head), pattern: []byte(tt.pattern)}
				_, err := read(ctx, in, "endless.csv", tt.opt, cfg)
				checkLimitError(t, err, tt.msg, tt.line)
			})
		}
	}
}

// TestCountRowsEndless: CountRows stops on the limits of lines and empty
// lines as Read does.
func TestCountRowsEndless(t *testing.T) {
	for _, tt := range endlessInputs {
		if tt.opt.Limits.MaxBytes > 0 || strings.Contains(tt.name, "quote") {
			continue // CountRows holds no table, and takes lines for rows, quoted or not
		}
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			in := &endless{head: []byte(tt.head), pattern: []byte(tt.pattern)}
			_, _, err := CountRows(ctx, "-", in, tt.opt)
			ie, ok := inputerr.As(err)
			if !ok || ie.File != "<stdin>" || !strings.Contains(ie.Msg, tt.msg) {
				t.Fatalf("error %v, want an input error about %q", err, tt.msg)
			}
		})
	}
}

func checkLimitError(t *testing.T, err error, msg string, line int) {
	t.Helper()
	var ie *InterruptedError
	if errors.As(err, &ie) {
		t.Fatalf("the read ran until the deadline: %v", err)
	}
	e, ok := inputerr.As(err)
	if !ok {
		t.Fatalf("error %v (%T), want an input error", err, err)
	}
	if !strings.Contains(e.Msg, msg) || e.File != "endless.csv" {
		t.Errorf("error %q, want one about %q", e.Error(), msg)
	}
	if line > 0 && e.Line != line {
		t.Errorf("error %q at line %d, want line %d", e.Error(), e.Line, line)
	}
	if e.Hint == "" {
		t.Errorf("error %q has no hint", e.Error())
	}
}

// TestReadLimitsAccept checks the limits' edges: a record of exactly
// MaxLineBytes bytes, MaxColumns fields, MaxBlankLines empty lines and a
// table of exactly MaxBytes are read.
func TestReadLimitsAccept(t *testing.T) {
	in := "a,b\n" + strings.Repeat("\n", 5) + "1," + strings.Repeat("2", 8) + "\n"
	opt := Options{Limits: Limits{MaxLineBytes: 10, MaxColumns: 2, MaxBlankLines: 5, MaxBytes: 2 * rowBytes(1)}}
	in2 := in + "3,4\n"
	for _, cfg := range []readConfig{{}, {slow: true}} {
		if _, err := read(context.Background(), strings.NewReader(in2), "t.csv", opt, cfg); err != nil {
			t.Errorf("at the limits (slow %v): %v", cfg.slow, err)
		}
		_, err := read(context.Background(), strings.NewReader(in2+"5,6\n"), "t.csv", opt, cfg)
		inputerrtest.Check(t, err, "t.csv:9: the table passes the memory limit of 40 bytes at row 3 (1 features, 20 bytes a row)", "sample")
		_, err = read(context.Background(), strings.NewReader(strings.Replace(in, "\n\n", "\n\n\n", 1)), "t.csv", opt, cfg)
		inputerrtest.Check(t, err, "t.csv:2: more than 5 empty lines in a row, the limit", "")
		_, err = read(context.Background(), strings.NewReader(strings.Replace(in, "1,", "11,", 1)), "t.csv", opt, cfg)
		inputerrtest.Check(t, err, "t.csv:7: line longer than 10 bytes, the limit of a line", "")
		_, err = read(context.Background(), strings.NewReader("a,b,c\n1,2,3\n"), "t.csv", opt, cfg)
		inputerrtest.Check(t, err, "t.csv:1: row has more than 2 fields, the limit of columns", "")
	}
}

// TestDefaultMaxBytes: the default bound of a table's memory is positive
// and at most half of the machine's memory.
func TestDefaultMaxBytes(t *testing.T) {
	m := DefaultMaxBytes()
	if m <= 0 {
		t.Fatalf("DefaultMaxBytes() = %d", m)
	}
	if p := physicalMemory(); p > 0 && m > p/2 {
		t.Errorf("DefaultMaxBytes() = %d, more than half of the machine's %d bytes", m, p)
	}
}

// stalled is a stream that delivers its text, then blocks until closed, as
// a pipe whose writer went idle.
func stalled(text string) (io.Reader, func()) {
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(text))
	}()
	return pr, func() { pw.Close() }
}

// TestReadInterrupted: a read blocked on a stream that went idle (after a
// header and 1,000 rows) returns an *InterruptedError carrying the
// context's cause as soon as the context is cancelled, on both paths.
func TestReadInterrupted(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,y\n")
	for i := range 1000 {
		b.WriteString("1,2,")
		b.WriteString(string(rune('0' + i%2)))
		b.WriteString("\n")
	}
	cause := errors.New("signal")
	for _, text := range []string{b.String(), "", "a,b"} {
		for _, cfg := range []readConfig{{}, {slow: true}} {
			r, closeIt := stalled(text)
			ctx, cancel := context.WithCancelCause(context.Background())
			done := make(chan error, 1)
			go func() {
				_, err := read(ctx, r, "<stdin>", Options{}, cfg)
				done <- err
			}()
			time.Sleep(50 * time.Millisecond) // let the reader block
			cancel(cause)
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				t.Fatalf("%d bytes, slow %v: the read did not stop after the cancel", len(text), cfg.slow)
			}
			closeIt()
			var ie *InterruptedError
			if !errors.As(err, &ie) || ie.Name != "<stdin>" || !errors.Is(err, cause) {
				t.Errorf("%d bytes, slow %v: error %v, want an interruption caused by %v", len(text), cfg.slow, err, cause)
			}
			if _, isInput := inputerr.As(err); isInput {
				t.Errorf("an interruption is not an input error: %v", err)
			}
		}
	}
}

// TestCountRows counts data rows as Load would read them: blank lines
// skipped, the header not counted (unless NoHeader), gzip decompressed.
func TestCountRows(t *testing.T) {
	ctx := context.Background()
	text := "a,b,y\n1,2,3\n\n  \n4,5,6\r\n7,8,9"
	for _, tt := range []struct {
		in       []byte
		noHeader bool
		want     int
	}{
		{[]byte(text), false, 3},
		{[]byte(text), true, 4},
		{gzipBytes(t, text), false, 3},
		{[]byte("a,b,y\n"), false, 0},
		{[]byte(""), false, 0},
		{[]byte("x,\"text, with a comma\",y\n1,2,3\n"), false, 1},
	} {
		rows, sum, err := CountRows(ctx, "-", bytes.NewReader(tt.in), Options{NoHeader: tt.noHeader})
		if err != nil || rows != tt.want || len(sum) != 64 {
			t.Errorf("CountRows(%q, no header %v) = %d, %q, %v; want %d rows", tt.in, tt.noHeader, rows, sum, err, tt.want)
		}
	}
	// The fingerprint is that of Read.
	text = "a,b,y\n1,2,3\n"
	tab, err := Read(ctx, strings.NewReader(text), "t.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, sum, _ := CountRows(ctx, "-", strings.NewReader(text), Options{}); sum != tab.SHA256 {
		t.Errorf("CountRows's SHA-256 %s differs from Read's %s", sum, tab.SHA256)
	}
}

// TestCountRowsRefuses: CountRows refuses the paths and formats that Load
// refuses, with the same errors.
func TestCountRowsRefuses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	files := map[string][]byte{
		"data.xz":   []byte("\xfd7zXZ\x00\x00\x04"),
		"data.zip":  []byte("PK\x03\x04rest"),
		"utf16.csv": []byte("\xff\xfea\x00,\x00b\x00"),
		"bin.csv":   []byte("\x00\x00\x00"),
		"bad.gz":    append(gzipBytes(t, "a,b\n1,2\n")[:20], 0, 0),
	}
	paths := []string{dir + "/missing.csv", dir}
	for name, data := range files {
		p := dir + "/" + name
		writeFile(t, p, data)
		paths = append(paths, p)
	}
	for _, p := range paths {
		_, lerr := Load(ctx, p, nil, Options{})
		_, _, cerr := CountRows(ctx, p, nil, Options{})
		le, ok1 := inputerr.As(lerr)
		ce, ok2 := inputerr.As(cerr)
		if !ok1 || !ok2 || le.Error() != ce.Error() || le.Hint != ce.Hint {
			t.Errorf("%s: Load says %v, CountRows %v", p, lerr, cerr)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
