package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/exectrainer"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
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
	f.IntVar(&o.seedBase, "seed-base", 0, "first trial seed: the trials use seeds B … B+seeds−1 (repeat a fit with independent seeds)")
	o.shape = schedule.RegisterFlags(f)
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
	if err := checkOutputs(o.out, o.plot); err != nil {
		return err
	}

	log := newLogger(stderr, o.quiet)
	if flags.Changed("bootstrap") {
		fmt.Fprintln(stderr, "clc: note: --bootstrap has no effect: the optima's intervals come from a noise model pooled over seeds and fractions")
	}
	log.setFractions(fractions, fracText)
	var (
		trainSet, validSet *train.Dataset
		info               clc.DatasetInfo
		nFull              int
		execTrainer        *exectrainer.Trainer
	)
	if o.exec != "" {
		if err := o.checkExec(flags, shape); err != nil {
			return err
		}
		if execTrainer, err = exectrainer.New(exectrainer.Config{Command: o.exec, Shell: o.execShell, Epochs: cfg.Epochs,
			BatchSize: cfg.BatchSize, Timeout: o.timeout, Retries: o.retries, Data: o.dataFlags.path}); err != nil {
			return err
		}
		if info, err = execDataInfo(o.dataFlags.path, o.nFull); err != nil {
			return err
		}
		nFull = info.Rows
		if o.dataFlags.path != "" {
			log.Printf("data: trained by --exec on %s (sha256 %.12s); N_full = %d", info.Source, info.SHA256, nFull)
		} else {
			log.Printf("data: trained by --exec; N_full = %d", nFull)
		}
	} else {
		// Data: read, build the task, split or load validation, scale, then
		// shuffle once so that fractions are nested prefixes.
		start := time.Now()
		data, err := o.dataFlags.prepare(stdin)
		if err != nil {
			return err
		}
		trainSet, validSet, info = data.train, data.valid, data.info
		train.Shuffle(trainSet, o.shuffleSeed)
		nFull = trainSet.N
		log.Printf("data: %s: %d training rows, %d validation rows, %d features, %s%s (%.1fs)",
			info.Source, trainSet.N, validSet.N, trainSet.D, trainSet.Task, classesText(trainSet), time.Since(start).Seconds())
	}

	plan, err := clc.NewPlan(nFull, fractions, lrs, o.seeds, cfg.BatchSize)
	if err != nil {
		return err
	}
	plan.SeedBase = o.seedBase
	probe := cfg
	probe.LR = lrs[0]
	if err := probe.Validate(); err != nil {
		return inputerr.New("%v", err)
	}
	if o.exec != "" {
		log.Printf("plan: %s; each trial runs: %s", plan, o.exec)
	} else {
		log.Printf("plan: %s; %s", plan, describeModel(cfg))
	}
	specs := plan.Specs()
	planTrials := len(specs)
	shard, err := resolveShard(flags, o.shard, o.shards, clc.ShardUnits(specs, o.prune))
	if err != nil {
		return err
	}
	if shard != nil {
		if o.journal == "none" {
			return inputerr.New("--journal none with shard %s: a shard's journal is its result", shard).WithHint("drop --journal none")
		}
		specs = clc.ShardSpecs(specs, o.prune, shard.Shard, nil)
		log.Printf("shard %s (from %s): %d of %d trials", shard, shard.from, len(specs), planTrials)
		if o.plot != "" {
			log.Printf("shard %s writes no fit, so no --plot: give --plot to clc merge", shard)
		}
	}

	// The fit file's configuration is also the journal's fingerprint.
	fit := &clc.FitFile{
		Version: clc.FitVersion,
		Tool:    "clc " + version,
		Dataset: info,
		Config: clc.SweepConfig{
			Model: string(cfg.Model), Hidden: cfg.Hidden, Activation: string(cfg.Activation), Optimizer: string(cfg.Optimizer),
			Epochs: cfg.Epochs, BatchSize: cfg.BatchSize, Steps: cfg.Steps,
			Fractions: fractions, FractionText: fracText, LRs: lrs, Seeds: o.seeds, SeedBase: o.seedBase,
			SplitSeed: o.dataFlags.splitSeed, ShuffleSeed: o.shuffleSeed, DivergenceFactor: cfg.DivergenceFactor,
			Prune: o.prune,
		},
	}
	if o.dataFlags.valid == "" {
		fit.Config.ValidFraction = o.dataFlags.validFraction
	}

	if shape != nil {
		fit.Config.Schedule, fit.Config.Per = shape, string(per)
	}

	// Sweep, resuming from the journal.
	var trainer clc.Trainer
	if o.exec != "" {
		// The user's command owns the model, optimizer and data.
		fit.Config.Model, fit.Config.Hidden, fit.Config.Activation, fit.Config.Optimizer = "exec", nil, "", ""
		fit.Config.ValidFraction, fit.Config.DivergenceFactor = 0, 0
		fit.Config.Exec, fit.Config.ExecShell = o.exec, o.execShell
		trainer = execTrainer
	} else {
		bt := &clc.BuiltinTrainer{TrainSet: trainSet, ValidSet: validSet, Config: cfg, Shape: shape, Per: per}
		for _, n := range plan.Sizes { // shape errors (warmup longer than a run, ...) before any trial
			if _, err := bt.Multipliers(n); err != nil {
				return fmt.Errorf("fraction with N = %d: %w", n, err)
			}
		}
		trainer = bt
	}
	rec := clc.PlanRecord{Tool: fit.Tool, Dataset: fit.Dataset, Config: fit.Config, Trials: len(specs)}
	if shard != nil {
		rec.Shard = shard.String()
	}
	fp := clc.Fingerprint(info, fit.Config)
	trials, err := o.sweep(ctx, log, specs, trainer, fp, rec, shard)
	if err != nil {
		return err
	}
	if shard != nil {
		return reportShard(stdout, o.json, shard, len(trials), planTrials, o.journalPath(shard), fp)
	}
	fit.Trials = trials
	return completeFit(fit, fitOutput{out: o.out, json: o.json, plot: o.plot}, log, stdout, stderr)
}

