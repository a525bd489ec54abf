package clc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/renameio/v2"
	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
	"github.com/clc-tools/clc/internal/schedule"
)

// FitVersion is the version of the fit file format this package writes.
// It reads versions MinFitVersion … FitVersion: version 2 added the noise
// model, the optima's t intervals, the law's random-effects fields (tau,
// method, sampling_cov, anchor, ...) and the prediction's decision; a
// version-1 file reads with those absent, and predicts from its law with
// the confidence band it was written with.
const FitVersion = 2

// MinFitVersion is the oldest fit file version this package reads.
const MinFitVersion = 1

// FitFile is the result of `clc fit`: everything needed to reproduce the
// sweep and to design schedules. It is stored as YAML with snake_case keys,
// `version: 1` first. Non-finite numbers are never written (see Trial's
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
	Noise      *scaling.Noise         `yaml:"noise,omitempty"`
	Law        scaling.Law            `yaml:"law"`
	Constant   scaling.ConstantReport `yaml:"constant"`
	Prediction Prediction             `yaml:"prediction"`
	// MissingTrials counts the plan's trials the fit lacks: clc merge
	// --allow-partial fitted the journals' trials although some shards had
	// not finished. 0 for a complete sweep.
	MissingTrials int `yaml:"missing_trials,omitempty"`
}

// DatasetInfo describes the data a fit was measured on.
type DatasetInfo struct {
	Source   string `yaml:"source"` // file path, "<stdin>", or "demo:..." for the embedded dataset
	SHA256   string `yaml:"sha256"` // of the source bytes
	Rows     int    `yaml:"rows"`   // N_full: training rows
	Features int    `yaml:"features"`
	Task     string `yaml:"task"`    // "classification" or "regression"
	Classes  int    `yaml:"classes"` // 0 for regression
	Target   string `yaml:"target"`
	// Valid says where the validation set came from: "split 0.1 seed 0"
	// or the --valid path.
	Valid       string `yaml:"valid"`
	ValidRows   int    `yaml:"valid_rows"`
	ValidSHA256 string `yaml:"valid_sha256,omitempty"` // of the --valid file
}

