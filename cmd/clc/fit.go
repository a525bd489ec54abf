package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
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
	axisFracs    string
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
	execWorker   string
	execShell    bool
	metric       string
	direction    string
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
			if o.exec != "" && o.execWorker != "" {
				return inputerr.New("--exec and --exec-worker both give the training command").
					WithHint("give --exec to run one process per trial, or --exec-worker for persistent workers")
			}
			if o.exec != "" || o.execWorker != "" {
				if o.dataFlags.demo {
					return inputerr.New("--demo trains the built-in model; --%s trains with your command", o.externalFlag()).
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
	o.modelFlags.lists = true
	o.modelFlags.register(f)
	f.StringVar(&o.fractions, "fractions", "1/32,1/16,1/8,1/4", "dataset fractions, ratios or decimals in (0, 1]")
	f.StringVar(&o.axisFracs, "axis-fractions", "", "with several --epochs, --batch-size or --steps: the fractions the other runs train at (default: the two smallest of --fractions)")
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
	f.StringVar(&o.execWorker, "exec-worker", "", "train with persistent workers instead: this command is started once per --workers slot and sent one trial at a time as a JSON line on stdin ({epochs} {batch_size} {data} are substituted; see docs/worker-protocol.md)")
	f.BoolVar(&o.execShell, "exec-shell", false, "run --exec or --exec-worker through sh -c (values are shell-quoted); by default the command is run directly, never by a shell")
	f.DurationVar(&o.timeout, "timeout", 0, "with --exec or --exec-worker: time limit per trial, and for a worker's start (e.g. 10m; 0 = none)")
	f.IntVar(&o.retries, "retries", 0, "with --exec or --exec-worker: extra attempts after a non-zero exit, a worker's death or its error line")
	f.IntVar(&o.nFull, "n-full", 0, "with --exec or --exec-worker: the full training size N_full the fractions are taken of (default: the data file's rows)")
	f.StringVar(&o.metric, "metric", "loss", "the metric whose optimum is fitted: a key your trainer reports, or for the built-in trainer loss, accuracy (classification) or rmse (regression)")
	f.StringVar(&o.direction, "direction", "", "min (lower is better) or max (default: max for accuracy, else min)")
	f.StringVar(&o.design, "design", clc.DesignAdaptive, "how trials are chosen: adaptive (bracket at the smallest fraction, a few rates around the running law at the others, seeds where they shrink the prediction's error) or grid (every fraction × rate × seed)")
	f.Float64Var(&o.precision, "precision", 0, "with --design adaptive: stop adding seeds once the standard error of log10 η* at n_full that the measurements make is this many decades (default 0.05)")
	f.Float64Var(&o.maxCost, "max-cost", 0, "with --design adaptive: the most training to spend, in full-size runs (default: what --design grid would cost)")
	derivedDefault(f, "precision", func(*pflag.FlagSet) string { return strconv.FormatFloat(clc.DefaultPrecision, 'g', -1, 64) })
	f.BoolVar(&o.prune, "prune", false, "skip the rates above one that diverged at the same fraction and seed (recorded as diverged); with --exec-worker also stop a trial whose per-epoch report diverges or is clearly worse than a smaller rate's")
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
	external, workerMode := o.externalCommand()
	if external == "" {
		for _, name := range []string{"exec-shell", "timeout", "retries", "n-full"} {
			if flags.Changed(name) {
				return inputerr.New("--%s needs --exec or --exec-worker", name)
			}
		}
	} else if o.timeout < 0 || o.retries < 0 {
		return inputerr.New("--timeout and --retries must not be negative")
	}
	objective, err := clc.ParseObjective(o.metric, o.direction)
	if err != nil {
		return err
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
	if grid.Axes, err = o.axes(flags); err != nil {
		return err
	}

	log := newLogger(stderr, o.quiet)
	if flags.Changed("bootstrap") {
		fmt.Fprintln(stderr, "clc: note: --bootstrap has no effect: the optima's intervals come from a noise model pooled over seeds and fractions")
	}
	log.setFractions(fractions, fracText)
	opts := clc.Options{Tool: "clc " + version, Workers: o.workers}
	if external != "" {
		if err := o.checkExec(flags, shape); err != nil {
			return err
		}
		et, err := exectrainer.New(exectrainer.Config{Command: external, Shell: o.execShell, Epochs: cfg.Epochs,
			BatchSize: cfg.BatchSize, Timeout: o.timeout, Retries: o.retries, Data: o.dataFlags.path,
			Worker: workerMode, Workers: o.workers, Prune: o.prune, Shape: shape, Per: per})
		if err != nil {
			return err
		}
		defer et.Close() // stops the workers
		opts.Trainer = et
		if opts.Dataset, err = execDataInfo(ctx, &o.dataFlags, o.nFull); err != nil {
			return err
		}
		opts.Config = clc.ExecConfig(external, o.execShell, cfg.Epochs, cfg.BatchSize, grid)
		opts.Config.ExecWorker = workerMode
		opts.Config.SetShape(shape, per)
		if o.dataFlags.path != "" {
			log.Printf("data: trained by --%s on %s (sha256 %.12s); N_full = %d", o.externalFlag(), opts.Dataset.Source, opts.Dataset.SHA256, opts.Dataset.Rows)
		} else {
			log.Printf("data: trained by --%s; N_full = %d", o.externalFlag(), opts.Dataset.Rows)
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
		bt := &clc.BuiltinTrainer{TrainSet: data.train, ValidSet: data.valid, Config: cfg, Shape: shape, Per: per}
		if data.train.Task == train.Regression {
			bt.TargetStd = data.scaler.TargetStd
		}
		if err := checkBuiltinMetric(objective, data.train.Task == train.Classification); err != nil {
			return err
		}
		opts.Trainer = bt
		log.Printf("data: %s: %d training rows, %d validation rows, %d features, %s%s (%.1fs)",
			data.info.Source, data.train.N, data.valid.N, data.train.D, data.train.Task, classesText(data.train), time.Since(start).Seconds())
	}

	opts.Config.SetObjective(objective)
	defaultAxisFractions(&opts)
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
	opts.Events = fitEvents(log, o, shard, cfg, objective)
	log.setObjective(objective)
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

// axes returns the other runs of the list flags (--epochs 3,1,6,
// --batch-size, --steps), at --axis-fractions or the two smallest
// fractions; nil when every list has one value.
func (o *fitOptions) axes(flags *pflag.FlagSet) (*clc.Axes, error) {
	epochs, batches, steps, err := o.modelFlags.resolveLists()
	if err != nil {
		return nil, err
	}
	if len(epochs)+len(batches)+len(steps) == 0 {
		if flags.Changed("axis-fractions") {
			return nil, inputerr.New("--axis-fractions needs several values of --epochs, --batch-size or --steps").
				WithHint("e.g. --epochs 3,1,6 trains 1 and 6 epochs at the axis fractions besides 3 at every fraction")
		}
		return nil, nil
	}
	a := &clc.Axes{Epochs: epochs, BatchSizes: batches, Steps: steps}
	if flags.Changed("axis-fractions") {
		if a.Fractions, a.FractionText, err = clc.ParseFractions(o.axisFracs); err != nil {
			return nil, err
		}
	}
	return a, nil // without --axis-fractions, defaultAxisFractions fills them in
}

// defaultAxisFractions sets the axis fractions of a sweep with other runs
// and no --axis-fractions, once N_full is known (clc.DefaultAxisFractions).
func defaultAxisFractions(o *clc.Options) {
	if a := o.Config.Axes; a != nil && a.Fractions == nil {
		a.Fractions, a.FractionText = clc.DefaultAxisFractions(o.Dataset.Rows, o.Config)
	}
}

// externalCommand is the user's training command and whether it is a
// persistent worker's; "" for the built-in trainer.
func (o *fitOptions) externalCommand() (string, bool) {
	if o.execWorker != "" {
		return o.execWorker, true
	}
	return o.exec, false
}

// externalFlag names the flag that gave the training command.
func (o *fitOptions) externalFlag() string {
	if o.execWorker != "" {
		return "exec-worker"
	}
	return "exec"
}

// checkBuiltinMetric checks that the built-in trainer reports the
// objective's metric for the task.
func checkBuiltinMetric(obj clc.Objective, classification bool) error {
	have := clc.BuiltinMetrics(classification)
	if slices.Contains(have, obj.Metric) {
		return nil
	}
	task := "regression"
	if classification {
		task = "classification"
	}
	return inputerr.New("--metric %s: the built-in trainer reports %s for %s", obj.Metric, strings.Join(have, " and "), task).
		WithHint("use --metric %s, or train with your own command (--exec, --exec-worker) to report other metrics", strings.Join(have, " or --metric "))
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
func fitEvents(log *logger, o *fitOptions, shard *shardChoice, cfg train.Config, objective clc.Objective) clc.Events {
	var show clc.Progress
	var seen []clc.Trial // the trials this run finished, for an adaptive sweep's best rates
	return clc.Events{
		Planned: func(p clc.Planned) {
			plan := p.Plan.String()
			if o.design == clc.DesignAdaptive {
				runs := ""
				if len(p.Plan.Runs) > 0 {
					labels := make([]string, len(p.Plan.Runs))
					for i, r := range p.Plan.Runs {
						labels[i] = clc.RunLabel(r)
					}
					runs = fmt.Sprintf(" and %s (%s) at %s", numfmt.Count(len(p.Plan.Runs), "other run", "other runs"),
						strings.Join(labels, ", "), numfmt.Count(len(p.Plan.AxisFractions), "fraction", "fractions"))
				}
				plan = fmt.Sprintf("adaptive over %d fractions%s, the grid's %d rates × %s at the smallest", len(p.Plan.Fractions), runs,
					len(p.Plan.LRs), numfmt.Count(p.Plan.Seeds, "seed", "seeds"))
			}
			switch cmd, worker := o.externalCommand(); {
			case worker:
				log.Printf("plan: %s; up to %d persistent workers run: %s", plan, o.workers, cmd)
			case cmd != "":
				log.Printf("plan: %s; each trial runs: %s", plan, cmd)
			default:
				log.Printf("plan: %s; %s", plan, describeModel(cfg))
			}
			if obj := objective; !obj.IsLoss() {
				log.Printf("objective: the optimum of %s (%s is better)", obj.Metric, map[clc.Direction]string{clc.Minimize: "lower", clc.Maximize: "higher"}[obj.Direction])
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
		Report: log.report,
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
	where := fmt.Sprintf("%s (N = %d)", frac, s.N)
	if !s.RunSpec.IsBase() {
		where = fmt.Sprintf("%s (N = %d, %s)", frac, s.N, clc.RunLabel(s.RunSpec))
	}
	return fmt.Sprintf("%s %s: %s %s × %s (%s); cost %s + %s of %s full-size runs",
		s.Kind, where, numfmt.Count(len(s.LRs), "rate", "rates"), rates, seeds, s.Why,
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
	flag := o.externalFlag()
	if o.nFull < 1 && (o.dataFlags.path == "" || flags.Changed("n-full")) {
		return inputerr.New("--%s needs --n-full, the full training size the fractions are taken of", flag).
			WithHint("e.g. --n-full 60000, or give the data file so that clc counts its rows")
	}
	if o.dataFlags.path == "-" {
		return inputerr.New("--%s cannot pass stdin to every trial", flag).WithHint("give the data file's path")
	}
	if shape != nil && o.execWorker == "" {
		return inputerr.New("--shape needs the built-in trainer or --exec-worker; with --exec your command sets the schedule").
			WithHint("a worker receives each trial's rates per step; a one-shot command cannot")
	}
	for _, name := range []string{"model", "hidden", "activation", "optimizer", "divergence-factor", "budget", "steps",
		"target", "task", "valid", "valid-fraction", "split-seed", "shuffle-seed"} {
		if flags.Changed(name) {
			return inputerr.New("--%s does not apply to --%s: your command sets it", name, flag)
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
