package clc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
)

// The designs of a sweep: how it chooses its trials.
const (
	// DesignGrid trains every fraction × rate × seed of the grid.
	DesignGrid = "grid"
	// DesignAdaptive brackets the optimum on the whole grid at the smallest
	// fraction only, then trains a few rates around the running law's
	// prediction at each larger fraction, and spends further seeds where
	// they shrink the error of the full-size prediction most, until it is
	// precise enough or the budget is spent (see adaptive).
	DesignAdaptive = "adaptive"
)

// Defaults of the adaptive design.
const (
	// DefaultPrecision is the standard error of log10 η*(N_full), in
	// decades, at which an adaptive sweep stops adding seeds: the part
	// of it the measurements make (scaling.Decision.SamplingSE; the bend
	// prior's part no seed can shrink).
	DefaultPrecision = 0.05
	// extendPoints is how many lattice rates an adaptive sweep adds beyond
	// an edge that holds a fraction's minimum.
	extendPoints = 2
	// minWindow is the fewest rates an adaptive sweep trains at a fraction
	// after the first: the three a parabola needs; an edge minimum extends
	// them.
	minWindow = 3
	// refinePoints is how many rates nearest a fraction's optimum get a
	// further seed.
	refinePoints = 5
	// maxSeedsPerRate bounds the seeds an adaptive sweep spends on one rate.
	maxSeedsPerRate = 64
	// latticeReach bounds how far, in decades, an adaptive sweep extends
	// its lattice beyond the configured grid at either end.
	latticeReach = 3
)

// lattice is the set of rates an adaptive sweep may train: the configured
// grid's log-spaced rates continued at the same spacing up to latticeReach
// decades beyond either end, so that trials at one rate are shared across
// fractions, stages and runs (and with a grid sweep of the same grid):
//
//	η_i = 10^(a + i·(b − a)/(P − 1)),  a = log10 η_0, b = log10 η_{P−1},
//
// the very expression of LogGrid, so that i in [0, P−1] gives the grid's
// rates bit for bit. A grid that is not log-spaced (explicit rates) is
// its own lattice, without extension.
type lattice struct {
	lrs      []float64
	uniform  bool
	a, b     float64
	lo, hi   int // the reachable indices
	points   int
	spacing  float64 // decades between neighbours (uniform only)
	position map[float64]int
}

func newLattice(lrs []float64) lattice {
	l := lattice{lrs: lrs, points: len(lrs), lo: 0, hi: len(lrs) - 1, position: map[float64]int{}}
	l.a, l.b = math.Log10(lrs[0]), math.Log10(lrs[len(lrs)-1])
	l.uniform = len(lrs) >= 3
	for i := 1; i < len(lrs)-1 && l.uniform; i++ {
		l.uniform = l.formula(i) == lrs[i]
	}
	if l.uniform {
		l.spacing = (l.b - l.a) / float64(l.points-1)
		reach := int(math.Ceil(latticeReach / l.spacing))
		l.lo, l.hi = -reach, l.points-1+reach
	}
	for i := l.lo; i <= l.hi; i++ {
		l.position[l.rate(i)] = i
	}
	return l
}

func (l lattice) formula(i int) float64 {
	return math.Pow(10, l.a+float64(i)*(l.b-l.a)/float64(l.points-1))
}

// rate is η_i.
func (l lattice) rate(i int) float64 {
	switch {
	case i >= 0 && i < l.points:
		return l.lrs[i]
	case l.uniform:
		return l.formula(i)
	}
	panic("clc: lattice index out of range")
}

// index is the lattice index of the rate x = log10 η rounded to the
// nearest rate, clamped to the reachable ones.
func (l lattice) index(x float64) int {
	var i int
	if l.uniform {
		i = int(math.Round((x - l.a) / l.spacing))
	} else {
		i, _ = slices.BinarySearch(l.lrs, math.Pow(10, x))
		if i > 0 && (i == len(l.lrs) || x-math.Log10(l.lrs[i-1]) < math.Log10(l.lrs[i])-x) {
			i--
		}
	}
	return min(max(i, l.lo), l.hi)
}