// SweepConfig is the configuration of a sweep: the model, the training
// budget and the grid of fractions × rates × seeds.
type SweepConfig struct {
	Model      string    `yaml:"model"`
	Hidden     []int     `yaml:"hidden,flow,omitempty"`
	Activation string    `yaml:"activation"`
	Optimizer  string    `yaml:"optimizer"`
	Epochs     int       `yaml:"epochs"`
	BatchSize  int       `yaml:"batch_size"`
	Steps      int       `yaml:"steps"` // fixed T for every fraction; 0 with an epoch budget
	Fractions  []float64 `yaml:"fractions,flow,omitempty"`
	// FractionText is the fractions as given, e.g. "1/32".
	FractionText []string  `yaml:"fraction_text,flow,omitempty"`
	LRs          []float64 `yaml:"lrs,flow,omitempty"`
	Seeds        int       `yaml:"seeds"`
	// SeedBase is the first trial seed: seeds SeedBase … SeedBase+Seeds−1.
	SeedBase         int     `yaml:"seed_base,omitempty"`
	ValidFraction    float64 `yaml:"valid_fraction"`
	SplitSeed        uint64  `yaml:"split_seed"`
	ShuffleSeed      uint64  `yaml:"shuffle_seed"`
	DivergenceFactor float64 `yaml:"divergence_factor"`
	// Bootstrap is the bootstrap resamples of a version-1 fit (its optima's
	// errors came from a bootstrap over seeds); 0 and omitted since version
	// 2, whose errors come from the pooled noise model.
	Bootstrap int `yaml:"bootstrap,omitempty"`
	// Schedule is the shape the trials trained with (clc fit --shape), with
	// the grid value as the schedule's mean rate; nil for constant rates.
	// The optima are then optimal mean rates, and C = mean rate × T is the
	// optimal area for that shape.
	Schedule *schedule.Spec `yaml:"schedule,omitempty"`
	// Per is the schedule's granularity: "step" or "epoch".
	Per string `yaml:"per,omitempty"`
	// Prune: rates above one that diverged at the same N and seed were
	// recorded as diverged without training.
	Prune bool `yaml:"prune,omitempty"`
	// Exec is the command that trained each trial (clc fit --exec), run
	// through sh -c when ExecShell; Model is then "exec".
	Exec      string `yaml:"exec,omitempty"`
	ExecShell bool   `yaml:"exec_shell,omitempty"`
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
	// and ExpectedRegret ½·L''·Log10SE², the expected excess validation loss.
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
// for the target run t from the fit's law and constant (see scaling.Predict).
func (f *FitFile) Estimate(t scaling.Target) (scaling.Estimate, error) {
	return scaling.Predict(f.Law, f.Constant, f.Config.Run(), t)
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
	return scaling.Sample{Fraction: t.Fraction, N: t.N, LR: t.LR, Seed: t.Seed, Steps: t.Steps, Loss: t.ValidLoss, Diverged: t.Diverged}
}

// trialWire is a Trial as stored: the losses and accuracy are omitted when
// they are not finite.
type trialWire struct {
	TrialSpec     `yaml:",inline"`
	Steps         int      `yaml:"steps"`
	ValidLoss     *float64 `yaml:"valid_loss,omitempty"`
	TrainLoss     *float64 `yaml:"train_loss,omitempty"`
	ValidAccuracy *float64 `yaml:"valid_accuracy,omitempty"`
	Diverged      bool     `yaml:"diverged"`
	Pruned        bool     `yaml:"pruned,omitempty"`
	Seconds       float64  `yaml:"seconds"`
}

func finitePtr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func valueOr(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}

// MarshalYAML writes a trial without non-finite numbers: valid_loss and
// train_loss are omitted when not finite (a diverged trial) and
// valid_accuracy when NaN (regression).
func (t Trial) MarshalYAML() (any, error) {
	return trialWire{
		TrialSpec:     t.TrialSpec,
		Steps:         t.Steps,
		ValidLoss:     finitePtr(t.ValidLoss),
		TrainLoss:     finitePtr(t.TrainLoss),
		ValidAccuracy: finitePtr(t.ValidAccuracy),
		Diverged:      t.Diverged,
		Pruned:        t.Pruned,
		Seconds:       t.Seconds,
	}, nil
}

// trialKeys lists the keys of a stored trial and whether each is required.
var trialKeys = map[string]bool{
	"fraction": true, "n": true, "lr": true, "seed": true, "steps": true,
	"valid_loss": false, "train_loss": false, "valid_accuracy": false,
	"diverged": true, "pruned": false, "seconds": true,
}

// UnmarshalYAML reads a trial written by MarshalYAML: a missing or null
// valid_loss or train_loss reads as +Inf, a missing valid_accuracy as NaN.
// Unknown and missing keys are errors.
func (t *Trial) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a trial must be a mapping of keys", n.Line)}}
	}
	seen := map[string]bool{}
	var problems []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if _, ok := trialKeys[k.Value]; !ok {
			problems = append(problems, fmt.Sprintf("line %d: field %s not found in type clc.Trial", k.Line, k.Value))
		}
		seen[k.Value] = true
	}
	for _, k := range []string{"fraction", "n", "lr", "seed", "steps", "diverged", "seconds"} {
		if !seen[k] {
			problems = append(problems, fmt.Sprintf("line %d: trial is missing %q", n.Line, k))
		}
	}
	if len(problems) > 0 {
		return &yaml.TypeError{Errors: problems}
	}
	var w trialWire
	if err := n.Decode(&w); err != nil {
		return err
	}
	*t = Trial{
		TrialSpec:     w.TrialSpec,
		Steps:         w.Steps,
		ValidLoss:     valueOr(w.ValidLoss, math.Inf(1)),
		TrainLoss:     valueOr(w.TrainLoss, math.Inf(1)),
		ValidAccuracy: valueOr(w.ValidAccuracy, math.NaN()),
		Diverged:      w.Diverged,
		Pruned:        w.Pruned,
		Seconds:       w.Seconds,
	}
	return nil
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
		return nil, fmt.Errorf("clc: fit file version %d: this clc writes versions %d to %d", c.Version, MinFitVersion, FitVersion)
	}
	if err := checkFinite(reflect.ValueOf(c), "fit"); err != nil {
		return nil, fmt.Errorf("clc: fit file: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&c); err != nil {
		return nil, fmt.Errorf("clc: encoding fit file: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("clc: encoding fit file: %w", err)
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
		return fmt.Errorf("clc: writing fit file: %w", err)
	}
	return nil
}

// MaxFitFileSize is the size in bytes of the largest fit file ReadFitFile
// and UnmarshalFit accept: 32 MiB. A fit file takes about 230 bytes per
// trial, so this holds some 140,000 trials: a sweep of 100,000 trials
// writes 23 MB, which reads in about 5 s. The limit bounds the memory a
// wrong path (a dataset, a disk image) or a hostile file can take: yaml.v3
// builds a node of about 150 bytes for every value, and the densest YAML at
// the limit (a flow list of 16 million one-digit numbers) takes about 5 GB
// and 20 s to reject. Aliases, which could expand a small file
// exponentially, are rejected outright (see UnmarshalFit).
const MaxFitFileSize = 32 << 20

// ReadFitFile reads and checks the fit file at path (see UnmarshalFit). A
// missing, unreadable, directory or oversized (above MaxFitFileSize) path is
// an *inputerr.Error; so is every problem with the contents.
func ReadFitFile(path string) (*FitFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fitOpenError(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("clc: reading fit file: %w", err)
	}
	if st.IsDir() {
		return nil, (&inputerr.Error{File: path, Msg: "is a directory, not a fit file"}).
			WithHint("pass the path of a file written by clc fit")
	}
	if st.Mode().IsRegular() && st.Size() > MaxFitFileSize {
		return nil, tooLargeError(path, st.Size())
	}
	// The size of a pipe or device is unknown: read one byte more than the
	// limit to detect an oversized stream.
	data, err := io.ReadAll(io.LimitReader(f, MaxFitFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("clc: reading fit file: %w", err)
	}
	if len(data) > MaxFitFileSize {
		return nil, tooLargeError(path, -1)
	}
	return UnmarshalFit(data, path)
}

// fitOpenError turns an error from os.Open into an input error where the
// path is at fault.
func fitOpenError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return (&inputerr.Error{File: path, Msg: "fit file not found", Err: err}).
			WithHint("create one with clc fit, or pass the right path with --fit")
	case errors.Is(err, fs.ErrPermission):
		return (&inputerr.Error{File: path, Msg: "permission denied", Err: err}).
			WithHint("check the file's permissions")
	case errors.Is(err, syscall.ENOTDIR):
		return (&inputerr.Error{File: path, Msg: "fit file not found: a component of the path is not a directory", Err: err}).
			WithHint("check the path")
	}
	return fmt.Errorf("clc: reading fit file: %w", err)
}

