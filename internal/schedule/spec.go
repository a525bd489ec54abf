// Package schedule designs learning-rate schedules that carry a target
// cumulative learning, writes them in the formats training code reads, and
// reads them back with their checksum verified.
//
// A shape is a function s(t) ≥ 0 of the step index t = 0 … n−1 of a run of
// n points (steps, or epochs with per-epoch granularity). A schedule for a
// target area C (the cumulative-learning constant, in lr·steps) is
//
//	η_t = C · s(t) / Σ_u s(u)
//
// so that Σ_t η_t = C: every schedule designed from the same C carries the
// same cumulative learning, whatever its shape.
//
// The shapes (m is the floor --min-ratio, W the warmup length in points):
//
//	constant       s(t) = 1
//	linear         s(t) = m + (1−m)·(1 − t/(n−1))                      PyTorch LinearLR(1, m, n−1)
//	cosine         s(t) = m + (1−m)·(1 + cos(π·t/(n−1)))/2             PyTorch CosineAnnealingLR(n−1, m·peak)
//	exponential    s(t) = γ^t, γ = --gamma or m^(1/(n−1))                PyTorch ExponentialLR(γ)
//	step           s(t) = γ^(number of milestones ≤ t)                    PyTorch MultiStepLR(milestones, γ)
//	warmup-cosine  s(t) = (t+1)/(W+1) for t < W, then cosine from 1 to m over t = W … n−1
//	wsd            warmup as above, 1 until the last D points (W + D < n), then m + (1−m)·d(p),
//	               p = (t − (n−D) + 1)/D, d(p) = 1−p (linear), (1+cos πp)/2 (cosine) or 1−√p (sqrt)
//	inverse-sqrt   s(t) = (t+1)/(W+1) for t < W, then √((W+1)/(t+1))
//	onecycle       PyTorch OneCycleLR (two phases, cosine annealing): from 1/div_factor up to 1 at
//	               t = pct_start·n − 1, then down to 1/(div_factor·final_div_factor) at t = n−1
//
// Where PyTorch has a closed-form scheduler the discrete shape is exactly its
// formula, so the torch export uses that scheduler; the others are exported
// as LambdaLR over the emitted rates.
package schedule

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Shape names.
const (
	Constant     = "constant"
	Linear       = "linear"
	Cosine       = "cosine"
	Exponential  = "exponential"
	Step         = "step"
	WarmupCosine = "warmup-cosine"
	WSD          = "wsd"
	InverseSqrt  = "inverse-sqrt"
	OneCycle     = "onecycle"
)

// Shapes lists the shape names in the order the help text gives them.
var Shapes = []string{Constant, Linear, Cosine, Exponential, Step, WarmupCosine, WSD, InverseSqrt, OneCycle}

// WSD decay types.
const (
	DecayLinear = "linear"
	DecayCosine = "cosine"
	DecaySqrt   = "sqrt"
)

// Spec describes a shape and its parameters. Zero values mean the shape's
// defaults (see WithDefaults); parameters a shape does not use must be zero.
//
// Warmup, Decay and each milestone are either a fraction of the run, a
// number in (0, 1), or a count of points, an integer ≥ 1: steps, or epochs
// when the schedule is per epoch. A fraction f of a run of n points is
// round(f·n) points.
type Spec struct {
	Shape string `yaml:"shape" json:"shape"`
	// MinRatio is the floor as a fraction of the peak, in [0, 1]: the
	// final value of linear, cosine, warmup-cosine and wsd, and of
	// exponential when Gamma is not given.
	MinRatio float64 `yaml:"min_ratio,omitempty" json:"min_ratio,omitempty"`
	// Warmup is the linear warmup of warmup-cosine, wsd and inverse-sqrt.
	Warmup float64 `yaml:"warmup,omitempty" json:"warmup,omitempty"`
	// Milestones are where step multiplies the rate by Gamma.
	Milestones []float64 `yaml:"milestones,flow,omitempty" json:"milestones,omitempty"`
	// Gamma is step's factor at each milestone, or exponential's factor
	// per point (instead of MinRatio).
	Gamma float64 `yaml:"gamma,omitempty" json:"gamma,omitempty"`
	// Decay is the length of wsd's final decay, and DecayType its form:
	// linear, cosine or sqrt (1−√p).
	Decay     float64 `yaml:"decay,omitempty" json:"decay,omitempty"`
	DecayType string  `yaml:"decay_type,omitempty" json:"decay_type,omitempty"`
	// PctStart, DivFactor and FinalDivFactor are onecycle's parameters,
	// as in PyTorch's OneCycleLR.
	PctStart       float64 `yaml:"pct_start,omitempty" json:"pct_start,omitempty"`
	DivFactor      float64 `yaml:"div_factor,omitempty" json:"div_factor,omitempty"`
	FinalDivFactor float64 `yaml:"final_div_factor,omitempty" json:"final_div_factor,omitempty"`
}