// adaptive decides the trials of an adaptive sweep from the trials it has
// so far. Its decisions are a pure function of the configuration and of
// those trials, taken in a fixed order, so a resumed sweep makes the same
// decisions and reuses every recorded trial: Fit replays them, running
// only what the journal does not hold.
//
// The stages, each settled before the next:
//
//  1. Bracket: at the smallest fraction, every rate of the configured
//     grid with the base seeds (SeedBase … SeedBase+Seeds−1).
//  2. Window: at each larger fraction, the lattice rates within the 95%
//     prediction interval of the law fitted so far, and at least one grid
//     step either side of its prediction (minWindow rates; with a single
//     fraction settled, the rates its optimum moves to for any exponent α
//     in [−1, 0.5], and a step more either side), with the base seeds.
//  3. Extend: while a fraction's seed-mean minimum over every seed
//     trained there sits on the highest or lowest rate it tried (the
//     highest not bounded by a divergence), extendPoints more lattice
//     rates beyond it with the base seeds, until bracketed or
//     latticeReach decades past the grid.
//  4. Refine: while the standard error of the predicted log10 η*(N_full)
//     exceeds Precision and the budget allows, one more seed at the
//     refinePoints rates nearest the optimum of the fraction where it
//     shrinks the prediction's variance most per unit of cost.
//
// The budget (MaxCost) binds every stage but the first: a sweep whose
// next window would pass it stops there, with the fractions it has.
//
// Windows look only at the base seeds, so refinement never moves them.
// Extensions read every seed: when refinement's seeds move a fraction's
// minimum onto an edge, the next stage extends the rates there (before
// any further refinement), so that the optimum stays bracketed.
type adaptive struct {
	cfg   SweepConfig
	plan  Plan
	lat   lattice
	nFull int
	full  float64 // Plan.Cost of a trial of the own run on all N_full rows
	// budget is MaxCost in full-size runs (the grid design's cost when 0).
	budget    float64
	precision float64
}

func newAdaptive(c SweepConfig, plan Plan, nFull int) *adaptive {
	ad := &adaptive{cfg: c, plan: plan, lat: newLattice(c.LRs), nFull: nFull, precision: c.Precision, budget: c.MaxCost}
	ad.full = math.Max(1, plan.Cost(TrialSpec{N: nFull}))
	if ad.precision <= 0 {
		ad.precision = DefaultPrecision
	}
	if ad.budget <= 0 {
		ad.budget = ad.gridCost()
	}
	return ad
}

// samples are trials as the statistics see them for the sweep's
// objective (see Objective.Samples); a trial without the metric, which
// stops the sweep when it runs, counts as diverged here.
func (ad *adaptive) samples(ts []Trial) []scaling.Sample {
	return ad.cfg.Objective().samplesOrDiverged(ts)
}

// cost of a trial in full-size runs: its samples trained, T·B of its run
// (Plan.Cost), over those of the own run on all N_full rows.
func (ad *adaptive) cost(s TrialSpec) float64 { return ad.plan.Cost(s) / ad.full }

// gridCost is the cost of the grid design of the same configuration.
func (ad *adaptive) gridCost() float64 {
	var c float64
	for _, s := range ad.plan.Specs() {
		c += ad.cost(s)
	}
	return c
}

// Stage describes one decision of an adaptive sweep: the trials it adds.
type Stage struct {
	Kind string // "bracket", "window", "extend" or "refine"
	// Cell is the loss curve the trials add to: a fraction and a run (the
	// own run, or another length or batch size).
	Cell
	LRs   []float64 // the rates, ascending
	Seeds []int     // the seeds, ascending
	// Why says what the stage answers, e.g. "the minimum is on the
	// highest rate tried".
	Why string
	// Cost is the trials' cost, Spent the sweep's cost before them and
	// Budget its budget, all in full-size runs.
	Cost, Spent, Budget float64
}

// Specs are the stage's trials.
func (s Stage) Specs() []TrialSpec {
	var out []TrialSpec
	for _, lr := range s.LRs {
		for _, seed := range s.Seeds {
			out = append(out, s.Cell.Spec(lr, seed))
		}
	}
	return out
}

