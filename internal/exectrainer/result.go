package exectrainer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// output is what a trainer reported on its last stdout line.
type output struct {
	loss      float64
	accuracy  float64 // NaN when absent
	trainLoss float64 // NaN when absent
	diverged  bool
	steps     int // -1 when absent
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
// Only loss is required. In JSON, a number may also be written as a string
// ("inf", "nan") or as Python's NaN / Infinity / -Infinity; unknown fields
// and keys are ignored.
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

func parseJSON(line string, o *output) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &raw); err != nil {
		if err2 := json.Unmarshal([]byte(pythonNonFinite(line)), &raw); err2 != nil {
			return fmt.Errorf("invalid JSON: %v", err)
		}
	}
	lossRaw, ok := raw["loss"]
	if !ok {
		return fmt.Errorf("JSON result has no \"loss\"")
	}
	var err error
	if o.loss, err = jsonFloat("loss", lossRaw); err != nil {
		return err
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
		case "train_loss":
			o.trainLoss, err = strconv.ParseFloat(v, 64)
		case "diverged":
			o.diverged, err = strconv.ParseBool(v)
		case "steps":
			o.steps, err = strconv.Atoi(v)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("bad value for %s: %q", k, v)
		}
	}
	return nil
}
