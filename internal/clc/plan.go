package clc

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/scaling"
)

// ParseFractions parses a comma-separated list of dataset fractions, each a
// decimal ("0.25") or a ratio ("1/4"), every one in (0, 1], without
// duplicates. It returns the values and their text as given, sorted ascending.
func ParseFractions(s string) ([]float64, []string, error) {
	parts := splitList(s)
	if len(parts) > 0 && len(parts) != len(strings.Split(s, ",")) {
		return nil, nil, inputerr.New("%v %q has an empty item", paramFractions, s).WithHint("separate fractions with single commas, e.g. 1/8,1/4")
	}
	if len(parts) > maxListItems {
		return nil, nil, inputerr.New("%v has %d items (at most %d)", paramFractions, len(parts), maxListItems)
	}
	if len(parts) == 0 {
		return nil, nil, inputerr.New("%v is empty", paramFractions).WithHint("give a list such as 1/32,1/16,1/8,1/4")
	}
	type frac struct {
		v    float64
		text string
	}
	var fs []frac
	seen := map[float64]string{}
	for _, p := range parts {
		v, ok := parseRatio(p)
		if !ok {
			return nil, nil, inputerr.New("fraction %q is not a number or ratio", p).WithHint("write fractions as 1/8 or 0.125")
		}
		if !(v > 0) || v > 1 {
			return nil, nil, inputerr.New("fraction %q is outside (0, 1]", p).WithHint("a fraction is a share of the training rows: 1/32 … 1")
		}
		if prev, dup := seen[v]; dup {
			return nil, nil, inputerr.New("fraction %q repeats %q", p, prev)
		}
		seen[v] = p
		fs = append(fs, frac{v, p})
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].v < fs[j].v })
	vals := make([]float64, len(fs))
	texts := make([]string, len(fs))
	for i, f := range fs {
		vals[i], texts[i] = f.v, f.text
	}
	return vals, texts, nil
}

// parseRatio reads "a/b" or "a", a and b finite decimals, b ≠ 0.
func parseRatio(p string) (float64, bool) {
	num, den, isRatio := strings.Cut(p, "/")
	a, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(a) || math.IsInf(a, 0) {
		return 0, false
	}
	if !isRatio {
		return a, true
	}
	b, err := strconv.ParseFloat(strings.TrimSpace(den), 64)
	if err != nil || b == 0 || math.IsNaN(b) || math.IsInf(b, 0) {
		return 0, false
	}
	return a / b, true
}

// ParseRates parses a comma-separated list of positive, finite learning rates
// and returns them sorted ascending, without duplicates.
func ParseRates(s string) ([]float64, error) {
	parts := splitList(s)
	if len(parts) > 0 && len(parts) != len(strings.Split(s, ",")) {
		return nil, inputerr.New("%v %q has an empty item", paramLRs, s).WithHint("separate rates with single commas, e.g. 0.01,0.03,0.1")
	}
	if len(parts) > maxListItems {
		return nil, inputerr.New("%v has %d items (at most %d)", paramLRs, len(parts), maxListItems)
	}
	if len(parts) == 0 {
		return nil, inputerr.New("%v is empty", paramLRs)
	}
	var lrs []float64
	for _, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if errors.Is(err, strconv.ErrRange) {
			return nil, inputerr.New("learning rate %q is out of range", p)
		}
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, inputerr.New("learning rate %q is not a finite number", p)
		}
		if v <= 0 {
			return nil, inputerr.New("learning rate %q is not positive", p)
		}
		lrs = append(lrs, v)
	}
	sort.Float64s(lrs)
	for i := 1; i < len(lrs); i++ {
		if lrs[i] == lrs[i-1] {
			return nil, inputerr.New("learning rate %g appears twice in %v", lrs[i], paramLRs)
		}
	}
	if len(lrs) < 3 {
		return nil, inputerr.New("%v has %d rates; the optimum search needs at least 3", paramLRs, len(lrs))
	}
	return lrs, nil
}

