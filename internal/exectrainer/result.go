package exectrainer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/clc-tools/clc/internal/clc"
)

// output is what a trainer reported on its last stdout line.
type output struct {
	loss      float64
	accuracy  float64 // NaN when absent
	trainLoss float64 // NaN when absent
	diverged  bool
	steps     int // -1 when absent
	// metrics holds every other numeric value, by key (accuracy and
	// train_loss included); nil when there is none.
	metrics map[string]float64
	// curve holds the per-epoch values of "curve", when given.
	curve []clc.Report
	// stopped: the trainer ended the trial early because clc asked it to
	// (workers only); loss is then optional.
	stopped bool
}

// reservedKeys are the result keys that are not metrics.
var reservedKeys = map[string]bool{
	"loss": true, "steps": true, "diverged": true, "curve": true, "metrics": true,
	"type": true, "trial": true, "stopped": true, "epoch": true,
}

func (o *output) setMetric(k string, v float64) {
	if o.metrics == nil {
		o.metrics = map[string]float64{}
	}
	o.metrics[k] = v
}

// lastLine returns the last line of b that is not blank, trimmed.
func lastLine(b []byte) string {
	for len(b) > 0 {
		b = bytes.TrimRight(b, " \t\r\n")
		i := bytes.LastIndexByte(b, '\n')
		line := bytes.TrimSpace(b[i+1:])
		if len(line) > 0 {
			return string(line)
		}
		if i < 0 {
			break
		}
		b = b[:i]
	}
	return ""
}

// parseOutput parses the result line: a JSON object
//
//	{"loss": 0.41, "accuracy": 0.86, "steps": 2811, "diverged": false, "train_loss": 0.39}
//
// or key=value pairs starting with loss:
//
//	loss=0.41 accuracy=0.86 steps=2811 diverged=false train_loss=0.39
//
// Only loss is required. Every other key with a numeric value is a metric
// (accuracy and train_loss too), and so is every numeric value of a JSON
// "metrics" object; keys with other values are ignored. A JSON result may
// also carry "curve", a list of objects, one per epoch, each with "epoch"
// (an integer ≥ 1) and numeric values by metric name:
//
//	{"loss": 0.41, "curve": [{"epoch": 1, "loss": 0.9}, {"epoch": 2, "loss": 0.5}]}
//
// In JSON, a number may also be written as a string ("inf", "nan") or as
// Python's NaN / Infinity / -Infinity.
func parseOutput(line string) (output, error) {
	o := output{accuracy: math.NaN(), trainLoss: math.NaN(), steps: -1}
	if line == "" {
		return o, fmt.Errorf("no output on stdout")
	}
	var err error
	if strings.HasPrefix(line, "{") {
		err = parseJSON(line, &o)
	} else if strings.HasPrefix(line, "loss=") {
		err = parseKV(line, &o)
	} else {
		err = fmt.Errorf("want a JSON object with \"loss\" or loss=<float>")
	}
	if err != nil {
		return o, err
	}
	if !math.IsNaN(o.accuracy) && (o.accuracy < 0 || o.accuracy > 1) {
		return o, fmt.Errorf("accuracy %v is outside [0, 1]", o.accuracy)
	}
	if o.steps < -1 {
		return o, fmt.Errorf("negative steps %d", o.steps)
	}
	return o, nil
}

// pythonNonFinite rewrites the bare tokens Python's json module emits for
// non-finite floats into strings, outside of string literals.
func pythonNonFinite(s string) string {
	var b strings.Builder
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if inStr {
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
			b.WriteByte(c)
			continue
		}
		replaced := false
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if strings.HasPrefix(s[i:], tok) {
				b.WriteString(`"` + tok + `"`)
				i += len(tok) - 1
				replaced = true
				break
			}
		}
		if !replaced {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// decodeObject decodes a JSON object, accepting Python's non-finite
// tokens.
func decodeObject(line string) (map[string]json.RawMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		if err2 := json.Unmarshal([]byte(pythonNonFinite(line)), &raw); err2 != nil || raw == nil {
			return nil, fmt.Errorf("invalid JSON: %v", err)
		}
	}
	if raw == nil {
		return nil, fmt.Errorf("invalid JSON: not an object")
	}
	return raw, nil
}

func parseJSON(line string, o *output) error {
	raw, err := decodeObject(line)
	if err != nil {
		return err
	}
	return parseResult(raw, o)
}

