//go:build unix

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildCLC builds the clc binary into a temporary directory.
func buildCLC(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "clc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestSignalWhileReading starts clc fit on inputs that never finish
// loading — a FIFO that no one opens for writing, and standard input that
// delivers a header and 1,000 rows and then stays idle — sends SIGINT or
// SIGTERM once clc is blocked, and checks that clc ends with 130 or 143 and
// one plain line saying what was interrupted, and writes no fit file. The
// wait for the exit is bounded generously, so a regression fails rather than
// hangs; the time clc took is logged.
func TestSignalWhileReading(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildCLC(t)
	var rows strings.Builder
	rows.WriteString("a,b,y\n")
	for i := range 1000 {
		rows.WriteString("1,2," + string(rune('0'+i%2)) + "\n")
	}
	for _, tt := range []struct {
		name  string
		input string // "fifo" or "stdin"
		sig   syscall.Signal
		code  int
		want  string
	}{
		{"fifo/SIGINT", "fifo", syscall.SIGINT, 130, "clc: error: interrupted while reading data.csv; nothing was written"},
		{"fifo/SIGTERM", "fifo", syscall.SIGTERM, 143, "clc: error: terminated while reading data.csv; nothing was written"},
		{"stdin/SIGINT", "stdin", syscall.SIGINT, 130, "clc: error: interrupted while reading standard input; nothing was written"},
		{"stdin/SIGTERM", "stdin", syscall.SIGTERM, 143, "clc: error: terminated while reading standard input; nothing was written"},
		// Readers that cannot be cancelled (fit files, journals, schedules,
		// config files) are cut short after a second.
		{"predict/SIGINT", "fifo predict --fit data.csv", syscall.SIGINT, 130, "clc: error: interrupted while reading data.csv; nothing was written"},
		{"schedule/SIGTERM", "fifo schedule --fit data.csv --shape cosine -o z.yaml", syscall.SIGTERM, 143, "clc: error: terminated while reading data.csv; nothing was written"},
		{"plot/SIGINT", "fifo plot data.csv -o z.png", syscall.SIGINT, 130, "clc: error: interrupted while reading data.csv; nothing was written"},
		{"merge/SIGINT", "fifo merge data.csv -o z.yaml", syscall.SIGINT, 130, "clc: error: interrupted while reading the journals; nothing was written"},
		{"config/SIGINT", "fifo fit --demo --config data.csv -o z.yaml", syscall.SIGINT, 130, "clc: error: interrupted while reading data.csv; nothing was written"},
		{"train-schedule/SIGINT", "fifo train --demo --schedule data.csv", syscall.SIGINT, 130, "clc: error: interrupted while reading data.csv; nothing was written"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin, "fit", "data.csv", "-o", "z.yaml")
			if args, ok := strings.CutPrefix(tt.input, "fifo "); ok {
				cmd = exec.Command(bin, strings.Fields(args)...)
				tt.input = "fifo"
			}
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			var feed io.WriteCloser
			if tt.input == "fifo" {
				if err := syscall.Mkfifo(filepath.Join(dir, "data.csv"), 0o600); err != nil {
					t.Skipf("mkfifo: %v", err)
				}
			} else {
				cmd.Args[2] = "-"
				w, err := cmd.StdinPipe()
				if err != nil {
					t.Fatal(err)
				}
				feed = w
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if feed != nil {
				if _, err := io.WriteString(feed, rows.String()); err != nil {
					t.Fatal(err)
				}
				defer feed.Close() // idle, not closed, until the end
			}
			time.Sleep(500 * time.Millisecond) // clc is now blocked in open(2) or read(2)
			sent := time.Now()
			cmd.Process.Signal(tt.sig)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("clc did not stop after %v: %s", tt.sig, stderr.String())
			}
			t.Logf("clc stopped %v after %v", time.Since(sent).Round(time.Millisecond), tt.sig)
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if got := strings.TrimSpace(stderr.String()); got != tt.want {
				t.Errorf("stderr:\n%s\nwant the one line\n%s", got, tt.want)
			}
			for _, out := range []string{"z.yaml", "z.png"} {
				if _, err := os.Stat(filepath.Join(dir, out)); err == nil {
					t.Errorf("%s was written", out)
				}
			}
		})
	}
}

// TestEndlessInput runs clc fit on inputs that never end and checks that
// each stops with exit code 2 and one error line naming the limit it
// passed: /dev/zero, and standard input that streams digits without a
// newline, newlines, or commas forever.
func TestEndlessInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildCLC(t)
	for _, tt := range []struct {
		name, path, pattern, want string
	}{
		{"dev-zero", "/dev/zero", "", "clc: error: /dev/zero: file holds NUL bytes: it is binary data or UTF-16 text, not CSV text"},
		{"digits", "-", "1234567890", "clc: error: <stdin>:1: line longer than 16 MiB, the limit of a line"},
		{"newlines", "-", "\n", "clc: error: <stdin>:1: more than 65536 empty lines in a row, the limit"},
		{"commas", "-", ",", "clc: error: <stdin>:1: row has more than 1000000 fields, the limit of columns"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := os.Stat(tt.path); tt.path != "-" && err != nil {
				t.Skip(err)
			}
			dir := t.TempDir()
			cmd := exec.Command(bin, "fit", tt.path, "-o", "z.yaml")
			cmd.Dir = dir
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if tt.pattern != "" {
				w, err := cmd.StdinPipe()
				if err != nil {
					t.Fatal(err)
				}
				chunk := []byte(strings.Repeat(tt.pattern, 64<<10/len(tt.pattern)))
				go func() {
					for {
						if _, err := w.Write(chunk); err != nil {
							return // clc stopped reading
						}
					}
				}()
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				t.Fatalf("clc did not stop: %s", stderr.String())
			}
			if code := cmd.ProcessState.ExitCode(); code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if lines[0] != tt.want || len(lines) > 2 || len(lines) == 2 && !strings.HasPrefix(lines[1], "clc: hint: ") {
				t.Errorf("stderr:\n%s\nwant the error line\n%s\nand at most a hint", stderr.String(), tt.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "z.yaml")); err == nil {
				t.Error("a fit file was written")
			}
		})
	}
}
