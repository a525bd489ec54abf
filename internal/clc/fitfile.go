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

	"github.com/google/renameio/v2"
	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
)

// FitVersion is the version of the fit file format this package writes and
// reads.
const FitVersion = 1

// FitFile is the result of `clc fit`: everything needed to reproduce the
// sweep and to design schedules. It is stored as YAML with snake_case keys,
// `version: 1` first. Non-finite numbers are never written (see Trial's
// MarshalYAML); every other float64 round-trips exactly. Empty and nil
// slices are both omitted and read back as nil.
type FitFile struct {
	Version    int            `yaml:"version"`
	Tool       string         `yaml:"tool"`    // the program that wrote it, e.g. "clc v0.1.0"
	Created    string         `yaml:"created"` // RFC 3339 time
	Dataset    DatasetInfo    `yaml:"dataset"`
	Config     SweepConfig    `yaml:"config"`
	Trials     []Trial        `yaml:"trials,omitempty"`
	Optima     []Optimum      `yaml:"optima,omitempty"`
	Law        Law            `yaml:"law"`
	Constant   ConstantReport `yaml:"constant"`
	Prediction Prediction     `yaml:"prediction"`
}

// DatasetInfo describes the data a fit was measured on.
type DatasetInfo struct {
	Source   string `yaml:"source"` // file path, "-" for stdin or "demo"
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
	FractionText     []string  `yaml:"fraction_text,flow,omitempty"`
	LRs              []float64 `yaml:"lrs,flow,omitempty"`
	Seeds            int       `yaml:"seeds"`
	ValidFraction    float64   `yaml:"valid_fraction"`
	SplitSeed        uint64    `yaml:"split_seed"`
	ShuffleSeed      uint64    `yaml:"shuffle_seed"`
	DivergenceFactor float64   `yaml:"divergence_factor"`
	Bootstrap        int       `yaml:"bootstrap"`
}

// Prediction is the law evaluated at the full dataset: the rate to use on
// N_full rows, its 95% band, and the cumulative-learning constant there.
type Prediction struct {
	N        int     `yaml:"n"`
	Steps    int     `yaml:"steps"`
	LR       float64 `yaml:"lr"`
	LRLow    float64 `yaml:"lr_low"`
	LRHigh   float64 `yaml:"lr_high"`
	Constant float64 `yaml:"constant"`
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
	Seconds       float64  `yaml:"seconds"`
}

func finitePtr(v float64) *float64 {
	if !isFinite(v) {
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
		Seconds:       t.Seconds,
	}, nil
}

// trialKeys lists the keys of a stored trial and whether each is required.
var trialKeys = map[string]bool{
	"fraction": true, "n": true, "lr": true, "seed": true, "steps": true,
	"valid_loss": false, "train_loss": false, "valid_accuracy": false,
	"diverged": true, "seconds": true,
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
		Seconds:       w.Seconds,
	}
	return nil
}

