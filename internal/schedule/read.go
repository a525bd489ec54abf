package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/clc-tools/clc/internal/fsum"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/yamlstrict"
)

// MaxFileSize is the size in bytes of the largest schedule file ReadFile
// and Read accept: 32 MiB, some 1.4 million steps in the yaml, json or csv
// format (about 23 bytes a step). The limit bounds the memory a wrong path
// (a dataset, /dev/zero, a pipe that never ends) or a hostile file can
// take: a yaml file at the limit takes about 600 MB to parse.
const MaxFileSize = 32 << 20

// The settings and commands schedule-file messages name.
const (
	paramSchedule inputerr.Param   = "schedule"
	cmdSchedule   inputerr.Command = "schedule"
)

// rewriteHint is the hint for a schedule file that is damaged or was
// edited.
var rewriteHint = yamlstrict.H("re-create it with %v", cmdSchedule)

// fileKind is how schedule files are read (see package yamlstrict).
var fileKind = &yamlstrict.Kind{
	Name:     "schedule file",
	MaxSize:  MaxFileSize,
	Param:    paramSchedule,
	NotFound: yamlstrict.H("write one with %v, or a CSV of step,lr rows", cmdSchedule),
	NotFile:  yamlstrict.H("pass the path of a schedule file"),
	TooLarge: yamlstrict.H("check the path: a schedule takes about 23 bytes a step"),
	Syntax:   rewriteHint,
	Alias:    rewriteHint,
	Missing:  rewriteHint,
	Edited:   rewriteHint,
	Unknown:  rewriteHint,
}

// ReadFile reads the schedule file at path (see Read); a missing,
// unreadable or directory path, and one larger than MaxFileSize (a pipe or
// a device included), are *inputerr.Error.
func ReadFile(path string) (*Schedule, Header, error) {
	b, err := fileKind.ReadFile(path)
	if err != nil {
		return nil, Header{}, err
	}
	return parse(b, path)
}

// Read reads a schedule file written by Write in the yaml, json, csv or
// keras format (told apart by their first bytes), or a plain CSV of
// "step,lr" rows written by hand, and returns the schedule and its header.
// At most MaxFileSize bytes are read. The checksum is verified first: a
// file edited or truncated after it was written is an *inputerr.Error
// "checksum mismatch: the file was edited or truncated", as is every other
// problem with the data (another format or version, unknown keys, rates
// that do not add up to the area). A plain CSV has no checksum: its
// schedule carries a NoteUnverified. name is used in messages.
func Read(r io.Reader, name string) (*Schedule, Header, error) {
	b, err := fileKind.ReadAll(r, name, -1)
	if err != nil {
		return nil, Header{}, err
	}
	return parse(b, name)
}

