package schedule

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clc-tools/clc/internal/inputerr"
)

// endless is a reader of a schedule file that never ends: a checksum line,
// then "step,lr" rows forever.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n == 0 {
		e.n++
		return copy(p, "# checksum: "+strings.Repeat("0", 64)+"\n"), nil
	}
	n := 0
	for n+6 <= len(p) {
		n += copy(p[n:], "0,0.1\n")
	}
	if n == 0 {
		n = copy(p, "\n")
	}
	return n, nil
}

// TestReadEndless feeds Read a stream that never ends, and ReadFile
// /dev/zero and a named pipe whose writer never stops: each is refused at
// MaxFileSize within a time bound, without reading the rest.
func TestReadEndless(t *testing.T) {
	want := "is larger than the 32 MiB limit"
	check := func(what string, read func() error) {
		t.Helper()
		start := time.Now()
		err := read()
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("%s: took %v", what, d)
		}
		ie, ok := inputerr.As(err)
		if !ok || !strings.Contains(ie.Error(), want) || ie.Param != paramSchedule {
			t.Errorf("%s: err = %v, want an input error saying it %s", what, err, want)
		}
	}
	check("endless reader", func() error {
		_, _, err := Read(io.LimitReader(&endless{}, 1<<40), "endless.csv")
		return err
	})
	if runtime.GOOS == "windows" {
		return
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		check("/dev/zero", func() error { _, _, err := ReadFile("/dev/zero"); return err })
	}
	fifo := filepath.Join(t.TempDir(), "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		io.Copy(w, &endless{}) // until the reader closes the pipe
	}()
	check("named pipe", func() error { _, _, err := ReadFile(fifo); return err })
}

// TestReadPlainCSV reads a CSV of step,lr rows written by hand, with the
// variations such files have (a BOM, CRLF, spaces, capitals, no final
// newline): the rates as written, and a note that they are unverified.
func TestReadPlainCSV(t *testing.T) {
	for _, data := range []string{
		"step,lr\n0,0.1\n1,0.05\n2,0\n",
		"\ufeffStep, LR\r\n0, 0.1\r\n1,0.05\r\n2,0",
		"step,lr\n0,1e-1\n1,5e-2\n2,0.0\n\n",
	} {
		s, h, err := Read(bytes.NewReader([]byte(data)), "mine.csv")
		if err != nil {
			t.Errorf("%q: %v", data, err)
			continue
		}
		if s.Steps != 3 || s.Rates[0] != 0.1 || s.Rates[1] != 0.05 || s.Rates[2] != 0 || s.Area != 0.15000000000000002 && s.Area != 0.15 ||
			s.Peak != 0.1 || s.Final != 0 || s.Per != PerStep || s.Spec.Shape != Custom || h != (Header{}) {
			t.Errorf("%q: read %+v", data, s)
		}
		if len(s.Notes) != 1 || s.Notes[0].Kind != NoteUnverified || !strings.Contains(s.Notes[0].String(), "mine.csv") {
			t.Errorf("%q: notes %v", data, s.Notes)
		}
	}
	for data, want := range map[string]string{
		"step,lr\n":                   "mine.csv: no rows below the \"step,lr\" line",
		"step,lr\n1,0.1\n":            `mine.csv:2:1: step "1" is not 0`,
		"step,lr\n0,0.1\n1\n":         `mine.csv:3: expected "step,lr", got "1"`,
		"step,lr\n0,fast\n":           `mine.csv:2:3: rate "fast" is not a finite number ≥ 0`,
		"step,lr\n0,NaN\n":            `mine.csv:2:3: rate "NaN" is not a finite number ≥ 0`,
		"step,lr\n0,0\n1,0\n":         "mine.csv: every rate is 0",
		"step,lr,momentum\n0,0.1,0\n": "mine.csv: not a schedule file",
	} {
		_, _, err := Read(bytes.NewReader([]byte(data)), "mine.csv")
		if ie, ok := inputerr.As(err); !ok || ie.Error() != want {
			t.Errorf("%q: err = %v, want %q", data, err, want)
		}
	}
}