// Stop says why an adaptive sweep ended.
type Stop struct {
	Reason string // "precision", "budget", "no law" or "seeds"
	// Log10SE is the standard error of log10 η*(N_full) at the end, the
	// measurements' part (scaling.Decision.SamplingSE; 0 without a law),
	// Precision the target.
	Log10SE, Precision float64
	Spent, Budget      float64
}

// trialSet holds the trials an adaptive sweep has, by spec.
type trialSet map[TrialSpec]Trial

func (ts trialSet) sorted() []Trial {
	out := make([]Trial, 0, len(ts))
	for _, t := range ts {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Trial) int { return compareSpecs(a.TrialSpec, b.TrialSpec) })
	return out
}

// at returns the trials of cell c, with a seed below maxSeed when it is
// not negative.
func (ts trialSet) at(c Cell, maxSeed int) []Trial {
	var out []Trial
	for _, t := range ts.sorted() {
		if t.N == c.N && t.RunSpec == c.RunSpec && (maxSeed < 0 || t.Seed < maxSeed) {
			out = append(out, t)
		}
	}
	return out
}

// own returns the trials of the sweep's own run.
func (ts trialSet) own() []Trial {
	var out []Trial
	for _, t := range ts.sorted() {
		if t.RunSpec.IsBase() {
			out = append(out, t)
		}
	}
	return out
}

func (ad *adaptive) spent(ts trialSet) float64 {
	var c float64
	for _, t := range ts {
		if !t.Pruned {
			c += ad.cost(t.TrialSpec)
		}
	}
	return c
}

// baseSeeds are the seeds every fraction's window trains.
func (ad *adaptive) baseSeeds() []int {
	s := make([]int, ad.plan.Seeds)
	for i := range s {
		s[i] = ad.plan.SeedBase + i
	}
	return s
}

