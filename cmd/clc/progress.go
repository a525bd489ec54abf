package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/clc-tools/clc/internal/clc"
)

// logger writes notes and sweep progress to stderr unless quiet. Progress
// never goes to stdout, which carries only data.
//
// On a terminal the progress is a live bar (github.com/schollz/progressbar)
// redrawn in place, with the best rates on a second line below it; elsewhere (CI logs, files, pipes) it is a plain line for
// the first finished trial, then at most one every interval, and one for the
// last. Both show trials done/total, elapsed time, the estimated time left
// and the current best rate per fraction (see bestRates).
type logger struct {
	w     io.Writer
	quiet bool
	// terminal selects the live bar; false gives plain lines.
	terminal bool
	// interval is the least time between two plain progress lines.
	interval time.Duration
	// tick is how often the live bar is redrawn between trials so that its
	// clock moves during long trials (0: only when a trial finishes).
	tick time.Duration
	// now is the clock; tests inject a fake one.
	now func() time.Time
	// columns returns the terminal's width in cells, 0 when unknown.
	columns func() int
	// fractions and labels name the fractions as the user typed them
	// (setFractions); fractions missing here are named by fractionText.
	fractions []float64
	labels    []string
	// known are trials finished before the sweep (setKnownTrials).
	known []clc.Trial
	// objective ranks the rates (setObjective); the zero value is the
	// validation loss.
	objective clc.Objective

	mu  sync.Mutex
	cur *sweepProgress // the sweep being shown, nil between sweeps
}

// Defaults of the progress display.
const (
	plainInterval = 5 * time.Second       // between plain lines
	barTick       = time.Second           // live bar redraw between trials
	barWidth      = 20                    // cells of the bar itself
	barOverhead   = len("100% |  | ") + 1 // around the bar, plus a spare cell
	minDescWidth  = len("1/1 trials, 0s") // never truncate below this
	bestIndent    = "      "              // before the best rates, under the bar
)

// newLogger returns a logger writing to w; it draws a live bar when w is a
// terminal (and $TERM is not "dumb").
func newLogger(w io.Writer, quiet bool) *logger {
	l := &logger{w: w, quiet: quiet, interval: plainInterval, tick: barTick, now: time.Now, columns: func() int { return 0 }}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb" {
		fd := int(f.Fd())
		l.terminal = true
		l.columns = func() int {
			cols, _, err := term.GetSize(fd)
			if err != nil {
				return 0
			}
			return cols
		}
	}
	return l
}

