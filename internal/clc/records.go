package clc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// trialRecord is how a trial is stored, in the fit file (YAML) and in the
// journal (JSON): the one wire shape of a Trial. A loss that is not finite
// (a diverged trial) is left out of YAML and written as null in JSON; an
// accuracy that is not finite is left out of both. A pruned trial (which
// did not run) appears only in fit files: journals record trials that ran.
// Metrics, the per-epoch curve and the early stop are omitted when empty,
// so records of trials without them read and write as before metrics
// existed; their non-finite values are left out.
type trialRecord struct {
	TrialSpec     `yaml:",inline"`
	Steps         int                `yaml:"steps" json:"steps"`
	ValidLoss     *float64           `yaml:"valid_loss,omitempty" json:"valid_loss"`
	TrainLoss     *float64           `yaml:"train_loss,omitempty" json:"train_loss"`
	ValidAccuracy *float64           `yaml:"valid_accuracy,omitempty" json:"valid_accuracy,omitempty"`
	Diverged      bool               `yaml:"diverged" json:"diverged"`
	Pruned        bool               `yaml:"pruned,omitempty" json:"pruned,omitempty"`
	Seconds       float64            `yaml:"seconds" json:"seconds"`
	Metrics       map[string]float64 `yaml:"metrics,flow,omitempty" json:"metrics,omitempty"`
	Curve         []Report           `yaml:"curve,omitempty" json:"curve,omitempty"`
	Stopped       bool               `yaml:"stopped,omitempty" json:"stopped,omitempty"`
}

// finiteValues is m without its non-finite values; nil when none is left.
func finiteValues(m map[string]float64) map[string]float64 {
	var out map[string]float64
	for k, v := range m {
		if isFinite(v) {
			if out == nil {
				out = make(map[string]float64, len(m))
			}
			out[k] = v
		}
	}
	return out
}

// finiteCurve is c with only finite values in its reports.
func finiteCurve(c []Report) []Report {
	if c == nil {
		return nil
	}
	out := make([]Report, len(c))
	for i, r := range c {
		out[i] = Report{Epoch: r.Epoch, Values: finiteValues(r.Values)}
		if out[i].Values == nil {
			out[i].Values = map[string]float64{}
		}
	}
	return out
}

// recordOf is t's stored shape.
func recordOf(t Trial) trialRecord {
	return trialRecord{
		TrialSpec:     t.TrialSpec,
		Steps:         t.Steps,
		ValidLoss:     finitePtr(t.ValidLoss),
		TrainLoss:     finitePtr(t.TrainLoss),
		ValidAccuracy: finitePtr(t.ValidAccuracy),
		Diverged:      t.Diverged,
		Pruned:        t.Pruned,
		Seconds:       t.Seconds,
		Metrics:       finiteValues(t.Metrics),
		Curve:         finiteCurve(t.Curve),
		Stopped:       t.Stopped,
	}
}

// trial is the record read back: a missing or null loss is +Inf, a missing
// accuracy NaN.
func (r trialRecord) trial() Trial {
	return Trial{
		TrialSpec:     r.TrialSpec,
		Steps:         r.Steps,
		ValidLoss:     valueOr(r.ValidLoss, math.Inf(1)),
		TrainLoss:     valueOr(r.TrainLoss, math.Inf(1)),
		ValidAccuracy: valueOr(r.ValidAccuracy, math.NaN()),
		Diverged:      r.Diverged,
		Pruned:        r.Pruned,
		Seconds:       r.Seconds,
		Metrics:       r.Metrics,
		Curve:         r.Curve,
		Stopped:       r.Stopped,
	}
}

// valid reports whether the record could have been written by clc: a
// positive size, rate and fraction in (0, 1], non-negative seed, steps
// and run, a loss unless it diverged or was stopped early, and curve
// epochs of at least 1.
func (r trialRecord) valid() bool {
	for _, c := range r.Curve {
		if c.Epoch < 1 {
			return false
		}
	}
	return r.N > 0 && r.LR > 0 && !math.IsInf(r.LR, 0) && r.Seed >= 0 && r.Steps >= 0 &&
		r.Epochs >= 0 && r.BatchSize >= 0 && r.StepBudget >= 0 &&
		r.Fraction > 0 && r.Fraction <= 1 && (r.ValidLoss != nil || r.Diverged || r.Stopped)
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

// MarshalYAML writes a trial as its record.
func (t Trial) MarshalYAML() (any, error) { return recordOf(t), nil }

// trialKeys lists the keys of a stored trial and whether each is required.
var trialKeys = map[string]bool{
	"fraction": true, "n": true, "lr": true, "seed": true, "steps": true,
	"epochs": false, "batch_size": false, "step_budget": false,
	"valid_loss": false, "train_loss": false, "valid_accuracy": false,
	"diverged": true, "pruned": false, "seconds": true,
	"metrics": false, "curve": false, "stopped": false,
}

// UnmarshalYAML reads a trial written by MarshalYAML. Unknown and missing
// keys are errors.
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
	var r trialRecord
	if err := n.Decode(&r); err != nil {
		return err
	}
	*t = r.trial()
	return nil
}

// decodeJournalLine reads one journal line strictly (unknown keys are
// errors). A plan record of version 1, whose dataset and configuration
// carry Go field names, is read as version 2 (see PlanVersion).
func decodeJournalLine(b []byte) (journalLine, error) {
	var jl journalLine
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(&jl)
	if err == nil {
		return jl, nil
	}
	var v1 struct {
		V    int             `json:"v"`
		FP   string          `json:"fp"`
		Plan json.RawMessage `json:"plan"`
	}
	if json.Unmarshal(b, &v1) != nil || v1.V != 1 || v1.Plan == nil {
		return jl, err
	}
	plan, lerr := planRecordV1(v1.Plan)
	if lerr != nil {
		return jl, err
	}
	return journalLine{V: PlanVersion, Fingerprint: v1.FP, Plan: plan}, nil
}

// planRecordV1 reads a version-1 plan record: its dataset and config
// objects are keyed by DatasetInfo's and SweepConfig's Go field names,
// which are renamed to their JSON keys before a strict decode.
func planRecordV1(raw json.RawMessage) (*PlanRecord, error) {
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, err
	}
	for key, typ := range map[string]reflect.Type{"dataset": reflect.TypeFor[DatasetInfo](), "config": reflect.TypeFor[SweepConfig]()} {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(rec[key], &fields); err != nil {
			return nil, err
		}
		renamed := make(map[string]json.RawMessage, len(fields))
		for name, v := range fields {
			f, ok := typ.FieldByName(name)
			if !ok {
				return nil, fmt.Errorf("unknown field %s", name)
			}
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			renamed[tag] = v
		}
		b, err := json.Marshal(renamed)
		if err != nil {
			return nil, err
		}
		rec[key] = b
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	var p PlanRecord
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	return &p, nil
}
