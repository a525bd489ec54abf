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
	paramDesign    inputerr.Param = "design"
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

// Plan is the set of trials of a sweep: every fraction × learning rate × seed.
type Plan struct {
	NFull     int       // training rows available
	Fractions []float64 // ascending, in (0, 1]
	Sizes     []int     // N = round(f·NFull) per fraction
	LRs       []float64 // ascending
	Seeds     int
	// SeedBase is the first seed: the trials use seeds SeedBase …
	// SeedBase+Seeds−1, so a fit can be repeated with independent seeds.
	SeedBase int
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

// Specs lists the plan's trials, fraction-major, then rate, then seed
// (SeedBase, SeedBase+1, …).
func (p Plan) Specs() []TrialSpec {
	specs := make([]TrialSpec, 0, len(p.Fractions)*len(p.LRs)*p.Seeds)
	for i, f := range p.Fractions {
		for _, lr := range p.LRs {
			for s := 0; s < p.Seeds; s++ {
				specs = append(specs, TrialSpec{Fraction: f, N: p.Sizes[i], LR: lr, Seed: p.SeedBase + s})
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
func (p Plan) Trials() int { return len(p.Fractions) * len(p.LRs) * p.Seeds }

// String describes the plan in one line.
func (p Plan) String() string {
	return fmt.Sprintf("%d fractions × %d rates × %s = %d trials", len(p.Fractions), len(p.LRs), numfmt.Count(p.Seeds, "seed", "seeds"), p.Trials())
}
