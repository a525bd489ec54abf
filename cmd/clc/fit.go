package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/exectrainer"
	"github.com/clc-tools/clc/internal/inputerr"
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
	shuffleSeed  uint64
	bootstrap    int
	out          string
	journal      string
	json         bool
	shape        *schedule.Flags
	prune        bool
	exec         string
	execShell    bool
	timeout      time.Duration
	retries      int
	nFull        int
	workers      int
	quiet        bool
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
	f.IntVar(&o.lrPoints, "lr-points", 17, "points of the log grid")
	f.StringVar(&o.lrs, "lrs", "", "explicit learning rates, comma-separated (instead of the log grid)")
	f.IntVar(&o.seeds, "seeds", 2, "seeds per (fraction, rate)")
	o.shape = schedule.RegisterFlags(f)
	f.Lookup("shape").Usage = "train every trial with this schedule shape, the grid value being its mean rate (default: constant rates): " +
		strings.Join(schedule.Shapes, ", ")
	f.Uint64Var(&o.shuffleSeed, "shuffle-seed", 0, "seed of the permutation whose prefixes are the fractions")
	f.IntVar(&o.bootstrap, "bootstrap", 1000, "bootstrap resamples over seeds for each optimum's uncertainty")
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
	f.BoolVar(&o.prune, "prune", false, "skip the rates above one that diverged at the same fraction and seed (recorded as diverged)")
	f.StringVar(&o.shard, "shard", "", "run share i of n of the plan (e.g. 2/3) and record it in the journal for clc merge; default from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID")
	f.IntVar(&o.shards, "shards", 0, "with JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs): the number of shards (default: one per unit of work)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on stderr")
	f.SortFlags = false
	return cmd
}

// Bounds on the sweep's size: beyond them a typo, not a plan, is likely.
const (
	maxSeeds    = 1000
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
	if !flags.Changed("lr-min") {
		lo = 1e-4
		if o.modelFlags.optimizer == string(train.Adam) {
			lo = 1e-5
		}
	}
	if !flags.Changed("lr-max") {
		hi = 1
		if o.modelFlags.optimizer == string(train.Adam) {
			hi = 0.1
		}
	}
	if o.lrPoints > maxLRPoints {
		return nil, inputerr.New("--lr-points %d is too many (at most %d)", o.lrPoints, maxLRPoints)
	}
	return clc.LogGrid(lo, hi, o.lrPoints)
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
	if o.workers < 1 {
		return inputerr.New("--workers %d must be at least 1", o.workers)
	}
	if len(fractions) < 2 {
		return inputerr.New("--fractions has one fraction; the law needs at least 2 dataset sizes").WithHint("give several, e.g. --fractions 1/32,1/16,1/8,1/4")
	}
	if o.bootstrap < 0 {
		return inputerr.New("--bootstrap %d must not be negative", o.bootstrap)
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
	grid := clc.Grid{Fractions: fractions, FractionText: fracText, LRs: lrs, Seeds: o.seeds, Bootstrap: o.bootstrap, Prune: o.prune}

	log := newLogger(stderr, o.quiet)
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
		if opts.Dataset, err = execDataInfo(o.dataFlags.path, o.nFull); err != nil {
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
		data, err := o.dataFlags.prepare(stdin)
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
	res, err := clc.Fit(ctx, opts)
	log.endProgress()
	var stopped *clc.StoppedError
	if res != nil && res.Run != nil && res.Run.Resume.ToRun > 0 && !errors.As(err, &stopped) {
		log.Printf("sweep: %d trials in %.1fs", res.Run.Ran, res.Run.Elapsed.Seconds())
	}
	if err != nil {
		return fitError(err, stderr)
	}
	if shard != nil {
		return reportShard(stdout, o.json, shard, res.Planned.Trials, res.Planned.Plan.Trials(), opts.Journal, res.Fingerprint)
	}
	return writeFit(res.Fit, fitOutput{out: o.out, json: o.json, plot: o.plot}, log, stdout, stderr)
}

// mustPlanSpecs lists the plan's trials for counting its units of work; an
// invalid plan lists none (clc.Fit reports why).
func mustPlanSpecs(o clc.Options) []clc.TrialSpec {
	p, err := clc.NewPlan(o.Dataset.Rows, o.Config.Fractions, o.Config.LRs, o.Config.Seeds, o.Config.BatchSize)
	if err != nil {
		return nil
	}
	return p.Specs()
}

// fitEvents prints what the fit does: the plan, the journal's reuse, the
// progress of the sweep and its end.
func fitEvents(log *logger, o *fitOptions, shard *shardChoice, cfg train.Config) clc.Events {
	var show clc.Progress
	return clc.Events{
		Planned: func(p clc.Planned) {
			if o.exec != "" {
				log.Printf("plan: %s; each trial runs: %s", p.Plan, o.exec)
			} else {
				log.Printf("plan: %s; %s", p.Plan, describeModel(cfg))
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
		Progress: func(t clc.Trial, done, total int) error {
			if show != nil {
				return show(t, done, total)
			}
			return nil
		},
	}
}

// fitError words the errors of a fit that need more than their message: a
// fit without a law shows its optima and says how to move the grid; a
// stopped sweep says how to resume.
func fitError(err error, stderr io.Writer) error {
	if nl, ok := clc.IsNoLaw(err); ok {
		reportOptima(stderr, nl.Fit)
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
	out  string
	json bool
	plot string // a figure of the fit, when set
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
	return nil
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
	lrs := e.Fit.Config.LRs
	switch e.Advice() {
	case clc.GridDown:
		return fmt.Sprintf("every rate diverged at every fraction: move the grid down, e.g. --lr-min %s --lr-max %s", flagNum(lrs[0]/1000), flagNum(lrs[0]))
	case clc.GridRaiseHigh:
		return fmt.Sprintf("the optima sit at the top of the grid: raise --lr-max, e.g. --lr-max %s", flagNum(lrs[len(lrs)-1]*100))
	case clc.GridLowerLow:
		return fmt.Sprintf("the optima sit at the bottom of the grid: lower --lr-min, e.g. --lr-min %s", flagNum(lrs[0]/100))
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
	model := string(cfg.Model)
	if cfg.Model == train.MLP {
		model = fmt.Sprintf("mlp %v %s", cfg.Hidden, cfg.Activation)
	}
	length := fmt.Sprintf("%d epochs", cfg.Epochs)
	if cfg.Steps > 0 {
		length = fmt.Sprintf("%d steps", cfg.Steps)
	}
	return fmt.Sprintf("%s, %s, %s, batch %d", model, cfg.Optimizer, length, cfg.BatchSize)
}
