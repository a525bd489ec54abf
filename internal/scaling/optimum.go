package scaling

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// z95 is the two-sided 95% quantile of the standard normal distribution,
// Φ⁻¹(0.975) ≈ 1.96.
const z95 = 1.959963984540054

// tQuantile95 is t(0.975, ν), the two-sided 95% quantile of Student's t
// with ν degrees of freedom (ν need not be an integer); the normal z95 for
// ν = +Inf.
func tQuantile95(dof float64) float64 {
	if math.IsInf(dof, 1) {
		return z95
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: dof}.Quantile(0.975)
}

// Optima is what EstimateOptima finds: the optimum of every fraction and
// the noise model their intervals come from.
type Optima struct {
	Optima []Optimum
	Noise  Noise
}

// Noise is the seed-to-seed noise model of the optima, pooled over the
// fractions (see EstimateOptima).
type Noise struct {
	// SeedSD is φ, in decades of η: the standard deviation of one seed's
	// pull on a fraction's η*. A fraction's η* from S seeds has standard
	// error φ/√S.
	SeedSD float64 `yaml:"seed_sd" json:"seed_sd"`
	// DoF is the degrees of freedom of φ's estimate, Σ (S_f − 1) over the
	// Fractions that measured it; 0 when there is no estimate (Note says
	// why) and the optima have no interval.
	DoF       int    `yaml:"dof" json:"dof"`
	Fractions int    `yaml:"fractions" json:"fractions"`
	Note      string `yaml:"note,omitempty" json:"note,omitempty"`
	// Asymmetry is κ = L₃/L₂, the loss curves' third over their second
	// derivative in log10 η at the optimum (per decade), pooled over the
	// fractions; the refined optima were corrected for it (see
	// correctAsymmetry). 0 when no fraction had 5 rates around its minimum.
	Asymmetry float64 `yaml:"asymmetry" json:"asymmetry"`
}

// Why the optima may have no interval.
const (
	noteOneSeed    = "one seed per rate: the seed-to-seed spread of the optimum cannot be measured; run 2 or more seeds for intervals"
	noteNoParabola = "no fraction's minimum could be refined by a parabola (every minimum is on the grid's edge or next to a diverged rate), so the seed-to-seed spread of the optimum cannot be measured"
	noteIdentical  = "every seed gave the same losses around the optima (does the trainer use the seed?), so the seed-to-seed spread cannot be measured"
	noteFlat       = "the loss does not depend on the rate within the seeds' noise (a flat curve): no rate is better than another"
)