// LogGrid returns points learning rates spaced evenly in log10 η from lo to
// hi inclusive:
//
//	η_i = 10^(log10 lo + i·(log10 hi − log10 lo)/(points−1)),  i = 0..points−1
func LogGrid(lo, hi float64, points int) ([]float64, error) {
	switch {
	case !(lo > 0) || math.IsInf(lo, 0):
		return nil, inputerr.New("%v %g must be a finite positive number", paramLRMin, lo)
	case !(hi > 0) || math.IsInf(hi, 0):
		return nil, inputerr.New("%v %g must be a finite positive number", paramLRMax, hi)
	case lo >= hi:
		return nil, inputerr.New("%v %g is not below %v %g", paramLRMin, lo, paramLRMax, hi).
			WithHint("the grid runs from %v up to %v, e.g. %v 1e-4 %v 1", paramLRMin, paramLRMax, paramLRMin, paramLRMax)
	case points < 3:
		return nil, inputerr.New("%v %d is too few; the optimum search needs at least 3", paramLRPoints, points)
	}
	a, b := math.Log10(lo), math.Log10(hi)
	g := make([]float64, points)
	for i := range g {
		g[i] = math.Pow(10, a+float64(i)*(b-a)/float64(points-1))
	}
	g[0], g[points-1] = lo, hi
	return g, nil
}

// The settings this package's messages name.
const (
	paramFractions inputerr.Param = "fractions"
	paramLRs       inputerr.Param = "lrs"
	paramLRMin     inputerr.Param = "lr_min"
	paramLRMax     inputerr.Param = "lr_max"
	paramLRPoints  inputerr.Param = "lr_points"
	paramSeeds     inputerr.Param = "seeds"
	paramBatchSize inputerr.Param = "batch_size"
	paramJournal   inputerr.Param = "journal"
	paramShard     inputerr.Param = "shard"
	paramEpochs    inputerr.Param = "epochs"
	paramSteps     inputerr.Param = "steps"
	// paramAxisFractions names the fractions the other runs train at.
	paramAxisFractions inputerr.Param = "axis_fractions"
	paramDesign        inputerr.Param = "design"
)

// maxListItems bounds the items of the fraction and rate lists.
const maxListItems = 1000

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Plan is the set of trials of a sweep: every fraction × learning rate ×
// seed with the sweep's own run, and, for a sweep over several training
// lengths or batch sizes (see WithAxes), every other run × axis fraction ×
// rate × seed.
type Plan struct {
	NFull     int       // training rows available
	Fractions []float64 // ascending, in (0, 1]
	Sizes     []int     // N = round(f·NFull) per fraction
	LRs       []float64 // ascending
	Seeds     int
	// SeedBase is the first seed: the trials use seeds SeedBase …
	// SeedBase+Seeds−1, so a fit can be repeated with independent seeds.
	SeedBase int
	// Run is the sweep's own run (its epochs, batch size and step budget;
	// zero when not known: the plan then has no other runs and Cost is N).
	Run scaling.Run
	// Runs are the other runs (WithAxes), each trained at AxisFractions,
	// whose sizes are AxisSizes.
	Runs          []scaling.RunSpec
	AxisFractions []float64
	AxisSizes     []int
}

// Cell is one loss curve of a plan: a fraction with one run, trained at
// every rate and seed. The optima of a fit are one per cell.
type Cell struct {
	Fraction float64
	N        int
	scaling.RunSpec
}

// Spec is the cell's trial at rate lr and seed.
func (c Cell) Spec(lr float64, seed int) TrialSpec {
	return TrialSpec{Fraction: c.Fraction, N: c.N, LR: lr, Seed: seed, RunSpec: c.RunSpec}
}

// Cells lists the plan's cells: the sweep's own run at every fraction,
// then each other run (in the order of Runs) at every axis fraction, both
// in ascending order of fraction. An adaptive design that chooses its own
// rates per curve iterates over these, building trials with Cell.Spec.
func (p Plan) Cells() []Cell {
	cells := make([]Cell, 0, len(p.Fractions)+len(p.Runs)*len(p.AxisFractions))
	for i, f := range p.Fractions {
		cells = append(cells, Cell{Fraction: f, N: p.Sizes[i]})
	}
	for _, r := range p.Runs {
		for i, f := range p.AxisFractions {
			cells = append(cells, Cell{Fraction: f, N: p.AxisSizes[i], RunSpec: r})
		}
	}
	return cells
}

