package clc

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// sampleFit is a fit file with every field set, including a diverged trial
// and floats that need all 17 digits.
func sampleFit() *FitFile {
	return &FitFile{
		Version: 1,
		Tool:    "clc v0.1.0",
		Created: "2025-06-01T12:00:00Z",
		Dataset: DatasetInfo{
			Source: "data/iris.csv", SHA256: strings.Repeat("ab", 32), Rows: 135, Features: 4,
			Task: "classification", Classes: 3, Target: "species",
			Valid: "split 0.1 seed 0", ValidRows: 15,
		},
		Config: SweepConfig{
			Model: "mlp", Hidden: []int{128, 64}, Activation: "relu", Optimizer: "sgd",
			Epochs: 20, BatchSize: 32, Fractions: []float64{0.25, 0.5, 1},
			FractionText: []string{"1/4", "1/2", "1"}, LRs: []float64{1e-3, 0.1 + 0.2, 1.0 / 3},
			Seeds: 2, ValidFraction: 0.1, SplitSeed: 0, ShuffleSeed: math.MaxUint64,
			DivergenceFactor: 10, Bootstrap: 1000,
		},
		Trials: []Trial{
			{TrialSpec: TrialSpec{Fraction: 0.25, N: 34, LR: 1e-3, Seed: 0}, Steps: 20, ValidLoss: 0.6931471805599453,
				TrainLoss: 0.7, ValidAccuracy: 2.0 / 3, Seconds: 0.012},
			{TrialSpec: TrialSpec{Fraction: 0.25, N: 34, LR: 1.0 / 3, Seed: 1}, Steps: 3, ValidLoss: math.Inf(1),
				TrainLoss: math.Inf(1), ValidAccuracy: 0, Diverged: true, Seconds: 5e-324},
		},
		Optima: []Optimum{
			{Fraction: 0.25, N: 34, Steps: 20, LR: 0.012345678901234567, Refined: true, Loss: 0.5, LogSE: 0.1,
				LRLow: 0.007, LRHigh: 0.02, Bracketed: true, Usable: true, Constant: 0.24691357802469134},
			{Fraction: 0.5, N: 68, Steps: 40, LR: 0.1, Loss: 0.4, LogSE: 0.14433756729740643,
				LRLow: 0.05, LRHigh: 0.2, Bracketed: true, StabilityEdge: true, Usable: true, Constant: 4},
			{Fraction: 1, N: 135, Steps: 80, LR: 1, Loss: 0.3, LogSE: 0.1, LRLow: 0.6, LRHigh: 1.6,
				Edge: "high", Usable: true, Constant: 80},
		},
		Law: Law{
			Alpha: -0.5333333333333333, AlphaSE: 0.13333333333333333, AlphaCI: [2]float64{-2.2, 1.1},
			K: 1.2915496650148839, Log10KSE: 0.3664984, CovLogKAlpha: -0.047407407407407405, R2: 0.9411764705882353,
			BirgeRatio: 1.7777777777777777, Points: 3, DoF: 1, NMin: 34, NMax: 135,
			Extrapolation: &Extrapolation{N: 135, PredictedLR: 0.0158, MeasuredLR: 0.0063, MissDecades: 0.4, Sigma: 1.3333333333333333},
		},
		Constant: ConstantReport{
			Values: []float64{0.24691357802469134, 4}, Mean: 2.1234567890123457, CV: 1.25, Slope: 4.0,
			SlopeCI: [2]float64{1, 7}, Holds: false, Verdict: "not constant: C grows as N^4.00 [1.00, 7.00]",
		},
		Prediction: Prediction{N: 135, Steps: 80, LR: 1e-300, LRLow: 1e-308, LRHigh: math.MaxFloat64, Constant: 8e-299},
	}
}

