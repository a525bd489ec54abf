package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/exectrainer"
	"github.com/clc-tools/clc/internal/gates"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/schedule"
	"github.com/clc-tools/clc/internal/train"
)

// fitOptions holds the flags of clc fit.
type fitOptions struct {
	dataFlags    dataFlags
	modelFlags   modelFlags
	fractions    string
	lrMin, lrMax float64
	lrPoints     int
	lrs          string
	seeds        int
	seedBase     int
	shuffleSeed  uint64
	bootstrap    int
	out          string
	journal      string
	json         bool
	shape        *shapeFlags
	prune        bool
	design       string
	precision    float64
	maxCost      float64
	exec         string
	execShell    bool
	timeout      time.Duration
	retries      int
	nFull        int
	workers      int
	quiet        bool
	strict       bool
	shard        string
	shards       int
	plot         string
}

// demoDefaults are the flag values --demo uses unless the user sets them: a
// sweep over the embedded 8,000-row dataset that finishes in seconds.
var demoDefaults = map[string]string{
	"hidden":         "64",
	"fractions":      "1/32,1/16,1/8,1/4,1/2",
	"lr-min":         "0.001",
	"lr-max":         "1",
	"lr-points":      "13",
	"epochs":         "3",
	"batch-size":     "32",
	"valid-fraction": "0.125",
}

func newFitCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	o := &fitOptions{}
	cmd := &cobra.Command{
		Use:   "fit [DATA.csv|-] [flags]",
		Short: "Sweep learning rates on nested fractions, fit the law and the constant",
		Long: `fit trains the model on nested fractions of the training rows at every rate of a
log-spaced grid and several seeds, finds the optimal rate η*(N) at each fraction,
fits η*(N) = k·N^α, and derives the cumulative-learning constant C(N) = η*(N)·T(N).

The data is a CSV file with a header row (plain or gzip, "-" for stdin); the target
is the last column unless --target names another. The fit is written to --out.`,
		Example: `  clc fit --demo
  clc fit train.csv --valid test.csv --optimizer adam --fractions 1/32,1/16,1/8,1/4
  zcat data.csv.gz | clc fit - --target price --task regression --json`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.exec != "" {
				if o.dataFlags.demo {
					return inputerr.New("--demo trains the built-in model; --exec trains with your command").
						WithHint("drop --demo and give your data file (optional) and --n-full")
				}
				if len(args) > 0 {
					o.dataFlags.path = args[0]
				}
			} else if err := o.dataFlags.takeArgs(cmd.Flags(), args, "run 'clc fit DATA.csv', 'clc fit -' for stdin, or 'clc fit --demo'"); err != nil {
				return err
			}
			return runFit(cmd.Context(), o, cmd.Flags(), stdin, stdout, stderr)
		},
	}
	f := cmd.Flags()
	o.dataFlags.register(f)
	o.modelFlags.register(f)
	f.StringVar(&o.fractions, "fractions", "1/32,1/16,1/8,1/4", "dataset fractions, ratios or decimals in (0, 1]")
	f.Float64Var(&o.lrMin, "lr-min", 0, "smallest rate of the log grid (default 1e-4; 1e-5 for adam)")
	f.Float64Var(&o.lrMax, "lr-max", 0, "largest rate of the log grid (default 1; 0.1 for adam)")
	derivedDefault(f, "lr-min", func(fs *pflag.FlagSet) string {
		lo, _ := defaultGrid(fs.Lookup("optimizer").Value.String())
		return strconv.FormatFloat(lo, 'g', -1, 64)
	})
	derivedDefault(f, "lr-max", func(fs *pflag.FlagSet) string {
		_, hi := defaultGrid(fs.Lookup("optimizer").Value.String())
		return strconv.FormatFloat(hi, 'g', -1, 64)
	})
	f.IntVar(&o.lrPoints, "lr-points", 17, "points of the log grid")
	f.StringVar(&o.lrs, "lrs", "", "explicit learning rates, comma-separated (instead of the log grid)")
	f.IntVar(&o.seeds, "seeds", 2, "seeds per (fraction, rate)")
	f.IntVar(&o.seedBase, "seed-base", 0, "first trial seed: the trials use seeds B … B+seeds−1 (repeat a fit with independent seeds)")
	o.shape = registerShapeFlags(f)
	f.Lookup("shape").Usage = "train every trial with this schedule shape, the grid value being its mean rate (default: constant rates): " +
		strings.Join(schedule.Shapes, ", ")
	f.Uint64Var(&o.shuffleSeed, "shuffle-seed", 0, "seed of the permutation whose prefixes are the fractions")
	f.IntVar(&o.bootstrap, "bootstrap", 0, "no effect (the optima's intervals come from a noise model pooled over seeds and fractions)")
	_ = f.MarkHidden("bootstrap") // kept so that old command lines and config files still run; runFit says it has no effect
	f.StringVarP(&o.out, "out", "o", "clc-fit.yaml", "fit file to write")
	f.StringVar(&o.journal, "journal", "", `journal of finished trials, for resuming (default: the fit file's name with .journal.jsonl; "none" to disable)`)
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout instead of the table")
	f.StringVar(&o.plot, "plot", "", "also draw the fit (loss against rate, η* against N with the law, C against N) to FILE.png or FILE.svg")
	f.IntVar(&o.workers, "workers", runtime.NumCPU(), "trials run in parallel")
	f.StringVar(&o.exec, "exec", "", "train each trial with this command instead of the built-in trainer; {lr} {fraction} {n} {seed} {epochs} {batch_size} {trial} {data} are substituted (see examples/)")
	f.BoolVar(&o.execShell, "exec-shell", false, "run --exec through sh -c (values are shell-quoted); by default the command is run directly, never by a shell")
	f.DurationVar(&o.timeout, "timeout", 0, "with --exec: time limit per trial (e.g. 10m; 0 = none)")
	f.IntVar(&o.retries, "retries", 0, "with --exec: extra attempts after a non-zero exit")
	f.IntVar(&o.nFull, "n-full", 0, "with --exec: the full training size N_full the fractions are taken of (default: the data file's rows)")
	f.StringVar(&o.design, "design", clc.DesignAdaptive, "how trials are chosen: adaptive (bracket at the smallest fraction, a few rates around the running law at the others, seeds where they shrink the prediction's error) or grid (every fraction × rate × seed)")
	f.Float64Var(&o.precision, "precision", 0, "with --design adaptive: stop adding seeds once the standard error of log10 η* at n_full is this many decades (default 0.05)")
	f.Float64Var(&o.maxCost, "max-cost", 0, "with --design adaptive: the most training to spend, in full-size runs (default: what --design grid would cost)")
	derivedDefault(f, "precision", func(*pflag.FlagSet) string { return strconv.FormatFloat(clc.DefaultPrecision, 'g', -1, 64) })
	f.BoolVar(&o.prune, "prune", false, "skip the rates above one that diverged at the same fraction and seed (recorded as diverged)")
	f.StringVar(&o.shard, "shard", "", "run share i of n of the plan (e.g. 2/3) and record it in the journal for clc merge; default from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID")
	f.IntVar(&o.shards, "shards", 0, "with JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs): the number of shards (default: one per unit of work)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on stderr")
	f.BoolVar(&o.strict, "strict", false, "exit with status 3 when the fit has a warning (a sanity gate did not pass), after writing it")
	f.SortFlags = false
	return cmd
}

// Bounds on the sweep's size: beyond them a typo, not a plan, is likely.
const (
	maxSeeds    = 1000
	maxSeedBase = 1 << 30
	maxLRPoints = 1000
)

// grid returns the learning-rate grid from --lrs or the log-grid flags.
func (o *fitOptions) grid(flags *pflag.FlagSet) ([]float64, error) {
	if o.lrs != "" {
		for _, name := range []string{"lr-min", "lr-max", "lr-points"} {
			if flags.Changed(name) {
				return nil, inputerr.New("--lrs and --%s both set the grid", name).WithHint("give either --lrs or --lr-min/--lr-max/--lr-points")
			}
		}
		return clc.ParseRates(o.lrs)
	}
	lo, hi := o.lrMin, o.lrMax
	dlo, dhi := defaultGrid(o.modelFlags.optimizer)
	if !flags.Changed("lr-min") {
		lo = dlo
	}
	if !flags.Changed("lr-max") {
		hi = dhi
	}
	if o.lrPoints > maxLRPoints {
		return nil, inputerr.New("--lr-points %d is too many (at most %d)", o.lrPoints, maxLRPoints)
	}
	return clc.LogGrid(lo, hi, o.lrPoints)
}