// Cost is the training cost of a trial of the plan in samples, T·B (the
// steps times the batch size); N when the plan's run is not known.
func (p Plan) Cost(s TrialSpec) float64 {
	if p.Run.BatchSize < 1 {
		return float64(s.N)
	}
	r := s.RunSpec.Resolve(p.Run)
	if r.Steps > 0 {
		return float64(r.Steps * r.BatchSize)
	}
	return float64(r.Epochs * (s.N / r.BatchSize) * r.BatchSize)
}

// ShardCost is the cost function that deals the plan's trials to shards:
// nil (each trial's N) for a plan of one run, whose shards are then what
// they were before plans had other runs, else Cost.
func (p Plan) ShardCost() func(TrialSpec) float64 {
	if len(p.Runs) == 0 {
		return nil
	}
	return p.Cost
}

// AxisShare is the cost of the plan's other runs as a share of the cost of
// its own run's trials (0 without other runs).
func (p Plan) AxisShare() float64 {
	var own, other float64
	for _, c := range p.Cells() {
		cost := p.Cost(c.Spec(0, 0)) * float64(len(p.LRs)*p.Seeds)
		if c.IsBase() {
			own += cost
		} else {
			other += cost
		}
	}
	if own == 0 {
		return 0
	}
	return other / own
}

// Axes are the training runs a sweep measures besides its own, to learn
// how the optimum moves with the training length and the batch size (see
// scaling.FitJointLaw). Each value is a run of its own that differs from
// the sweep's in that one setting, trained at Fractions only (by default
// the two smallest of the sweep: the cheapest curves).
type Axes struct {
	// Epochs are other epoch counts (an epoch budget), Steps other step
	// budgets (a step budget), BatchSizes other batch sizes.
	Epochs     []int `yaml:"epochs,flow,omitempty" json:"epochs,omitempty"`
	Steps      []int `yaml:"steps,flow,omitempty" json:"steps,omitempty"`
	BatchSizes []int `yaml:"batch_sizes,flow,omitempty" json:"batch_sizes,omitempty"`
	// Fractions are where the other runs train, ascending; FractionText
	// as given.
	Fractions    []float64 `yaml:"fractions,flow" json:"fractions"`
	FractionText []string  `yaml:"fraction_text,flow,omitempty" json:"fraction_text,omitempty"`
}

// Runs lists the axes' runs: the epoch counts, the step budgets, then the
// batch sizes, each in the order given.
func (a *Axes) Runs() []scaling.RunSpec {
	if a == nil {
		return nil
	}
	var out []scaling.RunSpec
	for _, e := range a.Epochs {
		out = append(out, scaling.RunSpec{Epochs: e})
	}
	for _, s := range a.Steps {
		out = append(out, scaling.RunSpec{StepBudget: s})
	}
	for _, b := range a.BatchSizes {
		out = append(out, scaling.RunSpec{BatchSize: b})
	}
	return out
}

// MaxAxisShare is the cost of a sweep's other runs, as a share of its own
// run's, that DefaultAxisFractions keeps below when it can.
const MaxAxisShare = 0.5

// What makes a run at an axis fraction worth measuring (see
// DefaultAxisFractions).
const (
	// MinAxisBatches is the fewest batches per epoch a run needs at an
	// axis fraction.
	MinAxisBatches = 8
	// MinAxisSteps is the fewest optimizer steps a run needs there.
	MinAxisSteps = 20
)