// parse reads the bytes of a schedule file (see Read).
func parse(b []byte, name string) (*Schedule, Header, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, Header{}, rewriteHint.Apply(&inputerr.Error{File: name, Msg: "schedule file is empty"})
	}
	format := detect(b)
	if format == "" {
		return nil, Header{}, yamlstrict.H("%v writes yaml, json, csv and keras files; a CSV of your own starts with the line %q", cmdSchedule, csvHeader).
			Apply(&inputerr.Error{File: name, Msg: "not a schedule file"})
	}
	if format == plainCSV {
		s, err := parsePlainCSV(b, name)
		return s, Header{}, err
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
		return nil, Header{}, yamlstrict.H("write the schedule with %v in the yaml, json or csv format for clc to read", cmdSchedule).
			Apply(&inputerr.Error{File: name, Msg: "a PyTorch snippet cannot be read back"})
	case YAML:
		doc, err := fileKind.Parse(b, name)
		if err != nil {
			return nil, Header{}, err
		}
		if err := doc.CheckKeys(reflect.TypeFor[document]()); err != nil {
			return nil, Header{}, err
		}
		var d document
		if err := doc.Decode(&d); err != nil {
			return nil, Header{}, err
		}
		m, rates = d.meta, d.Rates
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
			return nil, Header{}, bad(name, "%d steps is outside 1 … %d", m.Steps, maxKerasSteps)
		}
		if len(c.Values) != len(c.Boundaries)+1 || len(c.Boundaries) == 0 || doc.ClassName != "PiecewiseConstantDecay" {
			return nil, Header{}, bad(name, "not a PiecewiseConstantDecay with one more value than boundaries")
		}
		for i, x := range c.Boundaries {
			if x < 0 || (i > 0 && x <= c.Boundaries[i-1]) || x >= max(m.Steps, 1) {
				return nil, Header{}, bad(name, "keras boundary %d is out of order or outside the run", x)
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

// bad is an input error about the file name with the hint to re-create it.
func bad(name, format string, args ...any) *inputerr.Error {
	e := inputerr.New(format, args...).WithHint(rewriteHint.Format, rewriteHint.Args...)
	e.File = name
	return e
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
	first, _, _ := bytes.Cut(bytes.TrimPrefix(b, []byte("\ufeff")), []byte("\n"))
	if strings.EqualFold(strings.ReplaceAll(strings.TrimSpace(string(first)), " ", ""), csvHeader) {
		return plainCSV
	}
	return ""
}

// plainCSV is the format of a CSV of "step,lr" rows without clc's header.
const plainCSV = "plain csv"

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
	if m.Format != FileFormat {
		return nil, bad(name, "not a schedule file (format %q)", m.Format)
	}
	if m.Version != FileVersion {
		e := bad(name, "unsupported schedule file version %d (this clc reads version %d)", m.Version, FileVersion)
		if m.Version > FileVersion {
			e.WithHint("the file was written by a newer clc; upgrade clc to read it")
		}
		return nil, e
	}
	if m.Unit != Unit {
		return nil, bad(name, "unit %q: schedule rates are in %s", m.Unit, Unit)
	}
	per, err := ParseGranularity(m.Per)
	if err != nil || m.Per == "" {
		return nil, bad(name, "unknown granularity %q", m.Per)
	}
	if err := m.Spec.check(); err != nil {
		if ie, ok := inputerr.As(err); ok {
			ie.File = name
			return nil, ie.WithHint(rewriteHint.Format, rewriteHint.Args...)
		}
		return nil, bad(name, "%v", err)
	}
	s := &Schedule{
		Spec: m.Spec, Steps: m.Steps, Per: per, StepsPerEpoch: m.StepsPerEpoch, Rates: rates,
		Area: m.Area, Peak: m.Peak, Final: m.Final,
	}
	for _, text := range m.Notes {
		s.Notes = append(s.Notes, newNote(NoteRecorded, "", "%s", text))
	}
	if err := s.check(); err != nil {
		return nil, bad(name, "inconsistent schedule: %v", err)
	}
	return s, nil
}

// parseCSV reads the "# key: value" header lines and the "step,lr" rows.
func parseCSV(b []byte, name string) (meta, []float64, error) {
	var m meta
	text := string(b)
	if !strings.HasSuffix(text, "\n") {
		return m, nil, at(name, strings.Count(text, "\n")+1, 0, "the last line has no newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	var obj bytes.Buffer
	obj.WriteByte('{')
	seen := map[string]bool{}
	i := 0
	for ; i < len(lines) && lines[i] != csvHeader; i++ {
		key, val, ok := strings.Cut(strings.TrimPrefix(lines[i], "# "), ": ")
		if !ok || !strings.HasPrefix(lines[i], "# ") {
			return m, nil, at(name, i+1, 0, "expected a \"# key: value\" header line or %q", csvHeader)
		}
		if seen[key] {
			return m, nil, at(name, i+1, 0, "key %q appears twice", key)
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
		return m, nil, bad(name, "no %q line", csvHeader)
	}
	if err := decodeJSON(obj.Bytes(), &m); err != nil {
		e := bad(name, "bad header: %v", err)
		e.Err = err
		return m, nil, e
	}
	rows := lines[i+1:]
	rates := make([]float64, len(rows))
	for t, row := range rows {
		line := i + 2 + t
		step, lr, ok := strings.Cut(row, ",")
		if !ok {
			return m, nil, at(name, line, 0, "expected \"step,lr\"")
		}
		if k, err := strconv.Atoi(step); err != nil || k != t {
			return m, nil, at(name, line, 1, "step %q is not %d", step, t)
		}
		v, err := strconv.ParseFloat(lr, 64)
		if err != nil {
			return m, nil, at(name, line, len(step)+2, "rate %q is not a number", lr)
		}
		rates[t] = v
	}
	return m, rates, nil
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
	e := at(name, line, 0, "%s", strings.TrimPrefix(err.Error(), "json: "))
	e.Err = err
	return e
}

// at is an input error at a line and column of the file name with the hint
// to re-create it.
func at(name string, line, col int, format string, args ...any) *inputerr.Error {
	return inputerr.At(name, line, col, format, args...).WithHint(rewriteHint.Format, rewriteHint.Args...)
}

// parsePlainCSV reads a CSV of "step,lr" rows written by hand: the header
// line "step,lr" (any case, spaces ignored), then one row per step, steps
// counting from 0, each rate a finite number ≥ 0. Lines may end in CRLF
// and the last may lack its newline; blank lines at the end are ignored.
// The schedule is per step and its shape "custom"; it carries a
// NoteUnverified, since nothing checks that the file is what its author
// meant.
func parsePlainCSV(b []byte, name string) (*Schedule, error) {
	text := strings.TrimPrefix(string(b), "\ufeff")
	lines := strings.Split(strings.TrimRight(text, "\r\n\t "), "\n")
	hint := yamlstrict.H("write one row \"step,lr\" per step, steps counting from 0")
	var rates []float64
	for i, row := range lines[1:] {
		line := i + 2
		row = strings.TrimSpace(row)
		step, lr, ok := strings.Cut(row, ",")
		if !ok {
			return nil, hint.Apply(inputerr.At(name, line, 0, "expected \"step,lr\", got %q", row))
		}
		step, lr = strings.TrimSpace(step), strings.TrimSpace(lr)
		if k, err := strconv.Atoi(step); err != nil || k != i {
			return nil, hint.Apply(inputerr.At(name, line, 1, "step %q is not %d", step, i))
		}
		v, err := strconv.ParseFloat(lr, 64)
		if err != nil || !finite(v) || v < 0 {
			return nil, hint.Apply(inputerr.At(name, line, len(step)+2, "rate %q is not a finite number ≥ 0", lr))
		}
		rates = append(rates, v)
	}
	if len(rates) == 0 {
		return nil, hint.Apply(&inputerr.Error{File: name, Msg: "no rows below the \"step,lr\" line"})
	}
	s := &Schedule{
		Spec: Spec{Shape: Custom}, Steps: len(rates), Per: PerStep, Rates: rates,
		Area: fsum.Of(rates), Peak: slices.Max(rates), Final: rates[len(rates)-1],
		Notes: []Note{unverifiedNote(name)},
	}
	if !(s.Peak > 0) {
		return nil, hint.Apply(&inputerr.Error{File: name, Msg: "every rate is 0"})
	}
	return s, nil
}
