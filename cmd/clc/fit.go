package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/demodata"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/train"
)

// fitOptions holds the flags of clc fit.
type fitOptions struct {
	data          string
	demo          bool
	target        string
	task          string
	model         string
	hidden        string
	activation    string
	optimizer     string
	epochs        int
	batchSize     int
	budget        string
	steps         int
	fractions     string
	lrMin, lrMax  float64
	lrPoints      int
	lrs           string
	seeds         int
	validFraction float64
	valid         string
	splitSeed     uint64
	shuffleSeed   uint64
	divergence    float64
	bootstrap     int
	out           string
	json          bool
	workers       int
	quiet         bool
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
			if len(args) == 1 {
				o.data = args[0]
			}
			if o.demo {
				if o.data != "" {
					return usageError{fmt.Errorf("--demo takes no data file (got %q)", o.data)}
				}
				applyDemoDefaults(cmd.Flags())
			} else if o.data == "" {
				return inputerr.New("no data file given").WithHint("run 'clc fit DATA.csv', 'clc fit -' for stdin, or 'clc fit --demo'")
			}
			return runFit(cmd.Context(), o, cmd.Flags(), stdin, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.demo, "demo", false, "run on the embedded demo dataset (8,000 downsampled Fashion-MNIST images)")
	f.StringVar(&o.target, "target", "", "target column name (default: the last column)")
	f.StringVar(&o.task, "task", "auto", "auto, classification or regression")
	f.StringVar(&o.model, "model", "mlp", "model: linear or mlp")
	f.StringVar(&o.hidden, "hidden", "128", "MLP hidden layer widths, comma-separated (e.g. 128,64)")
	f.StringVar(&o.activation, "activation", "relu", "MLP activation: relu or tanh")
	f.StringVar(&o.optimizer, "optimizer", "sgd", "optimizer: sgd, momentum (0.9) or adam")
	f.IntVar(&o.epochs, "epochs", 3, "epochs per trial (E)")
	f.IntVar(&o.batchSize, "batch-size", 64, "batch size (B); each epoch takes floor(N/B) steps")
	f.StringVar(&o.budget, "budget", "epochs", "training length: epochs (T = E·floor(N/B), grows with N) or steps (fixed T = --steps)")
	f.IntVar(&o.steps, "steps", 0, "optimizer steps per trial with --budget steps")
	f.StringVar(&o.fractions, "fractions", "1/32,1/16,1/8,1/4", "dataset fractions, ratios or decimals in (0, 1]")
	f.Float64Var(&o.lrMin, "lr-min", 0, "smallest rate of the log grid (default 1e-4; 1e-5 for adam)")
	f.Float64Var(&o.lrMax, "lr-max", 0, "largest rate of the log grid (default 1; 0.1 for adam)")
	f.IntVar(&o.lrPoints, "lr-points", 17, "points of the log grid")
	f.StringVar(&o.lrs, "lrs", "", "explicit learning rates, comma-separated (instead of the log grid)")
	f.IntVar(&o.seeds, "seeds", 2, "seeds per (fraction, rate)")
	f.Float64Var(&o.validFraction, "valid-fraction", 0.1, "share of the rows held out for validation (stratified for classification)")
	f.StringVar(&o.valid, "valid", "", "validation CSV file (instead of a split)")
	f.Uint64Var(&o.splitSeed, "split-seed", 0, "seed of the validation split")
	f.Uint64Var(&o.shuffleSeed, "shuffle-seed", 0, "seed of the permutation whose prefixes are the fractions")
	f.Float64Var(&o.divergence, "divergence-factor", 10, "a trial diverges when its loss exceeds this × its initial loss (or is not finite)")
	f.IntVar(&o.bootstrap, "bootstrap", 1000, "bootstrap resamples over seeds for each optimum's uncertainty")
	f.StringVarP(&o.out, "out", "o", "clc-fit.yaml", "fit file to write")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout instead of the table")
	f.IntVar(&o.workers, "workers", runtime.NumCPU(), "trials run in parallel")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress on stderr")
	f.SortFlags = false
	return cmd
}

func applyDemoDefaults(f *pflag.FlagSet) {
	for name, v := range demoDefaults {
		if !f.Changed(name) {
			_ = f.Set(name, v)
		}
	}
}