// param describes one shape parameter: its flag name and whether it is set.
type param struct {
	flag string
	set  func(Spec) bool
}

var params = map[string]param{
	"min_ratio":        {"--min-ratio", func(s Spec) bool { return s.MinRatio != 0 }},
	"warmup":           {"--warmup", func(s Spec) bool { return s.Warmup != 0 }},
	"milestones":       {"--milestones", func(s Spec) bool { return len(s.Milestones) > 0 }},
	"gamma":            {"--gamma", func(s Spec) bool { return s.Gamma != 0 }},
	"decay":            {"--decay", func(s Spec) bool { return s.Decay != 0 }},
	"decay_type":       {"--decay-type", func(s Spec) bool { return s.DecayType != "" }},
	"pct_start":        {"--pct-start", func(s Spec) bool { return s.PctStart != 0 }},
	"div_factor":       {"--div-factor", func(s Spec) bool { return s.DivFactor != 0 }},
	"final_div_factor": {"--final-div-factor", func(s Spec) bool { return s.FinalDivFactor != 0 }},
}

// paramOrder is the order parameters are listed in messages.
var paramOrder = []string{"min_ratio", "warmup", "milestones", "gamma", "decay", "decay_type", "pct_start", "div_factor", "final_div_factor"}

// shapeParams lists the parameters each shape uses.
var shapeParams = map[string][]string{
	Constant:     nil,
	Linear:       {"min_ratio"},
	Cosine:       {"min_ratio"},
	Exponential:  {"min_ratio", "gamma"},
	Step:         {"milestones", "gamma"},
	WarmupCosine: {"warmup", "min_ratio"},
	WSD:          {"warmup", "decay", "decay_type", "min_ratio"},
	InverseSqrt:  {"warmup"},
	OneCycle:     {"pct_start", "div_factor", "final_div_factor"},
}

// Uses reports whether the shape takes the parameter named by its flag
// (e.g. "--gamma" or "gamma").
func (s Spec) Uses(flag string) bool {
	name := strings.ReplaceAll(strings.TrimPrefix(flag, "--"), "-", "_")
	return slices.Contains(shapeParams[s.shapeName()], name)
}

func (s Spec) shapeName() string {
	if s.Shape == "" {
		return Constant
	}
	return s.Shape
}

// Defaults of the shape parameters.
const (
	DefaultExpMinRatio    = 0.01 // exponential: final rate 1% of the peak
	DefaultGamma          = 0.1  // step
	DefaultWarmup         = 0.05 // warmup-cosine: 5% of the run
	DefaultDecay          = 0.2  // wsd: the last 20% of the run
	DefaultDecayType      = DecayLinear
	DefaultPctStart       = 0.3 // onecycle, as PyTorch
	DefaultDivFactor      = 25
	DefaultFinalDivFactor = 1e4
)

// DefaultMilestones are step's milestones: half and three quarters of the run.
var DefaultMilestones = []float64{0.5, 0.75}

