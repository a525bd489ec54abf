package schedule

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"math"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/renameio/v2"
	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Output formats.
const (
	YAML  = "yaml"
	JSON  = "json"
	CSV   = "csv"
	Torch = "torch"
	Keras = "keras"
)

// Formats lists the output formats.
var Formats = []string{YAML, JSON, CSV, Torch, Keras}

// FileFormat names clc's schedule files (the "format" key) and FileVersion
// is their version.
const (
	FileFormat  = "clc-schedule"
	FileVersion = 1
)

// Header is what a schedule file records besides the schedule: where its
// constant came from and the run it was designed for. Zero fields are
// left out.
type Header struct {
	Tool        string  // the writer, e.g. "clc 0.1.0"
	FitFile     string  // the fit file the constant came from
	FitSHA256   string  // SHA-256 of the fit file's bytes
	N           int     // training rows of the target run
	Epochs      int     // epochs of the target run
	BatchSize   int     // batch size of the target run
	PredictedLR float64 // η*(N), the optimal constant rate the law predicts
	Constant    float64 // C(N) from the fit, the area the schedule carries
	// ConstantFrom says how the fit gave C: "mean" (constant across sizes)
	// or "law" (η*(N)·T from the fitted law).
	ConstantFrom string
}

// meta is a schedule file's header, in the order written.
type meta struct {
	Format        string  `yaml:"format" json:"format"`
	Version       int     `yaml:"version" json:"version"`
	Tool          string  `yaml:"tool,omitempty" json:"tool,omitempty"`
	FitFile       string  `yaml:"fit_file,omitempty" json:"fit_file,omitempty"`
	FitSHA256     string  `yaml:"fit_sha256,omitempty" json:"fit_sha256,omitempty"`
	N             int     `yaml:"size,omitempty" json:"size,omitempty"`
	Epochs        int     `yaml:"epochs,omitempty" json:"epochs,omitempty"`
	BatchSize     int     `yaml:"batch_size,omitempty" json:"batch_size,omitempty"`
	PredictedLR   float64 `yaml:"predicted_lr,omitempty" json:"predicted_lr,omitempty"`
	Constant      float64 `yaml:"constant,omitempty" json:"constant,omitempty"`
	ConstantFrom  string  `yaml:"constant_from,omitempty" json:"constant_from,omitempty"`
	Spec          `yaml:",inline"`
	Steps         int     `yaml:"steps" json:"steps"`
	Per           string  `yaml:"per" json:"per"`
	StepsPerEpoch int     `yaml:"steps_per_epoch,omitempty" json:"steps_per_epoch,omitempty"`
	Unit          string  `yaml:"unit" json:"unit"`
	Area          float64 `yaml:"area" json:"area"`
	Peak          float64 `yaml:"peak" json:"peak"`
	Final         float64 `yaml:"final" json:"final"`
	// Notes are the schedule's notes in words (see Note).
	Notes []string `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// document is a yaml or json schedule file.
type document struct {
	Checksum string `yaml:"checksum" json:"checksum"`
	meta     `yaml:",inline"`
	Rates    []float64 `yaml:"rates" json:"rates"`
}

// documentHead is a document without its rates: what is written before
// them.
type documentHead struct {
	Checksum string `yaml:"checksum" json:"checksum"`
	meta     `yaml:",inline"`
}

// kerasDocument is a keras schedule file: clc's header under "clc", and a
// PiecewiseConstantDecay under "class_name" and "config".
type kerasDocument struct {
	Checksum  string      `json:"checksum"`
	CLC       meta        `json:"clc"`
	ClassName string      `json:"class_name"`
	Config    kerasConfig `json:"config"`
}

type kerasConfig struct {
	Boundaries []int     `json:"boundaries"`
	Values     []float64 `json:"values"`
	Name       string    `json:"name"`
}

func newMeta(s *Schedule, h Header) meta {
	return meta{
		Format: FileFormat, Version: FileVersion, Tool: h.Tool, FitFile: h.FitFile, FitSHA256: h.FitSHA256,
		N: h.N, Epochs: h.Epochs, BatchSize: h.BatchSize, PredictedLR: h.PredictedLR, Constant: h.Constant,
		ConstantFrom: h.ConstantFrom, Spec: s.Spec, Steps: s.Steps, Per: string(s.Per),
		StepsPerEpoch: s.StepsPerEpoch, Unit: Unit, Area: s.Area, Peak: s.Peak, Final: s.Final,
		Notes: noteTexts(s.Notes),
	}
}

// noteTexts are the notes in neutral words.
func noteTexts(notes []Note) []string {
	var out []string
	for _, n := range notes {
		out = append(out, n.String())
	}
	return out
}

func (m meta) header() Header {
	return Header{
		Tool: m.Tool, FitFile: m.FitFile, FitSHA256: m.FitSHA256, N: m.N, Epochs: m.Epochs, BatchSize: m.BatchSize,
		PredictedLR: m.PredictedLR, Constant: m.Constant, ConstantFrom: m.ConstantFrom,
	}
}

// FormatForPath guesses the format from a file name's extension: .yaml and
// .yml, .json, .csv, .py (torch). It reports false for anything else.
func FormatForPath(path string) (string, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return YAML, true
	case ".json":
		return JSON, true
	case ".csv":
		return CSV, true
	case ".py":
		return Torch, true
	}
	return "", false
}

// CheckFormat returns an *inputerr.Error unless format is one of Formats.
func CheckFormat(format string) error {
	if !slices.Contains(Formats, format) {
		return inputerr.New("unknown format %q", format).WithHint("use %v yaml, json, csv, torch or keras", paramFormat)
	}
	return nil
}

// prepare checks what Marshal, Write and WriteFile need: a known format, a
// consistent schedule and a finite header.
func prepare(s *Schedule, format string, h Header) error {
	if err := CheckFormat(format); err != nil {
		return err
	}
	if err := s.check(); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	for _, v := range []float64{h.PredictedLR, h.Constant} {
		if !finite(v) {
			return fmt.Errorf("schedule: header holds %v", v)
		}
	}
	return nil
}

// Marshal encodes s in the format with the header h, checksummed (see
// Write), in memory.
func Marshal(s *Schedule, format string, h Header) ([]byte, error) {
	if err := prepare(s, format, h); err != nil {
		return nil, err
	}
	head, body, err := encode(s, format, h)
	if err != nil {
		return nil, fmt.Errorf("schedule: encoding %s: %w", format, err)
	}
	buf := bytes.NewBuffer(head)
	bw := bufio.NewWriter(buf)
	if err := body(bw); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	seal(b)
	return b, nil
}

// Write writes s to w in the format ("yaml", "json", "csv", "torch" or
// "keras") with the header h. Floats are written so that they parse back
// to the same float64.
//
// Every format carries a checksum on its first lines: the SHA-256 of the
// file's bytes with the checksum's own 64 hex digits removed, so a reader
// detects any edited, added or missing byte (tampering, truncation).
//
//   - yaml, json: the header (format, version, tool, fit file and its
//     SHA-256, the target run, the constant and where it came from, the
//     shape and its parameters, steps, granularity, unit, area, peak,
//     final, notes) and "rates", one per step.
//   - csv: the header as "# key: value" comment lines (values in JSON),
//     then "step,lr" and one row per step.
//   - torch: a Python snippet defining make_scheduler(optimizer), which
//     sets the optimizer's learning rate and returns a
//     torch.optim.lr_scheduler giving the same rates: the closed-form
//     scheduler where PyTorch has one for a per-step schedule (constant,
//     linear, cosine, exponential, step, onecycle), else LambdaLR over the
//     rate of each step or epoch (exact). The closed forms agree with
//     clc's rates to rounding: ≤ 1e-11 relative over 5000 steps, ~1e-16 of
//     the peak near a cosine's zero floor, where 1 + cos(πt/T) cancels.
//   - keras: JSON with clc's header under "clc" and a
//     tf.keras.optimizers.schedules.PiecewiseConstantDecay as
//     "class_name" and "config" (boundaries and values, runs of equal
//     rates merged), exact for any schedule.
//
// The rates are streamed: memory does not grow with the steps. Since the
// checksum comes first, w gets the file in a second pass over the rates,
// after a first one computes the checksum (WriteFile needs one pass).
func Write(w io.Writer, s *Schedule, format string, h Header) error {
	if err := prepare(s, format, h); err != nil {
		return err
	}
	head, body, err := encode(s, format, h)
	if err != nil {
		return fmt.Errorf("schedule: encoding %s: %w", format, err)
	}
	loc := checksumRE.FindSubmatchIndex(head)
	// Pass 1: the checksum, over the head without its 64 digits and the
	// body.
	sum := sha256.New()
	sum.Write(head[:loc[2]])
	sum.Write(head[loc[3]:])
	bw := bufio.NewWriterSize(sum, 1<<16)
	if err := body(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	copy(head[loc[2]:], hex.EncodeToString(sum.Sum(nil)))
	// Pass 2: the file.
	bw = bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.Write(head); err != nil {
		return err
	}
	if err := body(bw); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteFile writes s to path atomically (a temporary file renamed over
// path, mode 0644 less the umask): on any error no file is left. The
// rates are streamed to the file in one pass and the checksum written in
// place at the end.
func WriteFile(path string, s *Schedule, format string, h Header) error {
	if err := prepare(s, format, h); err != nil {
		return err
	}
	head, body, err := encode(s, format, h)
	if err != nil {
		return fmt.Errorf("schedule: encoding %s: %w", format, err)
	}
	loc := checksumRE.FindSubmatchIndex(head)
	f, err := renameio.NewPendingFile(path, renameio.WithPermissions(0o644))
	if err != nil {
		return fmt.Errorf("schedule: writing %s: %w", path, err)
	}
	defer f.Cleanup()
	sum := sha256.New()
	sum.Write(head[:loc[2]])
	sum.Write(head[loc[3]:])
	bw := bufio.NewWriterSize(io.MultiWriter(f, sum), 1<<16)
	if _, err := f.Write(head); err != nil {
		return fmt.Errorf("schedule: writing %s: %w", path, err)
	}
	if err := body(bw); err != nil {
		return fmt.Errorf("schedule: writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("schedule: writing %s: %w", path, err)
	}
	if _, err := f.WriteAt([]byte(hex.EncodeToString(sum.Sum(nil))), int64(loc[2])); err != nil {
		return fmt.Errorf("schedule: writing %s: %w", path, err)
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("schedule: writing %s: %w", path, err)
	}
	return nil
}

// encode returns a schedule file in two parts: the head (everything
// before the rates, with the placeholder checksum) and the body, which
// writes the rest, rates included, to w as it computes them.
func encode(s *Schedule, format string, h Header) (head []byte, body func(w *bufio.Writer) error, err error) {
	switch format {
	case YAML:
		return encodeYAML(s, h)
	case JSON:
		return encodeJSON(s, h)
	case CSV:
		return encodeCSV(s, h)
	case Torch:
		return encodeTorch(s, h)
	case Keras:
		return encodeKeras(s, h)
	}
	return nil, nil, fmt.Errorf("unknown format %q", format)
}

// placeholder is the checksum written before seal computes it.
var placeholder = strings.Repeat("0", sha256.Size*2)

// checksumRE finds the checksum: "checksum: HEX" (yaml, csv, torch) or
// "checksum": "HEX" (json, keras). The first match counts.
var checksumRE = regexp.MustCompile(`checksum"?: "?([0-9a-f]{64})`)

// digest is the SHA-256 of b without the 64 bytes at i.
func digest(b []byte, i int) string {
	h := sha256.New()
	h.Write(b[:i])
	h.Write(b[i+sha256.Size*2:])
	return hex.EncodeToString(h.Sum(nil))
}

// seal writes the checksum over the placeholder.
func seal(b []byte) {
	loc := checksumRE.FindSubmatchIndex(b)
	if loc == nil || string(b[loc[2]:loc[3]]) != placeholder {
		panic("schedule: no checksum placeholder")
	}
	copy(b[loc[2]:], digest(b, loc[2]))
}

// verifyChecksum checks b's checksum.
func verifyChecksum(b []byte, name string) error {
	loc := checksumRE.FindSubmatchIndex(b)
	if loc == nil {
		return bad(name, "no checksum: not a schedule file, or truncated")
	}
	if digest(b, loc[2]) != string(b[loc[2]:loc[3]]) {
		return bad(name, "checksum mismatch: the file was edited or truncated")
	}
	return nil
}

// writeRates writes every rate of s as prefix, the rate formatted by
// appendRate, and sep, except that the last rate ends with last instead of
// sep.
func writeRates(w *bufio.Writer, s *Schedule, prefix, sep, last string, appendRate func([]byte, float64) []byte) {
	var buf []byte
	for t, v := range s.All() {
		buf = append(buf[:0], prefix...)
		buf = appendRate(buf, v)
		if t == s.Steps-1 {
			buf = append(buf, last...)
		} else {
			buf = append(buf, sep...)
		}
		w.Write(buf)
	}
}

// appendYAMLFloat formats a finite float as yaml.v3 does: the shortest
// form that parses back, strconv's 'g' format.
func appendYAMLFloat(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'g', -1, 64) }

// appendJSONFloat formats a finite float as encoding/json does: 'f'
// format, or 'e' below 1e-6 and from 1e21, with a one-digit negative
// exponent written without its leading zero ("1e-7").
func appendJSONFloat(b []byte, v float64) []byte {
	format := byte('f')
	if abs := math.Abs(v); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func encodeYAML(s *Schedule, h Header) ([]byte, func(*bufio.Writer) error, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&documentHead{Checksum: placeholder, meta: newMeta(s, h)}); err != nil {
		return nil, nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, nil, err
	}
	// A comment after the checksum says what it covers.
	b := buf.Bytes()
	first := bytes.IndexByte(b, '\n')
	head := slices.Concat(b[:first], []byte("  # SHA-256 of this file without these 64 digits"), b[first:], []byte("rates:\n"))
	return head, func(w *bufio.Writer) error {
		writeRates(w, s, "  - ", "\n", "\n", appendYAMLFloat)
		return nil
	}, nil
}

func encodeJSON(s *Schedule, h Header) ([]byte, func(*bufio.Writer) error, error) {
	b, err := json.MarshalIndent(&documentHead{Checksum: placeholder, meta: newMeta(s, h)}, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	head := append(bytes.TrimSuffix(b, []byte("\n}")), ",\n  \"rates\": [\n"...)
	return head, func(w *bufio.Writer) error {
		writeRates(w, s, "    ", ",\n", "\n", appendJSONFloat)
		_, err := w.WriteString("  ]\n}\n")
		return err
	}, nil
}

// csvHeader is the line before the rows of a csv schedule.
const csvHeader = "step,lr"

func encodeCSV(s *Schedule, h Header) ([]byte, func(*bufio.Writer) error, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# checksum: %s\n", placeholder)
	// The header's keys in order, one per line, values in JSON.
	js, err := json.Marshal(newMeta(s, h))
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	if _, err := dec.Token(); err != nil { // {
		return nil, nil, err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(&buf, "# %s: %s\n", key, v)
	}
	buf.WriteString(csvHeader + "\n")
	return buf.Bytes(), func(w *bufio.Writer) error {
		var b []byte
		for t, v := range s.All() {
			b = strconv.AppendInt(b[:0], int64(t), 10)
			b = append(b, ',')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
			b = append(b, '\n')
			w.Write(b)
		}
		return nil
	}, nil
}

// runs merges equal consecutive rates: boundaries[i] is the last step of
// run i (for all runs but the last) and values[i] its rate, as Keras's
// PiecewiseConstantDecay reads them (values[0] while step ≤ boundaries[0],
// values[i] while boundaries[i−1] < step ≤ boundaries[i], then the last
// value). A single run is written as two equal values around the last
// step, since Keras needs at least one boundary.
func runs(rates []float64) (boundaries []int, values []float64) {
	s := &Schedule{Steps: len(rates), Rates: rates}
	for b := range runBoundaries(s) {
		boundaries = append(boundaries, b)
	}
	for v := range runValues(s) {
		values = append(values, v)
	}
	return boundaries, values
}

// runBoundaries yields the boundaries of runs(s's rates), streaming.
func runBoundaries(s *Schedule) iter.Seq[int] {
	return func(yield func(int) bool) {
		prev, any := 0.0, false
		for t, v := range s.All() {
			if t > 0 && v != prev {
				any = true
				if !yield(t - 1) {
					return
				}
			}
			prev = v
		}
		if !any {
			yield(s.Steps - 1)
		}
	}
}

// runValues yields the values of runs(s's rates), streaming.
func runValues(s *Schedule) iter.Seq[float64] {
	return func(yield func(float64) bool) {
		first, prev, n := 0.0, 0.0, 0
		for t, v := range s.All() {
			if t == 0 {
				first = v
			}
			if t == 0 || v != prev {
				n++
				if !yield(v) {
					return
				}
			}
			prev = v
		}
		if n == 1 {
			yield(first)
		}
	}
}

// expand is the inverse of runs: the rate of PiecewiseConstantDecay at
// steps 0 … steps−1.
func expand(boundaries []int, values []float64, steps int) []float64 {
	out := make([]float64, steps)
	k := 0
	for t := range out {
		for k < len(boundaries) && t > boundaries[k] {
			k++
		}
		out[t] = values[k]
	}
	return out
}

// kerasHead is a keras file without its config: what is written before
// the boundaries.
type kerasHead struct {
	Checksum  string `json:"checksum"`
	CLC       meta   `json:"clc"`
	ClassName string `json:"class_name"`
}

func encodeKeras(s *Schedule, h Header) ([]byte, func(*bufio.Writer) error, error) {
	b, err := json.MarshalIndent(&kerasHead{Checksum: placeholder, CLC: newMeta(s, h), ClassName: "PiecewiseConstantDecay"}, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	name, err := json.Marshal("clc_" + strings.ReplaceAll(s.Spec.Shape, "-", "_"))
	if err != nil {
		return nil, nil, err
	}
	head := append(bytes.TrimSuffix(b, []byte("\n}")), ",\n  \"config\": {\n    \"boundaries\": [\n"...)
	return head, func(w *bufio.Writer) error {
		var buf []byte
		sep := ""
		for x := range runBoundaries(s) {
			buf = append(append(buf[:0], sep+"      "...), strconv.Itoa(x)...)
			w.Write(buf)
			sep = ",\n"
		}
		w.WriteString("\n    ],\n    \"values\": [\n")
		sep = ""
		for v := range runValues(s) {
			buf = appendJSONFloat(append(buf[:0], sep+"      "...), v)
			w.Write(buf)
			sep = ",\n"
		}
		w.WriteString("\n    ],\n    \"name\": ")
		w.Write(name)
		_, err := w.WriteString("\n  }\n}\n")
		return err
	}, nil
}

// pyFloat prints v as a Python float literal that parses to the same
// float64.
func pyFloat(v float64) string {
	s := fmtG(v)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// torchScheduler returns the Python expression building the scheduler and
// the base learning rate to set, or ok = false when PyTorch has no closed
// form for the schedule (LambdaLR over the rates is used instead): a
// per-epoch schedule other than a constant averages the shape over each
// epoch, which no PyTorch scheduler does.
func torchScheduler(s *Schedule) (expr string, base float64, ok bool, err error) {
	r, scale, err := s.resolvedShape()
	if err != nil {
		return "", 0, false, err
	}
	n := r.n
	const pkg = "torch.optim.lr_scheduler."
	shape := r.Shape
	if n == 1 && (shape == Linear || shape == Cosine) {
		shape = Constant // a single point at the peak
	}
	if s.Per == PerEpoch && shape != Constant {
		return "", 0, false, nil
	}
	switch shape {
	case Constant:
		return pkg + "ConstantLR(optimizer, factor=1.0, total_iters=0)", scale, true, nil
	case Linear:
		return fmt.Sprintf("%sLinearLR(optimizer, start_factor=1.0, end_factor=%s, total_iters=%d)",
			pkg, pyFloat(r.MinRatio), n-1), scale, true, nil
	case Cosine:
		return fmt.Sprintf("%sCosineAnnealingLR(optimizer, T_max=%d, eta_min=%s * BASE_LR)",
			pkg, n-1, pyFloat(r.MinRatio)), scale, true, nil
	case Exponential:
		return fmt.Sprintf("%sExponentialLR(optimizer, gamma=%s)", pkg, pyFloat(r.gamma)), scale, true, nil
	case Step:
		ms := make([]string, len(r.milestones))
		for i, m := range r.milestones {
			ms[i] = strconv.Itoa(m)
		}
		return fmt.Sprintf("%sMultiStepLR(optimizer, milestones=[%s], gamma=%s)",
			pkg, strings.Join(ms, ", "), pyFloat(r.Gamma)), scale, true, nil
	case OneCycle:
		return fmt.Sprintf("%sOneCycleLR(optimizer, max_lr=BASE_LR, total_steps=%d, pct_start=%s, anneal_strategy=\"cos\", "+
			"cycle_momentum=False, div_factor=%s, final_div_factor=%s, three_phase=False)",
			pkg, n, pyFloat(r.PctStart), pyFloat(r.DivFactor), pyFloat(r.FinalDivFactor)), scale, true, nil
	}
	return "", 0, false, nil
}

func encodeTorch(s *Schedule, h Header) ([]byte, func(*bufio.Writer) error, error) {
	expr, base, closed, err := torchScheduler(s)
	if err != nil {
		return nil, nil, err
	}
	n, unit := s.points()
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# checksum: %s", placeholder)
	p("# A clc learning-rate schedule as a PyTorch snippet: %s, %d steps, the rate changing every %s.", s.Spec, s.Steps, s.Per)
	if h.Tool != "" || h.FitFile != "" {
		p("# Written by %s from the fit %q (sha256 %s).", h.Tool, h.FitFile, h.FitSHA256)
	}
	for _, note := range s.Notes {
		p("# Note: %s.", strings.ReplaceAll(note.String(), "\n", " "))
	}
	p("# The checksum is the SHA-256 of this file without its 64 digits: edit nothing.")
	p("#")
	p("#     scheduler = make_scheduler(optimizer)  # sets the optimizer's learning rate")
	if s.Per == PerEpoch {
		p("#     for epoch in range(EPOCHS):")
		p("#         for batch in range(STEPS_PER_EPOCH):")
		p("#             ...  # forward, backward")
		p("#             optimizer.step()")
		p("#         scheduler.step()                   # once per epoch")
	} else {
		p("#     for step in range(STEPS):")
		p("#         ...  # forward, backward")
		p("#         optimizer.step()")
		p("#         scheduler.step()                   # after every optimizer step")
	}
	p("#")
	p("# PyTorch's schedulers multiply the learning rate they find in the optimizer,")
	p("# so make_scheduler sets it to BASE_LR; the rates then sum to AREA lr·steps.")
	p("import torch")
	p("")
	p("SHAPE = %s", strconv.Quote(s.Spec.String()))
	p("STEPS = %d", s.Steps)
	p("STEP_EVERY = %q  # call scheduler.step() once per %s", string(s.Per), s.Per)
	if s.Per == PerEpoch {
		p("EPOCHS = %d", s.Epochs())
		p("STEPS_PER_EPOCH = %d", s.StepsPerEpoch)
	}
	p("AREA = %s  # lr·steps: the sum of the rates over all steps", pyFloat(s.Area))
	p("PEAK = %s", pyFloat(s.Peak))
	p("FINAL = %s", pyFloat(s.Final))
	if !closed {
		base = 1
		expr = "torch.optim.lr_scheduler.LambdaLR(optimizer, lambda i: RATES[min(i, len(RATES) - 1)])"
		p("# The rate of each %s (LambdaLR multiplies BASE_LR = 1.0 by it).", strings.TrimSuffix(unit, "s"))
		p("RATES = [")
	}
	head := b.Bytes()
	return head, func(w *bufio.Writer) error {
		if !closed {
			var line []byte
			for i, v := range s.PointRates() {
				if i%4 == 0 {
					line = append(line[:0], "    "...)
				} else {
					line = append(line, ", "...)
				}
				line = append(line, pyFloat(v)...)
				if i%4 == 3 || i == n-1 {
					line = append(line, ",\n"...)
					w.Write(line)
				}
			}
			w.WriteString("]\n")
		}
		fmt.Fprintf(w, "BASE_LR = %s\n", pyFloat(base))
		w.WriteString("\n\ndef make_scheduler(optimizer):\n")
		w.WriteString("    \"\"\"Set the optimizer's learning rate and return a scheduler giving clc's rates.\"\"\"\n")
		w.WriteString("    for group in optimizer.param_groups:\n")
		w.WriteString("        group[\"lr\"] = BASE_LR\n")
		w.WriteString("        group[\"initial_lr\"] = BASE_LR\n")
		_, err := fmt.Fprintf(w, "    return %s\n", expr)
		return err
	}, nil
}