// DefaultAxisFractions returns the fractions the other runs of a sweep of
// configuration c on nFull rows train at unless given, with their text.
//
// A fraction qualifies when every run (the sweep's own and the others)
// has at least MinAxisBatches batches per epoch and MinAxisSteps steps
// there: a run of a handful of steps has its optimum at the stability
// edge and says little about the longer runs it is to predict (on the
// demo data, batches of 128 rows at 219 rows, one batch per epoch and 3
// steps, wanted η* = 0.56 where the full-size optimum of that run is
// 0.31). Of the qualifying fractions, the two smallest (the cheapest
// curves; two sizes per run) when the other runs cost at most
// MaxAxisShare of the sweep's own run there (Plan.AxisShare), else the
// smallest alone; when none qualifies, the largest fraction.
func DefaultAxisFractions(nFull int, c SweepConfig) ([]float64, []string) {
	runs := append([]scaling.RunSpec{{}}, c.Axes.Runs()...)
	var ok []int
	for i, f := range c.Fractions {
		n := int(math.Round(f * float64(nFull)))
		good := true
		for _, r := range runs {
			run := r.Resolve(c.Run())
			steps := run.Steps
			if steps == 0 && run.BatchSize > 0 {
				steps = run.Epochs * (n / run.BatchSize)
			}
			good = good && run.BatchSize > 0 && n/run.BatchSize >= MinAxisBatches && steps >= MinAxisSteps
		}
		if good {
			ok = append(ok, i)
		}
	}
	if len(ok) == 0 {
		ok = []int{len(c.Fractions) - 1}
	}
	pick := func(k int) ([]float64, []string) {
		var fs []float64
		var ts []string
		for _, i := range ok[:min(k, len(ok))] {
			fs = append(fs, c.Fractions[i])
			if i < len(c.FractionText) {
				ts = append(ts, c.FractionText[i])
			}
		}
		if len(ts) != len(fs) {
			ts = nil
		}
		return fs, ts
	}
	two, texts := pick(2)
	a := *c.Axes
	a.Fractions, a.FractionText = two, texts
	c.Axes = &a
	if p, err := PlanOf(nFull, c); err == nil && p.AxisShare() <= MaxAxisShare {
		return two, texts
	}
	return pick(1)
}

// maxAxisRuns bounds the other runs of a sweep.
const maxAxisRuns = 16

// WithAxes returns the plan with the other runs of axes, for a sweep whose
// own run is run: every run at every axis fraction. It checks that each
// value is a valid run other than the sweep's own (epoch counts need an
// epoch budget, step budgets a step budget; no value twice), that each axis
// fraction leaves a batch of every run's batch size, and that the axis
// fractions give distinct sizes. A nil or empty axes adds nothing.
func (p Plan) WithAxes(run scaling.Run, axes *Axes) (Plan, error) {
	p.Run = run
	runs := axes.Runs()
	if len(runs) == 0 {
		return p, nil
	}
	if len(runs) > maxAxisRuns {
		return Plan{}, inputerr.New("%d other training runs is too many (at most %d)", len(runs), maxAxisRuns)
	}
	type axis struct {
		name  inputerr.Param
		vals  []int
		own   int
		allow bool
		what  string
	}
	for _, a := range []axis{
		{paramEpochs, axes.Epochs, run.Epochs, run.Steps == 0, "an epoch budget"},
		{paramSteps, axes.Steps, run.Steps, run.Steps > 0, "a step budget"},
		{paramBatchSize, axes.BatchSizes, run.BatchSize, true, ""},
	} {
		if len(a.vals) > 0 && !a.allow {
			return Plan{}, inputerr.New("several values of %v need %s", a.name, a.what)
		}
		seen := map[int]bool{a.own: true}
		for _, v := range a.vals {
			if v < 1 {
				return Plan{}, inputerr.New("%v %d must be at least 1", a.name, v)
			}
			if seen[v] {
				return Plan{}, inputerr.New("%v %d is given twice", a.name, v).WithHint("list each value once, the sweep's own run first")
			}
			seen[v] = true
		}
	}
	if len(axes.Fractions) == 0 {
		return Plan{}, inputerr.New("the other training runs have no fractions to train at").WithHint("give %v", paramAxisFractions)
	}
	p.Runs = runs
	p.AxisFractions = axes.Fractions
	p.AxisSizes = nil
	for i, f := range axes.Fractions {
		if !(f > 0 && f <= 1) {
			return Plan{}, inputerr.New("axis fraction %s is outside (0, 1]", FormatFraction(f))
		}
		n := int(math.Round(f * float64(p.NFull)))
		for _, r := range append([]scaling.RunSpec{{}}, runs...) {
			if b := r.Resolve(run).BatchSize; n < b {
				return Plan{}, inputerr.New("axis fraction %s leaves %d of %d training rows, fewer than one batch of %d", FormatFraction(f), n, p.NFull, b).
					WithHint("use larger %v or smaller batch sizes", paramAxisFractions)
			}
		}
		if i > 0 && n <= p.AxisSizes[i-1] {
			return Plan{}, inputerr.New("axis fractions %s and %s give %d and %d rows", FormatFraction(axes.Fractions[i-1]), FormatFraction(f), p.AxisSizes[i-1], n).
				WithHint("give distinct fractions in ascending order")
		}
		p.AxisSizes = append(p.AxisSizes, n)
	}
	return p, nil
}

