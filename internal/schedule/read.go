package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Read reads a schedule file written by Write in the yaml, json, csv or
// keras format (told apart by their first bytes), and returns the schedule
// and its header. The checksum is verified first: a file edited or
// truncated after it was written is an *inputerr.Error "checksum mismatch:
// the file was edited or truncated", as is every other problem with the
// data (another format or version, unknown keys, rates that do not add up
// to the area). name is used in messages.
func Read(r io.Reader, name string) (*Schedule, Header, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, Header{}, fmt.Errorf("schedule: reading %s: %w", name, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, Header{}, (&inputerr.Error{File: name, Msg: "schedule file is empty"}).WithHint(rewriteHint)
	}
	format := detect(b)
	if format == "" {
		return nil, Header{}, (&inputerr.Error{File: name, Msg: "not a clc schedule file"}).
			WithHint("clc reads the yaml, json, csv and keras files written by clc schedule")
	}
	if err := verifyChecksum(b, name); err != nil {
		return nil, Header{}, err
	}
	var (
		m     meta
		rates []float64
	)
	switch format {
	case Torch:
		return nil, Header{}, (&inputerr.Error{File: name, Msg: "a PyTorch snippet cannot be read back"}).
			WithHint("write the schedule with clc schedule --format yaml, json or csv for clc to read")
	case YAML:
		var doc document
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&doc); err != nil {
			return nil, Header{}, yamlError(name, err)
		}
		m, rates = doc.meta, doc.Rates
	case JSON:
		var doc document
		if err := decodeJSON(b, &doc); err != nil {
			return nil, Header{}, jsonError(name, b, err)
		}
		m, rates = doc.meta, doc.Rates
	case Keras:
		var doc kerasDocument
		if err := decodeJSON(b, &doc); err != nil {
			return nil, Header{}, jsonError(name, b, err)
		}
		m = doc.CLC
		c := doc.Config
		if m.Steps < 1 || m.Steps > maxKerasSteps {
			return nil, Header{}, (&inputerr.Error{File: name, Msg: fmt.Sprintf("%d steps is outside 1 … %d", m.Steps, maxKerasSteps)}).WithHint(rewriteHint)
		}
		if len(c.Values) != len(c.Boundaries)+1 || len(c.Boundaries) == 0 || doc.ClassName != "PiecewiseConstantDecay" {
			return nil, Header{}, (&inputerr.Error{File: name, Msg: "not a PiecewiseConstantDecay with one more value than boundaries"}).WithHint(rewriteHint)
		}
		for i, x := range c.Boundaries {
			if x < 0 || (i > 0 && x <= c.Boundaries[i-1]) || x >= max(m.Steps, 1) {
				return nil, Header{}, (&inputerr.Error{File: name, Msg: fmt.Sprintf("keras boundary %d is out of order or outside the run", x)}).WithHint(rewriteHint)
			}
		}
		rates = expand(c.Boundaries, c.Values, m.Steps)
	case CSV:
		var err error
		if m, rates, err = parseCSV(b, name); err != nil {
			return nil, Header{}, err
		}
	}
	s, err := fromMeta(m, rates, name)
	if err != nil {
		return nil, Header{}, err
	}
	return s, m.header(), nil
}

// maxKerasSteps bounds the steps of a keras file, whose size does not
// grow with them: its rates are expanded in memory.
var maxKerasSteps = 100_000_000

// detect tells the format from the first bytes ("" when unknown).
func detect(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("checksum:")):
		return YAML
	case bytes.HasPrefix(b, []byte("{")):
		if bytes.Contains(b, []byte(`"class_name":`)) {
			return Keras
		}
		return JSON
	case bytes.HasPrefix(b, []byte("# checksum:")):
		if bytes.Contains(b, []byte("\nimport torch\n")) {
			return Torch
		}
		return CSV
	}
	return ""
}

func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value")
	}
	return nil
}