// tooLargeError reports a fit file above MaxFitFileSize; size is its size
// in bytes, or -1 when only a prefix of a stream was read.
func tooLargeError(name string, size int64) error {
	msg := fmt.Sprintf("fit file is larger than the %d MiB limit", MaxFitFileSize>>20)
	if size >= 0 {
		msg += fmt.Sprintf(" (%d bytes)", size)
	}
	return (&inputerr.Error{File: name, Msg: msg}).
		WithHint("check the path: clc fit writes about 230 bytes per trial")
}

// Hints for damaged fit files: fitHint where content is missing, editHint
// where content was changed.
const (
	fitHint  = "the file looks damaged or truncated; re-create it with clc fit"
	editHint = "the file was edited or damaged; re-create it with clc fit"
)

// UnmarshalFit decodes a fit file; name is used in error messages. Every
// problem with the data is an *inputerr.Error naming name and, where known,
// the line: more than MaxFitFileSize bytes, a YAML syntax error, a YAML
// anchor, alias or merge key (clc never writes them, and expanding them can
// take exponential time and memory), a missing or unsupported version, a
// missing key (a truncated file), an unknown key or a value of the wrong
// type.
func UnmarshalFit(data []byte, name string) (*FitFile, error) {
	if len(data) > MaxFitFileSize {
		return nil, tooLargeError(name, int64(len(data)))
	}
	// The file is parsed once, into a node tree: the checks below walk it,
	// and the fit is decoded from it.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		return nil, yamlInputError(name, err, nil)
	}
	// The node tree keeps aliases unexpanded; reject them before decoding
	// would expand them (a "billion laughs" bomb).
	if err := checkNoAliases(&doc, name); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, (&inputerr.Error{File: name, Msg: "fit file is empty"}).WithHint(fitHint)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, inputerr.At(name, root.Line, root.Column, "not a clc fit file: expected a mapping of keys").
			WithHint("pass a file written by clc fit")
	}
	if err := checkVersion(root, name); err != nil {
		return nil, err
	}
	if err := checkKeys(root, reflect.TypeFor[FitFile](), "", name); err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, yamlInputError(name, err, nil)
		}
		return nil, inputerr.At(name, extra.Line, 0, "more than one YAML document").WithHint(fitHint)
	}
	var f FitFile
	if err := doc.Decode(&f); err != nil {
		return nil, yamlInputError(name, err, root)
	}
	if err := checkFinite(reflect.ValueOf(f), ""); err != nil {
		e := &inputerr.Error{File: name, Msg: err.Error(), Err: err, Hint: editHint}
		var nf *nonFiniteError
		if errors.As(err, &nf) {
			n, p := lookupNode(root, splitPath(nf.path))
			e.Line, e.Col = n.Line, n.Column
			e.Msg = fmt.Sprintf("%s is %v; a fit file holds finite numbers only", p, nf.v)
		}
		return nil, e
	}
	if err := checkValues(&f, root, name); err != nil {
		return nil, err
	}
	return &f, nil
}