// fitOutput says where a finished fit goes: the fit file, and the table or
// (json) one JSON object on stdout.
type fitOutput struct {
	out  string
	json bool
	plot string // a figure of the fit, when set
}

// completeFit turns a fit's trials into its optima, law, constant and
// prediction at N_full (the dataset's rows), writes the fit file and prints
// the warnings and the table or JSON. It is the end of clc fit and of clc
// merge.
func completeFit(fit *clc.FitFile, o fitOutput, log *logger, stdout, stderr io.Writer) error {
	fit.Created = time.Now().UTC().Format(time.RFC3339)
	optima := scaling.EstimateOptima(clc.Samples(fit.Trials))
	fit.Optima, fit.Noise = optima.Optima, &optima.Noise
	law, err := scaling.FitLaw(fit.Optima)
	if err != nil {
		reportOptima(stderr, fit)
		if ie, ok := inputerr.As(err); ok {
			if h := lawHint(fit); h != "" {
				ie.Hint = h
			}
		}
		return err
	}
	fit.Law = law
	fit.Constant = scaling.AnalyzeConstant(fit.Optima, law)
	full, err := fit.Estimate(scaling.Target{N: fit.Dataset.Rows})
	if err != nil {
		return err
	}
	fit.Prediction = clc.PredictionOf(full)

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

// lawHint says how to move the grid when too few optima were usable: down
// when every rate diverged, up or down when the optima sit on one edge.
func lawHint(fit *clc.FitFile) string {
	lrs := fit.Config.LRs
	var diverged, high, low int
	for _, o := range fit.Optima {
		switch {
		case !o.Usable:
			diverged++
		case !o.Bracketed && o.Edge == "high":
			high++
		case !o.Bracketed && o.Edge == "low":
			low++
		}
	}
	switch n := len(fit.Optima); {
	case diverged == n:
		return fmt.Sprintf("every rate diverged at every fraction: move the grid down, e.g. --lr-min %s --lr-max %s", flagNum(lrs[0]/1000), flagNum(lrs[0]))
	case high+diverged == n:
		return fmt.Sprintf("the optima sit at the top of the grid: raise --lr-max, e.g. --lr-max %s", flagNum(lrs[len(lrs)-1]*100))
	case low+diverged == n:
		return fmt.Sprintf("the optima sit at the bottom of the grid: lower --lr-min, e.g. --lr-min %s", flagNum(lrs[0]/100))
	}
	return ""
}

// journalPath is where the sweep journal lives: --journal, or the fit
// file's path with its extension replaced by .journal.jsonl (by
// .shard-i-of-n.journal.jsonl for a shard); "" when the journal is
// disabled.
func (o *fitOptions) journalPath(shard *shardChoice) string {
	switch {
	case o.journal == "none":
		return ""
	case o.journal == "" && shard != nil:
		return shardJournalPath(o.out, shard.Shard)
	case o.journal == "":
		return strings.TrimSuffix(o.out, filepath.Ext(o.out)) + ".journal.jsonl"
	}
	return o.journal
}

// sweep runs the specs that the journal does not already hold, records the
// plan and then each finished trial in the journal as it completes, and
// returns all trials in spec order.
func (o *fitOptions) sweep(ctx context.Context, log *logger, specs []clc.TrialSpec, trainer clc.Trainer, fp string,
	plan clc.PlanRecord, shard *shardChoice) ([]clc.Trial, error) {
	var journal *clc.Journal
	path := o.journalPath(shard)
	if path != "" {
		var err error
		if journal, err = clc.OpenJournal(path); err != nil {
			return nil, err
		}
		defer journal.Close()
		if journal.Torn {
			log.Printf("journal: dropped a torn last line of %s (a run was stopped mid-write)", path)
		}
		if err := journal.AppendPlan(fp, plan); err != nil {
			return nil, err
		}
	}
	lookup := func(s clc.TrialSpec) (clc.Trial, bool) {
		if journal == nil {
			return clc.Trial{}, false
		}
		return journal.Lookup(fp, s)
	}
	trials, have := clc.CollectTrials(specs, o.prune, lookup)
	var (
		todo   []clc.TrialSpec
		known  []clc.Trial // recorded, or pruned from recorded divergences
		pruned int
	)
	for i, s := range specs {
		if !have[i] {
			todo = append(todo, s)
			continue
		}
		known = append(known, trials[i])
		if trials[i].Pruned {
			pruned++
		}
	}
	if journal != nil {
		stale := journal.Len() - (len(known) - pruned)
		msg := fmt.Sprintf("journal: %s: reused %d of %d trials, %d to run", path, len(known), len(specs), len(todo))
		if stale > 0 {
			msg += fmt.Sprintf("; %d recorded trials of other data, settings or grid points not used", stale)
		}
		log.Printf("%s", msg)
	}
	if len(todo) > 0 {
		workers := "workers"
		if o.workers == 1 {
			workers = "worker"
		}
		log.Printf("sweep: %d trials on %d %s", len(todo), o.workers, workers)
	}
	log.setKnownTrials(known)
	start := time.Now()
	show := log.progress(start)
	record := func(t clc.Trial, done, total int) error {
		if journal != nil && !t.Pruned { // a pruned trial did not run: nothing to reuse
			if err := journal.Append(fp, t); err != nil {
				return err
			}
		}
		if show != nil {
			return show(t, done, total)
		}
		return nil
	}
	ran, err := clc.RunSweep(ctx, todo, trainer, clc.SweepOptions{Workers: o.workers, Prune: o.prune, Progress: record})
	log.endProgress()
	if err != nil {
		recorded := len(specs) - len(todo) + len(ran)
		if journal == nil {
			return nil, fmt.Errorf("sweep stopped after %d of %d trials: %w", recorded, len(specs), err)
		}
		return nil, hintError{
			err:  fmt.Errorf("sweep stopped with %d of %d trials recorded in %s: %w", recorded, len(specs), path, err),
			hint: "run the same command again to resume; recorded trials are not run again",
		}
	}
	if len(todo) > 0 {
		log.Printf("sweep: %d trials in %.1fs", len(ran), time.Since(start).Seconds())
	}
	// Merge: RunSweep returns the todo trials in todo order.
	k := 0
	for i := range trials {
		if !have[i] {
			trials[i] = ran[k]
			k++
		}
	}
	return trials, nil
}

// checkOutputs checks, before any work, that the fit file can be written
// and that the plot (if any) has a format and a directory.
func checkOutputs(out, plot string) error {
	if err := checkWritableDir(out); err != nil {
		return err
	}
	if plot != "" {
		return checkPlotPath(plot)
	}
	return nil
}

// checkWritableDir fails early when the fit file's directory does not exist
// or is not writable, so a long sweep is not lost at the end.
func checkWritableDir(path string) error {
	if path == "" {
		return inputerr.New("--out is empty").WithHint("name the fit file, e.g. -o clc-fit.yaml")
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return inputerr.New("cannot write %s: it is a directory", path).WithHint("choose another --out, e.g. -o %s", filepath.Join(path, "clc-fit.yaml"))
	}
	dir := "."
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		dir = path[:i+1]
	}
	f, err := os.CreateTemp(dir, ".clc-write-check-*")
	if err != nil {
		return inputerr.New("cannot write %s: %v", path, inputerr.PathCause(err)).WithHint("choose another --out")
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
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