// compareSpecs orders trials: the own run first, then other runs by
// epochs, batch size and step budget; within a run by fraction, rate and
// seed.
func compareSpecs(a, b TrialSpec) int {
	return cmp.Or(cmp.Compare(boolInt(!a.RunSpec.IsBase()), boolInt(!b.RunSpec.IsBase())),
		cmp.Compare(a.RunSpec.Epochs, b.RunSpec.Epochs), cmp.Compare(a.RunSpec.BatchSize, b.RunSpec.BatchSize),
		cmp.Compare(a.RunSpec.StepBudget, b.RunSpec.StepBudget),
		cmp.Compare(a.Fraction, b.Fraction), cmp.Compare(a.LR, b.LR), cmp.Compare(a.Seed, b.Seed))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// next returns the stage to run given the trials so far, or the reason
// the sweep is done: the own run's cells in order of size (bracket at the
// smallest, windows and extensions at the others), then every other run's
// cells (a window around the own run's optimum at the same size, and
// extensions), then refinement of the own run's law.
func (ad *adaptive) next(ts trialSet) (*Stage, *Stop) {
	k := 0
	for _, c := range ad.plan.Cells() {
		var want []int
		kind, why := "window", ""
		switch {
		case !c.RunSpec.IsBase():
			want, why = ad.runWindow(ts, c)
		case k == 0:
			kind, why = "bracket", "the whole grid at the smallest fraction"
			for i := range ad.lat.points {
				want = append(want, i)
			}
		default:
			want, why = ad.window(ts, k)
		}
		if c.RunSpec.IsBase() {
			k++
		}
		if st := ad.missing(ts, c, want, ad.baseSeeds(), kind, why); st != nil {
			return ad.affordable(ts, st)
		}
		if st := ad.extension(ts, c); st != nil {
			return ad.affordable(ts, st)
		}
	}
	return ad.refine(ts)
}

// runWindow is the lattice rates to train for another run's cell c: the
// rates the own run's optimum at the same size moves to under exponents
// of the run's length and batch size anywhere in [−1, 1], and a grid step
// more either side:
//
//	log10 η ∈ x* ± (|log10(T/T_own)| + |log10(B/B_own)| + h)
//
// (x* the own run's optimum there, h the grid step); extensions catch an
// exponent outside.
func (ad *adaptive) runWindow(ts trialSet, c Cell) ([]int, string) {
	endBase := ad.plan.SeedBase + ad.plan.Seeds
	ownCell := Cell{Fraction: c.Fraction, N: c.N}
	var x float64
	found := false
	for _, o := range scaling.EstimateOptima(ad.samples(ts.at(ownCell, endBase))).Optima {
		if o.Usable {
			x, found = math.Log10(o.LR), true
		}
	}
	if !found {
		return ad.span(0, ad.lat.points-1), "no usable optimum of the own run at this size: the whole grid"
	}
	own, other := ad.plan.Run, c.RunSpec.Resolve(ad.plan.Run)
	tOwn, tOther := float64(own.Steps), float64(other.Steps)
	if own.Steps == 0 {
		tOwn = float64(own.Epochs * (c.N / own.BatchSize))
	}
	if other.Steps == 0 {
		tOther = float64(other.Epochs * (c.N / other.BatchSize))
	}
	half := math.Abs(math.Log10(tOther/tOwn)) + math.Abs(math.Log10(float64(other.BatchSize)/float64(own.BatchSize))) + ad.step()
	a, b := ad.lat.index(x-half), ad.lat.index(x+half)
	return ad.span(a, b), fmt.Sprintf("the own run's optimum %s at this size, moved by T^β·B^γ with β, γ in [−1, 1]", fmtRate(x))
}

// fits reports whether st stays within the budget (to rounding: a sweep
// whose stages add up to the grid's cost exactly fits in the grid's).
func (ad *adaptive) fits(st *Stage) bool { return st.Spent+st.Cost <= ad.budget*(1+1e-9) }

// affordable returns st, or the budget stop when st would take the
// sweep past its budget (the bracketing stage always runs: without it
// there is nothing to fit).
func (ad *adaptive) affordable(ts trialSet, st *Stage) (*Stage, *Stop) {
	if st.Kind == "bracket" || ad.fits(st) {
		return st, nil
	}
	stop := &Stop{Reason: "budget", Precision: ad.precision, Spent: st.Spent, Budget: ad.budget}
	optima := scaling.EstimateOptima(ad.samples(ts.sorted()))
	if law, err := scaling.FitLaw(optima.Optima); err == nil {
		stop.Log10SE = scaling.Decide(law, float64(ad.nFull)).SamplingSE()
	}
	return nil, stop
}

// missing is the stage that trains the lattice rates want in cell c with
// seeds, leaving out the trials ts holds; nil when it holds them all.
func (ad *adaptive) missing(ts trialSet, c Cell, want []int, seeds []int, kind, why string) *Stage {
	st := &Stage{Kind: kind, Cell: c, Why: why}
	need := map[int]bool{}
	for _, i := range want {
		for _, s := range seeds {
			if _, ok := ts[c.Spec(ad.lat.rate(i), s)]; !ok {
				need[i] = true
			}
		}
	}
	if len(need) == 0 {
		return nil
	}
	for _, i := range want {
		if need[i] {
			st.LRs = append(st.LRs, ad.lat.rate(i))
		}
	}
	st.Seeds = seeds
	return ad.priced(ts, st)
}

func (ad *adaptive) priced(ts trialSet, st *Stage) *Stage {
	st.Cost = float64(len(st.LRs)*len(st.Seeds)) * ad.cost(st.Cell.Spec(0, 0))
	st.Spent, st.Budget = ad.spent(ts), ad.budget
	return st
}

// window is the lattice rates to train at fraction k ≥ 1: around the
// prediction of the law fitted on the smaller fractions' base seeds.
func (ad *adaptive) window(ts trialSet, k int) ([]int, string) {
	endBase := ad.plan.SeedBase + ad.plan.Seeds
	var below []Trial
	for j := range k {
		below = append(below, ts.at(Cell{Fraction: ad.plan.Fractions[j], N: ad.plan.Sizes[j]}, endBase)...)
	}
	optima := scaling.EstimateOptima(ad.samples(below)).Optima
	var usable []scaling.Optimum
	for _, o := range optima {
		if o.Usable {
			usable = append(usable, o)
		}
	}
	if len(usable) == 0 {
		return ad.span(0, ad.lat.points-1), "no usable optimum below: the whole grid"
	}
	x := math.Log10(float64(ad.plan.Sizes[k]))
	h := ad.step()
	var lo, hi float64
	why := ""
	law, err := scaling.FitLaw(optima)
	p := law.PredictLog10(float64(ad.plan.Sizes[k]))
	if err == nil && p.Half95() > 0 {
		half := math.Max(h, p.Half95())
		lo, hi = p.Log10-half, p.Log10+half
		why = fmt.Sprintf("the law's 95%% prediction interval %s … %s", fmtRate(lo), fmtRate(hi))
	} else {
		last := usable[len(usable)-1]
		c := math.Log10(last.LR)
		d := x - math.Log10(float64(last.N))
		lo, hi = c-1.0*d-h, c+0.5*d+h
		why = fmt.Sprintf("the optimum at N = %d moved by N^α, α in [−1, 0.5]", last.N)
	}
	a, b := ad.lat.index(lo), ad.lat.index(hi)
	for b-a+1 < minWindow {
		if a > ad.lat.lo {
			a--
		}
		if b-a+1 < minWindow && b < ad.lat.hi {
			b++
		}
		if a == ad.lat.lo && b == ad.lat.hi {
			break
		}
	}
	return ad.span(a, b), why
}

// step is the lattice spacing in decades (the mean spacing of a grid that
// is not log-spaced).
func (ad *adaptive) step() float64 {
	if ad.lat.uniform {
		return ad.lat.spacing
	}
	return (ad.lat.b - ad.lat.a) / float64(ad.lat.points-1)
}

func (ad *adaptive) span(a, b int) []int {
	var out []int
	for i := a; i <= b; i++ {
		out = append(out, i)
	}
	return out
}

// extension returns the stage that extends cell c's rates beyond the edge
// holding its minimum, or nil when the minimum is bracketed (or the
// lattice ends there). The minimum is that of the seed-mean curve over
// every seed trained, the curve EstimateOptima reads: refinement's extra
// seeds can move it onto an edge the base seeds had bracketed, and the
// next stage then extends the rates there rather than refining a minimum
// the fit would leave out of the law. As in EstimateOptima, the minimum
// is bracketed unless it is the lowest rate with a finite loss (rates
// below that diverged do not bracket it) or the highest rate tried; a
// minimum whose higher rates all diverged sits at the stability edge and
// is bracketed.
func (ad *adaptive) extension(ts trialSet, c Cell) *Stage {
	curve := scaling.MeanCurve(ad.samples(ts.at(c, -1)))
	if len(curve) == 0 {
		return nil
	}
	lowest := ad.lat.position[curve[0].LR]
	highest := ad.lat.position[curve[len(curve)-1].LR]
	first, best := -1, -1
	for i, p := range curve {
		if p.Diverged {
			continue
		}
		if first < 0 {
			first = i
		}
		if best < 0 || p.Loss < curve[best].Loss {
			best = i
		}
	}
	switch {
	case best < 0:
		return ad.extend(ts, c, lowest-extendPoints, lowest-1, "every rate tried diverged")
	case best == first:
		return ad.extend(ts, c, lowest-extendPoints, lowest-1, "the minimum is on the lowest rate tried")
	case best == len(curve)-1:
		return ad.extend(ts, c, highest+1, highest+extendPoints, "the minimum is on the highest rate tried")
	}
	return nil
}

func (ad *adaptive) extend(ts trialSet, c Cell, a, b int, why string) *Stage {
	a, b = max(a, ad.lat.lo), min(b, ad.lat.hi)
	if a > b {
		return nil // the lattice ends here: the optimum stays unbracketed
	}
	return ad.missing(ts, c, ad.span(a, b), ad.baseSeeds(), "extend", why)
}

// refine returns the next refinement stage, or why the sweep is done.
func (ad *adaptive) refine(ts trialSet) (*Stage, *Stop) {
	spent := ad.spent(ts)
	stop := &Stop{Precision: ad.precision, Spent: spent, Budget: ad.budget}
	optima := scaling.EstimateOptima(ad.samples(ts.own()))
	law, err := scaling.FitLaw(optima.Optima)
	if err != nil {
		stop.Reason = "no law"
		return nil, stop
	}
	stop.Log10SE = scaling.Decide(law, float64(ad.nFull)).SamplingSE()
	if stop.Log10SE <= ad.precision {
		stop.Reason = "precision"
		return nil, stop
	}
	// The linear weights of the law's prediction at N_full in the fitted
	// points: with w_i = 1/(se_i² + τ²), S = Σw, x̄ = Σw·x/S and
	// Sxx = Σw(x − x̄)², the prediction is Σ c_i·y_i with
	//
	//	c_i = w_i·(1/S + (x0 − x̄)(x_i − x̄)/Sxx).
	//
	// One more seed at fraction i shrinks se_i² by about se_i²/(S_i + 1)
	// (S_i seeds), so the prediction's variance by c_i²·se_i²/(S_i + 1).
	var ps []scaling.Optimum
	for _, o := range optima.Optima {
		if o.Usable && o.Bracketed && o.LogSE > 0 {
			ps = append(ps, o)
		}
	}
	if len(ps) < 2 {
		stop.Reason = "no law"
		return nil, stop
	}
	x0 := math.Log10(float64(ad.nFull))
	var sw, swx float64
	w := make([]float64, len(ps))
	for i, o := range ps {
		w[i] = 1 / (o.LogSE*o.LogSE + law.Tau*law.Tau)
		sw += w[i]
		swx += w[i] * math.Log10(float64(o.N))
	}
	xb := swx / sw
	var sxx float64
	for i, o := range ps {
		dx := math.Log10(float64(o.N)) - xb
		sxx += w[i] * dx * dx
	}
	var best *Stage
	bestGain := 0.0
	for i, o := range ps {
		xi := math.Log10(float64(o.N))
		c := w[i] * (1/sw + (x0-xb)*(xi-xb)/sxx)
		seeds := ad.seedsAt(ts, o.N)
		if seeds >= maxSeedsPerRate {
			continue
		}
		st := ad.refineStage(ts, o, seeds)
		if st == nil || !ad.fits(st) {
			continue
		}
		gain := c * c * o.LogSE * o.LogSE / float64(seeds+1) / st.Cost
		if best == nil || gain > bestGain {
			best, bestGain = st, gain
		}
	}
	if best == nil {
		stop.Reason = "budget"
		return nil, stop
	}
	return best, nil
}

// seedsAt is the number of distinct seeds trained at n rows.
func (ad *adaptive) seedsAt(ts trialSet, n int) int {
	seen := map[int]bool{}
	for s := range ts {
		if s.N == n && s.RunSpec.IsBase() {
			seen[s.Seed] = true
		}
	}
	return len(seen)
}

// refineStage is one more seed at the refinePoints rates tried with the
// base seeds nearest the optimum o.
func (ad *adaptive) refineStage(ts trialSet, o scaling.Optimum, seeds int) *Stage {
	endBase := ad.plan.SeedBase + ad.plan.Seeds
	cell := Cell{Fraction: o.Fraction, N: o.N}
	curve := scaling.MeanCurve(ad.samples(ts.at(cell, endBase)))
	type near struct {
		lr, d float64
	}
	var cands []near
	x := math.Log10(o.LR)
	for _, p := range curve {
		if !p.Diverged {
			cands = append(cands, near{p.LR, math.Abs(math.Log10(p.LR) - x)})
		}
	}
	slices.SortStableFunc(cands, func(a, b near) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.lr, b.lr)) })
	cands = cands[:min(len(cands), refinePoints)]
	st := &Stage{Kind: "refine", Cell: cell, Seeds: []int{ad.plan.SeedBase + seeds},
		Why: "one more seed where it shrinks the full-size prediction's error most per cost"}
	for _, c := range cands {
		st.LRs = append(st.LRs, c.lr)
	}
	slices.Sort(st.LRs)
	if len(st.LRs) == 0 {
		return nil
	}
	return ad.priced(ts, st)
}