// WithDefaults returns s with an empty Shape set to constant and the zero
// parameters its shape uses set to their defaults. The floor MinRatio
// defaults to 0, except for exponential (DefaultExpMinRatio, unless Gamma
// is given); wsd and inverse-sqrt have no warmup by default.
func (s Spec) WithDefaults() Spec {
	s.Shape = s.shapeName()
	switch s.Shape {
	case Exponential:
		if s.Gamma == 0 && s.MinRatio == 0 {
			s.MinRatio = DefaultExpMinRatio
		}
	case Step:
		if s.Gamma == 0 {
			s.Gamma = DefaultGamma
		}
		if len(s.Milestones) == 0 {
			s.Milestones = slices.Clone(DefaultMilestones)
		}
	case WarmupCosine:
		if s.Warmup == 0 {
			s.Warmup = DefaultWarmup
		}
	case WSD:
		if s.Decay == 0 {
			s.Decay = DefaultDecay
		}
		if s.DecayType == "" {
			s.DecayType = DefaultDecayType
		}
	case OneCycle:
		if s.PctStart == 0 {
			s.PctStart = DefaultPctStart
		}
		if s.DivFactor == 0 {
			s.DivFactor = DefaultDivFactor
		}
		if s.FinalDivFactor == 0 {
			s.FinalDivFactor = DefaultFinalDivFactor
		}
	}
	return s
}

// String describes the shape and its non-zero parameters, e.g.
// "cosine (min_ratio 0.1)".
func (s Spec) String() string {
	var parts []string
	for _, name := range paramOrder {
		p := params[name]
		if !p.set(s) {
			continue
		}
		var v string
		switch name {
		case "min_ratio":
			v = fmtG(s.MinRatio)
		case "warmup":
			v = fmtLength(s.Warmup)
		case "milestones":
			ms := make([]string, len(s.Milestones))
			for i, m := range s.Milestones {
				ms[i] = fmtLength(m)
			}
			v = strings.Join(ms, ",")
		case "gamma":
			v = fmtG(s.Gamma)
		case "decay":
			v = fmtLength(s.Decay)
		case "decay_type":
			v = s.DecayType
		case "pct_start":
			v = fmtG(s.PctStart)
		case "div_factor":
			v = fmtG(s.DivFactor)
		case "final_div_factor":
			v = fmtG(s.FinalDivFactor)
		}
		parts = append(parts, name+" "+v)
	}
	if len(parts) == 0 {
		return s.shapeName()
	}
	return s.shapeName() + " (" + strings.Join(parts, ", ") + ")"
}

// fmtLength prints a fraction as a percentage and a count as an integer.
func fmtLength(v float64) string {
	if v > 0 && v < 1 {
		return fmtG(v*100) + "%"
	}
	return fmtG(v)
}

var shapesHint = "use --shape " + strings.Join(Shapes[:len(Shapes)-1], ", ") + " or " + Shapes[len(Shapes)-1]

// check validates the parameters that do not depend on the run's length.
// s has its defaults filled in.
func (s Spec) check() error {
	used, ok := shapeParams[s.Shape]
	if !ok {
		return inputerr.New("unknown shape %q", s.Shape).WithHint("%s", shapesHint)
	}
	for _, name := range paramOrder {
		if params[name].set(s) && !slices.Contains(used, name) {
			return inputerr.New("%s does not apply to --shape %s", params[name].flag, s.Shape).WithHint("%s", usesHint(s.Shape))
		}
	}
	if !finite(s.MinRatio) || s.MinRatio < 0 || s.MinRatio > 1 {
		return inputerr.New("--min-ratio %s is outside [0, 1]", fmtG(s.MinRatio)).
			WithHint("the floor is a fraction of the peak rate, e.g. --min-ratio 0.1")
	}
	if err := checkLength("--warmup", s.Warmup); err != nil {
		return err
	}
	if err := checkLength("--decay", s.Decay); err != nil {
		return err
	}
	for _, m := range s.Milestones {
		if m == 0 {
			return inputerr.New("--milestones: milestone 0 is outside the run").
				WithHint("give fractions in (0, 1) such as 0.5,0.75, or step counts ≥ 1")
		}
		if err := checkLength("--milestones", m); err != nil {
			return err
		}
	}
	if !finite(s.Gamma) || s.Gamma < 0 || (s.Shape == Step && s.Gamma == 0) {
		return inputerr.New("--gamma %s must be a finite number above 0", fmtG(s.Gamma))
	}
	switch s.Shape {
	case Exponential:
		if s.Gamma != 0 && s.MinRatio != 0 {
			return inputerr.New("--gamma and --min-ratio both set the decay of --shape exponential").
				WithHint("give --min-ratio (the final rate as a fraction of the peak) or --gamma (the factor per step), not both")
		}
		if s.Gamma > 1 {
			return inputerr.New("--gamma %s is above 1; --shape exponential decays", fmtG(s.Gamma)).
				WithHint("--gamma is the factor per step, e.g. --gamma 0.999")
		}
		if s.Gamma == 0 && s.MinRatio == 0 {
			return inputerr.New("--min-ratio 0: an exponential decay never reaches 0").
				WithHint("give a final ratio above 0, e.g. --min-ratio 0.01")
		}
	case WSD:
		switch s.DecayType {
		case DecayLinear, DecayCosine, DecaySqrt:
		default:
			return inputerr.New("unknown decay type %q", s.DecayType).WithHint("use --decay-type linear, cosine or sqrt")
		}
		if s.Warmup > 0 && s.Warmup < 1 && s.Decay < 1 && s.Warmup+s.Decay > 1 {
			return inputerr.New("--warmup %s and --decay %s together are longer than the run", fmtLength(s.Warmup), fmtLength(s.Decay)).
				WithHint("their fractions must add up to at most 100%%")
		}
	case OneCycle:
		if !(s.PctStart > 0 && s.PctStart < 1) {
			return inputerr.New("--pct-start %s is outside (0, 1)", fmtG(s.PctStart)).
				WithHint("it is the fraction of the run spent rising to the peak, e.g. --pct-start 0.3")
		}
		if !finite(s.DivFactor) || s.DivFactor <= 0 {
			return inputerr.New("--div-factor %s must be a finite number above 0", fmtG(s.DivFactor))
		}
		if !finite(s.FinalDivFactor) || s.FinalDivFactor <= 0 {
			return inputerr.New("--final-div-factor %s must be a finite number above 0", fmtG(s.FinalDivFactor))
		}
	}
	return nil
}