// checkValues rejects values that clc fit never writes and that would make
// predictions and schedules meaningless: negative counts, a batch size or
// training length below 1, fractions outside (0, 1], rates that are not
// positive, and a law with a negative k or a size range that runs
// backwards (a fit without a usable law, fewer than 2 points and k = 0, is
// allowed: commands that need the law say so). The error names the key
// and its line.
func checkValues(f *FitFile, root *yaml.Node, name string) error {
	fail := func(v any, rule string, path ...any) error {
		n, p := lookupNode(root, path)
		return inputerr.At(name, n.Line, n.Column, "%s is %v; %s", p, v, rule).WithHint(editHint)
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
	for i, w := range f.Config.Hidden {
		ints = append(ints, struct {
			v    int
			path []any
		}{w, []any{"config", "hidden", i}})
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

// splitPath splits a path of checkFinite (".law.alpha_ci[1]") into the
// keys and indexes of lookupNode.
func splitPath(p string) []any {
	var out []any
	for _, part := range strings.Split(strings.TrimPrefix(p, "."), ".") {
		key, rest, _ := strings.Cut(part, "[")
		out = append(out, key)
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(idx)
			if err != nil {
				break
			}
			out = append(out, i)
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out
}

// num formats a float for a message in shortest form.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// lookupNode returns the node at path (mapping keys and sequence indexes)
// under root, or the deepest node on the way when a key is absent, and the
// path in dotted form ("trials[3].lr").
func lookupNode(root *yaml.Node, path []any) (*yaml.Node, string) {
	n := root
	var b strings.Builder
	found := true
	for _, p := range path {
		switch p := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
			if found && n.Kind == yaml.MappingNode {
				found = false
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == p {
						n, found = n.Content[i+1], true
						break
					}
				}
			} else {
				found = false
			}
		case int:
			fmt.Fprintf(&b, "[%d]", p)
			if found && n.Kind == yaml.SequenceNode && p < len(n.Content) {
				n = n.Content[p]
			} else {
				found = false
			}
		}
	}
	return n, b.String()
}

// checkNoAliases rejects the first anchor (&a), alias (*a) or merge key
// (<<) under n, in document order.
func checkNoAliases(n *yaml.Node, name string) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return inputerr.At(name, n.Line, n.Column, "YAML alias *%s: a fit file has no anchors or aliases", n.Value).
			WithHint("clc fit never writes them; re-create the file with clc fit, or write the values out in full")
	case n.Anchor != "":
		return inputerr.At(name, n.Line, n.Column, "YAML anchor &%s: a fit file has no anchors or aliases", n.Anchor).
			WithHint("clc fit never writes them; re-create the file with clc fit, or write the values out in full")
	case n.Kind == yaml.ScalarNode && n.Tag == "!!merge":
		return inputerr.At(name, n.Line, n.Column, "YAML merge key <<: a fit file has no merge keys").
			WithHint("clc fit never writes them; re-create the file with clc fit, or write the values out in full")
	}
	for _, c := range n.Content {
		if err := checkNoAliases(c, name); err != nil {
			return err
		}
	}
	return nil
}