func TestFitFileRoundTrip(t *testing.T) {
	f := sampleFit()
	data, err := MarshalFit(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("version: 1\n")) {
		t.Errorf("fit file does not start with version: 1:\n%s", data)
	}
	for _, bad := range []string{".inf", ".nan", "Inf", "NaN"} {
		if bytes.Contains(data, []byte(bad)) {
			t.Errorf("fit file contains %q", bad)
		}
	}
	golden := filepath.Join("testdata", "fit.golden.yaml")
	if *update {
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) {
		t.Errorf("MarshalFit differs from %s (run go test -update):\n%s", golden, data)
	}

	g, err := UnmarshalFit(data, "fit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The diverged trial's losses were omitted and read back as +Inf,
	// which reflect.DeepEqual compares as equal.
	if !reflect.DeepEqual(f, g) {
		t.Errorf("round trip changed the fit:\n got %+v\nwant %+v", g, f)
	}
	if !math.IsInf(g.Trials[1].ValidLoss, 1) {
		t.Errorf("diverged valid_loss read as %v, want +Inf", g.Trials[1].ValidLoss)
	}

	// Zero Version is written as 1; other versions are refused.
	f.Version = 0
	if data2, err := MarshalFit(f); err != nil || !bytes.Equal(data2, data) {
		t.Errorf("Version 0: err %v, output differs: %v", err, !bytes.Equal(data2, data))
	}
	f.Version = 2
	if _, err := MarshalFit(f); err == nil {
		t.Error("MarshalFit wrote version 2")
	}
}

func TestFitFileNonFinite(t *testing.T) {
	// A regression trial has NaN accuracy: omitted, read back as NaN.
	f := sampleFit()
	f.Trials[0].ValidAccuracy = math.NaN()
	f.Trials[0].TrainLoss = math.NaN() // reads back as +Inf
	data, err := MarshalFit(f)
	if err != nil {
		t.Fatal(err)
	}
	g, err := UnmarshalFit(data, "fit.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if tr := g.Trials[0]; !math.IsNaN(tr.ValidAccuracy) || !math.IsInf(tr.TrainLoss, 1) || tr.ValidLoss != f.Trials[0].ValidLoss {
		t.Errorf("trial read back as %+v", tr)
	}

	// Outside the trials a non-finite number is a bug: refuse to write it.
	f = sampleFit()
	f.Law.Alpha = math.NaN()
	if _, err := MarshalFit(f); err == nil || !strings.Contains(err.Error(), "fit.law.alpha is NaN") {
		t.Errorf("MarshalFit with NaN alpha: err = %v", err)
	}
	// And a hand-edited .nan is an input error on reading.
	data, _ = MarshalFit(sampleFit())
	bad := strings.Replace(string(data), "mean: 2.1234567890123457", "mean: .nan", 1)
	_, err = UnmarshalFit([]byte(bad), "fit.yaml")
	if ie, ok := inputerr.As(err); !ok || !strings.Contains(ie.Msg, "fit.constant.mean is NaN") {
		t.Errorf("reading .nan: err = %v", err)
	}
}

func TestFitFileErrors(t *testing.T) {
	good, err := MarshalFit(sampleFit())
	if err != nil {
		t.Fatal(err)
	}
	text := string(good)
	tests := []struct {
		name  string
		data  string
		line  int    // 0: no line expected
		msg   string // substring of the message
		hint  string // substring of the hint
		exact bool
	}{
		{"empty", "", 0, "fit file is empty", "re-create", false},
		{"not a mapping", "- 1\n- 2\n", 1, "not a clc fit file: expected a mapping", "clc fit", false},
		{"missing version", strings.TrimPrefix(text, "version: 1\n"), 1, "not a clc fit file: no version", "version: 1", false},
		{"version 2", strings.Replace(text, "version: 1", "version: 2", 1), 1,
			"unsupported fit file version 2 (this clc reads version 1)", "newer clc", false},
		{"version 0", strings.Replace(text, "version: 1", "version: 0", 1), 1, "unsupported fit file version 0", "re-create", false},
		{"version text", strings.Replace(text, "version: 1", "version: one", 1), 1, `fit file version "one" is not a number`, "version 1", false},
		{"unknown top-level key", text + "extra: 1\n", lineOf(text, "") + 1, `unknown key "extra"`, "", false},
		{"unknown law key", strings.Replace(text, "  alpha: ", "  alfa: 3\n  alpha: ", 1), lineOf(text, "  alpha: "), `unknown key "alfa"`, "", false},
		{"unknown trial key", strings.Replace(text, "    diverged: true", "    diverged: true\n    colour: red", 1),
			lineOf(text, "    diverged: true") + 1, `unknown key "colour"`, "", false},
		{"trial missing key", strings.Replace(text, "    seconds: 5e-324\n", "", 1), lineOf(text, "    seconds: 5e-324") - 7,
			`trial is missing "seconds"`, "", false},
		{"wrong type", strings.Replace(text, "  rows: 135", "  rows: many", 1), lineOf(text, "  rows: 135"),
			"cannot unmarshal !!str `many` into int", "", false},
		{"syntax", strings.Replace(text, "  task: classification", "  task: [classification", 1), 0, "invalid YAML", "", false},
		{"two documents", text + "---\nversion: 1\n", lineOf(text, "") + 1, "more than one YAML document", "", false},
		{"missing nested key", strings.Replace(text, "  lr_high: 1.7976931348623157e+308\n", "", 1), lineOf(text, "prediction:") + 1,
			`missing key "lr_high" in prediction`, "truncated", false},
	}
	for _, tc := range tests {
		_, err := UnmarshalFit([]byte(tc.data), "fit.yaml")
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("%s: error %v is not an input error", tc.name, err)
			continue
		}
		if ie.File != "fit.yaml" || !strings.Contains(ie.Msg, tc.msg) || !strings.Contains(ie.Hint, tc.hint) {
			t.Errorf("%s: got %q (hint %q), want file fit.yaml, message containing %q, hint containing %q",
				tc.name, ie.Error(), ie.Hint, tc.msg, tc.hint)
		}
		if tc.line != 0 && ie.Line != tc.line {
			t.Errorf("%s: line %d, want %d (%s)", tc.name, ie.Line, tc.line, ie.Error())
		}
		if tc.name == "syntax" && ie.Line == 0 {
			t.Errorf("%s: no line in %q", tc.name, ie.Error())
		}
	}
}