func usesHint(shape string) string {
	used := shapeParams[shape]
	if len(used) == 0 {
		return fmt.Sprintf("--shape %s takes no parameters", shape)
	}
	flags := make([]string, len(used))
	for i, name := range used {
		flags[i] = params[name].flag
	}
	return fmt.Sprintf("--shape %s takes %s", shape, strings.Join(flags, ", "))
}

// checkLength validates a fraction-or-count parameter: 0 (unset), a
// fraction in (0, 1) or an integer ≥ 1.
func checkLength(flag string, v float64) error {
	if v == 0 {
		return nil
	}
	if !finite(v) || v < 0 || (v >= 1 && v != math.Trunc(v)) || v > 1e12 {
		return inputerr.New("%s %s is neither a fraction in (0, 1) nor a whole number of steps", flag, fmtG(v)).
			WithHint("give a fraction of the run such as 0.1 or 10%%, or a count such as 500")
	}
	return nil
}

// qty prints a count of a plural unit ("steps", "epochs"): "1 step",
// "2 steps".
func qty(n int, unit string) string {
	if n == 1 {
		unit = strings.TrimSuffix(unit, "s")
	}
	return fmt.Sprintf("%d %s", n, unit)
}

// length resolves a fraction-or-count to a count of points in a run of n.
func length(v float64, n int) int {
	if v < 1 {
		return int(math.Round(v * float64(n)))
	}
	return int(v)
}

// resolved is a Spec with defaults filled and its lengths turned into
// counts for a run of n points.
type resolved struct {
	Spec
	n          int
	unit       string // "steps" or "epochs"
	warmup     int
	decay      int
	milestones []int
	gamma      float64 // exponential's factor per point
}

// Validate checks s for a run of the given number of steps: the shape is
// known, its parameters are in range and apply to it, and the lengths fit
// in the run (a warmup shorter than the run, milestones inside it and
// increasing, warmup and decay together no longer than the run). Problems
// are *inputerr.Error with a hint. With a per-epoch schedule, steps is the
// number of epochs.
func (s Spec) Validate(steps int) error {
	_, err := s.WithDefaults().resolve(steps, "steps")
	return err
}