// EstimateOptima finds the optimal constant learning rate η* of every
// fraction present in trials, with a 95% interval from a noise model
// pooled over the fractions. The optima are sorted by fraction, ascending.
// Trials of other runs (Sample.RunSpec: another epoch count, batch size or
// step budget) form loss curves of their own: one optimum per fraction and
// run, the fit's own run first, then the others by RunSpec, each by
// fraction; the noise model is pooled over all of them (a seed pulls an
// optimum about as far in every run).
//
// At each fraction the loss at a rate η is the mean validation loss over
// seeds, and +Inf when any seed diverged (as scripts/compare_peer.py does):
//
//	L(η) = (1/S) Σ_s ValidLoss(η, s)
//
// With x = log10 η on the grid x_1 < … < x_m, η* starts as the grid point
// x_i with the smallest finite L (the lowest rate wins a tie). When its two
// grid neighbours have finite losses too, the parabola through the three
// points (on a grid finer than a quarter decade, the points a quarter
// decade away: see locate)
//
//	L(x) = y_{i-1} + d·(x − x_{i-1}) + a·(x − x_{i-1})(x − x_i),
//	d = (y_i − y_{i-1})/(x_i − x_{i-1}),
//	a = ((y_{i+1} − y_i)/(x_{i+1} − x_i) − d)/(x_{i+1} − x_{i-1})
//
// replaces it by its vertex
//
//	x* = (x_{i-1} + x_i)/2 − d/(2a)
//
// when it is convex (a > 0) and x_{i-1} < x* < x_{i+1} (Refined = true);
// its curvature, the second derivative L₂ = 2a in loss per decade², is
// Curvature. The vertex is then corrected for the asymmetry of the loss
// curves (see correctAsymmetry). (Wider windows fit a smoother parabola
// but are biased by that asymmetry — loss rises faster above the optimum
// than below; on the demo data a 5-point least-squares vertex has twice
// the error of the 3-point one.)
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
// Uncertainty. The losses of one seed at neighbouring rates move
// together (one initialization and batch order; on the demo data the
// correlation of adjacent grid rates is about 0.9), so the seeds, not the
// trials, are the independent units. The vertex is a smooth function of
// the three seed means, and to first order a seed s pulls it by
//
//	z_s = Σ_j g_j·(y_js − ȳ_j),   g_j = ∂x*/∂ȳ_j,
//
// over the three rates j of the parabola (y_js: seed s's loss, ȳ_j: the
// mean over the S seeds that have all three). The pulls of a fraction sum
// to 0 and x* − E x* ≈ (1/S) Σ_s z_s (the delta method applied seed by
// seed, which needs no assumption on how the losses at different rates
// are correlated). The pull's variance φ² is pooled over the fractions
// with a refined optimum,
//
//	φ² = Σ_f Σ_s z_fs² / ν,   ν = Σ_f (S_f − 1),
//
// because φ is about the same at every size (on the demo data 0.07–0.13
// decades from N = 219 to 7000, while the curvature changes 9-fold), and
// ν grows with the fractions: 5 fractions of 2 seeds give ν = 5 instead
// of 1 per fraction. A fraction's standard error in decades is
//
//	LogSE = sqrt(φ²/S + q),   q = h²/4 when η* is a grid point, else 0,
//
// where h is the mean log10 spacing to the neighbouring grid rates and
// q the error of an optimum that could not be refined (a grid point,
// often at the stability edge): the true optimum lies within about a grid
// step of it (a uniform position within ±h/2 has variance h²/12, within ±h
// h²/3; on simulated stability edges the error lies between). The 95%
// interval is
//
//	η*·10^(∓t(0.975, ν)·LogSE)
//
// with Student's t, which covers 95% when φ is estimated from ν degrees of
// freedom. With one seed, or when no fraction could be refined, there is no
// estimate of φ: Noise.DoF is 0, Noise.Note says why, and every optimum has
// LogSE 0, DoF 0, no interval (LRLow = LRHigh = 0) and IntervalNote set.
//
// A fraction where every rate diverged is returned with Usable = false and
// LR, Loss, Steps, LogSE and Constant zero. Otherwise Steps is T(N) of the
// fraction's non-diverged trials and Constant = η*·T(N).
func EstimateOptima(trials []Sample) Optima {
	byCell := map[cell][]Sample{}
	for _, t := range trials {
		c := cell{t.Fraction, t.RunSpec}
		byCell[c] = append(byCell[c], t)
	}
	cells := make([]cell, 0, len(byCell))
	for c := range byCell {
		cells = append(cells, c)
	}
	slices.SortFunc(cells, func(a, b cell) int { return cmp.Or(compareRuns(a.run, b.run), cmp.Compare(a.fraction, b.fraction)) })
	out := Optima{Optima: make([]Optimum, 0, len(cells))}
	var ss float64
	maxSeeds := 0
	local := make([]localOptimum, len(cells))
	for k, c := range cells {
		o, l := estimateOne(c.fraction, byCell[c])
		o.RunSpec = c.run
		out.Optima = append(out.Optima, o)
		local[k] = l
		maxSeeds = max(maxSeeds, l.seeds)
		if len(l.pulls) > 1 && !o.Flat {
			for _, z := range l.pulls {
				ss += z * z
			}
			out.Noise.DoF += len(l.pulls) - 1
			out.Noise.Fractions++
		}
	}
	switch {
	case out.Noise.DoF > 0 && ss > 0:
		out.Noise.SeedSD = math.Sqrt(ss / float64(out.Noise.DoF))
	case out.Noise.DoF > 0:
		out.Noise = Noise{Note: noteIdentical}
	case maxSeeds <= 1:
		out.Noise.Note = noteOneSeed
	default:
		out.Noise.Note = noteNoParabola
	}
	out.Noise.Asymmetry = correctAsymmetry(out.Optima, local)
	for k := range out.Optima {
		setInterval(&out.Optima[k], local[k], out.Noise)
	}
	return out
}

// cell is one loss curve of a sweep: a fraction and a run.
type cell struct {
	fraction float64
	run      RunSpec
}

