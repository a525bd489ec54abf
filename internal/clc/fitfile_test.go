package clc

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/inputerr/inputerrtest"
	"github.com/clc-tools/clc/internal/scaling"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// sampleFit is a fit file with every field set, including a diverged trial
// and floats that need all 17 digits.
func sampleFit() *FitFile {
	return &FitFile{
		Version: FitVersion,
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
			Seeds: 2, SeedBase: 7, ValidFraction: 0.1, SplitSeed: 0, ShuffleSeed: math.MaxUint64,
			DivergenceFactor: 10, Bootstrap: 1000,
		},
		Trials: []Trial{
			{TrialSpec: TrialSpec{Fraction: 0.25, N: 34, LR: 1e-3, Seed: 0}, Steps: 20, ValidLoss: 0.6931471805599453,
				TrainLoss: 0.7, ValidAccuracy: 2.0 / 3, Seconds: 0.012},
			{TrialSpec: TrialSpec{Fraction: 0.25, N: 34, LR: 1.0 / 3, Seed: 1}, Steps: 3, ValidLoss: math.Inf(1),
				TrainLoss: math.Inf(1), ValidAccuracy: 0, Diverged: true, Seconds: 5e-324},
		},
		Optima: []scaling.Optimum{
			{Fraction: 0.25, N: 34, Steps: 20, LR: 0.012345678901234567, Refined: true, Loss: 0.5, Curvature: 1.25, Seeds: 2,
				LogSE: 0.1, LRLow: 0.007, LRHigh: 0.02, DoF: 3, Bracketed: true, Usable: true, Constant: 0.24691357802469134},
			{Fraction: 0.5, N: 68, Steps: 40, LR: 0.1, Loss: 0.4, LogSE: 0.14433756729740643,
				LRLow: 0.05, LRHigh: 0.2, Bracketed: true, StabilityEdge: true, Usable: true, Constant: 4},
			{Fraction: 1, N: 135, Steps: 80, LR: 1, Loss: 0.3, LogSE: 0.1, LRLow: 0.6, LRHigh: 1.6,
				Edge: "high", Usable: true, Constant: 80, IntervalNote: "a note"},
		},
		Noise: &scaling.Noise{SeedSD: 0.08, DoF: 3, Fractions: 3},
		Law: scaling.Law{
			Alpha: -0.5333333333333333, AlphaSE: 0.13333333333333333, AlphaCI: [2]float64{-2.2, 1.1},
			K: 1.2915496650148839, Log10KSE: 0.3664984, CovLogKAlpha: -0.047407407407407405, R2: 0.9411764705882353,
			BirgeRatio: 1.7777777777777777, Points: 3, DoF: 1, NMin: 34, NMax: 135,
			Extrapolation: &scaling.Extrapolation{N: 135, PredictedLR: 0.0158, MeasuredLR: 0.0063, MissDecades: 0.4, Sigma: 1.3333333333333333,
				DoF: 2.5, PValue: 0.27},
			Method: scaling.MethodRandomEffects, Tau: 0.03, NoiseDoF: 3, AlphaDoF: 2.75,
			SamplingCov: &scaling.Covariance{Log10K: 0.1, Alpha: 0.015, Log10KAlpha: -0.04},
			Anchor:      &scaling.Anchor{N: 68, LR: 0.1, LogSE: 0.14433756729740643, Curvature: 0.5},
			Bend:        &scaling.Bend{Center: 1.7, Spread: 0.0453, Skew: -1e-17, Q: -0.125, QSE: 0.2915475947422650},
		},
		Constant: scaling.ConstantReport{
			Values: []float64{0.24691357802469134, 4}, Mean: 2.1234567890123457, CV: 1.25, Slope: 4.0,
			SlopeCI: [2]float64{1, 7}, Holds: false, Verdict: "not constant: C grows as N^4.00 [1.00, 7.00]",
		},
		Prediction: Prediction{N: 135, Steps: 80, LR: 1e-300, LRLow: 1e-308, LRHigh: math.MaxFloat64, Constant: 8e-299,
			Source: "blend", LawWeight: 0.75, LawLR: 2e-300, LocalLR: 0.1, LocalN: 68, DoF: 3.5, Log10SE: 0.12, ExpectedRegret: 0.0036},
	}
}