// Printf writes one "clc: " note line. A live bar is cleared first; it is
// redrawn below the note at the next update.
func (l *logger) Printf(format string, args ...any) {
	if l.quiet {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur != nil && l.cur.bar != nil {
		fmt.Fprint(l.w, "\r\033[J") // erase the bar and the line below
	}
	fmt.Fprintf(l.w, "clc: "+format+"\n", args...)
}

// setFractions gives the fractions of the sweep with the labels the user
// typed (e.g. "1/32" for 0.03125), so that progress names them the same
// way, and lists every fraction from the start. Optional: without it,
// fractions appear as trials finish, named by fractionText.
func (l *logger) setFractions(values []float64, labels []string) {
	l.fractions = append([]float64(nil), values...)
	l.labels = append([]string(nil), labels...)
}

// setKnownTrials gives trials finished before the sweep (e.g. reused from
// the journal) so that the best rates count them too; the done/total counts
// remain those of the trials the sweep runs. Optional.
func (l *logger) setKnownTrials(trials []clc.Trial) {
	l.known = append([]clc.Trial(nil), trials...)
}

// setObjective sets what ranks the rates in the best rates (default: the
// validation loss).
func (l *logger) setObjective(o clc.Objective) { l.objective = o }

// report shows a running trial's latest per-epoch report: below the live
// bar, or in a plain line when the interval has passed since the last one.
func (l *logger) report(spec clc.TrialSpec, r clc.Report) {
	if l.quiet {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.cur
	if s == nil {
		return
	}
	s.latest = reportText(s.best.label(spec.Fraction), spec, r)
	switch {
	case s.bar != nil:
		l.drawDetail(s)
	case !l.terminal && l.now().Sub(s.lastShown) >= l.interval:
		s.lastShown = l.now()
		count := shortDuration(l.now().Sub(s.start)) + " elapsed" // no trial finished yet: the total comes with the first
		if s.total > 0 {
			count = countText(s.done, s.total, l.now().Sub(s.start))
		}
		fmt.Fprintf(l.w, "clc: sweep %s; %s\n", count, s.latest)
	}
}

// reportText is e.g. "1/32 lr 0.1 seed 0 epoch 2: accuracy 0.81 · loss 0.52".
func reportText(label string, spec clc.TrialSpec, r clc.Report) string {
	parts := make([]string, 0, len(r.Values))
	for _, k := range slices.Sorted(maps.Keys(r.Values)) {
		parts = append(parts, k+" "+strconv.FormatFloat(r.Values[k], 'g', 3, 64))
	}
	return fmt.Sprintf("%s lr %s seed %d epoch %d: %s", label, strconv.FormatFloat(spec.LR, 'g', 3, 64), spec.Seed, r.Epoch, strings.Join(parts, " · "))
}

// sweepProgress is the state of one sweep's progress display.
type sweepProgress struct {
	start       time.Time
	done, total int
	best        *bestRates
	latest      string // the latest report of a running trial
	// plain lines
	shown     int // done at the last plain line, -1 before the first
	lastShown time.Time
	// live bar
	bar  *progressbar.ProgressBar
	stop chan struct{}
	wg   sync.WaitGroup
}

// progress returns the callback that shows the progress of a sweep started
// at start, or nil when quiet. endProgress must follow the sweep.
func (l *logger) progress(start time.Time) clc.Progress {
	if l.quiet {
		return nil
	}
	s := &sweepProgress{start: start, best: newBestRates(l.fractions, l.labels), shown: -1}
	s.best.objective = l.objective
	for _, t := range l.known {
		s.best.add(t)
	}
	l.mu.Lock()
	l.cur = s
	l.mu.Unlock()
	return func(t clc.Trial, done, total int) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		s.best.add(t)
		s.done, s.total = done, total
		if l.terminal {
			l.drawBar(s)
		} else {
			l.plainLine(s, false)
		}
		return nil // a progress display never stops a sweep
	}
}

// endProgress ends the display of the current sweep: the live bar's line is
// closed, and in plain mode the final count is printed if the last line did
// not show it (e.g. the sweep was interrupted).
func (l *logger) endProgress() {
	l.mu.Lock()
	s := l.cur
	l.mu.Unlock()
	if s == nil {
		return
	}
	if s.stop != nil {
		close(s.stop)
		s.wg.Wait() // the ticker takes l.mu: wait without holding it
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur = nil
	switch {
	case s.bar != nil && s.bar.IsFinished():
		fmt.Fprintln(l.w) // the finished bar left the cursor after the best rates
	case s.bar != nil:
		_ = s.bar.Exit()
		fmt.Fprint(l.w, "\n\n") // the cursor is on the bar: step over the best rates
	case !l.terminal && s.done > 0:
		l.plainLine(s, true)
	}
}

// plainLine prints a progress line for the first trial, the last, and
// otherwise when interval has passed since the previous line; final forces
// a line unless the last one already showed the current count.
func (l *logger) plainLine(s *sweepProgress, final bool) {
	now := l.now()
	switch {
	case s.shown == s.done:
		return
	case final, s.shown < 0, s.done >= s.total, now.Sub(s.lastShown) >= l.interval:
	default:
		return
	}
	s.shown, s.lastShown = s.done, now
	text := countText(s.done, s.total, now.Sub(s.start))
	if best := s.best.String(); best != "" {
		text += "; best η: " + best
	}
	fmt.Fprintf(l.w, "clc: sweep %s\n", text)
}

// drawBar updates the live bar and the best rates below it, creating the bar
// (and its redraw ticker) at the first finished trial, when the total is
// known.
func (l *logger) drawBar(s *sweepProgress) {
	if s.bar == nil {
		s.bar = progressbar.NewOptions(s.total,
			progressbar.OptionSetWriter(l.w),
			progressbar.OptionSetWidth(barWidth),
			progressbar.OptionSetPredictTime(false), // clc computes elapsed and ETA from the sweep's start
			progressbar.OptionSetElapsedTime(false),
			progressbar.OptionShowDescriptionAtLineEnd(),
			progressbar.OptionUseANSICodes(true),
			progressbar.OptionSetMaxDetailRow(1), // the best rates
		)
		if l.tick > 0 {
			s.stop = make(chan struct{})
			s.wg.Add(1)
			go l.tickBar(s)
		}
	}
	// Set last: once it fills the bar, the bar is finished and ignores new
	// descriptions and details.
	l.drawDetail(s)
	s.bar.Describe(l.barText(s))
	_ = s.bar.Set(s.done)
}

// drawDetail writes the line below the bar: the best rates and the latest
// report.
func (l *logger) drawDetail(s *sweepProgress) {
	detail := ""
	if best := s.best.String(); best != "" {
		detail = "best η: " + best
	}
	if s.latest != "" && s.done < s.total {
		if detail != "" {
			detail += "; "
		}
		detail += s.latest
	}
	if detail != "" {
		_ = s.bar.AddDetail(l.fit(bestIndent + detail))
	}
}

// tickBar redraws the bar every tick until s.stop is closed, so that the
// elapsed time and the estimate move during long trials.
func (l *logger) tickBar(s *sweepProgress) {
	defer s.wg.Done()
	t := time.NewTicker(l.tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			l.mu.Lock()
			if s.done < s.total {
				s.bar.Describe(l.barText(s))
			}
			l.mu.Unlock()
		}
	}
}

// barText is the text after the bar, cut to the terminal's width.
func (l *logger) barText(s *sweepProgress) string {
	text := countText(s.done, s.total, l.now().Sub(s.start))
	if cols := l.columns(); cols > 0 {
		text = truncate(text, max(cols-barWidth-barOverhead, minDescWidth))
	}
	return text
}

// fit cuts a line to the terminal's width, so that it never wraps.
func (l *logger) fit(line string) string {
	if cols := l.columns(); cols > 0 {
		return truncate(line, cols-1)
	}
	return line
}

// countText says how far a sweep is, e.g. "48/130 trials, 4s elapsed, ~7s
// left"; the time left assumes the remaining trials take as long on
// average as the finished ones.
func countText(done, total int, elapsed time.Duration) string {
	text := fmt.Sprintf("%d/%d trials, %s elapsed", done, total, shortDuration(elapsed))
	if done > 0 && done < total {
		left := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
		text += fmt.Sprintf(", ~%s left", shortDuration(left))
	}
	return text
}

// shortDuration writes d in at most two units, rounded to the smaller:
// 7s, 3m05s, 2h04m.
func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	d = d.Round(time.Minute)
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// truncate cuts s to at most n runes, ending it with "…" when cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	return string(r[:n-1]) + "…"
}

