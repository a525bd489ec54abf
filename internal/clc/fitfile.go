package clc

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/google/renameio/v2"
	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/gates"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
	"github.com/clc-tools/clc/internal/schedule"
	"github.com/clc-tools/clc/internal/yamlstrict"
)

// FitVersion is the version of the fit file format this package writes.
// It reads versions MinFitVersion … FitVersion: version 2 added the noise
// model, the optima's t intervals, the law's random-effects fields (tau,
// method, sampling_cov, anchor, ...) and the prediction's decision; a
// version-1 file reads with those absent, and predicts from its law with
// the confidence band it was written with. Version 3 added the other runs
// of a sweep (config.axes, the trials' and optima's epochs, batch_size and
// step_budget) and the joint law (joint), and moves a prediction to a run
// of another length or batch size by measured exponents or documented
// priors; files of versions 1 and 2 carry C over to such runs unchanged,
// as clc did when it wrote them. Version 4 added the law's bend
// (law.bend, see scaling.Bend): files of versions 1 to 3 have none, and
// their predictions leave the bend's variance out, as clc did when it
// wrote them.
const FitVersion = 4

// MinFitVersion is the oldest fit file version this package reads.
const MinFitVersion = 1

// FitFile is the result of a fit: everything needed to reproduce the
// sweep and to design schedules. It is stored as YAML with snake_case keys,
// `version: 2` first. Non-finite numbers are never written (see Trial's
// MarshalYAML); every other float64 round-trips exactly. Empty and nil
// slices are both omitted and read back as nil.
type FitFile struct {
	Version int               `yaml:"version"`
	Tool    string            `yaml:"tool"`    // the program that wrote it, e.g. "clc v0.1.0"
	Created string            `yaml:"created"` // RFC 3339 time
	Dataset DatasetInfo       `yaml:"dataset"`
	Config  SweepConfig       `yaml:"config"`
	Trials  []Trial           `yaml:"trials,omitempty"`
	Optima  []scaling.Optimum `yaml:"optima,omitempty"`
	// Noise is the seed-to-seed noise model the optima's intervals come
	// from (version 2; nil in version 1).
	Noise    *scaling.Noise         `yaml:"noise,omitempty"`
	Law      scaling.Law            `yaml:"law"`
	Constant scaling.ConstantReport `yaml:"constant"`
	// Joint is the law over the size, the training length and the batch
	// size, fitted when the sweep had other runs (version 3; nil
	// otherwise).
	Joint *scaling.JointLaw `yaml:"joint,omitempty"`
	// Gates are the sanity gates that did not pass (see package gates);
	// none when every gate passed (and in fits of clc versions before the
	// gates).
	Gates      []gates.Finding `yaml:"gates,omitempty"`
	Prediction Prediction      `yaml:"prediction"`
	// MissingTrials counts the plan's trials the fit lacks: a merge that
	// allowed a partial sweep fitted the journals' trials although some
	// shards had not finished. 0 for a complete sweep.
	MissingTrials int `yaml:"missing_trials,omitempty"`
}

// DatasetInfo describes the data a fit was measured on.
type DatasetInfo struct {
	Source   string `yaml:"source" json:"source"` // file path, "<stdin>", or "demo:..." for the embedded dataset
	SHA256   string `yaml:"sha256" json:"sha256"` // of the source bytes
	Rows     int    `yaml:"rows" json:"rows"`     // N_full: training rows
	Features int    `yaml:"features" json:"features"`
	Task     string `yaml:"task" json:"task"`       // "classification" or "regression"
	Classes  int    `yaml:"classes" json:"classes"` // 0 for regression
	Target   string `yaml:"target" json:"target"`
	// Valid says where the validation set came from: "split 0.1 seed 0"
	// or the path of the validation file.
	Valid     string `yaml:"valid" json:"valid"`
	ValidRows int    `yaml:"valid_rows" json:"valid_rows"`
	// TrivialLoss is the loss of the best constant prediction on the
	// validation rows (train.TrivialLoss): what a model that learned
	// nothing scores. 0 when unknown (a user's command trains).
	TrivialLoss float64 `yaml:"trivial_loss,omitempty" json:"trivial_loss,omitempty"`
	ValidSHA256 string  `yaml:"valid_sha256,omitempty" json:"valid_sha256,omitempty"` // of the validation file
}

