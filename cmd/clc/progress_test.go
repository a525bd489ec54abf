package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/clc-tools/clc/internal/clc"
)

// trial builds a finished trial; loss +Inf (or diverged) marks divergence.
func trial(fraction, lr float64, seed int, loss float64, diverged bool) clc.Trial {
	return clc.Trial{TrialSpec: clc.TrialSpec{Fraction: fraction, N: int(fraction * 1000), LR: lr, Seed: seed},
		ValidLoss: loss, Diverged: diverged}
}

func TestBestRates(t *testing.T) {
	inf := math.Inf(1)
	cases := []struct {
		name      string
		fractions []float64
		labels    []string
		trials    []clc.Trial
		want      string
	}{
		{name: "empty", want: ""},
		{
			name:      "no trial yet",
			fractions: []float64{0.25, 0.5}, labels: []string{"1/4", "0.5"},
			want: "1/4 - · 0.5 -",
		},
		{
			// means: 0.1 → (1.0+0.6)/2 = 0.8, 0.3 → (0.7+0.7)/2 = 0.7.
			name: "mean over seeds, not the best seed",
			trials: []clc.Trial{
				trial(0.5, 0.1, 0, 1.0, false), trial(0.5, 0.1, 1, 0.6, false),
				trial(0.5, 0.3, 0, 0.7, false), trial(0.5, 0.3, 1, 0.7, false),
			},
			want: "1/2 0.3",
		},
		{
			// seeds finished so far: 0.3 has one seed at 0.5, 0.1 two at 0.6.
			name: "seeds finished so far",
			trials: []clc.Trial{
				trial(0.5, 0.1, 0, 0.6, false), trial(0.5, 0.1, 1, 0.6, false),
				trial(0.5, 0.3, 0, 0.5, false),
			},
			want: "1/2 0.3",
		},
		{
			name: "a diverged seed rules the rate out",
			trials: []clc.Trial{
				trial(0.5, 0.1, 0, 0.9, false),
				trial(0.5, 1, 0, 0.1, false), trial(0.5, 1, 1, inf, true),
				trial(0.5, 3, 0, math.NaN(), false),
			},
			want: "1/2 0.1",
		},
		{
			name:   "every rate diverged",
			trials: []clc.Trial{trial(0.25, 1, 0, inf, true), trial(0.25, 3, 0, 5, true)},
			want:   "1/4 div",
		},
		{
			name:   "ties go to the smaller rate",
			trials: []clc.Trial{trial(0.5, 0.3, 0, 0.5, false), trial(0.5, 0.1, 0, 0.5, false)},
			want:   "1/2 0.1",
		},
		{
			name:      "labels as typed, fractions ascending, unlisted ones added",
			fractions: []float64{0.5, 0.125}, labels: []string{"0.5", "0.125"},
			trials: []clc.Trial{
				trial(0.5, 0.01, 0, 0.4, false), trial(0.125, 0.0316, 0, 0.9, false), trial(0.25, 0.02, 0, 0.6, false),
			},
			want: "0.125 0.032 · 1/4 0.02 · 0.5 0.01",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBestRates(c.fractions, c.labels)
			for _, tr := range c.trials {
				b.add(tr)
			}
			if got := b.String(); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 7400 * time.Millisecond: "7s", 59600 * time.Millisecond: "1m00s",
		185 * time.Second: "3m05s", 2*time.Hour + 4*time.Minute + 40*time.Second: "2h05m",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"best η: 1/2 0.1", 20, "best η: 1/2 0.1"},
		{"best η: 1/2 0.1", 15, "best η: 1/2 0.1"},
		{"best η: 1/2 0.1", 9, "best η: …"},
		{"abc", 0, ""},
	} {
		if got := truncate(c.s, c.n); got != c.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// plainLogger is a non-terminal logger with an injected clock.
func plainLogger(w io.Writer, clock *fakeClock) *logger {
	l := newLogger(w, false)
	l.terminal, l.now, l.interval = false, clock.now, 5*time.Second
	return l
}

func TestPlainProgressLines(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{start}
	var buf bytes.Buffer
	l := plainLogger(&buf, clock)
	l.setFractions([]float64{0.25, 0.5}, []string{"1/4", "1/2"})
	show := l.progress(start)
	steps := []struct {
		at    time.Duration
		trial clc.Trial
	}{
		{2 * time.Second, trial(0.5, 0.1, 0, 0.8, false)},         // first: a line
		{4 * time.Second, trial(0.5, 0.3, 0, 0.6, false)},         // 2s after it: none
		{7 * time.Second, trial(0.25, 0.1, 0, 0.9, false)},        // 5s after it: a line
		{8 * time.Second, trial(0.25, 0.3, 0, math.Inf(1), true)}, // none
		{9 * time.Second, trial(0.5, 1, 0, 2, false)},             // last: a line
	}
	for i, s := range steps {
		clock.t = start.Add(s.at)
		if err := show(s.trial, i+1, len(steps)); err != nil {
			t.Fatal(err)
		}
	}
	l.endProgress()
	want := "clc: sweep 1/5 trials, 2s elapsed, ~8s left; best η: 1/4 - · 1/2 0.1\n" +
		"clc: sweep 3/5 trials, 7s elapsed, ~5s left; best η: 1/4 0.1 · 1/2 0.3\n" +
		"clc: sweep 5/5 trials, 9s elapsed; best η: 1/4 0.1 · 1/2 0.3\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestPlainProgressReports: a running trial's reports show in a plain line
// when the interval has passed, and the best rates rank by the objective.
func TestPlainProgressReports(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{start.Add(time.Second)}
	var buf bytes.Buffer
	l := plainLogger(&buf, clock)
	l.setFractions([]float64{0.5}, []string{"1/2"})
	l.setObjective(clc.Objective{Metric: "accuracy", Direction: clc.Maximize})
	show := l.progress(start)
	acc := func(lr, a float64) clc.Trial {
		t := trial(0.5, lr, 0, 1, false)
		t.Metrics = map[string]float64{"accuracy": a}
		return t
	}
	_ = show(acc(0.1, 0.8), 1, 3)
	spec := clc.TrialSpec{Fraction: 0.5, N: 500, LR: 0.3}
	clock.t = start.Add(3 * time.Second)
	l.report(spec, clc.Report{Epoch: 1, Values: map[string]float64{"loss": 0.51234, "accuracy": 0.7}}) // 2s after: none
	clock.t = start.Add(7 * time.Second)
	l.report(spec, clc.Report{Epoch: 2, Values: map[string]float64{"loss": 0.41234, "accuracy": 0.9}})
	clock.t = start.Add(8 * time.Second)
	_ = show(acc(0.3, 0.9), 2, 3)
	l.endProgress()
	want := "clc: sweep 1/3 trials, 1s elapsed, ~2s left; best η: 1/2 0.1\n" +
		"clc: sweep 1/3 trials, 7s elapsed, ~14s left; 1/2 lr 0.3 seed 0 epoch 2: accuracy 0.9 · loss 0.412\n" +
		"clc: sweep 2/3 trials, 8s elapsed, ~4s left; best η: 1/2 0.3\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestPlainProgressInterrupted: a sweep that stops early still logs its
// final count, once.
func TestPlainProgressInterrupted(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{start.Add(time.Second)}
	var buf bytes.Buffer
	l := plainLogger(&buf, clock)
	show := l.progress(start)
	_ = show(trial(0.5, 0.1, 0, 0.8, false), 1, 10)
	clock.t = start.Add(2 * time.Second)
	_ = show(trial(0.5, 0.3, 0, 0.7, false), 2, 10)
	l.endProgress()
	l.endProgress() // a second call is harmless
	want := "clc: sweep 1/10 trials, 1s elapsed, ~9s left; best η: 1/2 0.1\n" +
		"clc: sweep 2/10 trials, 2s elapsed, ~8s left; best η: 1/2 0.3\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestQuietProgress(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(&buf, true)
	if show := l.progress(time.Now()); show != nil {
		t.Error("quiet logger returned a progress callback")
	}
	l.Printf("note %d", 1)
	l.endProgress()
	if buf.Len() != 0 {
		t.Errorf("quiet logger wrote %q", buf.String())
	}
}

// TestBarProgress drives the live bar into a buffer: the counts and the best
// rates are drawn, no drawn line is wider than the terminal, and the bar's
// lines are closed at the end.
func TestBarProgress(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{start}
	var buf bytes.Buffer
	const cols = 60
	l := newLogger(&buf, false)
	l.terminal, l.now, l.tick, l.columns = true, clock.now, 0, func() int { return cols }
	l.setFractions([]float64{1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2}, []string{"1/32", "1/16", "1/8", "1/4", "1/2"})
	show := l.progress(start)
	fracs := []float64{1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2}
	for i, f := range fracs {
		clock.t = start.Add(time.Duration(i+1) * time.Second)
		if err := show(trial(f, 0.125, 0, 0.5, false), i+1, len(fracs)); err != nil {
			t.Fatal(err)
		}
	}
	l.endProgress()
	out := buf.String()
	for _, want := range []string{"5/5 trials, 5s elapsed", "best η: 1/32 0.12 · 1/16 0.12", "100%"} {
		if !strings.Contains(out, want) {
			t.Errorf("bar output lacks %q:\n%q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("bar output does not end its line: %q", out)
	}
	ansi := strings.NewReplacer("\x1b[0K", "", "\x1b[K", "", "\x1b[2F", "", "\x1b[1B", "", "\n", "\r")
	for _, seg := range strings.Split(ansi.Replace(out), "\r") {
		if strings.Contains(seg, "\x1b[") { // cursor moves after the finished bar
			continue
		}
		if n := utf8.RuneCountInString(strings.TrimRight(seg, " ")); n > cols {
			t.Errorf("drawn line of %d cells is wider than the terminal (%d): %q", n, cols, seg)
		}
	}
}

// TestFitJSONWithProgress runs clc fit --demo --json in-process: stdout is
// exactly one JSON object while stderr (not a terminal) carries progress.
func TestFitJSONWithProgress(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep")
	}
	var stdout, stderr bytes.Buffer
	out := t.TempDir() + "/fit.yaml"
	code := run(context.Background(), []string{"fit", "--demo", "--json", "-o", out, "--lr-points", "7", "--design", "grid"}, strings.NewReader(""), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit code %d; stderr:\n%s", code, stderr.String())
	}
	dec := json.NewDecoder(bytes.NewReader(stdout.Bytes()))
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Errorf("stdout holds more than one JSON value (next token: %v)", err)
	}
	for _, k := range []string{"alpha", "alpha_ci", "k", "r2", "constant", "constant_cv", "n_full", "predicted_lr", "optima"} {
		if _, ok := v[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if !strings.Contains(stderr.String(), "clc: sweep 1/70 trials, ") || !strings.Contains(stderr.String(), "clc: sweep 70/70 trials, ") {
		t.Errorf("stderr lacks the first and final progress lines:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "; best η: 1/32 ") {
		t.Errorf("stderr lacks the best rates:\n%s", stderr.String())
	}
}

// TestKnownTrials: trials reused from the journal count in the best rates,
// not in the counts.
func TestKnownTrials(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := &fakeClock{start.Add(time.Second)}
	var buf bytes.Buffer
	l := plainLogger(&buf, clock)
	l.setKnownTrials([]clc.Trial{trial(0.25, 0.2, 0, 0.5, false)})
	show := l.progress(start)
	_ = show(trial(0.5, 0.1, 0, 0.8, false), 1, 1)
	l.endProgress()
	want := "clc: sweep 1/1 trials, 1s elapsed; best η: 1/4 0.2 · 1/2 0.1\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestBarInterrupted: a bar left unfinished (the sweep stopped) is closed
// below its best-rates line, with the redraw ticker running; a note printed
// during the sweep erases the bar first.
func TestBarInterrupted(t *testing.T) {
	var buf bytes.Buffer
	l := newLogger(&buf, false)
	l.terminal, l.tick = true, time.Millisecond
	show := l.progress(time.Now())
	_ = show(trial(0.5, 0.1, 0, 0.8, false), 1, 4)
	l.Printf("a note")
	_ = show(trial(0.5, 0.3, 0, 0.7, false), 2, 4)
	l.endProgress()
	out := buf.String()
	if !strings.Contains(out, "\r\x1b[Jclc: a note\n") {
		t.Errorf("the note does not erase the bar: %q", out)
	}
	if !strings.Contains(out, "2/4 trials") || !strings.Contains(out, "best η: 1/2 0.3") {
		t.Errorf("bar output lacks the counts or the best rate: %q", out)
	}
	if !strings.HasSuffix(out, "\n\n") {
		t.Errorf("unfinished bar not closed below the best rates: %q", out)
	}
}