func TestFitFileRoundTrip(t *testing.T) {
	f := sampleFit()
	data, err := MarshalFit(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("version: 4\n")) {
		t.Errorf("fit file does not start with version: 4:\n%s", data)
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

	// Zero Version is written as FitVersion, a version-1 fit as 1; other
	// versions are refused.
	f.Version = 0
	if data2, err := MarshalFit(f); err != nil || !bytes.Equal(data2, data) {
		t.Errorf("Version 0: err %v, output differs: %v", err, !bytes.Equal(data2, data))
	}
	f.Version = 1
	if data1, err := MarshalFit(f); err != nil || !bytes.HasPrefix(data1, []byte("version: 1\n")) {
		t.Errorf("Version 1: err %v, output starts %.12q", err, data1)
	}
	f.Version = FitVersion + 1
	if _, err := MarshalFit(f); err == nil {
		t.Errorf("MarshalFit wrote version %d", f.Version)
	}
}

// A fit file of version 1 (written by clc before the noise model and the
// random-effects law) still reads, and still predicts: from its law alone,
// with the band it was written with (t(0.975, 1) because its Birge ratio
// exceeds 1).
func TestFitFileVersion1(t *testing.T) {
	f, err := ReadFitFile(filepath.Join("testdata", "fit.v1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 1 || f.Noise != nil || f.Law.Method != "" || f.Law.Anchor != nil || f.Config.Bootstrap != 1000 {
		t.Fatalf("version %d noise %v method %q anchor %v bootstrap %d; want a version-1 fit", f.Version, f.Noise, f.Law.Method, f.Law.Anchor, f.Config.Bootstrap)
	}
	e, err := f.Estimate(scaling.Target{N: 1000})
	if err != nil {
		t.Fatal(err)
	}
	l := f.Law
	x := math.Log10(1000)
	y := math.Log10(l.K) + l.Alpha*x
	se := math.Sqrt(l.Log10KSE*l.Log10KSE + 2*x*l.CovLogKAlpha + x*x*l.AlphaSE*l.AlphaSE)
	const t1 = 12.706204736174705 // t(0.975, 1), R: qt(0.975, 1)
	fitT := float64(f.Config.Epochs * (1000 / f.Config.BatchSize))
	if e.Source != scaling.SourceLaw || e.LawWeight != 1 || math.Abs(math.Log10(e.OptimumLR)-y) > 1e-12 ||
		math.Abs(math.Log10(e.ConstLow/fitT)-(y-t1*se)) > 1e-9 || math.Abs(math.Log10(e.ConstHigh/fitT)-(y+t1*se)) > 1e-9 {
		t.Errorf("estimate %+v; want the law's 10^%.4f with band ∓%.4f decades", e, y, t1*se)
	}
}

// Fit files of versions 1 and 2 carry C over to a run of another length
// unchanged, as the clc that wrote them did: the rate is C(N)/T with the
// interval of the fit's own run, and the transfer says it was assumed. A
// version-3 fit of one run moves the rate by the prior instead.
func TestFitFileOldVersionsAssumeTheTransfer(t *testing.T) {
	for _, name := range []string{"fit.v1.yaml", "fit.v2.yaml"} {
		f, err := ReadFitFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		own, err := f.Estimate(scaling.Target{N: 1000})
		if err != nil {
			t.Fatal(err)
		}
		e, err := f.Estimate(scaling.Target{N: 1000, Epochs: 4 * f.Config.Epochs})
		if err != nil {
			t.Fatal(err)
		}
		if tr := e.Transfer; tr == nil || tr.From != scaling.TransferAssumed || e.Constant != own.Constant ||
			e.LR != own.Constant/float64(e.Steps) || e.LRLow != own.ConstLow/float64(e.Steps) || e.LRHigh != own.ConstHigh/float64(e.Steps) {
			t.Errorf("%s: %+v; want C carried over from %+v", name, e, own)
		}
		f.Version = FitVersion
		e3, err := f.Estimate(scaling.Target{N: 1000, Epochs: 4 * f.Config.Epochs})
		if err != nil {
			t.Fatal(err)
		}
		if tr := e3.Transfer; tr == nil || tr.From != scaling.TransferPrior || math.Abs(math.Log10(e3.LR/own.LR)-scaling.PriorBeta.Mean*math.Log10(4)) > 1e-12 {
			t.Errorf("%s as version 3: %+v", name, e3)
		}
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
	// Inside a trial, the path names the trial.
	f = sampleFit()
	f.Trials[1].LR = math.Inf(1)
	if _, err := MarshalFit(f); err == nil || !strings.Contains(err.Error(), "fit.trials[1].lr is +Inf") {
		t.Errorf("MarshalFit with an infinite rate: err = %v", err)
	}
	// And a hand-edited .nan is an input error on reading.
	data, _ = MarshalFit(sampleFit())
	bad := strings.Replace(string(data), "mean: 2.1234567890123457", "mean: .nan", 1)
	_, err = UnmarshalFit([]byte(bad), "fit.yaml")
	if ie, ok := inputerr.As(err); !ok || ie.Error() != fmt.Sprintf("fit.yaml:%d:9: constant.mean is NaN; a fit file holds finite numbers only",
		lineOf(bad, "mean: .nan")) {
		t.Errorf("reading .nan: err = %v", err)
	}
	bad = strings.Replace(string(data), "lrs: [0.001, ", "lrs: [-.inf, ", 1)
	_, err = UnmarshalFit([]byte(bad), "fit.yaml")
	if ie, ok := inputerr.As(err); !ok || ie.Error() != fmt.Sprintf("fit.yaml:%d:9: config.lrs[0] is -Inf; a fit file holds finite numbers only",
		lineOf(bad, "lrs: [")) {
		t.Errorf("reading -.inf: err = %v", err)
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
		{"not a mapping", "- 1\n- 2\n", 1, "not a fit file: expected a mapping", "clc fit", false},
		{"missing version", strings.TrimPrefix(text, "version: 4\n"), 1, "not a fit file: no version", "version: 4", false},
		{"version 5", strings.Replace(text, "version: 4", "version: 5", 1), 1,
			"unsupported fit file version 5 (this clc reads versions 1 to 4)", "newer clc", false},
		{"version 0", strings.Replace(text, "version: 4", "version: 0", 1), 1, "unsupported fit file version 0", "re-create", false},
		{"version text", strings.Replace(text, "version: 4", "version: one", 1), 1, `fit file version "one" is not a number`, "versions 1 to 4", false},
		{"unknown top-level key", text + "extra: 1\n", lineOf(text, "") + 1, `unknown key "extra"`, "", false},
		{"unknown law key", strings.Replace(text, "  alpha: ", "  alfa: 3\n  alpha: ", 1), lineOf(text, "  alpha: "), `unknown key "alfa"`, "", false},
		{"unknown trial key", strings.Replace(text, "    diverged: true", "    diverged: true\n    colour: red", 1),
			lineOf(text, "    diverged: true") + 1, `unknown key "colour"`, "", false},
		{"trial missing key", strings.Replace(text, "    seconds: 5e-324\n", "", 1), lineOf(text, "    seconds: 5e-324") - 7,
			`missing key "seconds" in trials[1]`, "", true},
		{"wrong type", strings.Replace(text, "  rows: 135", "  rows: many", 1), lineOf(text, "  rows: 135"),
			`dataset.rows must be an integer, not "many"`, "re-create", true},
		{"wrong type: a list", strings.Replace(text, "  alpha: -0.5333333333333333", "  alpha: [1, 2]", 1), lineOf(text, "  alpha: "),
			"law.alpha must be a number, not a list", "", true},
		{"wrong type: a list element", strings.Replace(text, "lrs: [0.001, ", "lrs: [0.001, fast, ", 1), lineOf(text, "  lrs: "),
			`config.lrs[1] must be a number, not "fast"`, "", true},
		{"wrong type: a long value", strings.Replace(text, "  seeds: 2", "  seeds: twentythree", 1), lineOf(text, "  seeds: "),
			`config.seeds must be an integer, not "twentyt..."`, "", true},
		{"wrong type: negative seed", strings.Replace(text, "  split_seed: 0", "  split_seed: -1", 1), lineOf(text, "  split_seed: "),
			`config.split_seed must be a non-negative integer, not "-1"`, "", true},
		{"wrong type: a mapping", strings.Replace(text, "  hidden: [128, 64]", "  hidden: {a: 1}", 1), lineOf(text, "  hidden: "),
			"config.hidden must be a list of integers, not a mapping", "", true},
		{"wrong type in a trial", strings.Replace(text, "    \"n\": 34\n    lr: 0.001", "    \"n\": 34\n    lr: high", 1), lineOf(text, "    lr: 0.001"),
			`trials[0].lr must be a number, not "high"`, "", true},
		{"duplicate key", strings.Replace(text, "  rows: 135", "  rows: 135\n  rows: 136", 1), lineOf(text, "  rows: 135") + 1,
			`key "rows" is given twice in dataset (first at line 7)`, "", true},
		{"duplicate trial key", strings.Replace(text, "    seconds: 0.012\n", "    seconds: 0.012\n    seconds: 0.012\n", 1),
			lineOf(text, "    seconds: 0.012") + 1, fmt.Sprintf(`key "seconds" is given twice in trials[0] (first at line %d)`, lineOf(text, "    seconds: 0.012")), "", true},
		{"mapping where a number belongs", strings.Replace(text, "  k: 1.2915496650148839", "  k: {a: 1, b: 2}", 1), lineOf(text, "  k: "),
			"law.k must be a number, not a mapping", "", true},
		{"list where a mapping belongs", text[:strings.Index(text, "prediction:")] + "prediction: [1]\n", lineOf(text, "prediction:"),
			"prediction must be a mapping of keys, not a list", "", true},
		{"array of the wrong length", strings.Replace(text, "  alpha_ci: [-2.2, 1.1]", "  alpha_ci: [-2.2, 0, 1.1]", 1), lineOf(text, "  alpha_ci: "),
			"law.alpha_ci must be a list of 2 numbers, not a list of 3", "edited", true},
		{"complex key", strings.Replace(text, "  rows: 135", "  [rows]: 135", 1), lineOf(text, "  rows: 135"),
			"a key in dataset must be a plain name", "", true},
		{"trials not a list", text[:strings.Index(text, "trials:")] + "trials: 3\n" + text[strings.Index(text, "optima:"):], lineOf(text, "trials:"),
			`trials must be a list, not "3"`, "", true},
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
		if hint := cliHint(ie); ie.File != "fit.yaml" || !strings.Contains(ie.Msg, tc.msg) || !strings.Contains(hint, tc.hint) ||
			tc.exact && ie.Msg != tc.msg {
			t.Errorf("%s: got %q (hint %q), want file fit.yaml, message containing %q, hint containing %q",
				tc.name, ie.Error(), hint, tc.msg, tc.hint)
		}
		if tc.line != 0 && ie.Line != tc.line {
			t.Errorf("%s: line %d, want %d (%s)", tc.name, ie.Line, tc.line, ie.Error())
		}
		if tc.name == "syntax" && ie.Line == 0 {
			t.Errorf("%s: no line in %q", tc.name, ie.Error())
		}
	}
}

// cliHint is e's hint as the command line prints it.
func cliHint(e *inputerr.Error) string {
	_, hint := e.Render(inputerrtest.CLINames)
	return hint
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
	if ie, ok := inputerr.As(err); !ok || ie.Msg != "fit file not found" || !strings.Contains(cliHint(ie), "clc fit") ||
		ie.Param != paramFitFile {
		t.Errorf("missing file: err = %v", err)
	}
	if err := WriteFitFile(filepath.Join(dir, "no", "such", "dir.yaml"), f); err == nil || !strings.HasPrefix(err.Error(), "writing fit file: ") {
		t.Errorf("write into a missing directory: err = %v", err)
	}
}

// aliasBomb returns a "billion laughs" YAML document: levels anchors, each a
// sequence of 10 aliases of the one before, so the last expands to
// 10^levels scalars. With inFit the anchors follow the version line of the
// valid fit file good, whose config.fraction_text is the last alias, so
// that decoding would expand it.
func aliasBomb(good []byte, levels int, inFit bool) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nlaughs:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "  a%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", "))
	}
	if !inFit {
		return []byte(b.String())
	}
	s := strings.TrimPrefix(string(good), "version: 1\n")
	i := strings.Index(s, "  fraction_text: ")
	j := i + strings.IndexByte(s[i:], '\n')
	return []byte(b.String() + s[:i] + fmt.Sprintf("  fraction_text: *a%d", levels) + s[j:])
}

func TestUnmarshalFitRejectsAliases(t *testing.T) {
	good, err := MarshalFit(sampleFit())
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	cases := []struct {
		name, data, want string
	}{
		{"bomb", string(aliasBomb(good, 9, false)), `^fit.yaml:3:7: YAML anchor &a0: a fit file has no anchors or aliases$`},
		{"bomb after a valid file", string(aliasBomb(good, 9, true)), `^fit.yaml:3:7: YAML anchor &a0: a fit file has no anchors or aliases$`},
		{"anchor", strings.Replace(s, "tool: clc v0.1.0", "tool: &t clc v0.1.0", 1), `^fit.yaml:2:7: YAML anchor &t: `},
		{"alias", strings.Replace(s, "  target: species", "  target: &t species", 1) +
			"x: *t\n", `^fit.yaml:\d+:11: YAML anchor &t: `},
		{"merge key", "version: 1\nconfig:\n  <<: {model: mlp}\n", `^fit.yaml:3:3: YAML merge key <<: a fit file has no merge keys$`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			_, err := UnmarshalFit([]byte(c.data), "fit.yaml")
			if d := time.Since(start); d > 200*time.Millisecond {
				t.Errorf("took %v", d)
			}
			ie, ok := inputerr.As(err)
			if !ok {
				t.Fatalf("err = %v, want an input error", err)
			}
			if !regexp.MustCompile(c.want).MatchString(ie.Error()) {
				t.Errorf("error %q, want %s", ie.Error(), c.want)
			}
			if hint := cliHint(ie); !strings.Contains(hint, "clc fit never writes them") {
				t.Errorf("hint %q", hint)
			}
		})
	}
}