// trainConfig validates the model and training flags.
func (o *fitOptions) trainConfig() (train.Config, error) {
	cfg := train.Config{
		Model:            train.ModelKind(o.model),
		Activation:       train.Activation(o.activation),
		Optimizer:        train.OptimizerKind(o.optimizer),
		Epochs:           o.epochs,
		BatchSize:        o.batchSize,
		DivergenceFactor: o.divergence,
	}
	switch cfg.Model {
	case train.Linear, train.MLP:
	default:
		return cfg, inputerr.New("unknown model %q", o.model).WithHint("use --model linear or --model mlp")
	}
	switch o.task {
	case "auto", string(train.Classification), string(train.Regression):
	default:
		return cfg, inputerr.New("unknown task %q", o.task).WithHint("use --task auto, classification or regression")
	}
	switch cfg.Optimizer {
	case train.SGD, train.Momentum, train.Adam:
	default:
		return cfg, inputerr.New("unknown optimizer %q", o.optimizer).WithHint("use --optimizer sgd, momentum or adam")
	}
	switch cfg.Activation {
	case train.ReLU, train.Tanh:
	default:
		return cfg, inputerr.New("unknown activation %q", o.activation).WithHint("use --activation relu or tanh")
	}
	if cfg.Model == train.MLP {
		for _, p := range strings.Split(o.hidden, ",") {
			w, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || w < 1 {
				return cfg, inputerr.New("--hidden %q: each width must be a positive integer", o.hidden)
			}
			cfg.Hidden = append(cfg.Hidden, w)
		}
	}
	if o.epochs < 1 {
		return cfg, inputerr.New("--epochs %d must be at least 1", o.epochs)
	}
	if o.batchSize < 1 {
		return cfg, inputerr.New("--batch-size %d must be at least 1", o.batchSize)
	}
	switch o.budget {
	case "epochs":
		if o.steps != 0 {
			return cfg, inputerr.New("--steps needs --budget steps")
		}
	case "steps":
		if o.steps < 1 {
			return cfg, inputerr.New("--budget steps needs --steps ≥ 1")
		}
		cfg.Steps = o.steps
	default:
		return cfg, inputerr.New("unknown budget %q", o.budget).WithHint("use --budget epochs or --budget steps")
	}
	if !(o.divergence > 1) || math.IsInf(o.divergence, 0) {
		return cfg, inputerr.New("--divergence-factor %g must be a finite number above 1", o.divergence)
	}
	return cfg, nil
}

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
		if o.optimizer == string(train.Adam) {
			lo = 1e-5
		}
	}
	if !flags.Changed("lr-max") {
		hi = 1
		if o.optimizer == string(train.Adam) {
			hi = 0.1
		}
	}
	return clc.LogGrid(lo, hi, o.lrPoints)
}

