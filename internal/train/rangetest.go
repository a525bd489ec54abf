package train

import (
	"context"
	"fmt"
	"math"

	"github.com/clc-tools/clc/internal/inputerr"
)

// RangePoint is one step of a learning-rate range test: the rate of the
// step, the batch's training loss before its update, and that loss
// smoothed by an exponential moving average (see RangeTest).
type RangePoint struct {
	LR       float64
	Loss     float64
	Smoothed float64
}

// RangeReport is a learning-rate range test and what it suggests.
type RangeReport struct {
	Points []RangePoint
	// Steepest is the rate where the smoothed loss falls fastest per decade
	// of rate; Lowest the rate of the lowest smoothed loss. The suggested
	// bracket for a sweep is [Low, High] = [min(Steepest, Lowest/10),
	// Lowest].
	Steepest, Lowest float64
	Low, High        float64
	// Diverged says the run stopped because the loss blew up (the usual end
	// of a range test) rather than at its last step.
	Diverged bool
}

// rangeSmoothing is the moving average's β, and rangeStop the factor over
// the lowest smoothed loss at which the test stops, as in fastai's and
// PyTorch Lightning's lr_find.
const (
	rangeSmoothing = 0.98
	rangeStop      = 4
)

// RangeTest runs one training run whose rate grows exponentially from lo
// to hi over steps steps (cycling epochs of trainSet as needed),
//
//	η_t = lo·(hi/lo)^(t/(T−1)),  t = 0 … T−1,
//
// recording each batch's loss before its update, and smoothing it with a
// bias-corrected exponential moving average,
//
//	m_t = β·m_{t−1} + (1 − β)·loss_t,   smoothed_t = m_t/(1 − β^(t+1)),
//
// with β = 0.98. It stops when the smoothed loss exceeds 4× its lowest
// value or the run diverges. The suggestion is a heuristic about early
// training (how fast the loss falls at each rate within one short run),
// not the optimum of a full run: a sweep should bracket it.
// cfg's LR, Schedule, Steps and Epochs are ignored.
func RangeTest(ctx context.Context, trainSet *Dataset, cfg Config, lo, hi float64, steps int) (RangeReport, error) {
	if !(lo > 0) || !(hi > lo) || math.IsInf(hi, 0) {
		return RangeReport{}, inputerr.New("the range test needs 0 < %v < %v, got %g and %g", paramLRMin, paramLRMax, lo, hi)
	}
	if steps < 10 {
		return RangeReport{}, inputerr.New("%v %d is too few for a range test (at least 10)", paramSteps, steps)
	}
	T := steps
	cfg.Steps, cfg.Epochs = T, 1
	cfg.LR = lo
	rate := func(t int) float64 { return lo * math.Pow(hi/lo, float64(t)/float64(T-1)) }
	cfg.Schedule = func(t, _ int) float64 { return rate(t) }
	var rep RangeReport
	var avg, best float64
	best = math.Inf(1)
	stop := fmt.Errorf("range test: loss above %d× its lowest", rangeStop)
	hooks := &runHooks{step: func(t int, loss float64, _ []float32) {}}
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	hooks.step = func(t int, loss float64, _ []float32) {
		if cctx.Err() != nil {
			return
		}
		avg = rangeSmoothing*avg + (1-rangeSmoothing)*loss
		sm := avg / (1 - math.Pow(rangeSmoothing, float64(t+1)))
		rep.Points = append(rep.Points, RangePoint{LR: rate(t), Loss: loss, Smoothed: sm})
		if math.IsNaN(sm) || math.IsInf(sm, 0) || sm > rangeStop*best {
			rep.Diverged = true
			cancel(stop)
			return
		}
		best = min(best, sm)
	}
	res, err := run(cctx, trainSet, nil, cfg, hooks)
	if err != nil && context.Cause(cctx) != stop {
		return RangeReport{}, err
	}
	rep.Diverged = rep.Diverged || res.Diverged
	if len(rep.Points) < 3 {
		return rep, fmt.Errorf("range test: the loss blew up after %d steps; lower the smallest rate", len(rep.Points))
	}
	rep.suggest()
	return rep, nil
}

// slopeSpan is the half-width, in decades of rate, of the central
// difference that measures the smoothed loss's slope: over a span much
// shorter than the moving average's memory, the difference of two noisy
// batch losses, not the curve's slope, would decide.
const slopeSpan = 0.1

// suggest sets the lowest and steepest rates and the bracket from the
// smoothed curve: the steepest descent is the most negative slope of the
// smoothed loss against log10 η, by central differences over ±slopeSpan
// decades, below the lowest point.
func (r *RangeReport) suggest() {
	pts := r.Points
	lowest := 0
	for i, p := range pts {
		if p.Smoothed < pts[lowest].Smoothed {
			lowest = i
		}
	}
	k := 1
	if len(pts) > 1 {
		if step := math.Log10(pts[1].LR) - math.Log10(pts[0].LR); step > 0 {
			k = max(1, int(math.Ceil(slopeSpan/step)))
		}
	}
	steep, slope := 0, math.Inf(1)
	for i := k; i < lowest && i+k < len(pts); i++ {
		dx := math.Log10(pts[i+k].LR) - math.Log10(pts[i-k].LR)
		if g := (pts[i+k].Smoothed - pts[i-k].Smoothed) / dx; g < slope {
			steep, slope = i, g
		}
	}
	r.Lowest, r.Steepest = pts[lowest].LR, pts[steep].LR
	r.High = r.Lowest
	r.Low = math.Min(r.Steepest, r.Lowest/10)
}
