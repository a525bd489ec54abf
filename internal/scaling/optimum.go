package scaling

import (
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/stat"
)

// DefaultBootstrap is the number of bootstrap resamples EstimateOptima draws
// when OptimumOptions.Bootstrap is 0.
const DefaultBootstrap = 1000

// z95 is the two-sided 95% quantile of the standard normal distribution,
// Φ⁻¹(0.975) ≈ 1.96.
const z95 = 1.959963984540054

// OptimumOptions configures EstimateOptima. The zero value uses the defaults.
type OptimumOptions struct {
	// Bootstrap is the number of resamples over seeds used for the
	// uncertainty of η*: 0 means DefaultBootstrap, a negative value turns
	// the bootstrap off (LogSE is then the grid quantization alone).
	Bootstrap int
	// Seed seeds the resampling; the same trials and Seed give the same
	// optima, bit for bit.
	Seed uint64
}

// EstimateOptima finds the optimal constant learning rate η* of every
// fraction present in trials. The result is sorted by fraction, ascending.
//
// At each fraction the loss at a rate η is the mean validation loss over
// seeds, and +Inf when any seed diverged (as scripts/compare_peer.py does):
//
//	L(η) = (1/S) Σ_s ValidLoss(η, s)
//
// With x = log10 η on the grid x_1 < … < x_m, η* starts as the grid point
// x_i with the smallest finite L (the lowest rate wins a tie). When its two
// grid neighbours have finite losses too, the parabola through the three
// points
//
//	L(x) = y_{i-1} + d·(x − x_{i-1}) + a·(x − x_{i-1})(x − x_i),
//	d = (y_i − y_{i-1})/(x_i − x_{i-1}),
//	a = ((y_{i+1} − y_i)/(x_{i+1} − x_i) − d)/(x_{i+1} − x_{i-1})
//
// replaces it by its vertex
//
//	x* = (x_{i-1} + x_i)/2 − d/(2a)
//
// when it is convex (a > 0) and x_{i-1} < x* < x_{i+1} (Refined = true).
//
// Bracketing. The minimum is unbracketed (Bracketed = false) when it is the
// first grid rate with a finite loss (Edge "low": the optimum may be below
// the grid), or the last grid rate of all (Edge "high": it may be above).
// A minimum at the last finite rate with larger grid rates that all
// diverged is bracketed: the loss is unbounded one grid step above, so the
// optimum lies within a grid step of η*, at the stability edge
// (StabilityEdge = true, never refined because a neighbour is infinite).
// A smaller rate that diverged does not bracket the low side: divergence
// marks a stability edge only above the optimum.
//
// Uncertainty. The seeds are resampled with replacement opt.Bootstrap times
// (a PCG generator seeded by opt.Seed and the fraction); each resample's
// seed-mean curve gives an optimum by the same procedure, and the bootstrap
// error is the sample standard deviation of their log10 η*. When η* is a
// grid point (not refined) the quantization error of a uniform position
// within one local grid step h is added in quadrature:
//
//	LogSE = sqrt(SE_boot² + h²/12)    (h = 0 when refined)
//
// where h is the mean log10 spacing to the neighbouring grid rates. With one
// seed SE_boot = 0. The 95% interval is η*·10^(∓1.96·LogSE).
//
// A fraction where every rate diverged is returned with Usable = false and
// LR, Loss, Steps, LogSE and Constant zero. Otherwise Steps is T(N) of the
// fraction's non-diverged trials and Constant = η*·T(N).
func EstimateOptima(trials []Sample, opt OptimumOptions) []Optimum {
	b := opt.Bootstrap
	switch {
	case b == 0:
		b = DefaultBootstrap
	case b < 0:
		b = 0
	}
	byFrac := map[float64][]Sample{}
	for _, t := range trials {
		byFrac[t.Fraction] = append(byFrac[t.Fraction], t)
	}
	fracs := make([]float64, 0, len(byFrac))
	for f := range byFrac {
		fracs = append(fracs, f)
	}
	sort.Float64s(fracs)
	out := make([]Optimum, 0, len(fracs))
	for _, f := range fracs {
		out = append(out, estimateOne(f, byFrac[f], b, opt.Seed))
	}
	return out
}

// lossTable holds one fraction's validation losses: loss[j][s] for the j-th
// smallest rate and the s-th smallest seed; NaN marks a missing trial and
// +Inf a diverged one.
type lossTable struct {
	lrs  []float64 // the rates, ascending
	x    []float64 // log10 of the rates
	loss [][]float64
}

func newLossTable(ts []Sample) lossTable {
	lrSet, seedSet := map[float64]int{}, map[int]int{}
	var lrs []float64
	var seeds []int
	for _, t := range ts {
		if _, ok := lrSet[t.LR]; !ok {
			lrSet[t.LR] = 0
			lrs = append(lrs, t.LR)
		}
		if _, ok := seedSet[t.Seed]; !ok {
			seedSet[t.Seed] = 0
			seeds = append(seeds, t.Seed)
		}
	}
	sort.Float64s(lrs)
	sort.Ints(seeds)
	for i, v := range lrs {
		lrSet[v] = i
	}
	for i, s := range seeds {
		seedSet[s] = i
	}
	tab := lossTable{lrs: lrs, x: make([]float64, len(lrs)), loss: make([][]float64, len(lrs))}
	for j, v := range lrs {
		tab.x[j] = math.Log10(v)
		tab.loss[j] = make([]float64, len(seeds))
		for s := range tab.loss[j] {
			tab.loss[j][s] = math.NaN()
		}
	}
	for _, t := range ts {
		v := t.Loss
		if t.Diverged || math.IsNaN(v) || math.IsInf(v, 0) {
			v = math.Inf(1)
		}
		tab.loss[lrSet[t.LR]][seedSet[t.Seed]] = v
	}
	return tab
}