// defaultGrid is the log grid's range when --lr-min and --lr-max are not
// given: 1e-4 … 1, or 1e-5 … 0.1 for adam.
func defaultGrid(optimizer string) (lo, hi float64) {
	if optimizer == string(train.Adam) {
		return 1e-5, 0.1
	}
	return 1e-4, 1
}

func runFit(ctx context.Context, o *fitOptions, flags *pflag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) error {
	// Check every flag before touching the data.
	cfg, err := o.modelFlags.config()
	if err != nil {
		return err
	}
	if err := o.dataFlags.check(flags); err != nil {
		return err
	}
	fractions, fracText, err := clc.ParseFractions(o.fractions)
	if err != nil {
		return err
	}
	lrs, err := o.grid(flags)
	if err != nil {
		return err
	}
	if o.seeds < 1 || o.seeds > maxSeeds {
		return inputerr.New("--seeds %d must be between 1 and %d", o.seeds, maxSeeds)
	}
	switch o.design {
	case clc.DesignAdaptive, clc.DesignGrid:
	default:
		return inputerr.New("unknown design %q", o.design).WithHint("use --design adaptive or --design grid")
	}
	if o.design == clc.DesignGrid {
		for _, name := range []string{"precision", "max-cost"} {
			if flags.Changed(name) {
				return inputerr.New("--%s needs --design adaptive", name)
			}
		}
	}
	if o.precision < 0 || math.IsNaN(o.precision) || math.IsInf(o.precision, 0) || o.maxCost < 0 || math.IsNaN(o.maxCost) || math.IsInf(o.maxCost, 0) {
		return inputerr.New("--precision and --max-cost must be finite and not negative")
	}
	if o.workers < 1 {
		return inputerr.New("--workers %d must be at least 1", o.workers)
	}
	if len(fractions) < 2 {
		return inputerr.New("--fractions has one fraction; the law needs at least 2 dataset sizes").WithHint("give several, e.g. --fractions 1/32,1/16,1/8,1/4")
	}
	if o.seedBase < 0 || o.seedBase > maxSeedBase {
		return inputerr.New("--seed-base %d must be between 0 and %d", o.seedBase, maxSeedBase)
	}
	if o.exec == "" {
		for _, name := range []string{"exec-shell", "timeout", "retries", "n-full"} {
			if flags.Changed(name) {
				return inputerr.New("--%s needs --exec", name)
			}
		}
	} else if o.timeout < 0 || o.retries < 0 {
		return inputerr.New("--timeout and --retries must not be negative")
	}
	var shape *schedule.Spec
	per := schedule.PerStep
	if o.shape.Changed() {
		spec, err := o.shape.Spec()
		if err != nil {
			return err
		}
		if per, err = o.shape.Granularity(); err != nil {
			return err
		}
		if spec.Shape != schedule.Constant {
			shape = &spec
		}
	}
	journal := o.journal
	switch journal {
	case "none":
		journal = ""
	case "":
		journal = clc.JournalPath(o.out, nil) // a shard's is in the same directory
	}
	if err := checkOutputs(o.out, o.plot, journal); err != nil {
		return err
	}
	grid := clc.Grid{Fractions: fractions, FractionText: fracText, LRs: lrs, Seeds: o.seeds, SeedBase: o.seedBase, Prune: o.prune,
		Design: o.design, Precision: o.precision, MaxCost: o.maxCost}

	log := newLogger(stderr, o.quiet)
	if flags.Changed("bootstrap") {
		fmt.Fprintln(stderr, "clc: note: --bootstrap has no effect: the optima's intervals come from a noise model pooled over seeds and fractions")
	}
	log.setFractions(fractions, fracText)
	opts := clc.Options{Tool: "clc " + version, Workers: o.workers}
	if o.exec != "" {
		if err := o.checkExec(flags, shape); err != nil {
			return err
		}
		if opts.Trainer, err = exectrainer.New(exectrainer.Config{Command: o.exec, Shell: o.execShell, Epochs: cfg.Epochs,
			BatchSize: cfg.BatchSize, Timeout: o.timeout, Retries: o.retries, Data: o.dataFlags.path}); err != nil {
			return err
		}
		if opts.Dataset, err = execDataInfo(ctx, &o.dataFlags, o.nFull); err != nil {
			return err
		}
		opts.Config = clc.ExecConfig(o.exec, o.execShell, cfg.Epochs, cfg.BatchSize, grid)
		if o.dataFlags.path != "" {
			log.Printf("data: trained by --exec on %s (sha256 %.12s); N_full = %d", opts.Dataset.Source, opts.Dataset.SHA256, opts.Dataset.Rows)
		} else {
			log.Printf("data: trained by --exec; N_full = %d", opts.Dataset.Rows)
		}
	} else {
		// Data: read, build the task, split or load validation, scale, then
		// shuffle once so that fractions are nested prefixes.
		start := time.Now()
		o.dataFlags.gated = true
		data, err := o.dataFlags.prepare(ctx, stdin, stderr)
		if err != nil {
			return err
		}
		train.Shuffle(data.train, o.shuffleSeed)
		opts.Dataset = data.info
		validFraction := o.dataFlags.validFraction
		if o.dataFlags.valid != "" {
			validFraction = 0
		}
		opts.Config = clc.BuiltinConfig(cfg, grid, validFraction, o.dataFlags.splitSeed, o.shuffleSeed, shape, per)
		opts.Trainer = &clc.BuiltinTrainer{TrainSet: data.train, ValidSet: data.valid, Config: cfg, Shape: shape, Per: per}
		log.Printf("data: %s: %d training rows, %d validation rows, %d features, %s%s (%.1fs)",
			data.info.Source, data.train.N, data.valid.N, data.train.D, data.train.Task, classesText(data.train), time.Since(start).Seconds())
	}

	units := clc.ShardUnits(mustPlanSpecs(opts), o.prune)
	shard, err := resolveShard(flags, o.shard, o.shards, units)
	if err != nil {
		return err
	}
	if shard != nil {
		if o.journal == "none" {
			return inputerr.New("--journal none with shard %s: a shard's journal is its result", shard).WithHint("drop --journal none")
		}
		opts.Shard = &shard.Shard
	}
	opts.Journal = o.journalPath(shard)
	opts.Events = fitEvents(log, o, shard, cfg)
	setPhase(ctx, "sweeping", sweepLeaves(opts.Journal))
	res, err := clc.Fit(ctx, opts)
	log.endProgress()
	var stopped *clc.StoppedError
	if res != nil && res.Run != nil && res.Run.Ran > 0 && !errors.As(err, &stopped) {
		log.Printf("sweep: %d trials in %.1fs", res.Run.Ran, res.Run.Elapsed.Seconds())
	}
	if res != nil && res.Stop != nil {
		if r := res.Run.Resume; r.Journal != "" {
			log.Printf("journal: %s: reused %d of the %d trials the sweep chose", r.Journal, len(r.Known), len(r.Known)+r.ToRun)
		}
		log.Printf("adaptive: %s", stopText(res.Stop))
	}
	if err != nil {
		return fitError(err, stderr, o.plot)
	}
	if shard != nil {
		return reportShard(stdout, log, o.json, shard, res.Planned.Trials, res.Planned.Plan.Trials(), opts.Journal, res.Fingerprint)
	}
	return writeFit(res.Fit, fitOutput{out: o.out, json: o.json, plot: o.plot, strict: o.strict}, log, stdout, stderr)
}

