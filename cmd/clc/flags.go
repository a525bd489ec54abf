package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/demodata"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/table"
	"github.com/clc-tools/clc/internal/train"
)

// dataFlags are the flags that say what the data is and how to split it,
// shared by clc fit and clc train.
type dataFlags struct {
	path          string // DATA.csv argument: a file, "-" for stdin
	demo          bool
	target        string
	task          string
	valid         string
	validFraction float64
	splitSeed     uint64
	noHeader      bool
	// gated: the command's result reports a small validation set among its
	// gates (clc fit), so prepare does not print that warning too.
	gated bool
}

func (d *dataFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&d.demo, "demo", false, "use the embedded demo dataset (8,000 downsampled Fashion-MNIST images)")
	f.StringVar(&d.target, "target", "", "target column name (default: the last column)")
	f.StringVar(&d.task, "task", "auto", "auto, classification or regression")
	f.Float64Var(&d.validFraction, "valid-fraction", 0.1, "share of the rows held out for validation (stratified for classification)")
	f.StringVar(&d.valid, "valid", "", "validation CSV file (instead of a split)")
	f.Uint64Var(&d.splitSeed, "split-seed", 0, "seed of the validation split")
	f.BoolVar(&d.noHeader, "no-header", false, "the data files have no header row: columns are named c1..cD (the target is the last, or --target)")
}

// takeArgs reads the optional DATA.csv argument: a data file or --demo (whose
// defaults then apply to flags the user did not set) must be given.
func (d *dataFlags) takeArgs(flags *pflag.FlagSet, args []string, noDataHint string) error {
	if len(args) == 1 {
		d.path = args[0]
	}
	if d.demo {
		if d.path != "" {
			return usageError{fmt.Errorf("--demo takes no data file (got %q)", d.path)}
		}
		for name, v := range demoDefaults {
			if strings.HasPrefix(name, "lr-") && (flags.Changed("lrs") || flags.Lookup("lrs") == nil) {
				continue // --lrs replaces the demo's log grid; a command without --lrs has no grid
			}
			if flags.Lookup(name) != nil && !flags.Changed(name) {
				if err := flags.Set(name, v); err != nil {
					panic("clc: demo default " + name + ": " + err.Error())
				}
			}
		}
		return nil
	}
	if d.path == "" {
		return inputerr.New("no data file given").WithHint("%s", noDataHint)
	}
	return nil
}

// check validates the data flags without reading any data.
func (d *dataFlags) check(flags *pflag.FlagSet) error {
	switch d.task {
	case "auto", string(train.Classification), string(train.Regression):
	default:
		return inputerr.New("unknown task %q", d.task).WithHint("use --task auto, classification or regression")
	}
	if d.valid != "" && flags.Changed("valid-fraction") {
		return inputerr.New("--valid and --valid-fraction both set the validation rows").WithHint("give one of them")
	}
	if d.valid == "-" && d.path == "-" {
		return inputerr.New("the data and --valid cannot both be read from standard input").WithHint("give --valid a file")
	}
	if d.demo && d.noHeader {
		return inputerr.New("--no-header does not apply to --demo, whose data has a header")
	}
	if d.valid == "" && !(d.validFraction > 0 && d.validFraction < 1) {
		return inputerr.New("--valid-fraction %g must be in (0, 1)", d.validFraction)
	}
	return nil
}

// preparedData is a dataset ready for training: scaled training and
// validation rows and the description that goes into a fit file.
type preparedData struct {
	train, valid *train.Dataset
	info         clc.DatasetInfo
	warnings     []train.Warning
	scaler       train.Scaler // the z-scoring of the training rows
}

// dataWarning words a warning about the data for the command line.
func dataWarning(w train.Warning) string {
	switch w := w.(type) {
	case train.SameData:
		how := "has the same bytes as"
		if w.SamePath {
			how = "is"
		}
		return fmt.Sprintf("--valid %s %s the training data: the validation loss then measures the fit to the training rows, and the sweep cannot see where a rate starts to overfit; pass held-out rows",
			w.Valid, how)
	case train.SmallValidation:
		return fmt.Sprintf("the validation set has only %s: a mean loss over so few rows is too noisy to rank learning rates; use at least %d (a larger --valid-fraction or --valid file)",
			count(w.Rows, "row"), train.MinValidationRows)
	case train.SplitShare:
		return w.String() + "; pass a separate --valid file for a smaller share"
	}
	return w.String()
}