// SweepConfig is the configuration of a sweep: the model, the training
// budget and the grid of fractions × rates × seeds.
type SweepConfig struct {
	Model      string    `yaml:"model" json:"model"`
	Hidden     []int     `yaml:"hidden,flow,omitempty" json:"hidden,omitempty"`
	Activation string    `yaml:"activation" json:"activation"`
	Optimizer  string    `yaml:"optimizer" json:"optimizer"`
	Epochs     int       `yaml:"epochs" json:"epochs"`
	BatchSize  int       `yaml:"batch_size" json:"batch_size"`
	Steps      int       `yaml:"steps" json:"steps"` // fixed T for every fraction; 0 with an epoch budget
	Fractions  []float64 `yaml:"fractions,flow,omitempty" json:"fractions,omitempty"`
	// FractionText is the fractions as given, e.g. "1/32".
	FractionText []string  `yaml:"fraction_text,flow,omitempty" json:"fraction_text,omitempty"`
	LRs          []float64 `yaml:"lrs,flow,omitempty" json:"lrs,omitempty"`
	Seeds        int       `yaml:"seeds" json:"seeds"`
	// SeedBase is the first trial seed: seeds SeedBase … SeedBase+Seeds−1.
	SeedBase         int     `yaml:"seed_base,omitempty" json:"seed_base,omitempty"`
	ValidFraction    float64 `yaml:"valid_fraction" json:"valid_fraction"`
	SplitSeed        uint64  `yaml:"split_seed" json:"split_seed"`
	ShuffleSeed      uint64  `yaml:"shuffle_seed" json:"shuffle_seed"`
	DivergenceFactor float64 `yaml:"divergence_factor" json:"divergence_factor"`
	// Bootstrap is the bootstrap resamples of a version-1 fit (its optima's
	// errors came from a bootstrap over seeds); 0 and omitted since version
	// 2, whose errors come from the pooled noise model.
	Bootstrap int `yaml:"bootstrap,omitempty" json:"bootstrap,omitempty"`
	// Schedule is the shape the trials trained with (the fit's shape), with
	// the grid value as the schedule's mean rate; nil for constant rates.
	// The optima are then optimal mean rates, and C = mean rate × T is the
	// optimal area for that shape.
	Schedule *schedule.Spec `yaml:"schedule,omitempty" json:"schedule,omitempty"`
	// Per is the schedule's granularity: "step" or "epoch".
	Per string `yaml:"per,omitempty" json:"per,omitempty"`
	// Prune: rates above one that diverged at the same N and seed were
	// recorded as diverged without training.
	Prune bool `yaml:"prune,omitempty" json:"prune,omitempty"`
	// Axes are the other training runs of the sweep (version 3; nil for a
	// sweep of one run).
	Axes *Axes `yaml:"axes,omitempty" json:"axes,omitempty"`
	// Exec is the command that trained each trial (an external trainer), run
	// through sh -c when ExecShell; Model is then "exec".
	Exec string `yaml:"exec,omitempty" json:"exec,omitempty"`
	// Design is how the sweep chose its trials: "grid" (also when empty)
	// or "adaptive" (see DesignAdaptive), with the adaptive design's
	// Precision (the target standard error of log10 η*(N_full), decades)
	// and MaxCost (its budget in full-size runs; 0: the grid's cost).
	Design    string  `yaml:"design,omitempty" json:"design,omitempty"`
	Precision float64 `yaml:"precision,omitempty" json:"precision,omitempty"`
	MaxCost   float64 `yaml:"max_cost,omitempty" json:"max_cost,omitempty"`
	ExecShell bool    `yaml:"exec_shell,omitempty" json:"exec_shell,omitempty"`
	// ExecWorker: Exec is the command of a persistent worker, started once
	// per parallel slot and sent one trial at a time (package exectrainer's
	// worker protocol), rather than run once per trial.
	ExecWorker bool `yaml:"exec_worker,omitempty" json:"exec_worker,omitempty"`
	// Metric and Direction are the fit's objective (see Objective): the
	// metric whose optimum it measures and whether lower ("min") or higher
	// ("max") is better; both empty for the validation loss, minimized.
	// They are not part of the fingerprint: every trial records all its
	// metrics, so a journal serves any objective.
	Metric    string `yaml:"metric,omitempty" json:"metric,omitempty"`
	Direction string `yaml:"direction,omitempty" json:"direction,omitempty"`
}

