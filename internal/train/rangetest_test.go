package train

import (
	"context"
	"math"
	"testing"

	"github.com/clc-tools/clc/internal/table"
)

// TestRangeTest: on a real dataset the range test's rate grows
// exponentially from lo to hi, the smoothed loss first falls and then
// blows up, and the bracket runs from the steepest descent (or a decade
// below the lowest loss) to the lowest loss, below the rate where it blew up.
func TestRangeTest(t *testing.T) {
	ds := fashion7x7(t)
	cfg := Config{Model: MLP, Hidden: []int{16}, Optimizer: SGD, BatchSize: 16, Seed: 1}
	rep, err := RangeTest(context.Background(), ds, cfg, 1e-4, 100, 200)
	if err != nil {
		t.Fatal(err)
	}
	pts := rep.Points
	if pts[0].LR != 1e-4 {
		t.Errorf("first rate %v, want 1e-4", pts[0].LR)
	}
	for i := 1; i < len(pts); i++ {
		r := math.Log10(pts[i].LR) - math.Log10(pts[i-1].LR)
		if math.Abs(r-6.0/199) > 1e-9 {
			t.Fatalf("step %d: rate grew by %v decades, want 6/199", i, r)
		}
	}
	if !rep.Diverged || len(pts) == 200 {
		t.Errorf("the test did not stop at a blow-up (%d points)", len(pts))
	}
	if !(rep.Low <= rep.Steepest && rep.Low <= rep.Lowest/10+1e-15 && rep.High == rep.Lowest && rep.Lowest < pts[len(pts)-1].LR) {
		t.Errorf("bracket [%g, %g], steepest %g, lowest %g, last %g", rep.Low, rep.High, rep.Steepest, rep.Lowest, pts[len(pts)-1].LR)
	}
	if first, low := pts[5].Smoothed, lossAt(pts, rep.Lowest); !(low < first) {
		t.Errorf("smoothed loss at the lowest point %v is not below the start %v", low, first)
	}
	if _, err := RangeTest(context.Background(), ds, cfg, 1, 0.1, 100); err == nil {
		t.Error("a range running downwards was accepted")
	}
}

func lossAt(pts []RangePoint, lr float64) float64 {
	for _, p := range pts {
		if p.LR == lr {
			return p.Smoothed
		}
	}
	return math.NaN()
}

// fashion7x7 is testdata/fashion-7x7-2k.csv (2,000 Fashion-MNIST images at
// 7×7), z-scored.
func fashion7x7(t *testing.T) *Dataset {
	t.Helper()
	tab, err := table.Load(context.Background(), "../../testdata/fashion-7x7-2k.csv", nil, table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := NewDataset(tab, "auto")
	if err != nil {
		t.Fatal(err)
	}
	FitScaler(ds).Apply(ds)
	return ds
}