// maxAsymmetry bounds |κ|: a larger pooled value comes from noise, not
// from a loss curve.
const maxAsymmetry = 8

// correctAsymmetry removes the bias of the refined optima's parabolas on
// asymmetric loss curves and returns the asymmetry κ it used (0: none).
//
// Near its minimum x* a loss curve is L(x) ≈ L₀ + (L₂/2)(x − x*)² +
// (L₃/6)(x − x*)³; the parabola through three grid points interpolates
// the cubic term with the error (L₃/6)·ω(x), ω(x) = (x − x_{i−1})(x −
// x_i)(x − x_{i+1}), so its vertex is off by
//
//	x_vertex − x* ≈ (κ/6)·ω'(x_vertex),   κ = L₃/L₂,
//
// which is −κh²/6·(1 − 3p²) on a uniform grid of step h with the optimum
// p·h from the middle point: on curves that rise faster above the
// optimum than below (κ > 0), always low, by up to 0.04 decades for
// κ = 4 and h = 0.25 — as large as the seed noise with 8 seeds. κ is
// pooled over the fractions as the median of their own estimates (the
// least-squares cubic through the 5 seed-mean losses around each minimum,
// κ_f = 3c₃/c₂), bounded by ±maxAsymmetry, and every refined optimum is
// moved by −(κ/6)·ω'(x_vertex).
func correctAsymmetry(optima []Optimum, local []localOptimum) float64 {
	var ks []float64
	for _, l := range local {
		if l.hasKappa {
			ks = append(ks, l.kappa)
		}
	}
	if len(ks) == 0 {
		return 0
	}
	sort.Float64s(ks)
	kappa := ks[len(ks)/2]
	if len(ks)%2 == 0 {
		kappa = (ks[len(ks)/2-1] + ks[len(ks)/2]) / 2
	}
	kappa = math.Max(-maxAsymmetry, math.Min(maxAsymmetry, kappa))
	for k := range optima {
		if o := &optima[k]; o.Refined {
			o.LR = math.Pow(10, math.Log10(o.LR)-kappa/6*local[k].omega)
			o.Constant = o.LR * float64(o.Steps)
		}
	}
	return kappa
}

// localOptimum is what one fraction contributes to the noise model.
type localOptimum struct {
	seeds int       // seeds in the seed-mean curve at the grid minimum
	pulls []float64 // z_s of the seeds with all three parabola losses; nil when not refined
	quant float64   // h²/4 when η* is a grid point, else 0
	// omega is ω'(x*) for ω(x) = (x − x_{i−1})(x − x_i)(x − x_{i+1}), the
	// lever of the curve's asymmetry on the vertex; kappa is this
	// fraction's asymmetry L₃/L₂ when it has 5 finite rates around the
	// minimum.
	omega, kappa float64
	hasKappa     bool
}

// asymmetry returns κ = L₃/L₂, the third derivative of the loss in
// log10 η over the second, at x_i, from the least-squares cubic through
// the 5 seed-mean losses at x_{i−2k}, x_{i−k}, … x_{i+2k}; false when they
// are not all finite or the cubic is not convex at x_i.
func asymmetry(xs, ys []float64, i, k int) (float64, bool) {
	if i-2*k < 0 || i+2*k > len(xs)-1 {
		return 0, false
	}
	A := mat.NewDense(5, 4, nil)
	b := mat.NewVecDense(5, nil)
	for r := 0; r < 5; r++ {
		j := i + (r-2)*k
		if !isFinite(ys[j]) {
			return 0, false
		}
		u := xs[j] - xs[i]
		A.SetRow(r, []float64{1, u, u * u, u * u * u})
		b.SetVec(r, ys[j])
	}
	var c mat.VecDense
	if err := c.SolveVec(A, b); err != nil {
		return 0, false
	}
	if !(c.AtVec(2) > 0) {
		return 0, false
	}
	return 3 * c.AtVec(3) / c.AtVec(2), true
}