// Prediction is the fit's answer at the full dataset: the rate to use on
// N_full rows, its 95% interval, and the cumulative-learning constant
// there; since version 2 also where the rate comes from and what a miss is
// expected to cost (see scaling.Decide). LRLow = LRHigh = 0 when there is
// no interval.
type Prediction struct {
	N      int     `yaml:"n"`
	Steps  int     `yaml:"steps"`
	LR     float64 `yaml:"lr"`
	LRLow  float64 `yaml:"lr_low"`
	LRHigh float64 `yaml:"lr_high"`
	// Source is "law", "local" or "blend", LawWeight the law's weight.
	Source    string  `yaml:"source,omitempty"`
	LawWeight float64 `yaml:"law_weight,omitempty"`
	// LawLR is the law's own prediction and LocalLR the optimum measured
	// at the largest fitted size LocalN.
	LawLR   float64 `yaml:"law_lr,omitempty"`
	LocalLR float64 `yaml:"local_lr,omitempty"`
	LocalN  int     `yaml:"local_n,omitempty"`
	// DoF is the degrees of freedom of the interval's t quantile.
	DoF float64 `yaml:"dof,omitempty"`
	// Log10SE is the root of the estimated mean squared error of log10 LR
	// and ExpectedRegret ½·curvature·Log10SE², the expected excess
	// validation loss.
	Log10SE        float64 `yaml:"log10_se,omitempty"`
	ExpectedRegret float64 `yaml:"expected_regret,omitempty"`
	// Constant is the C a schedule for N_full carries. It is the last key
	// of the file, and required, so that a truncated file is refused.
	Constant float64 `yaml:"constant"`
}

// PredictionOf is the fit file's record of an estimate at N_full.
func PredictionOf(e scaling.Estimate) Prediction {
	return Prediction{
		N: e.N, Steps: e.Steps, LR: e.LR, LRLow: e.LRLow, LRHigh: e.LRHigh, Constant: e.Constant,
		Source: e.Source, LawWeight: e.LawWeight, LawLR: e.LawLR, LocalLR: e.LocalLR, LocalN: e.LocalN,
		DoF: e.DoF, Log10SE: e.Log10SE, ExpectedRegret: e.ExpectedRegret,
	}
}

// Run is the training length of the fit's trials.
func (c SweepConfig) Run() scaling.Run {
	return scaling.Run{Epochs: c.Epochs, BatchSize: c.BatchSize, Steps: c.Steps}
}

// Estimate predicts the cumulative learning and the optimal constant rate
// for the target run t from the fit's law and joint law (see
// scaling.Predict). A fit file of version 1 or 2 carries C over to a run
// of another length unchanged, as the clc that wrote it did
// (scaling.Model.AssumeTransfer).
func (f *FitFile) Estimate(t scaling.Target) (scaling.Estimate, error) {
	return scaling.Predict(f.Model(), t)
}

// Model is what the fit's predictions are made from.
func (f *FitFile) Model() scaling.Model {
	return scaling.Model{Law: f.Law, Joint: f.Joint, Run: f.Config.Run(), AssumeTransfer: f.Version > 0 && f.Version < 3}
}

// Samples returns the trials as the statistics see them.
func Samples(trials []Trial) []scaling.Sample {
	out := make([]scaling.Sample, len(trials))
	for i, t := range trials {
		out[i] = t.Sample()
	}
	return out
}

// Sample is the trial as the statistics see it.
func (t Trial) Sample() scaling.Sample {
	return scaling.Sample{Fraction: t.Fraction, N: t.N, LR: t.LR, Seed: t.Seed, Steps: t.Steps, Loss: t.ValidLoss, Diverged: t.Diverged, RunSpec: t.RunSpec}
}

