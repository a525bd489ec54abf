package train

import (
	"math"
	"testing"
)

// TrivialLoss is the entropy of the class frequencies and the variance of a
// regression target: closed forms on small sets.
func TestTrivialLoss(t *testing.T) {
	cls := &Dataset{N: 8, Task: Classification, Classes: 3, Y: []float32{0, 0, 0, 0, 1, 1, 2, 2}}
	want := -(0.5*math.Log(0.5) + 2*0.25*math.Log(0.25)) // 1.0397
	if got := TrivialLoss(cls); math.Abs(got-want) > 1e-12 {
		t.Errorf("classification: %v, want %v", got, want)
	}
	balanced := &Dataset{N: 4, Task: Classification, Classes: 4, Y: []float32{3, 1, 0, 2}}
	if got := TrivialLoss(balanced); math.Abs(got-math.Log(4)) > 1e-12 {
		t.Errorf("4 balanced classes: %v, want ln 4", got)
	}
	reg := &Dataset{N: 4, Task: Regression, Y: []float32{1, 2, 3, 6}}
	if got := TrivialLoss(reg); math.Abs(got-3.5) > 1e-12 { // mean 3, squares 4+1+0+9
		t.Errorf("regression: %v, want 3.5", got)
	}
	if got := TrivialLoss(reg.Rows(1)); got != 0 {
		t.Errorf("one row: %v, want 0", got)
	}
	if got := TrivialLoss(nil); got != 0 {
		t.Errorf("nil: %v", got)
	}
}

// The rule: non-finite at once; above factor × max(floor, first loss) on
// DivergencePatience consecutive steps; a lucky first batch does not lower
// the threshold below factor × floor.
func TestDivergenceRule(t *testing.T) {
	run := func(floor float64, losses ...float64) (int, bool) {
		d := &divergence{factor: 10, floor: floor}
		for i, l := range losses {
			if d.diverged(i, l) {
				return i, true
			}
		}
		return len(losses), false
	}
	above := func(n int, v float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	if i, ok := run(1, 1, math.NaN()); !ok || i != 1 {
		t.Errorf("NaN: step %d, %v", i, ok)
	}
	if i, ok := run(1, 1, math.Inf(1)); !ok || i != 1 {
		t.Errorf("+Inf: step %d, %v", i, ok)
	}
	// Patience: 4 steps above the threshold, then back, never diverge.
	seq := append([]float64{1}, above(DivergencePatience-1, 11)...)
	seq = append(seq, 1)
	seq = append(seq, above(DivergencePatience-1, 11)...)
	if i, ok := run(1, seq...); ok {
		t.Errorf("%d steps above, twice: diverged at step %d", DivergencePatience-1, i)
	}
	seq = append([]float64{1}, above(DivergencePatience, 11)...)
	if i, ok := run(1, seq...); !ok || i != DivergencePatience {
		t.Errorf("%d steps above: step %d, %v; want diverged at step %d", DivergencePatience, i, ok, DivergencePatience)
	}
	// A lucky first batch (0.01) does not lower the threshold below 10 × floor.
	if i, ok := run(1, append([]float64{0.01}, above(20, 5)...)...); ok {
		t.Errorf("first batch 0.01, then 5 with floor 1: diverged at step %d", i)
	}
	// Without a floor (a constant target) the first batch sets the scale.
	if i, ok := run(0, append([]float64{0.01}, above(20, 5)...)...); !ok || i != DivergencePatience {
		t.Errorf("first batch 0.01, then 5 with floor 0: step %d, %v", i, ok)
	}
	// A first batch above the floor raises the threshold.
	if i, ok := run(1, append([]float64{3}, above(20, 20)...)...); ok {
		t.Errorf("first batch 3, then 20: diverged at step %d", i)
	}
	// Factor +Inf: only non-finite losses.
	d := &divergence{factor: math.Inf(1), floor: 1}
	for i := range 100 {
		if d.diverged(i, 1e30) {
			t.Fatalf("factor +Inf diverged at step %d on a finite loss", i)
		}
	}
}