// fromMeta builds and checks the schedule a file describes.
func fromMeta(m meta, rates []float64, name string) (*Schedule, error) {
	bad := func(format string, args ...any) *inputerr.Error {
		return (&inputerr.Error{File: name, Msg: fmt.Sprintf(format, args...)}).WithHint(rewriteHint)
	}
	if m.Format != FileFormat {
		return nil, bad("not a clc schedule file (format %q)", m.Format)
	}
	if m.Version != FileVersion {
		e := bad("unsupported schedule file version %d (this clc reads version %d)", m.Version, FileVersion)
		if m.Version > FileVersion {
			e.Hint = "the file was written by a newer clc; upgrade clc to read it"
		}
		return nil, e
	}
	if m.Unit != Unit {
		return nil, bad("unit %q: clc schedules are in %s", m.Unit, Unit)
	}
	per, err := ParseGranularity(m.Per)
	if err != nil || m.Per == "" {
		return nil, bad("unknown granularity %q", m.Per)
	}
	if err := m.Spec.check(); err != nil {
		return nil, bad("%v", err)
	}
	s := &Schedule{
		Spec: m.Spec, Steps: m.Steps, Per: per, StepsPerEpoch: m.StepsPerEpoch, Rates: rates,
		Area: m.Area, Peak: m.Peak, Final: m.Final,
	}
	if err := s.check(); err != nil {
		return nil, bad("inconsistent schedule: %v", err)
	}
	return s, nil
}

// parseCSV reads the "# key: value" header lines and the "step,lr" rows.
func parseCSV(b []byte, name string) (meta, []float64, error) {
	var m meta
	text := string(b)
	if !strings.HasSuffix(text, "\n") {
		return m, nil, inputerr.At(name, strings.Count(text, "\n")+1, 0, "the last line has no newline").WithHint(rewriteHint)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var obj bytes.Buffer
	obj.WriteByte('{')
	seen := map[string]bool{}
	i := 0
	for ; i < len(lines) && lines[i] != csvHeader; i++ {
		key, val, ok := strings.Cut(strings.TrimPrefix(lines[i], "# "), ": ")
		if !ok || !strings.HasPrefix(lines[i], "# ") {
			return m, nil, inputerr.At(name, i+1, 0, "expected a \"# key: value\" header line or %q", csvHeader).WithHint(rewriteHint)
		}
		if seen[key] {
			return m, nil, inputerr.At(name, i+1, 0, "key %q appears twice", key).WithHint(rewriteHint)
		}
		seen[key] = true
		if key == "checksum" {
			continue
		}
		if obj.Len() > 1 {
			obj.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		obj.Write(k)
		obj.WriteByte(':')
		obj.WriteString(val)
	}
	obj.WriteByte('}')
	if i == len(lines) {
		return m, nil, (&inputerr.Error{File: name, Msg: fmt.Sprintf("no %q line", csvHeader)}).WithHint(rewriteHint)
	}
	if err := decodeJSON(obj.Bytes(), &m); err != nil {
		return m, nil, (&inputerr.Error{File: name, Msg: "bad header: " + err.Error(), Err: err}).WithHint(rewriteHint)
	}
	rows := lines[i+1:]
	rates := make([]float64, len(rows))
	for t, row := range rows {
		line := i + 2 + t
		step, lr, ok := strings.Cut(row, ",")
		if !ok {
			return m, nil, inputerr.At(name, line, 0, "expected \"step,lr\"").WithHint(rewriteHint)
		}
		if k, err := strconv.Atoi(step); err != nil || k != t {
			return m, nil, inputerr.At(name, line, 1, "step %q is not %d", step, t).WithHint(rewriteHint)
		}
		v, err := strconv.ParseFloat(lr, 64)
		if err != nil {
			return m, nil, inputerr.At(name, line, len(step)+2, "rate %q is not a number", lr).WithHint(rewriteHint)
		}
		rates[t] = v
	}
	return m, rates, nil
}

func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	line := 0
	if _, err := fmt.Sscanf(msg, "line %d:", &line); err == nil {
		msg = strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])
	}
	return (&inputerr.Error{File: name, Line: line, Msg: msg, Err: err}).WithHint(rewriteHint)
}

func jsonError(name string, b []byte, err error) error {
	line := 0
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line = 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
	case errors.As(err, &te):
		line = 1 + bytes.Count(b[:min(int(te.Offset), len(b))], []byte("\n"))
	}
	return (&inputerr.Error{File: name, Line: line, Msg: strings.TrimPrefix(err.Error(), "json: "), Err: err}).WithHint(rewriteHint)
}