// lineOf returns the 1-based line of the first occurrence of s in text
// ("" gives the number of lines).
func lineOf(text, s string) int {
	if s == "" {
		return strings.Count(text, "\n")
	}
	i := strings.Index(text, s)
	if i < 0 {
		panic("lineOf: " + s + " not found")
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestFitFileTruncated(t *testing.T) {
	good, err := MarshalFit(sampleFit())
	if err != nil {
		t.Fatal(err)
	}
	// Every truncation at a line boundary drops at least the last key
	// (prediction.constant), so it must be refused as an input error.
	lines := strings.SplitAfter(strings.TrimSuffix(string(good), "\n"), "\n")
	for k := 0; k < len(lines)-1; k++ {
		data := strings.Join(lines[:k], "")
		_, err := UnmarshalFit([]byte(data), "fit.yaml")
		if _, ok := inputerr.As(err); !ok {
			t.Errorf("truncated to %d lines: err = %v, want an input error", k, err)
		}
	}
	// Cut inside a flow sequence: a syntax error.
	i := strings.Index(string(good), "lrs: [")
	_, err = UnmarshalFit(good[:i+10], "fit.yaml")
	if ie, ok := inputerr.As(err); !ok || !strings.Contains(ie.Msg, "invalid YAML") {
		t.Errorf("cut inside lrs: err = %v", err)
	}
}

func TestWriteReadFitFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "clc-fit.yaml")
	f := sampleFit()
	if err := WriteFitFile(path, f); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	g, err := ReadFitFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, g) {
		t.Errorf("read back %+v, want %+v", g, f)
	}
	// Overwrite in place.
	f.Tool = "clc v0.2.0"
	if err := WriteFitFile(path, f); err != nil {
		t.Fatal(err)
	}
	if g, err := ReadFitFile(path); err != nil || g.Tool != "clc v0.2.0" {
		t.Errorf("after overwrite: tool %q err %v", g.Tool, err)
	}

	_, err = ReadFitFile(filepath.Join(dir, "missing.yaml"))
	if ie, ok := inputerr.As(err); !ok || ie.Msg != "fit file not found" || !strings.Contains(ie.Hint, "clc fit") {
		t.Errorf("missing file: err = %v", err)
	}
	if err := WriteFitFile(filepath.Join(dir, "no", "such", "dir.yaml"), f); err == nil || !strings.HasPrefix(err.Error(), "clc: ") {
		t.Errorf("write into a missing directory: err = %v", err)
	}
}

func FuzzUnmarshalFit(f *testing.F) {
	good, err := MarshalFit(sampleFit())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("version: 1\n"))
	f.Add([]byte("version: 1\ntrials:\n  - {fraction: 1, n: 2, lr: 0.1, seed: 0, steps: 1, diverged: true, seconds: 0}\n"))
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		fit, err := UnmarshalFit(data, "fuzz.yaml")
		if err != nil {
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("error %v is not an input error", err)
			}
			return
		}
		// Whatever it accepts it can write back and read again.
		out, err := MarshalFit(fit)
		if err != nil {
			t.Fatalf("MarshalFit of an accepted file: %v", err)
		}
		if _, err := UnmarshalFit(out, "again.yaml"); err != nil {
			t.Fatalf("re-reading: %v\n%s", err, out)
		}
	})
}
