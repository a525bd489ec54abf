package scaling

import (
	"cmp"
	"math"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Run is the training length of a fit's trials: Epochs epochs of batches
// of BatchSize rows, T(N) = Epochs·floor(N/BatchSize), or a fixed budget of
// Steps steps when Steps > 0.
type Run struct {
	Epochs    int
	BatchSize int
	Steps     int
}

// Target describes a training run to tune: N rows, E epochs of batches of
// B rows, or a fixed number of steps.
type Target struct {
	N         int
	Epochs    int // 0: the fit's epochs
	BatchSize int // 0: the fit's batch size
	Steps     int // > 0: a fixed step budget T (overrides Epochs and BatchSize)
}

// Estimate is what a fit predicts for one target run: the cumulative
// learning C the run should carry, the constant rate that carries it over
// the run's steps, their 95% intervals, and how far the target lies outside
// the sizes the law was fitted on.
type Estimate struct {
	N     int `json:"n"`
	Steps int `json:"steps"` // T of the target run
	// Epochs and BatchSize describe the target run as resolved (the
	// target's, else the fit's); Epochs is 0 for a fixed step budget.
	Epochs    int `json:"epochs"`
	BatchSize int `json:"batch_size"`
	// LR is the constant rate that carries Constant over the target run:
	// C/T. With the fit's epochs and batch size it is η*(N) itself.
	LR     float64 `json:"lr"`
	LRLow  float64 `json:"lr_low"`
	LRHigh float64 `json:"lr_high"`
	// LawLR is η*(N) = k·N^α: the optimal constant rate at N for a run with
	// the fit's epochs and batch size, which take FitSteps steps.
	LawLR    float64 `json:"law_lr"`
	FitSteps int     `json:"fit_steps"`
	// Constant is the C a schedule for this run must carry, in lr·steps.
	Constant  float64 `json:"constant"`
	ConstLow  float64 `json:"constant_low"`
	ConstHigh float64 `json:"constant_high"`
	// ConstantFrom says where Constant comes from: "mean" (C was found
	// constant across sizes: the mean of the measured C) or "law"
	// (η*(N)·T_fit(N) from the fitted law).
	ConstantFrom string `json:"constant_from"`
	// Transferred is true when the target's steps differ from the fit's at
	// N: the rate then assumes that C carries over to another training
	// length, which the fit did not measure.
	Transferred bool `json:"transferred"`
	// ExtrapolationDecades is log10 of how far N lies outside the fitted
	// range [NMin, NMax]: 0 inside, log10(N/NMax) above, log10(NMin/N) below.
	ExtrapolationDecades float64 `json:"extrapolation_decades"`
}

// Predict predicts, from a fit's law and constant measured with runs of
// length fit, the cumulative learning and the optimal constant rate for the
// target run t on N rows.
//
// The law gives η*(N) = k·N^α for runs like the fit's trials, which take
// T_fit(N) = E·floor(N/B) steps (the fit's E and B) or the fit's fixed step
// budget. The cumulative learning at N is
//
//	C(N) = mean of the measured C     when C was found constant across sizes,
//	C(N) = η*(N)·T_fit(N)             otherwise,
//
// and the target run of T steps (its own epochs and batch size, or t.Steps;
// unset fields take the fit's) carries it at the constant rate C(N)/T. When
// T ≠ T_fit(N) that transfer of C to another training length is an
// assumption, flagged by Transferred. The 95% interval on C is the law's
// band times T_fit, or, when C is constant, mean·(1 ± 1.96·CV/√n) over the n
// measured values.
func Predict(law Law, constant ConstantReport, fit Run, t Target) (Estimate, error) {
	if law.Points < 2 || !(law.K > 0) {
		return Estimate{}, inputerr.New("the fit has no usable law (fewer than 2 optima)").
			WithHint("re-run %v with a wider learning-rate grid or more fractions", inputerr.Command("fit"))
	}
	if t.N < 1 {
		return Estimate{}, inputerr.New("size %d must be a positive number of rows", t.N)
	}
	fitSteps, err := runSteps(t.N, fit.Epochs, fit.BatchSize, fit.Steps)
	if err != nil {
		return Estimate{}, err
	}
	steps, epochs, batch := fitSteps, fit.Epochs, fit.BatchSize
	if fit.Steps > 0 {
		epochs = 0
	}
	if t.Steps > 0 || t.Epochs > 0 || t.BatchSize > 0 {
		epochs = cmp.Or(t.Epochs, fit.Epochs)
		batch = cmp.Or(t.BatchSize, fit.BatchSize)
		if steps, err = runSteps(t.N, epochs, batch, t.Steps); err != nil {
			return Estimate{}, err
		}
		if t.Steps > 0 {
			epochs = 0
		}
	}
	e := Estimate{N: t.N, Steps: steps, Epochs: epochs, BatchSize: batch, FitSteps: fitSteps, Transferred: steps != fitSteps}
	var lawLo, lawHi float64
	e.LawLR, lawLo, lawHi = law.Predict(float64(t.N))
	if constant.Holds {
		e.ConstantFrom = "mean"
		e.Constant = constant.Mean
		half := 1.959963984540054 * constant.CV / math.Sqrt(float64(max(1, len(constant.Values))))
		e.ConstLow, e.ConstHigh = e.Constant*math.Max(0, 1-half), e.Constant*(1+half)
	} else {
		e.ConstantFrom = "law"
		T := float64(fitSteps)
		e.Constant, e.ConstLow, e.ConstHigh = e.LawLR*T, lawLo*T, lawHi*T
	}
	T := float64(steps)
	e.LR, e.LRLow, e.LRHigh = e.Constant/T, e.ConstLow/T, e.ConstHigh/T
	for _, v := range []float64{e.LR, e.LRLow, e.LRHigh, e.Constant, e.ConstLow, e.ConstHigh} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Estimate{}, inputerr.New("the law gives a non-finite rate at N = %d (α = %g, k = %g)", t.N, law.Alpha, law.K).
				WithHint("the fit file is damaged, or N is too far outside the fitted sizes %d…%d", law.NMin, law.NMax)
		}
	}
	switch n := float64(t.N); {
	case n > float64(law.NMax):
		e.ExtrapolationDecades = math.Log10(n / float64(law.NMax))
	case n < float64(law.NMin):
		e.ExtrapolationDecades = math.Log10(float64(law.NMin) / n)
	}
	return e, nil
}

// The settings this package's messages name.
const (
	paramBatchSize inputerr.Param = "batch_size"
	paramLRMin     inputerr.Param = "lr_min"
	paramLRMax     inputerr.Param = "lr_max"
	paramFractions inputerr.Param = "fractions"
)

// runSteps is T = epochs·floor(n/batch), or fixed when fixed > 0.
func runSteps(n, epochs, batch, fixed int) (int, error) {
	if fixed > 0 {
		return fixed, nil
	}
	if epochs < 1 || batch < 1 {
		return 0, inputerr.New("epochs %d and batch size %d must be at least 1", epochs, batch)
	}
	if n/batch < 1 {
		return 0, inputerr.New("size %d with batch size %d gives no full batch", n, batch).
			WithHint("use a smaller %v", paramBatchSize)
	}
	return epochs * (n / batch), nil
}