// mustPlanSpecs lists the plan's trials for counting its units of work; an
// invalid plan lists none (clc.Fit reports why).
func mustPlanSpecs(o clc.Options) []clc.TrialSpec {
	p, err := clc.PlanOf(o.Dataset.Rows, o.Config)
	if err != nil {
		return nil
	}
	return p.Specs()
}

// fitEvents prints what the fit does: the plan, the journal's reuse, the
// progress of the sweep and its end.
func fitEvents(log *logger, o *fitOptions, shard *shardChoice, cfg train.Config) clc.Events {
	var show clc.Progress
	var seen []clc.Trial // the trials this run finished, for an adaptive sweep's best rates
	return clc.Events{
		Planned: func(p clc.Planned) {
			plan := p.Plan.String()
			if o.design == clc.DesignAdaptive {
				plan = fmt.Sprintf("adaptive over %d fractions, the grid's %d rates × %s at the smallest", len(p.Plan.Fractions), len(p.Plan.LRs),
					numfmt.Count(p.Plan.Seeds, "seed", "seeds"))
			}
			if o.exec != "" {
				log.Printf("plan: %s; each trial runs: %s", plan, o.exec)
			} else {
				log.Printf("plan: %s; %s", plan, describeModel(cfg))
			}
			if shard != nil {
				log.Printf("shard %s (from %s): %d of %d trials", shard, shard.from, p.Trials, p.Plan.Trials())
				if o.plot != "" {
					log.Printf("shard %s writes no fit, so no --plot: give --plot to clc merge", shard)
				}
			}
		},
		Resumed: func(r clc.Resume) {
			if r.Journal != "" {
				if r.Torn {
					log.Printf("journal: dropped a torn last line of %s (a run was stopped mid-write)", r.Journal)
				}
				total := len(r.Known) + r.ToRun
				msg := fmt.Sprintf("journal: %s: reused %d of %d trials, %d to run", r.Journal, len(r.Known), total, r.ToRun)
				if r.Stale > 0 {
					msg += fmt.Sprintf("; %d recorded trials of other data, settings or grid points not used", r.Stale)
				}
				log.Printf("%s", msg)
			}
			if r.ToRun > 0 {
				workers := "workers"
				if o.workers == 1 {
					workers = "worker"
				}
				log.Printf("sweep: %d trials on %d %s", r.ToRun, o.workers, workers)
			}
			log.setKnownTrials(r.Known)
			show = log.progress(time.Now())
		},
		Stage: func(s clc.Stage) {
			log.endProgress()
			log.Printf("%s", stageText(s, fracLabel(o, s.Fraction)))
			log.setKnownTrials(seen) // the best rates so far, over every stage
			show = log.progress(time.Now())
		},
		Progress: func(t clc.Trial, done, total int) error {
			seen = append(seen, t)
			if show != nil {
				return show(t, done, total)
			}
			return nil
		},
	}
}