func fmtRate(x float64) string { return fmt.Sprintf("%.3g", math.Pow(10, x)) }

// runAdaptive runs an adaptive sweep (see adaptive): it replays the
// decisions from the trials the journal holds and runs the rest.
func runAdaptive(ctx context.Context, o Options, plan Plan, fp string, res *Result) error {
	if o.Shard != nil {
		return inputerr.New("an adaptive sweep cannot be sharded: each stage needs the previous one's results").
			WithHint("shard a sweep with %v %s", paramDesign, DesignGrid)
	}
	ad := newAdaptive(o.Config, plan, o.Dataset.Rows)
	ss, err := openSession(o.Journal, fp, PlanRecord{Tool: o.Tool, Dataset: o.Dataset, Config: o.Config})
	if err != nil {
		return err
	}
	defer ss.close()
	ts := trialSet{}
	res.Run = &RunReport{Resume: Resume{Journal: o.Journal}}
	first := true
	for {
		st, stop := ad.next(ts)
		if stop != nil {
			res.Stop = stop
			break
		}
		if o.Events.Stage != nil {
			o.Events.Stage(*st)
		}
		opt := RunOptions{Workers: o.Workers, Prune: o.Config.Prune, Progress: o.Events.Progress,
			Objective: o.Config.Objective(), Epochs: o.Config.Epochs, OnReport: o.Events.Report, Earlier: ts.sorted()}
		rep, err := ss.run(ctx, st.Specs(), o.Trainer, opt)
		if rep != nil {
			res.Run.Ran += rep.Ran
			res.Run.Elapsed += rep.Elapsed
			if first {
				res.Run.Resume = rep.Resume
			} else {
				res.Run.Resume.Known = append(res.Run.Resume.Known, rep.Resume.Known...)
				res.Run.Resume.ToRun += rep.Resume.ToRun
			}
		}
		first = false
		var stopped *StoppedError
		if errors.As(err, &stopped) {
			stopped.Recorded += len(ts)
			stopped.Total = 0
		}
		if err != nil {
			return err
		}
		for _, t := range rep.Trials {
			ts[t.TrialSpec] = t
		}
	}
	res.Run.Trials = ts.sorted()
	return nil
}

