package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/scaling"
	"github.com/clc-tools/clc/internal/schedule"
)

// scheduleFit is a fit with a known law, η*(N) = 2·N^−0.5 fitted on
// N = 100 … 1000, with 2 epochs of batches of 10 and 4000 training rows.
func scheduleFit(holds bool) *clc.FitFile {
	return &clc.FitFile{
		Version: 1, Tool: "clc test", Created: "2026-11-28T00:00:00Z",
		Dataset: clc.DatasetInfo{Source: "d.csv", SHA256: "00", Rows: 4000, Features: 3, Task: "regression", Target: "y", Valid: "split 0.1 seed 0", ValidRows: 400},
		Config: clc.SweepConfig{Model: "linear", Activation: "relu", Optimizer: "sgd", Epochs: 2, BatchSize: 10,
			Fractions: []float64{0.025, 0.25}, LRs: []float64{0.01, 0.1, 1}, Seeds: 1, ValidFraction: 0.1, DivergenceFactor: 10},
		Law:        scaling.Law{Alpha: -0.5, K: 2, Points: 4, DoF: 2, NMin: 100, NMax: 1000},
		Constant:   scaling.ConstantReport{Values: []float64{12, 13}, Mean: 12.5, CV: 0.05, Holds: holds, Verdict: "test"},
		Prediction: clc.Prediction{N: 4000, Steps: 800, LR: 0.0316, Constant: 25.3},
	}
}

// TestScheduleCarriesConstant checks that clc schedule's rates sum to the
// constant Estimate gives for the target run (C from the law, and the mean
// when C is constant), in every readable format, and that the header names
// the fit file by its SHA-256.
func TestScheduleCarriesConstant(t *testing.T) {
	dir := t.TempDir()
	for _, holds := range []bool{false, true} {
		fit := scheduleFit(holds)
		fitPath := filepath.Join(dir, "fit.yaml")
		if err := clc.WriteFitFile(fitPath, fit); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(fitPath)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		for _, c := range []struct {
			args   []string
			target scaling.Target
			per    schedule.Granularity
			spe    int
		}{
			{nil, scaling.Target{N: 4000}, schedule.PerStep, 0}, // defaults: n_full, the fit's epochs and batch size
			{[]string{"--size", "250000", "--epochs", "3", "--batch-size", "100", "--per", "epoch"},
				scaling.Target{N: 250000, Epochs: 3, BatchSize: 100}, schedule.PerEpoch, 2500},
			{[]string{"--size", "500", "--steps", "77"}, scaling.Target{N: 500, Steps: 77}, schedule.PerStep, 0},
		} {
			want, err := fit.Estimate(c.target)
			if err != nil {
				t.Fatal(err)
			}
			for _, format := range []string{"yaml", "json", "csv", "keras"} {
				out := filepath.Join(dir, "s."+format)
				args := append([]string{"schedule", "--fit", fitPath, "--shape", "wsd", "--warmup", "5%", "--format", format, "-o", out}, c.args...)
				var stdout, stderr bytes.Buffer
				if code := run(context.Background(), args, nil, &stdout, &stderr); code != 0 {
					t.Fatalf("%v: exit %d: %s", args, code, stderr.String())
				}
				f, err := os.Open(out)
				if err != nil {
					t.Fatal(err)
				}
				s, h, err := schedule.Read(f, out)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				if s.Area != want.Constant || h.Constant != want.Constant || s.Steps != want.Steps || s.Per != c.per || s.StepsPerEpoch != c.spe {
					t.Errorf("%v: area %v steps %d per %s/%d, want %v, %d, %s/%d", args, s.Area, s.Steps, s.Per, s.StepsPerEpoch, want.Constant, want.Steps, c.per, c.spe)
				}
				var total float64
				for _, r := range s.Rates {
					total += r
				}
				if e := math.Abs(total-want.Constant) / want.Constant; e > 1e-9 {
					t.Errorf("%v: Σ rates = %.17g, C = %.17g (relative error %.2g)", args, total, want.Constant, e)
				}
				if h.FitSHA256 != hex.EncodeToString(sum[:]) || h.FitFile != fitPath || h.N != c.target.N || h.ConstantFrom != want.ConstantFrom {
					t.Errorf("%v: header %+v", args, h)
				}
				from := "from " + areaSource(want.ConstantFrom)
				warned := strings.HasPrefix(stderr.String(), "clc: warning: N = ")
				if !strings.Contains(stderr.String(), from) || warned != (c.target.N > 1000) {
					t.Errorf("%v: stderr %q", args, stderr.String())
				}
				if stdout.Len() != 0 {
					t.Errorf("%v: stdout holds %q with -o", args, stdout.String())
				}
			}
		}
	}
}

// TestScheduleNoFileOnError checks that a failing schedule leaves no file.
func TestScheduleNoFileOnError(t *testing.T) {
	dir := t.TempDir()
	fitPath := filepath.Join(dir, "fit.yaml")
	if err := clc.WriteFitFile(fitPath, scheduleFit(false)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "s.yaml")
	for _, args := range [][]string{
		{"--shape", "step", "--milestones", "900"},
		{"--shape", "inverse-sqrt", "--warmup", "800"},
		{"--shape", "cosine", "--size", "0"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"schedule", "--fit", fitPath, "-o", out}, args...), nil, &stdout, &stderr)
		if code != exitUsage || !strings.HasPrefix(stderr.String(), "clc: error: ") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v: %s was written", args, out)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d entries in the directory, want only the fit file", len(entries))
	}
}