// fracLabel is a fraction as the user wrote it in --fractions.
func fracLabel(o *fitOptions, f float64) string {
	fracs, texts, err := clc.ParseFractions(o.fractions)
	if err != nil {
		return clc.FormatFraction(f)
	}
	return clc.SweepConfig{Fractions: fracs, FractionText: texts}.FractionLabel(f)
}

// stageText describes a stage of an adaptive sweep in one line.
func stageText(s clc.Stage, frac string) string {
	rates := g3(s.LRs[0])
	if len(s.LRs) > 1 {
		rates = fmt.Sprintf("%s … %s", g3(s.LRs[0]), g3(s.LRs[len(s.LRs)-1]))
	}
	seeds := numfmt.Count(len(s.Seeds), "seed", "seeds")
	if len(s.Seeds) == 1 {
		seeds = fmt.Sprintf("seed %d", s.Seeds[0])
	}
	return fmt.Sprintf("%s %s (N = %d): %s %s × %s (%s); cost %s + %s of %s full-size runs",
		s.Kind, frac, s.N, numfmt.Count(len(s.LRs), "rate", "rates"), rates, seeds, s.Why,
		numfmt.Sig(s.Spent, 2, 0.01), numfmt.Sig(s.Cost, 2, 0.01), numfmt.Sig(s.Budget, 3, 0.01))
}