// checkVersion accepts `version: 1` and `version: 2` (MinFitVersion …
// FitVersion).
func checkVersion(root *yaml.Node, name string) error {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "version" {
			continue
		}
		v := root.Content[i+1]
		n, err := strconv.Atoi(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil {
			return inputerr.At(name, v.Line, v.Column, "fit file version %q is not a number", v.Value).
				WithHint("this clc reads fit files of versions %d to %d; re-create the file with %v", MinFitVersion, FitVersion, inputerr.Command("fit"))
		}
		if n < MinFitVersion || n > FitVersion {
			e := inputerr.At(name, v.Line, v.Column, "unsupported fit file version %d (this clc reads versions %d to %d)", n, MinFitVersion, FitVersion)
			if n > FitVersion {
				return e.WithHint("the file was written by a newer clc; upgrade clc to read it")
			}
			return e.WithHint("re-create the file with this clc's %v", inputerr.Command("fit"))
		}
		return nil
	}
	return inputerr.At(name, root.Line, root.Column, "not a clc fit file: no version").
		WithHint("clc fit writes fit files starting with \"version: %d\"; check the path, or re-create the file with clc fit", FitVersion)
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// checkKeys checks the node n against t, the Go type it decodes into, before
// anything is decoded, and reports the first problem in document order: a
// node of the wrong kind (a mapping where a number belongs), a key that is
// not a plain scalar, unknown or given twice, and a key of a struct missing
// or present with a null value (a truncated file loses its last keys or
// values); fields tagged omitempty are optional. A Trial is checked as its
// stored form, trialWire. The decoder then only meets mappings of known,
// distinct keys (yaml.v3 compares the keys of every mapping pairwise, which
// takes quadratic time), and values of the right kind.
func checkKeys(n *yaml.Node, t reflect.Type, path, name string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[Trial]() {
		t = reflect.TypeFor[trialWire]()
	}
	where := "at the top level"
	if path != "" {
		where = "in " + path
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return kindError(n, t, path, name)
		}
		fields := structFields(t)
		vals := make(map[string]*yaml.Node, len(n.Content)/2)
		keyLines := make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return inputerr.At(name, k.Line, k.Column, "a key %s must be a plain name", where).WithHint(editHint)
			}
			if _, ok := fields[k.Value]; !ok {
				return inputerr.At(name, k.Line, k.Column, "unknown key %q %s", k.Value, where).
					WithHint("the file was edited, or written by a newer clc; re-create it with clc fit")
			}
			if _, dup := vals[k.Value]; dup {
				return inputerr.At(name, k.Line, k.Column, "key %q is given twice %s (first at line %d)", k.Value, where, keyLines[k.Value]).
					WithHint(editHint)
			}
			vals[k.Value] = n.Content[i+1]
			keyLines[k.Value] = k.Line
		}
		for _, f := range fieldOrder(t) {
			v, ok := vals[f.key]
			if !ok {
				if f.optional {
					continue
				}
				return inputerr.At(name, n.Line, n.Column, "missing key %q %s", f.key, where).WithHint(fitHint)
			}
			p := f.key
			if path != "" {
				p = path + "." + f.key
			}
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				if f.optional {
					continue
				}
				return inputerr.At(name, v.Line, v.Column, "key %q has no value", p).WithHint(fitHint)
			}
			if err := checkKeys(v, f.typ, p, name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return kindError(n, t, path, name)
		}
		if t.Kind() == reflect.Array && len(n.Content) != t.Len() {
			return inputerr.At(name, n.Line, n.Column, "%s must be %s, not a list of %d", path, describeGoType(t.String()), len(n.Content)).
				WithHint(editHint)
		}
		for i, e := range n.Content {
			if err := checkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), name); err != nil {
				return err
			}
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return kindError(n, t, path, name)
		}
	}
	return nil
}

// kindError reports a node of the wrong kind for t.
func kindError(n *yaml.Node, t reflect.Type, path, name string) error {
	got := "a mapping"
	switch n.Kind {
	case yaml.SequenceNode:
		got = "a list"
	case yaml.ScalarNode:
		got = quoteValue(n.Value)
	}
	what := path
	if what == "" {
		what = "the value"
	}
	// t.String() names the type as yaml.v3's type errors do ("int",
	// "[]float64", "clc.Law").
	return inputerr.At(name, n.Line, n.Column, "%s must be %s, not %s", what, describeGoType(t.String()), got).
		WithHint(editHint)
}

// quoteValue quotes a scalar for a message, shortening a long one.
func quoteValue(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:37] + "...")
	}
	return strconv.Quote(s)
}

// field is a YAML key of a struct type.
type field struct {
	key      string
	typ      reflect.Type
	optional bool // tagged omitempty
}