// setInterval gives o its standard error and 95% interval from the pooled
// noise model.
func setInterval(o *Optimum, l localOptimum, nz Noise) {
	if !o.Usable {
		return
	}
	o.Seeds = l.seeds
	if o.Flat {
		o.IntervalNote = noteFlat
		return
	}
	if nz.DoF == 0 {
		o.IntervalNote = nz.Note
		return
	}
	s := max(l.seeds, 1)
	if len(l.pulls) > 0 {
		s = len(l.pulls)
	}
	o.LogSE = math.Sqrt(nz.SeedSD*nz.SeedSD/float64(s) + l.quant)
	o.DoF = nz.DoF
	h := tQuantile95(float64(nz.DoF)) * o.LogSE
	o.LRLow = o.LR * math.Pow(10, -h)
	o.LRHigh = o.LR * math.Pow(10, h)
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

// curve returns the rows of the rates with at least one trial, their grid
// (log10 η), the seed-mean losses and the number of seeds averaged. A rate
// where a seed diverged has loss +Inf.
func (tab lossTable) curve() (rows []int, xs, ys []float64, seeds []int) {
	for j, row := range tab.loss {
		sum, n := 0.0, 0
		for _, v := range row {
			if math.IsNaN(v) {
				continue
			}
			sum += v
			n++
		}
		if n == 0 {
			continue
		}
		rows = append(rows, j)
		xs = append(xs, tab.x[j])
		ys = append(ys, sum/float64(n))
		seeds = append(seeds, n)
	}
	return rows, xs, ys, seeds
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

// parabola is the parabola through three points (x0,y0), (x1,y1), (x2,y2),
// x0 < x1 < x2: its vertex, its curvature L₂ = 2a, and the gradient of
// the vertex with respect to (y0, y1, y2).
type parabola struct {
	vertex, curvature float64
	grad              [3]float64
}

// refine returns the parabola through the three points and whether its
// vertex is usable: the parabola is convex and the vertex lies strictly
// between x0 and x2. With h0 = x1 − x0, h1 = x2 − x1, H = x2 − x0,
//
//	∂d/∂y = (−1/h0, 1/h0, 0),  ∂a/∂y = (1/h0, −1/h0 − 1/h1, 1/h1)/H,
//	∂x*/∂y = −∂d/∂y/(2a) + d·∂a/∂y/(2a²).
func refine(x0, x1, x2, y0, y1, y2 float64) (parabola, bool) {
	h0, h1, H := x1-x0, x2-x1, x2-x0
	d := (y1 - y0) / h0
	a := ((y2-y1)/h1 - d) / H
	if !(a > 0) || math.IsInf(a, 0) {
		return parabola{vertex: x1}, false
	}
	v := (x0+x1)/2 - d/(2*a)
	if !(v > x0 && v < x2) {
		return parabola{vertex: x1}, false
	}
	p := parabola{vertex: v, curvature: 2 * a}
	dd := [3]float64{-1 / h0, 1 / h0, 0}
	da := [3]float64{1 / (h0 * H), (-1/h0 - 1/h1) / H, 1 / (h1 * H)}
	for j := range p.grad {
		p.grad[j] = -dd[j]/(2*a) + d*da[j]/(2*a*a)
	}
	return p, true
}

// parabolaSpan is how far, in decades, the outer points of the refining
// parabola lie from the grid minimum on a fine grid: a quarter decade,
// the step of the default grids on which the estimator was calibrated.
const parabolaSpan = 0.25

// locate returns the optimum of one curve: the index of its grid minimum
// (-1 when every point diverged), its parabola (the grid point as vertex
// when not refined), whether it was refined, and the stride k of the
// parabola's points x_{i−k}, x_i, x_{i+k}.
//
// On a grid finer than parabolaSpan the parabola through the minimum and
// its nearest neighbours amplifies the noise by the small spacing (its
// curvature comes from rates 0.06 decades apart on a 49-point grid), so
// it takes the points k = round(parabolaSpan/h) steps away instead (h the
// local step), when they and every rate between them have finite losses;
// otherwise, or when that parabola gives no vertex, the nearest ones.
func locate(xs, ys []float64) (i int, p parabola, refined bool, k int) {
	i = gridMin(ys)
	if i < 0 {
		return -1, parabola{}, false, 0
	}
	p.vertex = xs[i]
	lo, hi := max(i-1, 0), min(i+1, len(xs)-1)
	want := 1
	if hi > lo {
		if h := (xs[hi] - xs[lo]) / float64(hi-lo); h > 0 {
			want = max(1, int(math.Round(parabolaSpan/h)))
		}
	}
	for _, k := range []int{want, 1} {
		if i-k < 0 || i+k >= len(xs) {
			continue
		}
		finite := true
		for j := i - k; j <= i+k; j++ {
			finite = finite && isFinite(ys[j])
		}
		if !finite {
			continue
		}
		if q, ok := refine(xs[i-k], xs[i], xs[i+k], ys[i-k], ys[i], ys[i+k]); ok {
			return i, q, true, k
		}
	}
	return i, p, false, 0
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func estimateOne(frac float64, ts []Sample) (Optimum, localOptimum) {
	o := Optimum{Fraction: frac, N: ts[0].N}
	tab := newLossTable(ts)
	rows, xs, ys, seeds := tab.curve()
	i, p, refined, k := locate(xs, ys)
	if i < 0 {
		return o, localOptimum{} // every rate diverged: not usable
	}
	o.GridLR = tab.lrs[rows[i]]
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

	o.Flat = flatCurve(tab, rows, ys)
	l := localOptimum{seeds: seeds[i]}
	if refined && !o.Flat {
		l.pulls = pulls(tab, []int{rows[i-k], rows[i], rows[i+k]}, p.grad)
		o.Curvature = p.curvature
		v, x0, x1, x2 := p.vertex, xs[i-k], xs[i], xs[i+k]
		l.omega = (v-x1)*(v-x2) + (v-x0)*(v-x2) + (v-x0)*(v-x1)
		l.kappa, l.hasKappa = asymmetry(xs, ys, i, k)
	} else {
		var h float64
		switch {
		case i > 0 && i < len(xs)-1:
			h = (xs[i+1] - xs[i-1]) / 2
		case i > 0:
			h = xs[i] - xs[i-1]
		case i < len(xs)-1:
			h = xs[i+1] - xs[i]
		}
		l.quant = h * h / 4
	}
	o.LR = math.Pow(10, p.vertex)
	o.Refined = refined
	o.Loss = ys[i]
	o.Constant = o.LR * float64(o.Steps)
	return o, l
}

// flatCurve reports whether the curve of a fraction is flat: its
// seed-mean losses do not differ between the rates by more than the
// seeds' noise, so the loss does not tell the rates apart and its minimum
// is chance. It needs 3 rates with finite losses and 2 seeds with a loss
// at each of them.
//
// The seeds are blocks: a seed's losses at all rates share its
// initialization and batch order and move together, so the rates are
// compared within seeds — the two-way analysis of variance of the losses
// y_js at the m finite rates j and the S seeds s with all of them,
//
//	SS_rate = S·Σ_j (ȳ_j − ȳ)²,
//	SS_res  = Σ_j Σ_s (y_js − ȳ_j − ȳ_s + ȳ)²,
//	F = (SS_rate/(m − 1)) / (SS_res/((m − 1)(S − 1))),
//
// and the curve is flat when F is below the 95% quantile of Fisher's F
// with (m − 1, (m − 1)(S − 1)) degrees of freedom — the data cannot reject
// a loss that is the same at every rate (a flat curve is then called flat
// in 95% of sweeps) — and the seed means span less than flatSpread of
// their smallest: with few rates and seeds, or one rate whose seeds
// disagree wildly, the test has little power, and a curve that moves by
// more than that is not flat for want of evidence. A curve that reaches
// from rates that learn nothing to rates that learn is never flat, and
// neither is one whose minimum lies between other rates less than
// flatMinSpan decades apart.
func flatCurve(tab lossTable, rows []int, ys []float64) bool {
	var js []int
	for j, y := range ys {
		if isFinite(y) {
			js = append(js, rows[j])
		}
	}
	if len(js) < 3 {
		return false
	}
	if tab.x[js[len(js)-1]]-tab.x[js[0]] < flatMinSpan {
		// Over a narrow range of rates only a minimum on an edge can be
		// flat: an interior one is a bracketed optimum whose neighbours
		// differ little by design.
		best := 0
		for j, y := range ys {
			if isFinite(y) && (!isFinite(ys[best]) || y < ys[best]) {
				best = j
			}
		}
		if rows[best] != js[0] && rows[best] != js[len(js)-1] {
			return false
		}
	}
	seeds := completeSeeds(tab, js)
	m, S := len(js), len(seeds)
	if S < 2 {
		return false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for j, y := range ys {
		if isFinite(y) {
			if y < 0 {
				// A negated metric to maximize (accuracy): a relative
				// spread means nothing on its scale, so no call of flat.
				return false
			}
			lo, hi = math.Min(lo, ys[j]), math.Max(hi, ys[j])
		}
	}
	if !(hi-lo <= flatSpread*lo) {
		return false
	}
	rowMean := make([]float64, m)
	colMean := make([]float64, S)
	var grand float64
	for a, j := range js {
		for b, s := range seeds {
			v := tab.loss[j][s]
			rowMean[a] += v / float64(S)
			colMean[b] += v / float64(m)
			grand += v / float64(m*S)
		}
	}
	var ssRate, ssRes float64
	for a, j := range js {
		ssRate += float64(S) * (rowMean[a] - grand) * (rowMean[a] - grand)
		for b, s := range seeds {
			r := tab.loss[j][s] - rowMean[a] - colMean[b] + grand
			ssRes += r * r
		}
	}
	// Differences at the rounding level of the losses are none.
	if tiny := 1e-24 * grand * grand * float64(m*S); ssRate <= tiny {
		return true
	} else if ssRes <= tiny {
		return false
	}
	d1, d2 := float64(m-1), float64((m-1)*(S-1))
	f := (ssRate / d1) / (ssRes / d2)
	return f < distuv.F{D1: d1, D2: d2}.Quantile(0.95)
}

// flatMinSpan is the narrowest range of rates, in decades, over which a
// curve with an interior minimum can be called flat: any smooth curve
// differs little over a few rates around its minimum (an adaptive sweep's
// window there), which says nothing about the rate mattering.
const flatMinSpan = 1.0

// flatSpread bounds a flat curve's range of seed-mean losses, relative to
// its smallest: 5%. (Random labels and features that carry nothing give
// curves within about 1%; a sweep from rates that learn nothing to rates
// that learn spans tens of percent.)
const flatSpread = 0.05

// completeSeeds returns the seeds with a finite loss at every table row
// of rows.
func completeSeeds(tab lossTable, rows []int) []int {
	var seeds []int
	for s := range tab.loss[rows[0]] {
		ok := true
		for _, j := range rows {
			ok = ok && isFinite(tab.loss[j][s])
		}
		if ok {
			seeds = append(seeds, s)
		}
	}
	return seeds
}

// pulls returns z_s = Σ_j grad_j·(y_js − ȳ_j) over the three table rows,
// for the seeds with a finite loss at all three (ȳ_j is their mean).
func pulls(tab lossTable, rows []int, grad [3]float64) []float64 {
	complete := completeSeeds(tab, rows)
	if len(complete) == 0 {
		return nil
	}
	var mean [3]float64
	for k, j := range rows {
		for _, s := range complete {
			mean[k] += tab.loss[j][s]
		}
		mean[k] /= float64(len(complete))
	}
	z := make([]float64, len(complete))
	for n, s := range complete {
		for k, j := range rows {
			// A deviation at the rounding level of the mean is none: seeds
			// with identical losses must pull by exactly 0.
			if d := tab.loss[j][s] - mean[k]; math.Abs(d) > 1e-12*math.Max(1, math.Abs(mean[k])) {
				z[n] += grad[k] * d
			}
		}
	}
	return z
}

// CurvePoint is one rate of a fraction's loss curve L(η): the mean final
// validation loss over the seeds that ran at rate LR, or Diverged (and
// Loss = +Inf) when any of them diverged.
type CurvePoint struct {
	LR       float64
	Loss     float64
	Seeds    int // seeds averaged
	Diverged bool
}

// MeanCurve returns the seed-mean loss curve of one fraction's samples,
// ascending in rate: the curve EstimateOptima locates the optimum on,
//
//	L(η) = (1/S) Σ_s loss(η, s),  +Inf when any seed diverged at η.
func MeanCurve(samples []Sample) []CurvePoint {
	tab := newLossTable(samples)
	rows, _, ys, seeds := tab.curve()
	out := make([]CurvePoint, len(rows))
	for i, j := range rows {
		out[i] = CurvePoint{LR: tab.lrs[j], Loss: ys[i], Seeds: seeds[i], Diverged: math.IsInf(ys[i], 1)}
	}
	return out
}
