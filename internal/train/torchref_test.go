package train

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/clc-tools/clc/internal/torchtest"
)

// torchCase is the input of testdata/torch/ref.py.
type torchCase struct {
	Sizes      []int     `json:"sizes"`
	Activation string    `json:"activation"`
	Task       Task      `json:"task"`
	Optimizer  string    `json:"optimizer"`
	LR         float64   `json:"lr"`
	X          []float32 `json:"x"`
	Y          []float32 `json:"y"`
	XV         []float32 `json:"xv"`
	YV         []float32 `json:"yv"`
	Init       []float32 `json:"init"`
	Batches    [][]int32 `json:"batches"`
}

// torchOut is the output of testdata/torch/ref.py.
type torchOut struct {
	Losses    []float64 `json:"losses"`
	Params    []float64 `json:"params"`
	ValidLoss float64   `json:"valid_loss"`
	Torch     string    `json:"torch"`
}

// TestTorchReference trains the same model from the same initial parameters
// on the same batches with Run and with PyTorch (testdata/torch/ref.py), for
// 12 steps (2 epochs of 50 rows, batch 8, 2 rows dropped per epoch; or, for
// the "blocks" cases, 2 epochs of 100 rows, batch 16, 4 dropped) of SGD,
// momentum and Adam, and compares every batch loss, the final parameters and
// the validation loss. The small models run the kernels' edge loops; the
// blocks cases (20 features, hidden 24 and 20, 5 classes) are wide enough
// for every product to run the assembly block kernels (at least 4×16 blocks
// of C, 2×4 with k ≥ 8 for A·Bᵀ), edges included.
//
// Tolerances: both sides compute in float32 but sum in different orders (our
// AVX2/AVX-512/NEON kernels, or gonum Sgemm tiles on the portable path, versus torch's
// MKL/oneDNN kernels, which also fuse multiply-adds), so values agree to a few float32 ulps per operation,
// growing slowly over the steps. We require
//
//	|loss − loss_torch| ≤ 1e-7 + 1e-5·|loss_torch|    (each step, and validation)
//	|θ − θ_torch|       ≤ 2e-6 + 1e-5·|θ_torch|       (each final parameter)
//
// which is ~100 float32 ulps. The absolute 1e-7 term covers small
// cross-entropies, which are differences of O(1) terms (log-sum-exp − z_y)
// that torch rounds in float32 and we in float64. Observed (torch 1.13 on
// amd64): loss differences ≤ 6e-6 relative / 2e-8 absolute, parameter
// differences ≤ 0.11 of the tolerance, often bit-identical, with either
// kernels; the worst loss difference is 0.15 of the tolerance with the AVX2
// kernels (TestPortableFallback reruns this test on the portable ones). Any real
// disagreement (a wrong update rule or gradient) changes losses in the
// 3rd–4th digit after one step.
func TestTorchReference(t *testing.T) {
	torchtest.Need(t)
	script, err := filepath.Abs(filepath.Join("testdata", "torch", "ref.py"))
	if err != nil {
		t.Fatal(err)
	}
	cls := synthClassification(50, 6, 3, 21)
	clsValid := synthClassification(40, 6, 3, 22)
	reg, _, _ := synthRegression(50, 6, 0.3, 23)
	regValid, _, _ := synthRegression(40, 6, 0.3, 24)
	wide := synthClassification(100, 20, 5, 25)
	wideValid := synthClassification(40, 20, 5, 26)

	type tc struct {
		name         string
		train, valid *Dataset
		cfg          Config
	}
	var cases []tc
	for _, o := range []struct {
		opt OptimizerKind
		lr  float64
	}{{SGD, 0.1}, {Momentum, 0.05}, {Adam, 0.01}} {
		opt, lr := o.opt, o.lr
		cases = append(cases,
			tc{"mlp-relu-ce/" + string(opt), cls, clsValid,
				Config{Model: MLP, Hidden: []int{10}, Activation: ReLU, Optimizer: opt, Epochs: 2, BatchSize: 8, LR: lr, Seed: 5}},
			tc{"linear-mse/" + string(opt), reg, regValid,
				Config{Model: Linear, Optimizer: opt, Epochs: 2, BatchSize: 8, LR: lr / 2, Seed: 6}},
			tc{"mlp2-tanh-mse/" + string(opt), reg, regValid,
				Config{Model: MLP, Hidden: []int{8, 5}, Activation: Tanh, Optimizer: opt, Epochs: 2, BatchSize: 8, LR: lr, Seed: 7}},
			tc{"mlp2-relu-ce-blocks/" + string(opt), wide, wideValid,
				Config{Model: MLP, Hidden: []int{24, 20}, Activation: ReLU, Optimizer: opt, Epochs: 2, BatchSize: 16, LR: lr, Seed: 8}},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := torchCase{Task: c.train.Task, Optimizer: string(c.cfg.Optimizer), LR: c.cfg.LR,
				Activation: string(c.cfg.withDefaults().Activation),
				X:          c.train.X, Y: c.train.Y, XV: c.valid.X, YV: c.valid.Y}
			in.Sizes = append([]int{c.train.D}, c.cfg.Hidden...)
			if c.cfg.Model == Linear {
				in.Sizes = in.Sizes[:1]
			}
			in.Sizes = append(in.Sizes, outputsFor(c.train.Task, c.train.Classes))
			var losses []float64
			var final []float32
			B := c.cfg.BatchSize
			h := &runHooks{
				init: func(p []float32) { in.Init = append([]float32(nil), p...) },
				perm: func(_ int, p []int32) {
					for i := 0; i+B <= len(p); i += B {
						in.Batches = append(in.Batches, append([]int32(nil), p[i:i+B]...))
					}
				},
				step: func(_ int, loss float64, p []float32) {
					losses = append(losses, loss)
					final = append(final[:0], p...)
				},
			}
			res, err := run(context.Background(), c.train, c.valid, c.cfg, h)
			if err != nil {
				t.Fatal(err)
			}
			if res.Diverged || len(losses) != 12 || len(in.Batches) != 12 {
				t.Fatalf("run: %+v, %d losses, %d batches", res, len(losses), len(in.Batches))
			}

			file := filepath.Join(t.TempDir(), "case.json")
			data, err := json.Marshal(in)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(torchtest.Python, script, file)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			outData, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", torchtest.Python, script, err, stderr.Bytes())
			}
			var out torchOut
			if err := json.Unmarshal(outData, &out); err != nil {
				t.Fatalf("reading ref.py output: %v\n%s", err, outData)
			}
			if len(out.Losses) != len(losses) || len(out.Params) != len(final) {
				t.Fatalf("torch gave %d losses and %d params, want %d and %d",
					len(out.Losses), len(out.Params), len(losses), len(final))
			}

			var worstLoss, worstParam float64
			lossTol := func(want float64) float64 { return 1e-7 + 1e-5*math.Abs(want) }
			for i, want := range out.Losses {
				rel := math.Abs(losses[i]-want) / lossTol(want)
				worstLoss = max(worstLoss, rel)
				if testing.Verbose() {
					t.Logf("step %d loss %.9g torch %.9g (%.2g of tolerance)", i, losses[i], want, rel)
				}
				if rel > 1 {
					t.Errorf("step %d loss %.9g, torch %.9g (%.2g of tolerance)", i, losses[i], want, rel)
				}
			}
			for i, want := range out.Params {
				d := math.Abs(float64(final[i]) - want)
				worstParam = max(worstParam, d/(2e-6+1e-5*math.Abs(want)))
				if d > 2e-6+1e-5*math.Abs(want) {
					t.Errorf("param %d = %.9g, torch %.9g", i, final[i], want)
				}
			}
			if d := math.Abs(res.ValidLoss - out.ValidLoss); d > lossTol(out.ValidLoss) {
				t.Errorf("validation loss %.9g, torch %.9g", res.ValidLoss, out.ValidLoss)
			}
			t.Logf("torch %s: worst loss diff %.2g of tolerance, worst param diff %.2g of tolerance",
				out.Torch, worstLoss, worstParam)
		})
	}
}
