package exectrainer

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
)

// TestTorchExample runs examples/torch_trainer.py through the trainer. It is
// opt-in: set CLC_TEST_TORCH_DATA to a directory holding fashion-train.csv
// and fashion-test.csv (see scripts/fashion-mnist-csv.sh); it needs
// /usr/bin/python3 with python3-torch and python3-pandas.
func TestTorchExample(t *testing.T) {
	data := os.Getenv("CLC_TEST_TORCH_DATA")
	if data == "" {
		t.Skip("set CLC_TEST_TORCH_DATA to run the PyTorch example")
	}
	script, err := filepath.Abs("../../examples/torch_trainer.py")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(Config{
		Command: "/usr/bin/python3 " + q(script) + " --train " + q(filepath.Join(data, "fashion-train.csv")) +
			" --valid " + q(filepath.Join(data, "fashion-test.csv")) +
			" --lr {lr} --n {n} --seed {seed} --epochs {epochs} --batch-size {batch_size}",
		Epochs: 3, BatchSize: 64,
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := tr.Train(context.Background(), clc.TrialSpec{Fraction: 1.0 / 32, N: 1875, LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Diverged || r.Steps != 87 || !(r.ValidLoss > 0.3 && r.ValidLoss < 1.5) || !(r.ValidAccuracy > 0.5) {
		t.Errorf("lr 0.1: %+v", r)
	}
	r, err = tr.Train(context.Background(), clc.TrialSpec{Fraction: 1.0 / 32, N: 1875, LR: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Diverged {
		t.Errorf("lr 1000 did not diverge: %+v", r)
	}
	t.Logf("lr 1000: %+v", r)
}
