package clc

import (
	"math"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Target describes a training run to tune: N rows, E epochs of batches of
// B rows, or a fixed number of steps.
type Target struct {
	N         int
	Epochs    int // 0: the fit's epochs
	BatchSize int // 0: the fit's batch size
	Steps     int // > 0: a fixed step budget T (overrides Epochs and BatchSize)
}

// Estimate is what a fit predicts for one target run: the optimal constant
// rate, the steps, the cumulative learning C and their 95% intervals, and
// how far the target lies outside the sizes the law was fitted on.
type Estimate struct {
	N         int     `json:"n"`
	Steps     int     `json:"steps"`
	LR        float64 `json:"lr"` // η*(N) from the law, k·N^α
	LRLow     float64 `json:"lr_low"`
	LRHigh    float64 `json:"lr_high"`
	Constant  float64 `json:"constant"` // the C a schedule for this run must carry
	ConstLow  float64 `json:"constant_low"`
	ConstHigh float64 `json:"constant_high"`
	// ConstantFrom says where Constant comes from: "mean" (C was found
	// constant across sizes: the mean of the measured C) or "law"
	// (η*(N)·T from the fitted law).
	ConstantFrom string `json:"constant_from"`
	// ExtrapolationDecades is log10 of how far N lies outside the fitted
	// range [NMin, NMax]: 0 inside, log10(N/NMax) above, log10(NMin/N) below.
	ExtrapolationDecades float64 `json:"extrapolation_decades"`
}

// Estimate predicts the optimal constant rate and the cumulative learning
// for the target run t. Steps are T = E·floor(N/B) with the target's (or
// the fit's) epochs and batch size, or t.Steps. The interval on C is the
// law's band times T, or, when C is constant, the mean's 95% interval
// mean·(1 ± 1.96·CV/√n) over the n measured values.
func (f *FitFile) Estimate(t Target) (Estimate, error) {
	if f.Law.Points < 2 || !(f.Law.K > 0) {
		return Estimate{}, inputerr.New("the fit has no usable law (fewer than 2 optima)").
			WithHint("re-run clc fit with a wider learning-rate grid or more fractions")
	}
	if t.N < 1 {
		return Estimate{}, inputerr.New("size %d must be a positive number of rows", t.N)
	}
	epochs, batch := t.Epochs, t.BatchSize
	if epochs == 0 {
		epochs = f.Config.Epochs
	}
	if batch == 0 {
		batch = f.Config.BatchSize
	}
	steps := t.Steps
	if steps == 0 && f.Config.Steps > 0 && t.Epochs == 0 && t.BatchSize == 0 {
		steps = f.Config.Steps // the fit used a fixed step budget
	}
	if steps == 0 {
		if epochs < 1 || batch < 1 {
			return Estimate{}, inputerr.New("epochs %d and batch size %d must be at least 1", epochs, batch)
		}
		steps = epochs * (t.N / batch)
		if steps < 1 {
			return Estimate{}, inputerr.New("size %d with batch size %d gives no full batch", t.N, batch).
				WithHint("use a smaller --batch-size")
		}
	}
	e := Estimate{N: t.N, Steps: steps}
	e.LR, e.LRLow, e.LRHigh = f.Law.Predict(float64(t.N))
	T := float64(steps)
	if f.Constant.Holds {
		e.ConstantFrom = "mean"
		e.Constant = f.Constant.Mean
		half := 1.959963984540054 * f.Constant.CV / math.Sqrt(float64(max(1, len(f.Constant.Values))))
		e.ConstLow, e.ConstHigh = e.Constant*math.Max(0, 1-half), e.Constant*(1+half)
	} else {
		e.ConstantFrom = "law"
		e.Constant, e.ConstLow, e.ConstHigh = e.LR*T, e.LRLow*T, e.LRHigh*T
	}
	switch n := float64(t.N); {
	case n > float64(f.Law.NMax):
		e.ExtrapolationDecades = math.Log10(n / float64(f.Law.NMax))
	case n < float64(f.Law.NMin):
		e.ExtrapolationDecades = math.Log10(float64(f.Law.NMin) / n)
	}
	return e, nil
}