func TestFitFileValues(t *testing.T) {
	good, err := MarshalFit(sampleFit())
	if err != nil {
		t.Fatal(err)
	}
	text := string(good)
	const hint = "the file was edited or damaged; re-create it with clc fit"
	tests := []struct{ name, old, new, want string }{
		{"negative rows", "  rows: 135", "  rows: -135", "fit.yaml:7:9: dataset.rows is -135; it must not be negative"},
		{"batch size 0", "  batch_size: 32", "  batch_size: 0", "fit.yaml:20:15: config.batch_size is 0; it must be at least 1"},
		{"no training length", "  epochs: 20", "  epochs: 0", "fit.yaml:19:11: config.epochs is 0; it must be at least 1 (or config.steps must be)"},
		{"negative hidden width", "  hidden: [128, 64]", "  hidden: [128, -64]",
			"fit.yaml:16:17: config.hidden[1] is -64; it must not be negative"},
		{"fraction above 1", "  fractions: [0.25, 0.5, 1]", "  fractions: [0.25, 1.5, 1]",
			"fit.yaml:22:21: config.fractions[1] is 1.5; a fraction must be in (0, 1]"},
		{"zero rate", "  lrs: [0.001, ", "  lrs: [0, ", "fit.yaml:24:9: config.lrs[0] is 0; a learning rate must be positive"},
		{"negative trial rate", "    lr: 0.001\n", "    lr: -0.001\n", "fit.yaml:35:9: trials[0].lr is -0.001; a learning rate must be positive"},
		{"negative trial steps", "    steps: 20\n", "    steps: -20\n", "fit.yaml:37:12: trials[0].steps is -20; it must not be negative"},
		{"optimum fraction 0", "  - fraction: 0.25\n    \"n\": 34\n    steps: 20\n    lr: 0.012",
			"  - fraction: 0\n    \"n\": 34\n    steps: 20\n    lr: 0.012", "fit.yaml:52:15: optima[0].fraction is 0; a fraction must be in (0, 1]"},
		{"negative k", "  k: 1.2915496650148839", "  k: -1", "fit.yaml:106:6: law.k is -1; the law's k must be positive"},
		{"zero k", "  k: 1.2915496650148839", "  k: 0", "fit.yaml:106:6: law.k is 0; a law fitted on 3 points has a positive k"},
		{"sizes backwards", "  n_max: 135", "  n_max: 30", "fit.yaml:113:10: law.n_min is 34; it must not exceed law.n_max (30)"},
		{"n_min 0", "  n_min: 34", "  n_min: 0", "fit.yaml:113:10: law.n_min is 0; a law fitted on 3 points spans sizes of at least 1 row"},
	}
	for _, tc := range tests {
		data := strings.Replace(text, tc.old, tc.new, 1)
		if data == text {
			t.Fatalf("%s: %q not found", tc.name, tc.old)
		}
		_, err := UnmarshalFit([]byte(data), "fit.yaml")
		if ie, ok := inputerr.As(err); !ok || ie.Error() != tc.want || cliHint(ie) != hint {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	// A fit without a usable law (clc fit does not write one, but tests
	// and older tools may): k = 0 with fewer than 2 points is accepted, and
	// commands that need the law say it has none.
	f := sampleFit()
	f.Law = scaling.Law{Points: 1}
	data, err := MarshalFit(f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UnmarshalFit(data, "fit.yaml"); err != nil {
		t.Errorf("fit without a law: %v", err)
	}
}

// TestUnmarshalFitManyKeysFast guards against quadratic time: yaml.v3
// compares the keys of every mapping it decodes pairwise, so 100,000
// repeated keys in one trial took minutes before UnmarshalFit learned to
// reject repeated keys, and values of the wrong kind, first.
func TestUnmarshalFitManyKeysFast(t *testing.T) {
	good, err := MarshalFit(sampleFit())
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	i := strings.Index(s, "    seconds: 0.012\n")
	cases := []struct{ name, data, want string }{
		{"repeated trial key", s[:i] + strings.Repeat("    seed: 0\n", 100000) + s[i:],
			fmt.Sprintf(`fit.yaml:%d:5: key "seed" is given twice in trials[0] (first at line %d)`, lineOf(s, "    seconds: 0.012"), lineOf(s, "    seed: 0"))},
		{"repeated top-level key", s + strings.Repeat("tool: a\n", 100000),
			fmt.Sprintf(`fit.yaml:%d:1: key "tool" is given twice at the top level (first at line 2)`, lineOf(s, "")+1)},
		{"big mapping for a number", s[:i] + "    seconds: {" + strings.Repeat("a: 0, ", 100000) + "}\n" + s[i+len("    seconds: 0.012\n"):],
			fmt.Sprintf("fit.yaml:%d:14: trials[0].seconds must be a number, not a mapping", lineOf(s, "    seconds: 0.012"))},
	}
	for _, c := range cases {
		start := time.Now()
		_, err := UnmarshalFit([]byte(c.data), "fit.yaml")
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", c.name, d)
		}
		if ie, ok := inputerr.As(err); !ok || ie.Error() != c.want {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

func TestFitFileSizeLimit(t *testing.T) {
	dir := t.TempDir()
	// A sparse file one byte over the limit: rejected from its size,
	// without reading it.
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFitFileSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, err = ReadFitFile(big)
	want := big + ": fit file is larger than the 32 MiB limit (33554433 bytes)"
	if ie, ok := inputerr.As(err); !ok || ie.Error() != want || !strings.Contains(ie.Hint, "check the path") {
		t.Errorf("oversized file: err = %v, want %q", err, want)
	}
	// The same bytes in memory.
	_, err = UnmarshalFit(make([]byte, MaxFitFileSize+1), "mem.yaml")
	if ie, ok := inputerr.As(err); !ok || ie.Error() != "mem.yaml: fit file is larger than the 32 MiB limit (33554433 bytes)" {
		t.Errorf("oversized data: err = %v", err)
	}
	// A stream whose size is unknown (a named pipe) is cut at the limit.
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "fifo.yaml")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		go func() {
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err != nil {
				return
			}
			defer w.Close()
			chunk := bytes.Repeat([]byte("# padding\n"), 1<<16)
			for written := 0; written <= MaxFitFileSize; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}()
		_, err = ReadFitFile(fifo)
		if ie, ok := inputerr.As(err); !ok || ie.Error() != fifo+": fit file is larger than the 32 MiB limit" {
			t.Errorf("oversized stream: err = %v", err)
		}
	}
}

func TestReadFitFilePathErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		path, want string
	}{
		{dir, dir + ": is a directory, not a fit file"},
		{filepath.Join(dir, "missing.yaml"), filepath.Join(dir, "missing.yaml") + ": fit file not found"},
	}
	file := filepath.Join(dir, "file.yaml")
	if err := os.WriteFile(file, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, struct{ path, want string }{filepath.Join(file, "x.yaml"),
		filepath.Join(file, "x.yaml") + ": fit file not found: a component of the path is not a directory"})
	if os.Geteuid() != 0 {
		locked := filepath.Join(dir, "locked.yaml")
		if err := os.WriteFile(locked, []byte("version: 1\n"), 0o000); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct{ path, want string }{locked, locked + ": permission denied"})
	}
	for _, c := range cases {
		_, err := ReadFitFile(c.path)
		if ie, ok := inputerr.As(err); !ok || ie.Error() != c.want || ie.Hint == "" {
			t.Errorf("ReadFitFile(%s): err = %v, want %q with a hint", c.path, err, c.want)
		}
	}
}

func FuzzUnmarshalFit(f *testing.F) {
	good, err := MarshalFit(sampleFit())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("version: 1\n"))
	f.Add(aliasBomb(good, 9, false))
	f.Add(aliasBomb(good, 3, true))
	f.Add([]byte("version: 1\nconfig:\n  <<: {model: mlp}\n"))
	f.Add([]byte("version: 2\n"))
	f.Add([]byte("version: 1\nversion: 1\ntool: a\ntool: b\n"))
	f.Add([]byte(strings.Replace(string(good), "  rows: 135", "  rows: {a: 1, a: 1}", 1)))
	f.Add([]byte(strings.Repeat("[", 10001) + strings.Repeat("]", 10001)))
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