// curve returns the grid (log10 η) and the seed-mean losses, with each seed
// s counted count[s] times (nil: once). Rates without any counted trial are
// left out; a rate where a counted seed diverged has loss +Inf.
func (tab lossTable) curve(count []int) (xs, ys []float64) {
	for j, row := range tab.loss {
		sum, n := 0.0, 0
		for s, v := range row {
			c := 1
			if count != nil {
				c = count[s]
			}
			if c == 0 || math.IsNaN(v) {
				continue
			}
			sum += float64(c) * v
			n += c
		}
		if n == 0 {
			continue
		}
		xs = append(xs, tab.x[j])
		ys = append(ys, sum/float64(n))
	}
	return xs, ys
}

// gridMin returns the index of the smallest finite y (the first on ties),
// or -1 when none is finite.
func gridMin(ys []float64) int {
	best := -1
	for i, y := range ys {
		if math.IsInf(y, 0) || math.IsNaN(y) {
			continue
		}
		if best < 0 || y < ys[best] {
			best = i
		}
	}
	return best
}

// refine returns the vertex of the parabola through (x0,y0), (x1,y1),
// (x2,y2) with x0 < x1 < x2, and whether it is usable: the parabola is
// convex and the vertex lies strictly between x0 and x2.
func refine(x0, x1, x2, y0, y1, y2 float64) (float64, bool) {
	d := (y1 - y0) / (x1 - x0)
	a := ((y2-y1)/(x2-x1) - d) / (x2 - x0)
	if !(a > 0) || math.IsInf(a, 0) {
		return x1, false
	}
	v := (x0+x1)/2 - d/(2*a)
	if !(v > x0 && v < x2) {
		return x1, false
	}
	return v, true
}

// locate returns the optimum of one curve: the index of its grid minimum
// (-1 when every point diverged), log10 η* and whether it was refined.
func locate(xs, ys []float64) (i int, x float64, refined bool) {
	i = gridMin(ys)
	if i < 0 {
		return -1, 0, false
	}
	x = xs[i]
	if i > 0 && i < len(xs)-1 && isFinite(ys[i-1]) && isFinite(ys[i+1]) {
		x, refined = refine(xs[i-1], xs[i], xs[i+1], ys[i-1], ys[i], ys[i+1])
	}
	return i, x, refined
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func estimateOne(frac float64, ts []Sample, resamples int, seed uint64) Optimum {
	o := Optimum{Fraction: frac, N: ts[0].N}
	tab := newLossTable(ts)
	xs, ys := tab.curve(nil)
	i, x, refined := locate(xs, ys)
	if i < 0 {
		return o // every rate diverged: not usable
	}
	for j, v := range tab.x {
		if v == xs[i] {
			o.GridLR = tab.lrs[j]
		}
	}
	for _, t := range ts {
		if !t.Diverged && isFinite(t.Loss) {
			o.Steps = t.Steps
			break
		}
	}

	first, last := -1, -1
	for j, y := range ys {
		if isFinite(y) {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	o.Usable = true
	o.Bracketed = true
	switch {
	case i == first:
		o.Bracketed, o.Edge = false, "low"
	case i == len(ys)-1:
		o.Bracketed, o.Edge = false, "high"
	case i == last:
		o.StabilityEdge = true
	}

	var bootSE float64
	if nSeeds := len(tab.loss[0]); nSeeds > 1 && resamples > 0 {
		rng := rand.New(rand.NewPCG(seed, math.Float64bits(frac)))
		count := make([]int, nSeeds)
		sample := make([]float64, 0, resamples)
		for range resamples {
			clear(count)
			for range nSeeds {
				count[rng.IntN(nSeeds)]++
			}
			bx, by := tab.curve(count)
			if j, v, _ := locate(bx, by); j >= 0 {
				sample = append(sample, v)
			}
		}
		if len(sample) > 1 {
			bootSE = stat.StdDev(sample, nil)
		}
	}
	var quant float64
	if !refined {
		var h float64
		switch {
		case i > 0 && i < len(xs)-1:
			h = (xs[i+1] - xs[i-1]) / 2
		case i > 0:
			h = xs[i] - xs[i-1]
		case i < len(xs)-1:
			h = xs[i+1] - xs[i]
		}
		quant = h * h / 12
	}

	o.LR = math.Pow(10, x)
	o.Refined = refined
	o.Loss = ys[i]
	o.LogSE = math.Sqrt(bootSE*bootSE + quant)
	o.LRLow = o.LR * math.Pow(10, -z95*o.LogSE)
	o.LRHigh = o.LR * math.Pow(10, z95*o.LogSE)
	o.Constant = o.LR * float64(o.Steps)
	return o
}