// parseResult reads a decoded result object into o.
func parseResult(raw map[string]json.RawMessage, o *output) error {
	if r, ok := raw["stopped"]; ok && string(r) != "null" {
		if err := json.Unmarshal(r, &o.stopped); err != nil {
			return fmt.Errorf("\"stopped\" must be true or false, got %s", r)
		}
	}
	lossRaw, ok := raw["loss"]
	var err error
	switch {
	case ok:
		if o.loss, err = jsonFloat("loss", lossRaw); err != nil {
			return err
		}
	case o.stopped:
		o.loss = math.Inf(1)
	default:
		return fmt.Errorf("JSON result has no \"loss\"")
	}
	if err := jsonMetrics(raw, reservedKeys, o.setMetric); err != nil {
		return err
	}
	if r, ok := raw["metrics"]; ok && string(r) != "null" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(r, &m); err != nil {
			return fmt.Errorf("\"metrics\" must be an object of numbers, got %s", truncate(string(r), 60))
		}
		for k, v := range m {
			f, err := jsonFloat(k, v)
			if err != nil {
				return fmt.Errorf("metrics: %w", err)
			}
			o.setMetric(k, f)
		}
	}
	if r, ok := raw["curve"]; ok && string(r) != "null" {
		var entries []map[string]json.RawMessage
		if err := json.Unmarshal(r, &entries); err != nil {
			return fmt.Errorf("\"curve\" must be a list of objects, one per epoch")
		}
		for i, e := range entries {
			rep, err := parseReport(e)
			if err != nil {
				return fmt.Errorf("curve[%d]: %w", i, err)
			}
			o.curve = append(o.curve, rep)
		}
	}
	if r, ok := raw["accuracy"]; ok && string(r) != "null" {
		if o.accuracy, err = jsonFloat("accuracy", r); err != nil {
			return err
		}
	}
	if r, ok := raw["train_loss"]; ok && string(r) != "null" {
		if o.trainLoss, err = jsonFloat("train_loss", r); err != nil {
			return err
		}
	}
	if r, ok := raw["diverged"]; ok && string(r) != "null" {
		if err := json.Unmarshal(r, &o.diverged); err != nil {
			return fmt.Errorf("\"diverged\" must be true or false, got %s", r)
		}
	}
	if r, ok := raw["steps"]; ok && string(r) != "null" {
		f, err := jsonFloat("steps", r)
		if err != nil {
			return err
		}
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return fmt.Errorf("\"steps\" must be an integer, got %s", r)
		}
		o.steps = int(f)
	}
	return nil
}

// reportKeys are the keys of a report that are not values.
var reportKeys = map[string]bool{"type": true, "trial": true, "epoch": true, "values": true}

// jsonMetrics calls set for every key of raw that is not reserved and
// holds a number (or a number in a string); other values are ignored.
func jsonMetrics(raw map[string]json.RawMessage, reserved map[string]bool, set func(string, float64)) error {
	for k, v := range raw {
		if reserved[k] || string(v) == "null" {
			continue
		}
		if f, err := jsonFloat(k, v); err == nil {
			set(k, f)
		}
	}
	return nil
}

// parseReport reads one epoch's report: "epoch" (an integer ≥ 1) and
// numeric values by metric name (a "values" object, or keys beside
// "epoch").
func parseReport(raw map[string]json.RawMessage) (clc.Report, error) {
	r := clc.Report{Values: map[string]float64{}}
	e, ok := raw["epoch"]
	if !ok {
		return r, fmt.Errorf("a report needs \"epoch\"")
	}
	f, err := jsonFloat("epoch", e)
	if err != nil || f != math.Trunc(f) || f < 1 || f > 1<<31 {
		return r, fmt.Errorf("\"epoch\" must be an integer ≥ 1, got %s", truncate(string(e), 30))
	}
	r.Epoch = int(f)
	set := func(k string, v float64) { r.Values[k] = v }
	if err := jsonMetrics(raw, reportKeys, set); err != nil {
		return r, err
	}
	if v, ok := raw["values"]; ok && string(v) != "null" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			return r, fmt.Errorf("\"values\" must be an object of numbers")
		}
		for k, x := range m {
			f, err := jsonFloat(k, x)
			if err != nil {
				return r, err
			}
			r.Values[k] = f
		}
	}
	return r, nil
}

func jsonFloat(key string, r json.RawMessage) (float64, error) {
	var f float64
	if string(r) == "null" {
		return 0, fmt.Errorf("%q must be a number, got null", key)
	}
	if err := json.Unmarshal(r, &f); err == nil {
		return f, nil
	}
	var s string
	if err := json.Unmarshal(r, &s); err == nil {
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%q must be a number, got %s", key, r)
}

func parseKV(line string, o *output) error {
	for i, field := range strings.Fields(line) {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return fmt.Errorf("want key=value, got %q", field)
		}
		if i == 0 && k != "loss" {
			return fmt.Errorf("the line must start with loss=")
		}
		var err error
		switch k {
		case "loss":
			o.loss, err = strconv.ParseFloat(v, 64)
		case "accuracy":
			o.accuracy, err = strconv.ParseFloat(v, 64)
			o.setMetric(k, o.accuracy)
		case "train_loss":
			o.trainLoss, err = strconv.ParseFloat(v, 64)
			o.setMetric(k, o.trainLoss)
		case "diverged":
			o.diverged, err = strconv.ParseBool(v)
		case "steps":
			o.steps, err = strconv.Atoi(v)
		default:
			if f, ferr := strconv.ParseFloat(v, 64); ferr == nil && !reservedKeys[k] {
				o.setMetric(k, f)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("bad value for %s: %q", k, v)
		}
	}
	return nil
}