// NewPlan checks that every fraction leaves at least minRows rows (one
// batch) and that the fractions map to distinct sizes.
func NewPlan(nFull int, fractions []float64, lrs []float64, seeds, minRows int) (Plan, error) {
	if seeds < 1 {
		return Plan{}, inputerr.New("%v %d must be at least 1", paramSeeds, seeds)
	}
	p := Plan{NFull: nFull, Fractions: fractions, LRs: lrs, Seeds: seeds}
	for i, f := range fractions {
		n := int(math.Round(f * float64(nFull)))
		if n < minRows {
			return Plan{}, inputerr.New("fraction %s leaves %d of %d training rows, fewer than one batch of %d", FormatFraction(f), n, nFull, minRows).
				WithHint("use larger fractions or a smaller %v", paramBatchSize)
		}
		if i > 0 && n == p.Sizes[i-1] {
			return Plan{}, inputerr.New("fractions %s and %s both give %d rows", FormatFraction(fractions[i-1]), FormatFraction(f), n)
		}
		p.Sizes = append(p.Sizes, n)
	}
	return p, nil
}

// Specs lists the plan's trials cell by cell (see Cells: the sweep's own
// run fraction-major, then the other runs), each cell by rate, then seed
// (SeedBase, SeedBase+1, …).
func (p Plan) Specs() []TrialSpec {
	specs := make([]TrialSpec, 0, p.Trials())
	for _, c := range p.Cells() {
		for _, lr := range p.LRs {
			for s := 0; s < p.Seeds; s++ {
				specs = append(specs, c.Spec(lr, p.SeedBase+s))
			}
		}
	}
	return specs
}

// FormatFraction writes a fraction compactly: 1/k when it is the
// reciprocal of a whole number k (to 1e-9 relative), else its shortest
// decimal form. SweepConfig.FractionLabel prefers the user's own text.
func FormatFraction(f float64) string {
	if f > 0 && f < 1 {
		k := 1 / f
		if r := math.Round(k); math.Abs(k-r) < 1e-9*k {
			return "1/" + strconv.FormatFloat(r, 'f', 0, 64)
		}
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// Trials is the number of the plan's trials.
func (p Plan) Trials() int {
	return (len(p.Fractions) + len(p.Runs)*len(p.AxisFractions)) * len(p.LRs) * p.Seeds
}

// String describes the plan in one line: the sweep's own run, and the
// other runs with their share of the cost (in samples trained).
func (p Plan) String() string {
	own := fmt.Sprintf("%d fractions × %d rates × %s", len(p.Fractions), len(p.LRs), numfmt.Count(p.Seeds, "seed", "seeds"))
	if len(p.Runs) == 0 {
		return fmt.Sprintf("%s = %d trials", own, p.Trials())
	}
	var runs []string
	for _, r := range p.Runs {
		runs = append(runs, RunLabel(r))
	}
	return fmt.Sprintf("%s, and %d other runs (%s) at %s × the same rates and seeds = %d trials (the other runs cost +%.0f%% in samples)",
		own, len(p.Runs), strings.Join(runs, ", "), numfmt.Count(len(p.AxisFractions), "fraction", "fractions"), p.Trials(), 100*p.AxisShare())
}

// RunLabel names a run by how it differs from the sweep's own: "3 epochs",
// "batch 128", "500 steps"; "own run" for the sweep's.
func RunLabel(r scaling.RunSpec) string {
	var parts []string
	if r.Epochs > 0 {
		parts = append(parts, numfmt.Count(r.Epochs, "epoch", "epochs"))
	}
	if r.StepBudget > 0 {
		parts = append(parts, numfmt.Count(r.StepBudget, "step", "steps"))
	}
	if r.BatchSize > 0 {
		parts = append(parts, fmt.Sprintf("batch %d", r.BatchSize))
	}
	if len(parts) == 0 {
		return "own run"
	}
	return strings.Join(parts, ", ")
}
