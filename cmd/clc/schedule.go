package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
	"github.com/clc-tools/clc/internal/schedule"
)

// scheduleOptions holds the flags of clc schedule.
type scheduleOptions struct {
	fit       string
	size      string
	quiet     bool
	epochs    int
	batchSize int
	steps     int
	format    string
	out       string
	plot      string
	json      bool
	shape     *shapeFlags
}

func newScheduleCmd(_ io.Reader, stdout, stderr io.Writer) *cobra.Command {
	o := &scheduleOptions{}
	cmd := &cobra.Command{
		Use:   "schedule --fit FILE --shape SHAPE [flags]",
		Short: "Emit a learning-rate schedule carrying the cumulative-learning constant",
		Long: `schedule designs a learning-rate schedule for a target run (N rows, E epochs of
batches of B rows: T = E·floor(N/B) steps, or --steps T) from a fit file. The
rates η_t = C·s(t)/Σ_u s(u) follow the shape s and sum to C(N), the
cumulative-learning constant the fit gives for N (in lr·steps), so every
shape carries the same cumulative learning.

Shapes: constant, linear, cosine (with --min-ratio floor), exponential, step
(--milestones, --gamma), warmup-cosine (--warmup), wsd (warmup, stable, decay:
--warmup, --decay, --decay-type), inverse-sqrt (--warmup), onecycle (PyTorch's
OneCycleLR: --pct-start, --div-factor, --final-div-factor).

Formats: yaml and json (a header and the rates), csv (step,lr), torch (a
Python snippet building a torch.optim.lr_scheduler), keras (a
PiecewiseConstantDecay config). Every file carries a SHA-256 checksum. The
schedule goes to stdout, or atomically to -o FILE (the format then follows
the extension .yaml, .json, .csv or .py unless --format is given).`,
		Example: `  clc schedule --fit clc-fit.yaml --shape cosine --min-ratio 0.1
  clc schedule --fit clc-fit.yaml --size 60000 --shape wsd --decay 20% --decay-type sqrt -o wsd.yaml
  clc schedule --fit clc-fit.yaml --shape onecycle --format torch -o schedule.py`,
		Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			setPhase(cmd.Context(), "reading "+o.fit, "")
			return runSchedule(o, cmd.Flags(), namerFor(cmd), stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.fit, "fit", "clc-fit.yaml", "fit file written by clc fit")
	f.StringVar(&o.size, "size", "", "training rows N of the target run, e.g. 60000 or 6e4 (default: the fit's n_full)")
	f.IntVar(&o.epochs, "epochs", 0, "epochs E of the target run (default: the fit's)")
	f.IntVar(&o.batchSize, "batch-size", 0, "batch size B of the target run (default: the fit's)")
	f.IntVar(&o.steps, "steps", 0, "a fixed number of optimizer steps T (instead of E·floor(N/B))")
	o.shape = registerShapeFlags(f)
	f.Lookup("shape").Usage = "schedule shape (required): " + strings.Join(schedule.Shapes, ", ")
	f.StringVar(&o.format, "format", "yaml", "output format: yaml, json, csv, torch or keras")
	f.StringVarP(&o.out, "out", "o", "", "file to write atomically (default: stdout)")
	f.BoolVar(&o.json, "json", false, "with -o: print one JSON object describing the written schedule on stdout")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no notes on stderr (warnings and errors still appear)")
	f.StringVar(&o.plot, "plot", "", "also draw the schedule (rate against step, area shaded) to this .png or .svg file")
	f.SortFlags = false
	return cmd
}

func runSchedule(o *scheduleOptions, flags *pflag.FlagSet, names inputerr.Namer, stdout, stderr io.Writer) error {
	// Check every flag before reading the fit.
	format := o.format
	if !flags.Changed("format") && o.out != "" {
		if f, ok := schedule.FormatForPath(o.out); ok {
			format = f
		}
	}
	if err := schedule.CheckFormat(format); err != nil {
		return err
	}
	if o.json && o.out == "" {
		return inputerr.New("--json describes the schedule file, but no -o was given").
			WithHint("give -o FILE, or --format json to print the schedule itself as JSON")
	}
	if o.out != "" {
		if err := checkScheduleOutput(o.out); err != nil {
			return err
		}
	}
	if o.plot != "" {
		if err := checkPlotPath(o.plot); err != nil {
			return err
		}
	}
	if !flags.Changed("shape") {
		return inputerr.New("no --shape given").
			WithHint("use --shape %s (constant gives the optimal constant rate)", strings.Join(schedule.Shapes, ", "))
	}
	spec, err := o.shape.Spec()
	if err != nil {
		return err
	}
	per, err := o.shape.Granularity()
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name string
		v    int
		what string
	}{
		{"epochs", o.epochs, "must be at least 1"},
		{"batch-size", o.batchSize, "must be at least 1"},
		{"steps", o.steps, "must be at least 1"},
	} {
		if flags.Changed(c.name) && c.v < 1 {
			return inputerr.New("--%s %d %s", c.name, c.v, c.what)
		}
	}
	if o.steps > 0 {
		for _, name := range []string{"epochs", "batch-size"} {
			if flags.Changed(name) {
				return inputerr.New("--steps and --%s both set the length of the run", name).
					WithHint("give --steps T, or --epochs and --batch-size (T = E·floor(N/B))")
			}
		}
		if per == schedule.PerEpoch {
			return inputerr.New("--per epoch needs epochs, but --steps fixes the steps").
				WithHint("give --epochs and --batch-size instead of --steps, or use --per step")
		}
	}

	var size int
	if o.size != "" {
		sizes, err := parseSizes(o.size)
		if err != nil {
			return err
		}
		if len(sizes) > 1 {
			return inputerr.New("--size %q gives %d sizes; a schedule is for one run", o.size, len(sizes)).
				WithHint("give one size, or compare sizes with clc predict --size")
		}
		size = sizes[0]
	}
	fit, fitBytes, err := clc.ReadFitFileData(o.fit)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(fitBytes)
	n := fit.Prediction.N
	if size > 0 {
		n = size
	}
	if n == 0 {
		n = fit.Dataset.Rows
	}
	est, err := fit.Estimate(scaling.Target{N: n, Epochs: o.epochs, BatchSize: o.batchSize, Steps: o.steps})
	if err != nil {
		return inFitFile(o.fit, err)
	}

	spe := 0
	if per == schedule.PerEpoch {
		if est.Epochs == 0 {
			return inputerr.New("--per epoch needs an epoch budget, but the fit trains a fixed %d steps", est.Steps).
				WithHint("give --epochs and --batch-size for the target run, or use --per step")
		}
		spe = n / est.BatchSize
	}

	// The rates are computed as they are written: memory does not grow
	// with the steps.
	sched, err := schedule.New(spec, est.Steps, est.Constant, per, spe)
	if err != nil {
		return err
	}
	warnings, notes := []string{}, []string{}
	trNotes, trWarnings := transferMessages(fit, est)
	for _, w := range append([]string{partialWarning(fit), extrapolationWarning(fit, est)}, trWarnings...) {
		if w != "" {
			warnings = append(warnings, w)
			fmt.Fprintf(stderr, "clc: warning: %s\n", w)
		}
	}
	texts := append(trNotes, shapeNote(fit, spec))
	for _, n := range sched.Notes {
		texts = append(texts, noteText(n, names))
	}
	for _, n := range texts {
		if n != "" {
			notes = append(notes, n)
			if !o.quiet {
				fmt.Fprintf(stderr, "clc: note: %s\n", n)
			}
		}
	}
	h := schedule.Header{
		Tool: "clc " + version, FitFile: o.fit, FitSHA256: hex.EncodeToString(sum[:]),
		N: n, Epochs: est.Epochs, BatchSize: est.BatchSize, PredictedLR: est.LR,
		Constant: est.Constant, ConstantFrom: est.ConstantFrom,
	}
	if o.out == "" {
		if err := schedule.Write(stdout, sched, format, h); err != nil {
			return err
		}
		return o.writePlot(sched, h, stderr)
	}
	if err := schedule.WriteFile(o.out, sched, format, h); err != nil {
		if _, ok := inputerr.As(err); ok {
			return err
		}
		return inputerr.New("cannot write %s: %v", o.out, inputerr.PathCause(err)).WithHint("choose another -o")
	}
	from := areaSource(est.ConstantFrom)
	log := newLogger(stderr, o.quiet)
	log.Printf("wrote %s (%s): %s, %d steps, rate per %s, area %s lr·steps from %s, peak %s, final %s",
		o.out, format, sched.Spec, sched.Steps, sched.Per, g4(sched.Area), from, g4(sched.Peak), g4(sched.Final))
	if err := o.writePlot(sched, h, stderr); err != nil {
		return err
	}
	if o.json {
		return writeJSON(stdout, scheduleJSON{
			ScheduleFile: o.out, Format: format, Shape: sched.Spec.String(), Per: string(sched.Per),
			Steps: sched.Steps, Area: sched.Area, Peak: sched.Peak, Final: sched.Final,
			N: h.N, Epochs: h.Epochs, BatchSize: h.BatchSize, PredictedLR: h.PredictedLR,
			Constant: h.Constant, ConstantFrom: h.ConstantFrom, FitFile: o.fit, FitSHA256: h.FitSHA256,
			Plot: o.plot, Warnings: warnings, Notes: notes, Transfer: est.Transfer,
		})
	}
	return nil
}