func runFit(ctx context.Context, o *fitOptions, flags *pflag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) error {
	// Check every flag before touching the data.
	cfg, err := o.trainConfig()
	if err != nil {
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
	if o.valid == "" && !(o.validFraction > 0 && o.validFraction < 1) {
		return inputerr.New("--valid-fraction %g must be in (0, 1)", o.validFraction)
	}
	if o.valid != "" && flags.Changed("valid-fraction") {
		return inputerr.New("--valid and --valid-fraction both set the validation rows").WithHint("give one of them")
	}
	if o.seeds < 1 {
		return inputerr.New("--seeds %d must be at least 1", o.seeds)
	}
	if o.bootstrap < 0 {
		return inputerr.New("--bootstrap %d must not be negative", o.bootstrap)
	}
	if err := checkWritableDir(o.out); err != nil {
		return err
	}

	// Data: read, build the task, split or load validation, scale, shuffle.
	log := newLogger(stderr, o.quiet)
	start := time.Now()
	table, err := o.load(o.data, stdin, o.target)
	if err != nil {
		return err
	}
	name := table.Name
	full, err := train.NewDataset(table, o.task)
	if err != nil {
		return err
	}
	info := clc.DatasetInfo{
		Source: name, SHA256: table.SHA256, Features: full.D, Task: string(full.Task),
		Classes: full.Classes, Target: full.Target,
	}
	var trainSet, validSet *train.Dataset
	if o.valid != "" {
		vt, err := o.load(o.valid, stdin, full.Target)
		if err != nil {
			return err
		}
		if validSet, err = train.NewValidationDataset(vt, full); err != nil {
			return err
		}
		trainSet = full
		info.Valid, info.ValidSHA256 = vt.Name, vt.SHA256
	} else {
		if trainSet, validSet, err = train.SplitValidation(full, o.validFraction, o.splitSeed); err != nil {
			return err
		}
		info.Valid = fmt.Sprintf("split %g seed %d", o.validFraction, o.splitSeed)
	}
	info.Rows, info.ValidRows = trainSet.N, validSet.N
	scaler := train.FitScaler(trainSet)
	scaler.Apply(trainSet)
	scaler.Apply(validSet)
	train.Shuffle(trainSet, o.shuffleSeed)
	log.Printf("data: %s: %d training rows, %d validation rows, %d features, %s%s (%.1fs)",
		name, trainSet.N, validSet.N, trainSet.D, trainSet.Task, classesText(trainSet), time.Since(start).Seconds())

	plan, err := clc.NewPlan(trainSet.N, fractions, lrs, o.seeds, o.batchSize)
	if err != nil {
		return err
	}
	probe := cfg
	probe.LR = lrs[0]
	if err := probe.Validate(); err != nil {
		return inputerr.New("%v", err)
	}
	log.Printf("sweep: %s on %d workers; %s", plan, o.workers, describeModel(cfg))

	// Sweep.
	trainer := &clc.BuiltinTrainer{TrainSet: trainSet, ValidSet: validSet, Config: cfg}
	specs := plan.Specs()
	sweepStart := time.Now()
	progress := log.progress(sweepStart)
	trials, err := clc.RunSweep(ctx, specs, trainer, o.workers, progress)
	log.endProgress()
	if err != nil {
		return fmt.Errorf("sweep stopped after %d of %d trials: %w", len(trials), len(specs), err)
	}
	log.Printf("sweep: %d trials in %.1fs", len(trials), time.Since(sweepStart).Seconds())

	// Optima, law, constant.
	fit := &clc.FitFile{
		Version: 1,
		Tool:    "clc " + version,
		Created: time.Now().UTC().Format(time.RFC3339),
		Dataset: info,
		Config: clc.SweepConfig{
			Model: o.model, Hidden: cfg.Hidden, Activation: o.activation, Optimizer: o.optimizer,
			Epochs: o.epochs, BatchSize: o.batchSize, Steps: cfg.Steps,
			Fractions: fractions, FractionText: fracText, LRs: lrs, Seeds: o.seeds,
			SplitSeed: o.splitSeed, ShuffleSeed: o.shuffleSeed, DivergenceFactor: o.divergence,
			Bootstrap: o.bootstrap,
		},
		Trials: trials,
	}
	if o.valid == "" {
		fit.Config.ValidFraction = o.validFraction
	}
	fit.Optima = clc.EstimateOptima(trials, clc.OptimumOptions{Bootstrap: o.bootstrap})
	law, err := clc.FitLaw(fit.Optima)
	if err != nil {
		reportOptima(stderr, fit)
		return err
	}
	fit.Law = law
	fit.Constant = clc.AnalyzeConstant(fit.Optima, law)
	nFull := trainSet.N
	stepsFull := train.StepsFor(cfg, nFull)
	lr, lo, hi := law.Predict(float64(nFull))
	fit.Prediction = clc.Prediction{
		N: nFull, Steps: stepsFull, LR: lr, LRLow: lo, LRHigh: hi,
		Constant: fit.Constant.At(law, nFull, stepsFull),
	}

	if err := clc.WriteFitFile(o.out, fit); err != nil {
		return fmt.Errorf("writing the fit file: %w", err)
	}
	warnings := unbracketedWarnings(fit)
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
	return nil
}

// load reads a CSV from a path, "-" (stdin) or, with --demo and no path,
// the embedded demo dataset.
func (o *fitOptions) load(path string, stdin io.Reader, target string) (*train.Table, error) {
	ropt := train.ReadOptions{Target: target}
	if path == "" && o.demo {
		return train.ReadCSV(demodata.Open(), demodata.Name, ropt)
	}
	return train.LoadCSV(path, stdin, ropt)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkWritableDir fails early when the fit file's directory does not exist
// or is not writable, so a long sweep is not lost at the end.
func checkWritableDir(path string) error {
	dir := "."
	if i := strings.LastIndexByte(path, os.PathSeparator); i >= 0 {
		dir = path[:i+1]
	}
	f, err := os.CreateTemp(dir, ".clc-write-check-*")
	if err != nil {
		return inputerr.New("cannot write %s: %v", path, unwrapPathError(err)).WithHint("choose another --out")
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