// fieldOrder lists the keys of the struct type t in declaration order,
// with the fields of inline structs in place.
func fieldOrder(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		key, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		switch {
		case key == "-":
		case strings.Contains(opts, "inline"):
			out = append(out, fieldOrder(sf.Type)...)
		default:
			if key == "" {
				key = strings.ToLower(sf.Name)
			}
			out = append(out, field{key: key, typ: sf.Type, optional: strings.Contains(opts, "omitempty")})
		}
	}
	return out
}

// structFields indexes fieldOrder(t) by key.
func structFields(t reflect.Type) map[string]field {
	m := map[string]field{}
	for _, f := range fieldOrder(t) {
		m[f.key] = f
	}
	return m
}

var (
	syntaxErrRE  = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	typeErrRE    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unmarshalRE  = regexp.MustCompile("^cannot unmarshal !!(\\w+) (?:`(.*)` )?into (.+)$")
	unknownKeyRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlInputError turns a yaml.v3 error into an *inputerr.Error at the line
// it names. With root, the document's top mapping, a type error names the
// key whose value is at that line.
func yamlInputError(name string, err error, root *yaml.Node) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		line, col, msg, hint := 0, 0, te.Errors[0], fitHint
		if m := typeErrRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		if m := unknownKeyRE.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("unknown key %q", m[1])
		}
		if m := unmarshalRE.FindStringSubmatch(msg); m != nil && root != nil && line > 0 {
			if path, v := valueAtLine(root, line, m[1], m[2], ""); v != nil {
				col = v.Column
				msg = fmt.Sprintf("%s must be %s, not %s", path, describeGoType(m[3]), describeYAML(m[1], m[2]))
				hint = editHint
			}
		}
		if k := len(te.Errors) - 1; k == 1 {
			msg += " (and 1 more problem)"
		} else if k > 1 {
			msg += fmt.Sprintf(" (and %d more problems)", k)
		}
		e := inputerr.At(name, line, col, "%s", msg).WithHint("%s", hint)
		e.Err = err
		return e
	}
	msg := err.Error()
	line := 0
	if m := syntaxErrRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	e := inputerr.At(name, line, 0, "invalid YAML: %s", msg).WithHint(fitHint)
	e.Err = err
	return e
}

// valueAtLine returns the path ("config.lrs[2]", "trials[3].lr") and the
// node of the first value under n that starts at line and matches what a
// yaml.v3 type error says of it: its tag ("seq", "map") for a collection,
// else its text (shortened by yaml.v3 to 7 bytes and "..." when longer
// than 10).
func valueAtLine(n *yaml.Node, line int, tag, text, path string) (string, *yaml.Node) {
	var children []*yaml.Node
	var paths []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			children = append(children, n.Content[i+1])
			paths = append(paths, p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			children = append(children, c)
			paths = append(paths, fmt.Sprintf("%s[%d]", path, i))
		}
	}
	for i, c := range children {
		if c.Line > line {
			break
		}
		if c.Line == line && matchesTypeError(c, tag, text) {
			return paths[i], c
		}
		if p, v := valueAtLine(c, line, tag, text, paths[i]); v != nil {
			return p, v
		}
	}
	return "", nil
}

func matchesTypeError(n *yaml.Node, tag, text string) bool {
	switch tag {
	case "seq":
		return n.Kind == yaml.SequenceNode
	case "map":
		return n.Kind == yaml.MappingNode
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if len(text) == 10 && strings.HasSuffix(text, "...") {
		return len(n.Value) > 10 && strings.HasPrefix(n.Value, text[:7])
	}
	return n.Value == text
}

// describeGoType names a Go type of the fit file's fields in words.
func describeGoType(t string) string {
	switch t {
	case "int":
		return "an integer"
	case "uint64":
		return "a non-negative integer"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "[]int":
		return "a list of integers"
	case "[]float64":
		return "a list of numbers"
	case "[]string":
		return "a list of strings"
	case "[2]float64":
		return "a list of 2 numbers"
	}
	if strings.HasPrefix(t, "[]") {
		return "a list"
	}
	return "a mapping of keys"
}

// describeYAML names a YAML value in an error message: a scalar by its
// text (as yaml.v3 shortened it), a collection by its kind.
func describeYAML(tag, value string) string {
	switch tag {
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "empty"
	}
	return strconv.Quote(value)
}