// prepare reads the data (a path, "-" for stdin, or the demo dataset),
// builds the task, splits off or loads the validation rows, and z-scores
// both with the training rows' statistics. Warnings about the data (a
// validation file that is the training file, too few validation rows, a
// severe class imbalance, a stratified split far from its fraction) go to
// stderr as "clc: warning:" lines.
func (d *dataFlags) prepare(ctx context.Context, stdin io.Reader, stderr io.Writer) (*preparedData, error) {
	tab, err := d.load(ctx, d.path, stdin, d.target)
	if err != nil {
		return nil, err
	}
	full, err := train.NewDataset(tab, d.task)
	if err != nil {
		return nil, err
	}
	p := &preparedData{info: clc.DatasetInfo{
		Source: tab.Name, SHA256: tab.SHA256, Features: full.D, Task: string(full.Task),
		Classes: full.Classes, Target: full.Target,
	}}
	if d.valid != "" {
		vt, err := d.load(ctx, d.valid, stdin, full.Target)
		if ie, ok := inputerr.As(err); ok && errors.Is(err, table.ErrNoColumn) {
			ie.Hint = fmt.Sprintf("the validation file needs the training file's columns, including the target %q", full.Target)
		}
		if err != nil {
			return nil, err
		}
		if p.valid, err = train.NewValidationDataset(vt, full); err != nil {
			return nil, err
		}
		p.train = full
		p.info.Valid, p.info.ValidSHA256 = vt.Name, vt.SHA256
		p.warnings = append(train.CheckValidationFile(tab, vt), train.CheckDatasets(p.train, p.valid, 0)...)
	} else {
		if p.train, p.valid, err = train.SplitValidation(full, d.validFraction, d.splitSeed); err != nil {
			return nil, err
		}
		p.info.Valid = fmt.Sprintf("split %g seed %d", d.validFraction, d.splitSeed)
		p.warnings = train.CheckDatasets(p.train, p.valid, d.validFraction)
	}
	for _, w := range p.warnings {
		if _, small := w.(train.SmallValidation); small && d.gated {
			continue
		}
		fmt.Fprintf(stderr, "clc: warning: %s\n", dataWarning(w))
	}
	p.info.Rows, p.info.ValidRows = p.train.N, p.valid.N
	p.scaler = train.FitScaler(p.train)
	p.scaler.Apply(p.train)
	p.scaler.Apply(p.valid)
	p.info.TrivialLoss = train.TrivialLoss(p.valid)
	return p, nil
}

// load reads a CSV from a path, "-" (stdin) or, with --demo and no path,
// the embedded demo dataset. While it reads, an interruption is reported
// as one of reading the file.
func (d *dataFlags) load(ctx context.Context, path string, stdin io.Reader, target string) (*table.Table, error) {
	ropt := table.Options{Target: target, NoHeader: d.noHeader}
	if path == "" && d.demo {
		ropt.NoHeader = false
		return table.Read(ctx, demodata.Open(), demodata.Name, ropt)
	}
	name := path
	if path == "-" {
		name = "standard input"
	}
	setPhase(ctx, "reading "+name, "")
	t, err := table.Load(ctx, path, stdin, ropt)
	if err == nil {
		setPhase(ctx, "", "")
	}
	return t, err
}

// maxHidden bounds a hidden layer's width (a 784-65536 layer alone holds
// 51M parameters).
const maxHidden = 1 << 16

// modelFlags are the model and training-length flags shared by clc fit and
// clc train. With lists (clc fit), --epochs, --batch-size and --steps take
// comma-separated lists: the first value is the run clc tunes, the others
// are other runs the fit measures (see axes).
type modelFlags struct {
	model      string
	hidden     string
	activation string
	optimizer  string
	epochs     int
	batchSize  int
	budget     string
	steps      int
	divergence float64

	lists                          bool
	epochList, batchList, stepList intList
}

func (m *modelFlags) register(f *pflag.FlagSet) {
	f.StringVar(&m.model, "model", "mlp", "model: linear or mlp")
	f.StringVar(&m.hidden, "hidden", "128", "MLP hidden layer widths, comma-separated (e.g. 128,64)")
	f.StringVar(&m.activation, "activation", "relu", "MLP activation: relu or tanh")
	f.StringVar(&m.optimizer, "optimizer", "sgd", "optimizer: sgd, momentum (0.9) or adam")
	if m.lists {
		m.epochList, m.batchList = intList{3}, intList{64}
		f.Var(&m.epochList, "epochs", "epochs per run (E); a list (3,1,6) also measures how the optimum moves with the training length: the first is the run clc tunes")
		f.Var(&m.batchList, "batch-size", "batch size (B), each epoch taking floor(N/B) steps; a list (64,16,256) also measures how the optimum moves with B")
	} else {
		f.IntVar(&m.epochs, "epochs", 3, "epochs per run (E)")
		f.IntVar(&m.batchSize, "batch-size", 64, "batch size (B); each epoch takes floor(N/B) steps")
	}
	f.StringVar(&m.budget, "budget", "epochs", "training length: epochs (T = E·floor(N/B), grows with N) or steps (fixed T = --steps)")
	if m.lists {
		m.stepList = intList{0}
		f.Var(&m.stepList, "steps", "optimizer steps per run with --budget steps; a list (500,250,1000) also measures how the optimum moves with T")
	} else {
		f.IntVar(&m.steps, "steps", 0, "optimizer steps per run with --budget steps")
	}
	f.Float64Var(&m.divergence, "divergence-factor", 10, "a run diverges when its batch loss exceeds this × max(the trivial loss, the first batch's) on 5 steps in a row (or is not finite)")
}

