package train

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestValidLossLongSum: the validation loss of 300,000 rows whose logits
// are all 0 (a linear model with zero parameters, 10 classes) is the mean of
// 300,000 copies of log 10, which must come out as log 10 to within 2 ulp:
// the float64 compensated sums of evaluate keep it there, where a float32
// sum would be off in the 4th digit and a naive float64 sum (measured) by
// 14 ulp.
func TestValidLossLongSum(t *testing.T) {
	const n, k = 300000, 10
	train := synthClassification(64, 1, k, 30)
	valid := &Dataset{N: n, D: 1, Task: Classification, Classes: k, X: make([]float32, n), Y: make([]float32, n)}
	r := rand.New(rand.NewPCG(31, 31))
	for i := range valid.X {
		valid.X[i] = float32(r.NormFloat64())
		valid.Y[i] = float32(r.IntN(k))
	}
	cfg := Config{Model: Linear, Optimizer: SGD, Epochs: 1, BatchSize: 64, LR: 0.1}.withDefaults()
	tr := newTrainer(cfg, train, evalRows)
	clear(tr.m.params)
	loss, _ := tr.evaluate(valid)
	want := math.Log(k)
	if ulps := math.Abs(loss-want) / (math.Nextafter(want, 2*want) - want); ulps > 2 {
		t.Errorf("validation loss %.17g, want log 10 = %.17g (%.0f ulp off)", loss, want, ulps)
	}
}