// resolve validates s (with its defaults) for a run of n points.
func (s Spec) resolve(n int, unit string) (*resolved, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, inputerr.New("a schedule needs at least 1 step (got %d)", n)
	}
	r := &resolved{Spec: s, n: n, unit: unit}
	switch s.Shape {
	case WarmupCosine, InverseSqrt:
		if err := r.resolveWarmup(n - 1); err != nil {
			return nil, err
		}
	case WSD:
		// The decay starts after at least one step at the peak.
		if s.Decay >= 1 {
			r.decay = int(s.Decay)
			if r.decay >= n {
				return nil, inputerr.New("--decay %s is not shorter than the run (%s)", qty(r.decay, unit), qty(n, unit)).
					WithHint("give a shorter --decay, or a fraction such as --decay 20%%")
			}
		} else {
			r.decay = min(max(1, length(s.Decay, n)), n-1)
		}
		if err := r.resolveWarmup(n - 1 - r.decay); err != nil {
			return nil, err
		}
	case Exponential:
		r.gamma = s.Gamma
		if s.Gamma == 0 {
			r.gamma = 1
			if n > 1 {
				r.gamma = math.Pow(s.MinRatio, 1/float64(n-1))
			}
		}
	case Step:
		prev := 0
		for i, m := range s.Milestones {
			k := length(m, n)
			if k < 1 || k > n-1 {
				what := fmt.Sprintf("%d", k)
				if m < 1 {
					what = fmt.Sprintf("%s (%s %d)", fmtLength(m), strings.TrimSuffix(unit, "s"), k)
				}
				hint := fmt.Sprintf("milestones count %s from the start, 1 … %d", unit, n-1)
				if n == 1 {
					hint = fmt.Sprintf("a 1-%s run has no room for a milestone", strings.TrimSuffix(unit, "s"))
				}
				return nil, inputerr.New("--milestones: %s is outside the run (%s)", what, qty(n, unit)).WithHint("%s", hint)
			}
			if i > 0 && k <= prev {
				return nil, inputerr.New("--milestones must increase: %s (%s %d) is not after %s (%s %d)",
					fmtLength(m), strings.TrimSuffix(unit, "s"), k, fmtLength(s.Milestones[i-1]), strings.TrimSuffix(unit, "s"), prev).
					WithHint("list the milestones in increasing order, each on a different %s", strings.TrimSuffix(unit, "s"))
			}
			r.milestones = append(r.milestones, k)
			prev = k
		}
	case OneCycle:
		if e1 := s.PctStart*float64(n) - 1; !(e1 > 0) {
			return nil, inputerr.New("--pct-start %s of %s leaves no room to rise to the peak", fmtG(s.PctStart), qty(n, unit)).
				WithHint("onecycle needs pct_start × %s > 1: raise --pct-start or lengthen the run", unit)
		}
	}
	return r, nil
}

// resolveWarmup sets r.warmup; an explicit count must not exceed limit
// points and a fraction is clamped to it.
func (r *resolved) resolveWarmup(limit int) error {
	if r.Warmup >= 1 {
		r.warmup = int(r.Warmup)
		if r.warmup > limit {
			if r.Shape == WSD {
				return inputerr.New("--warmup %d and --decay %s leave no %s at the peak in a run of %s",
					r.warmup, qty(r.decay, r.unit), strings.TrimSuffix(r.unit, "s"), qty(r.n, r.unit)).WithHint("shorten --warmup or --decay")
			}
			return inputerr.New("--warmup %s is not shorter than the run (%s)", qty(r.warmup, r.unit), qty(r.n, r.unit)).
				WithHint("give a shorter --warmup, or a fraction such as --warmup 10%%")
		}
		return nil
	}
	r.warmup = min(length(r.Warmup, r.n), max(limit, 0))
	return nil
}

// Weights returns the shape's values s(t) ≥ 0 for t = 0 … steps−1, before
// scaling (1 at the peak of most shapes). It fails like Validate.
func (s Spec) Weights(steps int) ([]float64, error) {
	r, err := s.WithDefaults().resolve(steps, "steps")
	if err != nil {
		return nil, err
	}
	return r.weights()
}

// Normalized returns the weights scaled to mean 1: Σ_t w_t = steps (to
// rounding, ≤ 1e-12 relative). A schedule value·w_t has area value·steps.
func (s Spec) Normalized(steps int) ([]float64, error) {
	w, err := s.Weights(steps)
	if err != nil {
		return nil, err
	}
	f := float64(steps) / sum(w)
	for i := range w {
		w[i] *= f
	}
	return w, nil
}