// stopText says why an adaptive sweep ended.
func stopText(s *clc.Stop) string {
	spent := fmt.Sprintf("%s of %s full-size runs (%.0f%% of the budget)", numfmt.Sig(s.Spent, 3, 0.01), numfmt.Sig(s.Budget, 3, 0.01), 100*s.Spent/s.Budget)
	switch s.Reason {
	case "precision":
		return fmt.Sprintf("precise enough: log10 η* at n_full has standard error %.3f ≤ %.3f decades, after %s", s.Log10SE, s.Precision, spent)
	case "budget":
		return fmt.Sprintf("budget spent: log10 η* at n_full has standard error %.3f, above the target %.3f decades, after %s; raise --max-cost for more seeds", s.Log10SE, s.Precision, spent)
	case "no law":
		return fmt.Sprintf("stopped without a law after %s", spent)
	}
	return fmt.Sprintf("stopped (%s) after %s", s.Reason, spent)
}

// fitError words the errors of a fit that need more than their message: a
// fit without a law shows its optima and says how to move the grid; a
// stopped sweep says how to resume.
func fitError(err error, stderr io.Writer, plotPath string) error {
	if nl, ok := clc.IsNoLaw(err); ok {
		writeLossTable(stderr, nl.Fit)
		reportOptima(stderr, nl.Fit)
		for _, f := range nl.Fit.Gates {
			switch f.Gate {
			case gates.LowEdge, gates.HighEdge, gates.AllDiverged, gates.Flat: // in the optima line
			default:
				if f.Failed() {
					fmt.Fprintf(stderr, "clc: warning: %s\n", gateWarning(nl.Fit, f))
				}
			}
		}
		if plotPath != "" {
			if perr := writeFitPlot(nl.Fit, plotPath); perr == nil {
				fmt.Fprintf(stderr, "clc: wrote %s (the loss curves; no law to draw)\n", plotPath)
			}
		}
		if ie, ok := inputerr.As(err); ok {
			if h := lawHint(nl); h != "" {
				ie.Hint = h
			}
		}
		return err
	}
	var stopped *clc.StoppedError
	if errors.As(err, &stopped) && stopped.Journal != "" {
		return hintError{err: err, hint: "run the same command again to resume; recorded trials are not run again"}
	}
	return err
}

// fitOutput says where a finished fit goes: the fit file, and the table or
// (json) one JSON object on stdout.
type fitOutput struct {
	out    string
	json   bool
	plot   string // a figure of the fit, when set
	strict bool   // fail (exit 3) when a gate did not pass
}

// writeFit writes a completed fit: the fit file, the warnings, the table
// or JSON, and the plot. It is the end of clc fit and of clc merge.
func writeFit(fit *clc.FitFile, o fitOutput, log *logger, stdout, stderr io.Writer) error {
	if err := clc.WriteFitFile(o.out, fit); err != nil {
		return fmt.Errorf("writing the fit file: %w", err)
	}
	warnings := fitWarnings(fit)
	for _, w := range warnings {
		fmt.Fprintf(stderr, "clc: warning: %s\n", w)
	}
	for _, n := range fitNotes(fit) {
		log.Printf("note: %s", n)
	}
	if o.json {
		if err := writeFitJSON(stdout, fit, o.out, warnings); err != nil {
			return err
		}
	} else if err := writeFitTable(stdout, fit); err != nil {
		return err
	}
	log.Printf("wrote %s", o.out)
	if o.plot != "" {
		if err := writeFitPlot(fit, o.plot); err != nil {
			return err
		}
		log.Printf("wrote %s", o.plot)
	}
	if o.strict && len(warnings) > 0 {
		return gateError{failed: len(warnings)}
	}
	return nil
}

// gateError ends a fit that was written but did not pass its gates, with
// --strict: exit status 3.
type gateError struct{ failed int }

func (e gateError) Error() string {
	return fmt.Sprintf("--strict: the fit has %s (see above); it was written all the same", numfmt.Count(e.failed, "warning", "warnings"))
}