// MarshalFit encodes f as YAML. A zero Version is written as FitVersion.
// It fails when f holds a non-finite number outside the trials' losses
// (those are omitted) or another version.
func MarshalFit(f *FitFile) ([]byte, error) {
	c := *f
	if c.Version == 0 {
		c.Version = FitVersion
	}
	if c.Version != FitVersion {
		return nil, fmt.Errorf("clc: fit file version %d: this clc writes version %d", c.Version, FitVersion)
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
			if err := checkFinite(v.Field(i), path+"."+yamlName(t.Field(i))); err != nil {
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

// ReadFitFile reads and checks the fit file at path (see UnmarshalFit). A
// missing file is an *inputerr.Error.
func ReadFitFile(path string) (*FitFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, (&inputerr.Error{File: path, Msg: "fit file not found", Err: err}).
			WithHint("create one with clc fit, or pass the right path with --fit")
	}
	if err != nil {
		return nil, fmt.Errorf("clc: reading fit file: %w", err)
	}
	return UnmarshalFit(data, path)
}

const fitHint = "the file looks damaged or truncated; re-create it with clc fit"

// UnmarshalFit decodes a fit file; name is used in error messages. Every
// problem with the data is an *inputerr.Error naming name and, where known,
// the line: a YAML syntax error, a missing or unsupported version, a
// missing key (a truncated file), an unknown key or a value of the wrong
// type.
func UnmarshalFit(data []byte, name string) (*FitFile, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlInputError(name, err)
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
	if err := checkRequired(root, reflect.TypeFor[FitFile](), "", name); err != nil {
		return nil, err
	}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f FitFile
	if err := dec.Decode(&f); err != nil {
		return nil, yamlInputError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			return nil, yamlInputError(name, err)
		}
		return nil, inputerr.At(name, line, 0, "more than one YAML document").WithHint(fitHint)
	}
	if err := checkFinite(reflect.ValueOf(f), "fit"); err != nil {
		return nil, (&inputerr.Error{File: name, Msg: err.Error(), Err: err}).WithHint(fitHint)
	}
	return &f, nil
}

// checkVersion accepts only `version: 1`.
func checkVersion(root *yaml.Node, name string) error {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value != "version" {
			continue
		}
		v := root.Content[i+1]
		n, err := strconv.Atoi(v.Value)
		if v.Kind != yaml.ScalarNode || err != nil {
			return inputerr.At(name, v.Line, v.Column, "fit file version %q is not a number", v.Value).
				WithHint("this clc reads fit files of version %d; re-create the file with clc fit", FitVersion)
		}
		if n != FitVersion {
			e := inputerr.At(name, v.Line, v.Column, "unsupported fit file version %d (this clc reads version %d)", n, FitVersion)
			if n > FitVersion {
				return e.WithHint("the file was written by a newer clc; upgrade clc to read it")
			}
			return e.WithHint("re-create the file with this clc's clc fit")
		}
		return nil
	}
	return inputerr.At(name, root.Line, root.Column, "not a clc fit file: no version").
		WithHint("clc fit writes fit files starting with \"version: %d\"; check the path, or re-create the file with clc fit", FitVersion)
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// checkRequired reports the first key of t (a struct type) missing from the
// mapping n, or present with a null value, recursively (a truncated file
// loses its last keys or values). Fields tagged omitempty are optional; types with
// their own UnmarshalYAML check themselves. Nodes of the wrong kind are
// left to the decoder.
func checkRequired(n *yaml.Node, t reflect.Type, path, name string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		vals := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			vals[n.Content[i].Value] = n.Content[i+1]
		}
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			key, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
			if key == "-" {
				continue
			}
			if strings.Contains(opts, "inline") {
				if err := checkRequired(n, sf.Type, path, name); err != nil {
					return err
				}
				continue
			}
			if key == "" {
				key = strings.ToLower(sf.Name)
			}
			v, ok := vals[key]
			if !ok {
				if strings.Contains(opts, "omitempty") {
					continue
				}
				where := "at the top level"
				if path != "" {
					where = "in " + path
				}
				return inputerr.At(name, n.Line, n.Column, "missing key %q %s", key, where).WithHint(fitHint)
			}
			p := key
			if path != "" {
				p = path + "." + key
			}
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" && !strings.Contains(opts, "omitempty") {
				return inputerr.At(name, v.Line, v.Column, "key %q has no value", p).WithHint(fitHint)
			}
			if err := checkRequired(v, sf.Type, p, name); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, e := range n.Content {
			if err := checkRequired(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), name); err != nil {
				return err
			}
		}
	}
	return nil
}

var (
	syntaxErrRE  = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	typeErrRE    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownKeyRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlInputError turns a yaml.v3 error into an *inputerr.Error at the line
// it names.
func yamlInputError(name string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		line, msg := 0, te.Errors[0]
		if m := typeErrRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		if m := unknownKeyRE.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("unknown key %q", m[1])
		}
		if k := len(te.Errors) - 1; k > 0 {
			msg += fmt.Sprintf(" (and %d more problems)", k)
		}
		e := inputerr.At(name, line, 0, "%s", msg).WithHint(fitHint)
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