// MarshalFit encodes f as YAML. A zero Version is written as FitVersion;
// a version-1 fit read from a file is written back as version 1. It fails
// when f holds a non-finite number outside the trials' losses (those are
// omitted) or an unknown version.
func MarshalFit(f *FitFile) ([]byte, error) {
	c := *f
	if c.Version == 0 {
		c.Version = FitVersion
	}
	if c.Version < MinFitVersion || c.Version > FitVersion {
		return nil, fmt.Errorf("fit file version %d: this clc writes versions %d to %d", c.Version, MinFitVersion, FitVersion)
	}
	if err := checkFinite(reflect.ValueOf(c), "fit"); err != nil {
		return nil, fmt.Errorf("fit file: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("encoding fit file: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding fit file: %w", err)
	}
	return buf.Bytes(), nil
}

var marshalerType = reflect.TypeFor[yaml.Marshaler]()

// nonFiniteError names a non-finite number found by checkFinite.
type nonFiniteError struct {
	path string
	v    float64
}

func (e *nonFiniteError) Error() string {
	return fmt.Sprintf("%s is %v; a fit file holds finite numbers only", e.path, e.v)
}

// checkFinite reports the first NaN or ±Inf in v, walking through structs,
// slices, arrays and pointers, and through the value a yaml.Marshaler
// encodes.
func checkFinite(v reflect.Value, path string) error {
	if v.Type().Implements(marshalerType) && v.Kind() != reflect.Pointer && v.Kind() != reflect.Interface {
		m, err := v.Interface().(yaml.Marshaler).MarshalYAML()
		if err != nil {
			return fmt.Errorf("encoding %s: %w", path, err)
		}
		if m == nil {
			return nil
		}
		return checkFinite(reflect.ValueOf(m), path)
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if x := v.Float(); math.IsNaN(x) || math.IsInf(x, 0) {
			return &nonFiniteError{path, x}
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkFinite(v.Elem(), path)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			if !t.Field(i).IsExported() {
				continue
			}
			p := path
			if n := yamlName(t.Field(i)); n != "" {
				p += "." + n
			}
			if err := checkFinite(v.Field(i), p); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkFinite(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// yamlName returns a struct field's YAML key ("" for an inline field).
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "" && !strings.Contains(f.Tag.Get("yaml"), "inline") {
		name = strings.ToLower(f.Name)
	}
	return name
}

// WriteFitFile writes f to path atomically (a temporary file renamed over
// path), with mode 0644.
func WriteFitFile(path string, f *FitFile) error {
	data, err := MarshalFit(f)
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing fit file: %w", err)
	}
	return nil
}

// MaxFitFileSize is the size in bytes of the largest fit file ReadFitFile
// and UnmarshalFit accept: 32 MiB. A fit file takes about 230 bytes per
// trial, so this holds some 140,000 trials: a sweep of 100,000 trials
// writes 23 MB, which reads in about 5 s. The limit bounds the memory a
// wrong path (a dataset, a disk image, /dev/zero) or a hostile file can
// take: yaml.v3 builds a node of about 150 bytes for every value, and the
// densest YAML at the limit (a flow list of 16 million one-digit numbers)
// takes about 5 GB and 20 s to reject. Aliases, which could expand a small
// file exponentially, are rejected outright (see UnmarshalFit).
const MaxFitFileSize = 32 << 20

// The settings and commands fit-file messages name.
const (
	paramFitFile inputerr.Param   = "fit_file"
	cmdFit       inputerr.Command = "fit"
)

// Hints for damaged fit files: fitHint where content is missing, editHint
// where content was changed.
var (
	fitHint  = yamlstrict.H("the file looks damaged or truncated; re-create it with %v", cmdFit)
	editHint = yamlstrict.H("the file was edited or damaged; re-create it with %v", cmdFit)
)

// fitKind is how fit files are read: the strict-YAML rules, the size
// limit and the hints of their errors.
var fitKind = &yamlstrict.Kind{
	Name:     "fit file",
	MaxSize:  MaxFitFileSize,
	Param:    paramFitFile,
	NotFound: yamlstrict.H("create one with %v, or pass the right path with %v", cmdFit, paramFitFile),
	NotFile:  yamlstrict.H("pass the path of a file written by %v", cmdFit),
	TooLarge: yamlstrict.H("check the path: %v writes about 230 bytes per trial", cmdFit),
	Syntax:   fitHint,
	Alias:    yamlstrict.H("%v never writes them; re-create the file with %v, or write the values out in full", cmdFit, cmdFit),
	Missing:  fitHint,
	Edited:   editHint,
	Unknown:  yamlstrict.H("the file was edited, or written by a newer clc; re-create it with %v", cmdFit),
	As:       map[reflect.Type]reflect.Type{reflect.TypeFor[Trial](): reflect.TypeFor[trialRecord]()},
}

// ReadFitFile reads and checks the fit file at path (see UnmarshalFit). A
// missing, unreadable, directory or oversized (above MaxFitFileSize) path,
// a pipe or device included, is an *inputerr.Error; so is every problem
// with the contents.
func ReadFitFile(path string) (*FitFile, error) {
	f, _, err := ReadFitFileData(path)
	return f, err
}

// ReadFitFileData is ReadFitFile that also returns the file's bytes (for a
// checksum of exactly what was read).
func ReadFitFileData(path string) (*FitFile, []byte, error) {
	data, err := fitKind.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	f, err := UnmarshalFit(data, path)
	if err != nil {
		return nil, nil, err
	}
	return f, data, nil
}

// UnmarshalFit decodes a fit file; name is used in error messages. Every
// problem with the data is an *inputerr.Error naming name and, where known,
// the line and column (the rules of package yamlstrict): more than
// MaxFitFileSize bytes, a YAML syntax error, a YAML anchor, alias or merge
// key (clc never writes them, and expanding them can take exponential time
// and memory), a key given twice, a missing or unsupported version, a
// missing key (a truncated file), an unknown key, a value of the wrong type
// or a value clc never writes (see checkValues).
func UnmarshalFit(data []byte, name string) (*FitFile, error) {
	doc, err := fitKind.Parse(data, name)
	if err != nil {
		return nil, err
	}
	root := doc.Root
	if root == nil {
		return nil, fitHint.Apply(&inputerr.Error{File: name, Msg: "fit file is empty"})
	}
	if root.Kind != yaml.MappingNode {
		return nil, doc.AtNode(root, yamlstrict.H("pass a file written by %v", cmdFit), "not a fit file: expected a mapping of keys")
	}
	if err := checkVersion(doc); err != nil {
		return nil, err
	}
	if err := doc.CheckKeys(reflect.TypeFor[FitFile]()); err != nil {
		return nil, err
	}
	var f FitFile
	if err := doc.Decode(&f); err != nil {
		return nil, err
	}
	if err := checkFinite(reflect.ValueOf(f), ""); err != nil {
		var nf *nonFiniteError
		if !errors.As(err, &nf) {
			return nil, editHint.Apply(&inputerr.Error{File: name, Msg: err.Error(), Err: err})
		}
		n, p := doc.Lookup(yamlstrict.SplitPath(nf.path)...)
		e := doc.AtNode(n, editHint, "%s is %v; a fit file holds finite numbers only", p, nf.v)
		e.Err = err
		return nil, e
	}
	if err := checkValues(&f, doc); err != nil {
		return nil, err
	}
	return &f, nil
}

// checkVersion accepts versions MinFitVersion … FitVersion.
func checkVersion(doc *yamlstrict.Doc) error {
	root := doc.Root
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "version" {
			continue
		}
		v := root.Content[i+1]
		n, err := strconv.Atoi(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil {
			return doc.AtNode(v, yamlstrict.H("this clc reads fit files of versions %d to %d; re-create the file with %v", MinFitVersion, FitVersion, cmdFit),
				"fit file version %q is not a number", v.Value)
		}
		if n < MinFitVersion || n > FitVersion {
			hint := yamlstrict.H("re-create the file with this clc's %v", cmdFit)
			if n > FitVersion {
				hint = yamlstrict.H("the file was written by a newer clc; upgrade clc to read it")
			}
			return doc.AtNode(v, hint, "unsupported fit file version %d (this clc reads versions %d to %d)", n, MinFitVersion, FitVersion)
		}
		return nil
	}
	return doc.AtNode(root, yamlstrict.H("%v writes fit files starting with \"version: %d\"; check the path, or re-create the file with %v", cmdFit, FitVersion, cmdFit),
		"not a fit file: no version")
}

// checkValues rejects values that a fit never writes and that would make
// predictions and schedules meaningless: negative counts, a batch size or
// training length below 1, fractions outside (0, 1], rates that are not
// positive, and a law with a negative k or a size range that runs
// backwards (a fit without a usable law, fewer than 2 points and k = 0, is
// allowed: commands that need the law say so). The error names the key
// and its line.
func checkValues(f *FitFile, doc *yamlstrict.Doc) error {
	fail := func(v any, rule string, path ...any) error {
		n, p := doc.Lookup(path...)
		return doc.AtNode(n, editHint, "%s is %v; %s", p, v, rule)
	}
	ints := []struct {
		v    int
		path []any
	}{
		{f.Dataset.Rows, []any{"dataset", "rows"}}, {f.Dataset.Features, []any{"dataset", "features"}},
		{f.Dataset.Classes, []any{"dataset", "classes"}}, {f.Dataset.ValidRows, []any{"dataset", "valid_rows"}},
		{f.Config.Epochs, []any{"config", "epochs"}}, {f.Config.Steps, []any{"config", "steps"}},
		{f.Config.Seeds, []any{"config", "seeds"}}, {f.Config.Bootstrap, []any{"config", "bootstrap"}},
		{f.Law.Points, []any{"law", "points"}}, {f.Law.DoF, []any{"law", "dof"}},
		{f.Law.NMin, []any{"law", "n_min"}}, {f.Law.NMax, []any{"law", "n_max"}},
		{f.Prediction.N, []any{"prediction", "n"}}, {f.Prediction.Steps, []any{"prediction", "steps"}},
		{f.MissingTrials, []any{"missing_trials"}},
	}
	add := func(v int, path ...any) {
		ints = append(ints, struct {
			v    int
			path []any
		}{v, path})
	}
	for i, w := range f.Config.Hidden {
		add(w, "config", "hidden", i)
	}
	for i, t := range f.Trials {
		add(t.Epochs, "trials", i, "epochs")
		add(t.BatchSize, "trials", i, "batch_size")
		add(t.StepBudget, "trials", i, "step_budget")
	}
	for i, o := range f.Optima {
		add(o.Epochs, "optima", i, "epochs")
		add(o.BatchSize, "optima", i, "batch_size")
		add(o.StepBudget, "optima", i, "step_budget")
	}
	for _, c := range ints {
		if c.v < 0 {
			return fail(c.v, "it must not be negative", c.path...)
		}
	}
	if f.Config.BatchSize < 1 {
		return fail(f.Config.BatchSize, "it must be at least 1", "config", "batch_size")
	}
	if f.Config.Epochs < 1 && f.Config.Steps < 1 {
		return fail(f.Config.Epochs, "it must be at least 1 (or config.steps must be)", "config", "epochs")
	}
	fraction := func(v float64, path ...any) error {
		if !(v > 0 && v <= 1) {
			return fail(num(v), "a fraction must be in (0, 1]", path...)
		}
		return nil
	}
	rate := func(v float64, path ...any) error {
		if !(v > 0) {
			return fail(num(v), "a learning rate must be positive", path...)
		}
		return nil
	}
	// counts checks the row and step counts of trials[i] or optima[i].
	counts := func(section string, i, n, steps int) error {
		if n < 0 {
			return fail(n, "it must not be negative", section, i, "n")
		}
		if steps < 0 {
			return fail(steps, "it must not be negative", section, i, "steps")
		}
		return nil
	}
	for i, v := range f.Config.Fractions {
		if err := fraction(v, "config", "fractions", i); err != nil {
			return err
		}
	}
	for i, v := range f.Config.LRs {
		if err := rate(v, "config", "lrs", i); err != nil {
			return err
		}
	}
	if a := f.Config.Axes; a != nil {
		for key, vs := range map[string][]int{"epochs": a.Epochs, "steps": a.Steps, "batch_sizes": a.BatchSizes} {
			for i, v := range vs {
				if v < 1 {
					return fail(v, "it must be at least 1", "config", "axes", key, i)
				}
			}
		}
		for i, v := range a.Fractions {
			if err := fraction(v, "config", "axes", "fractions", i); err != nil {
				return err
			}
		}
	}
	for i, t := range f.Trials {
		if err := fraction(t.Fraction, "trials", i, "fraction"); err != nil {
			return err
		}
		if err := rate(t.LR, "trials", i, "lr"); err != nil {
			return err
		}
		if err := counts("trials", i, t.N, t.Steps); err != nil {
			return err
		}
	}
	for i, o := range f.Optima {
		if err := fraction(o.Fraction, "optima", i, "fraction"); err != nil {
			return err
		}
		if err := counts("optima", i, o.N, o.Steps); err != nil {
			return err
		}
	}
	if f.Law.K < 0 {
		return fail(num(f.Law.K), "the law's k must be positive", "law", "k")
	}
	if f.Law.NMin > f.Law.NMax {
		return fail(f.Law.NMin, fmt.Sprintf("it must not exceed law.n_max (%d)", f.Law.NMax), "law", "n_min")
	}
	if f.Law.Points >= 2 {
		if !(f.Law.K > 0) {
			return fail(num(f.Law.K), fmt.Sprintf("a law fitted on %d points has a positive k", f.Law.Points), "law", "k")
		}
		if f.Law.NMin < 1 {
			return fail(f.Law.NMin, fmt.Sprintf("a law fitted on %d points spans sizes of at least 1 row", f.Law.Points), "law", "n_min")
		}
	}
	return nil
}

// num formats a float for a message in shortest form.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