// checkExec validates the flags of a sweep trained by --exec.
func (o *fitOptions) checkExec(flags *pflag.FlagSet, shape *schedule.Spec) error {
	if o.nFull < 1 && (o.dataFlags.path == "" || flags.Changed("n-full")) {
		return inputerr.New("--exec needs --n-full, the full training size the fractions are taken of").
			WithHint("e.g. --n-full 60000, or give the data file so that clc counts its rows")
	}
	if o.dataFlags.path == "-" {
		return inputerr.New("--exec cannot pass stdin to every trial").WithHint("give the data file's path")
	}
	if shape != nil {
		return inputerr.New("--shape needs the built-in trainer; with --exec your command sets the schedule")
	}
	for _, name := range []string{"model", "hidden", "activation", "optimizer", "divergence-factor", "budget", "steps",
		"target", "task", "valid", "valid-fraction", "split-seed", "shuffle-seed"} {
		if flags.Changed(name) {
			return inputerr.New("--%s does not apply to --exec: your command sets it", name)
		}
	}
	return nil
}

// lawHint says how to move the grid when too few optima were usable.
func lawHint(e *clc.NoLawError) string {
	for _, f := range e.Fit.Gates {
		if f.Gate == gates.Trivial && f.Severity == gates.Fail && e.Advice() != clc.GridFlat {
			return "the model does not beat the trivial predictor at any fraction (see the warning): check the labels and the features"
		}
	}
	// The rates tried: the grid's, or beyond it where an adaptive sweep
	// extended it.
	lo, hi := e.Fit.Config.LRs[0], e.Fit.Config.LRs[len(e.Fit.Config.LRs)-1]
	for _, t := range e.Fit.Trials {
		lo, hi = min(lo, t.LR), max(hi, t.LR)
	}
	switch e.Advice() {
	case clc.GridDown:
		return fmt.Sprintf("every rate diverged at every fraction: move the grid down, e.g. --lr-min %s --lr-max %s", flagNum(lo/1000), flagNum(lo))
	case clc.GridRaiseHigh:
		return fmt.Sprintf("the optima sit at the top of the grid: raise --lr-max, e.g. --lr-max %s", flagNum(hi*100))
	case clc.GridLowerLow:
		return fmt.Sprintf("the optima sit at the bottom of the grid: lower --lr-min, e.g. --lr-min %s", flagNum(lo/100))
	case clc.GridFlat:
		return fmt.Sprintf("the loss does not depend on the rate at any fraction (flat curves): widen the grid (it spans %.1f decades; e.g. --lr-min 1e-4 --lr-max 1) in case its rates are all too small to learn or all equally good, and check that the features carry information about the target",
			math.Log10(hi/lo))
	}
	return ""
}

// journalPath is where the sweep journal lives: --journal, or next to the
// fit file (see clc.JournalPath); "" when the journal is disabled.
func (o *fitOptions) journalPath(shard *shardChoice) string {
	switch {
	case o.journal == "none":
		return ""
	case o.journal != "":
		return o.journal
	case shard != nil:
		return clc.JournalPath(o.out, &shard.Shard)
	}
	return clc.JournalPath(o.out, nil)
}

// checkOutputs checks, before any work, that the fit file, the plot and
// the journal (each when set) can be written.
func checkOutputs(out, plot, journal string) error {
	if err := checkOutput("out", out, false); err != nil {
		return err
	}
	if plot != "" {
		if err := checkPlotPath(plot); err != nil {
			return err
		}
	}
	if journal != "" {
		return checkOutput("journal", journal, true)
	}
	return nil
}

func classesText(d *train.Dataset) string {
	if d.Task == train.Classification {
		return fmt.Sprintf(", %d classes", d.Classes)
	}
	return ""
}

func describeModel(cfg train.Config) string {
	model := modelText(cfg)
	length := fmt.Sprintf("%d epochs", cfg.Epochs)
	if cfg.Steps > 0 {
		length = fmt.Sprintf("%d steps", cfg.Steps)
	}
	return fmt.Sprintf("%s, %s, %s, batch %d", model, cfg.Optimizer, length, cfg.BatchSize)
}

// modelText names the model: "linear", or "mlp [64] relu".
func modelText(cfg train.Config) string {
	if cfg.Model == train.MLP {
		return fmt.Sprintf("mlp %v %s", cfg.Hidden, cfg.Activation)
	}
	return string(cfg.Model)
}