// replayAdaptive replays an adaptive sweep's decisions from recorded
// trials only (lookup), as a merge of its journals does: it returns the
// trials of every stage whose trials are all recorded, the specs of the
// first stage that are not (none when the sweep is complete), every spec
// decided so far, and why the sweep ended when it did.
func replayAdaptive(c SweepConfig, plan Plan, nFull int, lookup func(TrialSpec) (Trial, bool)) (trials []Trial, missing, specs []TrialSpec, stop *Stop) {
	ad := newAdaptive(c, plan, nFull)
	ts := trialSet{}
	for {
		st, done := ad.next(ts)
		if done != nil {
			return ts.sorted(), nil, specs, done
		}
		stage := st.Specs()
		specs = append(specs, stage...)
		got, have := CollectTrials(stage, c.Prune, lookup)
		for i, s := range stage {
			if !have[i] {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			for i, s := range stage {
				if have[i] {
					ts[s] = got[i]
				}
			}
			return ts.sorted(), missing, specs, nil
		}
		for _, t := range got {
			ts[t.TrialSpec] = t
		}
	}
}

// Cost is the training a fit's trials took, in full-size runs (samples
// trained, T(N)·B summed over the trials that ran, over those of one run
// on all N_full rows), and what the grid design of its configuration
// takes.
func (f *FitFile) Cost() (spent, grid float64) {
	plan, err := PlanOf(f.Dataset.Rows, f.Config)
	if err != nil || f.Config.BatchSize < 1 {
		return 0, 0
	}
	ad := newAdaptive(f.Config, plan, f.Dataset.Rows)
	for _, t := range f.Trials {
		if !t.Pruned {
			spent += ad.cost(t.TrialSpec)
		}
	}
	return spent, ad.gridCost()
}