// checkScheduleOutput checks, before any work, that the schedule file -o
// names can be written atomically: it is not a directory or a device (a
// rename would replace it), and its directory exists and takes a new file
// (see checkOutput, whose words it shares).
func checkScheduleOutput(path string) error {
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return inputerr.New("cannot write %s: it is a directory", path).
			WithHint("name a file with -o, e.g. -o %s", filepath.Join(path, "schedule.yaml"))
	case err == nil && !st.Mode().IsRegular():
		return inputerr.New("cannot write %s: it is not a regular file", path).
			WithHint("leave out -o to write the schedule to stdout, or name a regular file: clc replaces it whole")
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".clc-write-check-*")
	if err != nil {
		return inputerr.New("cannot write %s: %v", path, inputerr.PathCause(err)).WithHint("choose another -o")
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// scheduleJSON is the --json output of clc schedule: what was written
// where, the schedule's summary (area = Σ η_t in lr·steps) and the fit it
// came from.
type scheduleJSON struct {
	ScheduleFile string   `json:"schedule_file"`
	Format       string   `json:"format"`
	Shape        string   `json:"shape"`
	Per          string   `json:"per"`
	Steps        int      `json:"steps"`
	Area         float64  `json:"area"`
	Peak         float64  `json:"peak"`
	Final        float64  `json:"final"`
	N            int      `json:"n"`
	Epochs       int      `json:"epochs"`
	BatchSize    int      `json:"batch_size"`
	PredictedLR  float64  `json:"predicted_lr"`
	Constant     float64  `json:"constant"`
	ConstantFrom string   `json:"constant_from"`
	FitFile      string   `json:"fit_file"`
	FitSHA256    string   `json:"fit_sha256"`
	Plot         string   `json:"plot,omitempty"`
	Warnings     []string `json:"warnings"`
	Notes        []string `json:"notes"`
	// Transfer says how the rate was moved to a run of another length or
	// batch size than the fit's (omitted for the fit's own run).
	Transfer *scaling.Transfer `json:"transfer,omitempty"`
}

// writePlot draws the schedule to --plot, when given, and says so on
// stderr.
func (o *scheduleOptions) writePlot(s *schedule.Schedule, h schedule.Header, stderr io.Writer) error {
	if o.plot == "" {
		return nil
	}
	if err := writeSchedulePlot(s, h, o.plot); err != nil {
		return err
	}
	newLogger(stderr, o.quiet).Printf("wrote %s (plot)", o.plot)
	return nil
}

func g4(v float64) string { return fmt.Sprintf("%.4g", v) }

// shapeNote says when a schedule's shape differs from the one the fit
// measured the optimal area for: carrying C over assumes the area does not
// depend on the shape.
func shapeNote(fit *clc.FitFile, spec schedule.Spec) string {
	measured := schedule.Constant
	if fit.Config.Schedule != nil {
		measured = fit.Config.Schedule.Shape
	}
	if spec.Shape == measured {
		return ""
	}
	return fmt.Sprintf("C was measured with %s schedules; a %s schedule with the same area assumes the optimal area does not depend on the shape — measure its own with clc fit --shape %s and schedule from that fit",
		measured, spec.Shape, spec.Shape)
}