// bestRates tracks, per fraction, the current best rate of a running sweep:
// the argmin over the rates η of the mean score over the seeds finished so
// far (the validation loss, or the objective's metric negated when higher
// is better: see clc.Objective.Score),
//
//	η̂(f) = argmin_η (1/|S(f,η)|) Σ_{s ∈ S(f,η)} loss(f, η, s)
//
// where a diverged trial's loss is +Inf, so a rate where any seed diverged
// is never the best. Ties go to the smaller rate. It is the grid minimum
// only: the final optima (scaling.EstimateOptima) also refine it and need every
// seed.
type bestRates struct {
	objective clc.Objective                    // ranks the rates; the zero value is the validation loss
	order     []float64                        // fractions, ascending
	labels    map[float64]string               // fraction → label
	loss      map[float64]map[float64]*meanSum // fraction → rate → losses
}

// meanSum accumulates the losses of one (fraction, rate) over seeds.
type meanSum struct {
	sum float64
	n   int
}

func (m meanSum) mean() float64 { return m.sum / float64(m.n) }

// newBestRates returns an empty tracker that lists fractions (with their
// labels, when given) from the start.
func newBestRates(fractions []float64, labels []string) *bestRates {
	b := &bestRates{labels: map[float64]string{}, loss: map[float64]map[float64]*meanSum{}}
	for i, f := range fractions {
		if i < len(labels) && labels[i] != "" {
			b.labels[f] = labels[i]
		}
		b.addFraction(f)
	}
	return b
}

func (b *bestRates) addFraction(f float64) {
	if _, ok := b.loss[f]; ok {
		return
	}
	b.loss[f] = map[float64]*meanSum{}
	i, _ := slices.BinarySearch(b.order, f)
	b.order = slices.Insert(b.order, i, f)
}

// add records a finished (or pruned) trial.
func (b *bestRates) add(t clc.Trial) {
	b.addFraction(t.Fraction)
	m := b.loss[t.Fraction][t.LR]
	if m == nil {
		m = &meanSum{}
		b.loss[t.Fraction][t.LR] = m
	}
	v, ok := b.objective.Score(t) // lower is better; +Inf when diverged
	if !ok || math.IsNaN(v) {
		v = math.Inf(1)
	}
	m.sum += v
	m.n++
}

// best returns the current best rate at fraction f; ran reports whether any
// trial of f finished and ok whether some rate has a finite mean loss.
func (b *bestRates) best(f float64) (lr float64, ran, ok bool) {
	rates := b.loss[f]
	if len(rates) == 0 {
		return 0, false, false
	}
	bestLoss := math.Inf(1)
	for _, r := range slices.Sorted(maps.Keys(rates)) {
		if m := rates[r].mean(); m < bestLoss {
			lr, bestLoss = r, m
		}
	}
	return lr, true, !math.IsInf(bestLoss, 1)
}

// String lists the best rate per fraction, smallest fraction first, e.g.
// "1/32 0.32 · 1/16 0.18 · 1/8 -" ("-": no trial finished yet, "div":
// every rate so far diverged).
func (b *bestRates) String() string {
	parts := make([]string, 0, len(b.order))
	for _, f := range b.order {
		lr, ran, ok := b.best(f)
		v := "-"
		switch {
		case ok:
			v = strconv.FormatFloat(lr, 'g', 2, 64)
		case ran:
			v = "div"
		}
		parts = append(parts, b.label(f)+" "+v)
	}
	return strings.Join(parts, " · ")
}

func (b *bestRates) label(f float64) string {
	if l, ok := b.labels[f]; ok {
		return l
	}
	return clc.FormatFraction(f)
}