// warm is the warmup ramp (t+1)/(W+1), rising to W/(W+1) at t = W−1 before
// the peak 1 at t = W.
func warm(t, w int) float64 { return float64(t+1) / float64(w+1) }

// cosineFrom is the cosine decay from 1 (t = 0) to m (t = d), PyTorch's
// CosineAnnealingLR with base 1 and eta_min m.
func cosineFrom(t, d int, m float64) float64 {
	if d == 0 {
		return 1
	}
	return m + (1-m)*(1+math.Cos(math.Pi*float64(t)/float64(d)))/2
}

func (r *resolved) weights() ([]float64, error) {
	n, m := r.n, r.MinRatio
	w := make([]float64, n)
	switch r.Shape {
	case Constant:
		for t := range w {
			w[t] = 1
		}
	case Linear:
		for t := range w {
			w[t] = 1
			if n > 1 {
				w[t] = m + (1-m)*(1-float64(t)/float64(n-1))
			}
		}
	case Cosine:
		for t := range w {
			w[t] = cosineFrom(t, n-1, m)
		}
	case Exponential:
		for t := range w {
			w[t] = math.Pow(r.gamma, float64(t))
		}
	case Step:
		v, k := 1.0, 0
		for t := range w {
			for k < len(r.milestones) && r.milestones[k] == t {
				v *= r.Gamma
				k++
			}
			w[t] = v
		}
	case WarmupCosine:
		for t := range w {
			if t < r.warmup {
				w[t] = warm(t, r.warmup)
			} else {
				w[t] = cosineFrom(t-r.warmup, n-1-r.warmup, m)
			}
		}
	case WSD:
		start := n - r.decay
		for t := range w {
			switch {
			case t < r.warmup:
				w[t] = warm(t, r.warmup)
			case t < start:
				w[t] = 1
			default:
				p := float64(t-start+1) / float64(r.decay)
				var d float64
				switch r.DecayType {
				case DecayLinear:
					d = 1 - p
				case DecayCosine:
					d = (1 + math.Cos(math.Pi*p)) / 2
				case DecaySqrt:
					d = 1 - math.Sqrt(p)
				}
				w[t] = m + (1-m)*d
			}
		}
	case InverseSqrt:
		for t := range w {
			if t < r.warmup {
				w[t] = warm(t, r.warmup)
			} else {
				w[t] = math.Sqrt(float64(r.warmup+1) / float64(t+1))
			}
		}
	case OneCycle:
		for t := range w {
			w[t] = oneCycle(t, n, r.PctStart, 1, r.DivFactor, r.FinalDivFactor)
		}
	default:
		panic("schedule: unhandled shape " + r.Shape)
	}
	for t, v := range w {
		if !finite(v) || v < 0 {
			return nil, inputerr.New("--shape %s gives a non-finite or negative rate at %s %d", r.Spec, strings.TrimSuffix(r.unit, "s"), t)
		}
	}
	if !(w[0] > 0) && !(slices.Max(w) > 0) {
		return nil, inputerr.New("--shape %s is zero at every %s", r.Spec, strings.TrimSuffix(r.unit, "s"))
	}
	return w, nil
}

// oneCycle is PyTorch's OneCycleLR (three_phase=False, anneal_strategy
// "cos") at step t of total, with max_lr peak, evaluated with the same
// floating-point operations.
func oneCycle(t, total int, pctStart, peak, div, finalDiv float64) float64 {
	initial := peak / div
	minLR := initial / finalDiv
	end1 := pctStart*float64(total) - 1
	step := float64(t)
	anneal := func(start, end, pct float64) float64 {
		return end + (start-end)/2.0*(math.Cos(math.Pi*pct)+1)
	}
	if step <= end1 {
		return anneal(initial, peak, step/end1)
	}
	return anneal(peak, minLR, (step-end1)/(float64(total-1)-end1))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// sum is Neumaier's compensated sum of xs.
func sum(xs []float64) float64 {
	var s, c float64
	for _, x := range xs {
		t := s + x
		if math.Abs(s) >= math.Abs(x) {
			c += (s - t) + x
		} else {
			c += (x - t) + s
		}
		s = t
	}
	return s + c
}