// intList is a flag of one or more whole numbers, comma-separated ("3" or
// "3,1,6"); a pflag.SliceValue, so a config file may give a YAML list.
type intList []int

func (l *intList) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

// Set replaces the list by the comma-separated values of s.
func (l *intList) Set(s string) error {
	var vals []int
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return err
		}
		vals = append(vals, v)
	}
	*l = vals
	return nil
}

func (l *intList) Type() string { return "ints" }

func (l *intList) Append(s string) error {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err == nil {
		*l = append(*l, v)
	}
	return err
}

func (l *intList) Replace(items []string) error { return l.Set(strings.Join(items, ",")) }

func (l *intList) GetSlice() []string { return strings.Split(l.String(), ",") }

// maxAxisValues bounds the values of a list flag.
const maxAxisValues = 8

// resolveLists takes the first value of each list flag as the run's and
// returns the other values (nil without lists). Every value must be at
// least 1 (the steps at least 1 with --budget steps), no value may repeat.
func (m *modelFlags) resolveLists() (epochs, batches, steps []int, err error) {
	if !m.lists {
		return nil, nil, nil, nil
	}
	for _, l := range []struct {
		name string
		vals intList
		dst  *int
		rest *[]int
	}{
		{"epochs", m.epochList, &m.epochs, &epochs},
		{"batch-size", m.batchList, &m.batchSize, &batches},
		{"steps", m.stepList, &m.steps, &steps},
	} {
		if len(l.vals) == 0 {
			continue
		}
		if len(l.vals) > maxAxisValues {
			return nil, nil, nil, inputerr.New("--%s has %d values (at most %d)", l.name, len(l.vals), maxAxisValues)
		}
		seen := map[int]bool{}
		for _, v := range l.vals {
			if seen[v] {
				return nil, nil, nil, inputerr.New("--%s %s gives %d twice", l.name, l.vals.String(), v).WithHint("list each value once, the run to tune first")
			}
			seen[v] = true
		}
		*l.dst = l.vals[0]
		*l.rest = l.vals[1:]
	}
	if len(epochs) > 0 && m.budget == "steps" {
		return nil, nil, nil, inputerr.New("several values of --epochs need --budget epochs").
			WithHint("with --budget steps, give several --steps instead")
	}
	for _, v := range append(append(append([]int(nil), epochs...), batches...), steps...) {
		if v < 1 {
			return nil, nil, nil, inputerr.New("--epochs, --batch-size and --steps values must be at least 1, not %d", v)
		}
	}
	return epochs, batches, steps, nil
}

// config validates the model and training flags and returns the training
// configuration (without a rate or seed): of the first value of each list
// flag (see resolveLists).
func (m *modelFlags) config() (train.Config, error) {
	if _, _, _, err := m.resolveLists(); err != nil {
		return train.Config{}, err
	}
	cfg := train.Config{
		Model:            train.ModelKind(m.model),
		Activation:       train.Activation(m.activation),
		Optimizer:        train.OptimizerKind(m.optimizer),
		Epochs:           m.epochs,
		BatchSize:        m.batchSize,
		DivergenceFactor: m.divergence,
	}
	switch cfg.Model {
	case train.Linear, train.MLP:
	default:
		return cfg, inputerr.New("unknown model %q", m.model).WithHint("use --model linear or --model mlp")
	}
	switch cfg.Optimizer {
	case train.SGD, train.Momentum, train.Adam:
	default:
		return cfg, inputerr.New("unknown optimizer %q", m.optimizer).WithHint("use --optimizer sgd, momentum or adam")
	}
	switch cfg.Activation {
	case train.ReLU, train.Tanh:
	default:
		return cfg, inputerr.New("unknown activation %q", m.activation).WithHint("use --activation relu or tanh")
	}
	if cfg.Model == train.MLP {
		for _, p := range strings.Split(m.hidden, ",") {
			w, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || w < 1 || w > maxHidden {
				return cfg, inputerr.New("--hidden %q: each width must be an integer from 1 to %d", m.hidden, maxHidden)
			}
			cfg.Hidden = append(cfg.Hidden, w)
		}
	}
	if m.epochs < 1 {
		return cfg, inputerr.New("--epochs %d must be at least 1", m.epochs)
	}
	if m.batchSize < 1 {
		return cfg, inputerr.New("--batch-size %d must be at least 1", m.batchSize)
	}
	switch m.budget {
	case "epochs":
		if m.steps != 0 {
			return cfg, inputerr.New("--steps needs --budget steps")
		}
	case "steps":
		if m.steps < 1 {
			return cfg, inputerr.New("--budget steps needs --steps ≥ 1")
		}
		cfg.Steps = m.steps
	default:
		return cfg, inputerr.New("unknown budget %q", m.budget).WithHint("use --budget epochs or --budget steps")
	}
	if !(m.divergence > 1) || math.IsInf(m.divergence, 0) {
		return cfg, inputerr.New("--divergence-factor %g must be a finite number above 1", m.divergence)
	}
	return cfg, nil
}
