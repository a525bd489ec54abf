// Package schedule designs learning-rate schedules that carry a target
// cumulative learning, writes them in the formats training code reads, and
// reads them back with their checksum verified.
//
// A shape is a function s(t) ≥ 0 of the step index t = 0 … n−1 of a run of
// n optimizer steps. A schedule for a target area C (the
// cumulative-learning constant, in lr·steps) is
//
//	η_t = C · s(t) / Σ_u s(u)
//
// so that Σ_t η_t = C: every schedule designed from the same C carries the
// same cumulative learning, whatever its shape. A per-epoch schedule (the
// rate changes once per epoch of P steps) gives each epoch the mean of the
// per-step schedule over its steps, so that it carries the same
// cumulative learning at every epoch boundary (see New).
//
// The shapes (m is the floor min_ratio, W the warmup length in steps):
//
//	constant       s(t) = 1
//	linear         s(t) = m + (1−m)·(1 − t/(n−1))                      PyTorch LinearLR(1, m, n−1)
//	cosine         s(t) = m + (1−m)·(1 + cos(π·t/(n−1)))/2             PyTorch CosineAnnealingLR(n−1, m·peak)
//	exponential    s(t) = γ^t, γ = gamma or m^(1/(n−1))                  PyTorch ExponentialLR(γ)
//	step           s(t) = γ^(number of milestones ≤ t)                    PyTorch MultiStepLR(milestones, γ)
//	warmup-cosine  s(t) = (t+1)/(W+1) for t < W, then cosine from 1 to m over t = W … n−1
//	wsd            warmup as above, 1 until the last D steps (W + D < n), then m + (1−m)·d(p),
//	               p = (t − (n−D) + 1)/D, d(p) = 1−p (linear), (1+cos πp)/2 (cosine) or 1−√p (sqrt)
//	inverse-sqrt   s(t) = (t+1)/(W+1) for t < W, then √((W+1)/(t+1))
//	onecycle       PyTorch OneCycleLR (two phases, cosine annealing): from 1/div_factor up to 1 at
//	               t = pct_start·n − 1, then down to 1/(div_factor·final_div_factor) at t = n−1
//
// Lengths (W, D, the milestones) are fractions of the run or counts: of
// steps, or of epochs in a per-epoch schedule; a per-epoch gamma is the
// factor per epoch, γ^(1/P) per step. Where PyTorch has a closed-form
// scheduler the discrete per-step shape is exactly its formula, so the
// torch export uses that scheduler; the others, and per-epoch schedules,
// are exported as LambdaLR over the emitted rates.
package schedule

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/clc-tools/clc/internal/fsum"
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
	// Custom is the shape of a schedule read from a plain CSV of rates;
	// it cannot be designed.
	Custom = "custom"
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

// The settings messages name: the shape, its parameters (by their keys
// in Spec, which a front end spells as its own flags), the granularity and
// the output format.
const (
	paramShape          inputerr.Param = "shape"
	paramMinRatio       inputerr.Param = "min_ratio"
	paramWarmup         inputerr.Param = "warmup"
	paramMilestones     inputerr.Param = "milestones"
	paramGamma          inputerr.Param = "gamma"
	paramDecay          inputerr.Param = "decay"
	paramDecayType      inputerr.Param = "decay_type"
	paramPctStart       inputerr.Param = "pct_start"
	paramDivFactor      inputerr.Param = "div_factor"
	paramFinalDivFactor inputerr.Param = "final_div_factor"
	paramPer            inputerr.Param = "per"
	paramFormat         inputerr.Param = "format"
)

// paramSet says whether each shape parameter is set (non-zero) in a Spec.
var paramSet = map[inputerr.Param]func(Spec) bool{
	paramMinRatio:       func(s Spec) bool { return s.MinRatio != 0 },
	paramWarmup:         func(s Spec) bool { return s.Warmup != 0 },
	paramMilestones:     func(s Spec) bool { return len(s.Milestones) > 0 },
	paramGamma:          func(s Spec) bool { return s.Gamma != 0 },
	paramDecay:          func(s Spec) bool { return s.Decay != 0 },
	paramDecayType:      func(s Spec) bool { return s.DecayType != "" },
	paramPctStart:       func(s Spec) bool { return s.PctStart != 0 },
	paramDivFactor:      func(s Spec) bool { return s.DivFactor != 0 },
	paramFinalDivFactor: func(s Spec) bool { return s.FinalDivFactor != 0 },
}

// paramOrder is the order parameters are listed in messages.
var paramOrder = []inputerr.Param{paramMinRatio, paramWarmup, paramMilestones, paramGamma, paramDecay, paramDecayType,
	paramPctStart, paramDivFactor, paramFinalDivFactor}

// ShapeParams lists the keys of Spec's parameters ("min_ratio", ...), in
// the order messages list them.
func ShapeParams() []string {
	out := make([]string, len(paramOrder))
	for i, p := range paramOrder {
		out[i] = string(p)
	}
	return out
}

// shapeParams lists the parameters each shape uses.
var shapeParams = map[string][]inputerr.Param{
	Constant:     nil,
	Linear:       {paramMinRatio},
	Cosine:       {paramMinRatio},
	Exponential:  {paramMinRatio, paramGamma},
	Step:         {paramMilestones, paramGamma},
	WarmupCosine: {paramWarmup, paramMinRatio},
	WSD:          {paramWarmup, paramDecay, paramDecayType, paramMinRatio},
	InverseSqrt:  {paramWarmup},
	OneCycle:     {paramPctStart, paramDivFactor, paramFinalDivFactor},
}

// Uses reports whether the shape takes the parameter with the given key
// ("gamma", "min_ratio").
func (s Spec) Uses(key string) bool {
	return slices.Contains(shapeParams[s.shapeName()], inputerr.Param(key))
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
	for _, p := range paramOrder {
		if !paramSet[p](s) {
			continue
		}
		var v string
		switch p {
		case paramMinRatio:
			v = fmtG(s.MinRatio)
		case paramWarmup:
			v = fmtLength(s.Warmup)
		case paramMilestones:
			ms := make([]string, len(s.Milestones))
			for i, m := range s.Milestones {
				ms[i] = fmtLength(m)
			}
			v = strings.Join(ms, ",")
		case paramGamma:
			v = fmtG(s.Gamma)
		case paramDecay:
			v = fmtLength(s.Decay)
		case paramDecayType:
			v = s.DecayType
		case paramPctStart:
			v = fmtG(s.PctStart)
		case paramDivFactor:
			v = fmtG(s.DivFactor)
		case paramFinalDivFactor:
			v = fmtG(s.FinalDivFactor)
		}
		parts = append(parts, string(p)+" "+v)
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

// shapesHint is the hint after an unknown shape.
func shapesHint(e *inputerr.Error) *inputerr.Error {
	return e.WithHint("use %v %s or %s", paramShape, strings.Join(Shapes[:len(Shapes)-1], ", "), Shapes[len(Shapes)-1])
}

// Check validates the parameters of s (with its defaults) that do not
// depend on the run's length; Validate checks the rest. Problems are
// *inputerr.Error naming the parameter.
func (s Spec) Check() error { return s.WithDefaults().check() }

// check validates the parameters that do not depend on the run's length.
// s has its defaults filled in.
func (s Spec) check() error {
	used, ok := shapeParams[s.Shape]
	if !ok {
		return shapesHint(inputerr.New("unknown shape %q", s.Shape))
	}
	for _, p := range paramOrder {
		if paramSet[p](s) && !slices.Contains(used, p) {
			return usesHint(inputerr.New("%v does not apply to %v %s", p, paramShape, s.Shape), s.Shape)
		}
	}
	if !finite(s.MinRatio) || s.MinRatio < 0 || s.MinRatio > 1 {
		return inputerr.New("%v %s is outside [0, 1]", paramMinRatio, fmtG(s.MinRatio)).
			WithHint("the floor is a fraction of the peak rate, e.g. %v 0.1", paramMinRatio)
	}
	if err := CheckLength(paramWarmup, s.Warmup); err != nil {
		return err
	}
	if err := CheckLength(paramDecay, s.Decay); err != nil {
		return err
	}
	for _, m := range s.Milestones {
		if m == 0 {
			return inputerr.New("%v: milestone 0 is outside the run", paramMilestones).
				WithHint("give fractions in (0, 1) such as 0.5,0.75, or step counts ≥ 1")
		}
		if err := CheckLength(paramMilestones, m); err != nil {
			return err
		}
	}
	if !finite(s.Gamma) || s.Gamma < 0 || (s.Shape == Step && s.Gamma == 0) {
		return inputerr.New("%v %s must be a finite number above 0", paramGamma, fmtG(s.Gamma))
	}
	switch s.Shape {
	case Exponential:
		if s.Gamma != 0 && s.MinRatio != 0 {
			return inputerr.New("%v and %v both set the decay of %v exponential", paramGamma, paramMinRatio, paramShape).
				WithHint("give %v (the final rate as a fraction of the peak) or %v (the factor per step), not both", paramMinRatio, paramGamma)
		}
		if s.Gamma > 1 {
			return inputerr.New("%v %s is above 1; %v exponential decays", paramGamma, fmtG(s.Gamma), paramShape).
				WithHint("%v is the factor per step, e.g. %v 0.999", paramGamma, paramGamma)
		}
		if s.Gamma == 0 && s.MinRatio == 0 {
			return inputerr.New("%v 0: an exponential decay never reaches 0", paramMinRatio).
				WithHint("give a final ratio above 0, e.g. %v 0.01", paramMinRatio)
		}
	case WSD:
		switch s.DecayType {
		case DecayLinear, DecayCosine, DecaySqrt:
		default:
			return inputerr.New("unknown decay type %q", s.DecayType).WithHint("use %v linear, cosine or sqrt", paramDecayType)
		}
		if s.Warmup > 0 && s.Warmup < 1 && s.Decay < 1 && s.Warmup+s.Decay > 1 {
			return inputerr.New("%v %s and %v %s together are longer than the run", paramWarmup, fmtLength(s.Warmup), paramDecay, fmtLength(s.Decay)).
				WithHint("their fractions must add up to at most 100%%")
		}
	case OneCycle:
		if !(s.PctStart > 0 && s.PctStart < 1) {
			return inputerr.New("%v %s is outside (0, 1)", paramPctStart, fmtG(s.PctStart)).
				WithHint("it is the fraction of the run spent rising to the peak, e.g. %v 0.3", paramPctStart)
		}
		if !finite(s.DivFactor) || s.DivFactor <= 0 {
			return inputerr.New("%v %s must be a finite number above 0", paramDivFactor, fmtG(s.DivFactor))
		}
		if !finite(s.FinalDivFactor) || s.FinalDivFactor <= 0 {
			return inputerr.New("%v %s must be a finite number above 0", paramFinalDivFactor, fmtG(s.FinalDivFactor))
		}
	}
	return nil
}

// usesHint sets the hint that names the parameters of shape.
func usesHint(e *inputerr.Error, shape string) *inputerr.Error {
	used := shapeParams[shape]
	if len(used) == 0 {
		return e.WithHint("%v %s takes no parameters", paramShape, shape)
	}
	args := []any{paramShape, shape}
	for _, p := range used {
		args = append(args, p)
	}
	return e.WithHint("%v %s takes "+strings.TrimSuffix(strings.Repeat("%v, ", len(used)), ", "), args...)
}

// CheckLength validates a fraction-or-count parameter p (warmup, decay, a
// milestone): 0 (unset), a fraction in (0, 1) or an integer from 1 to
// 10^12.
func CheckLength(p inputerr.Param, v float64) error {
	if v == 0 {
		return nil
	}
	if !finite(v) || v < 0 || (v >= 1 && v != math.Trunc(v)) || v > 1e12 {
		return inputerr.New("%v %s is neither a fraction in (0, 1) nor a whole number of steps", p, fmtG(v)).
			WithHint("give a fraction of the run such as 0.1 or 10%%, or a count such as 500")
	}
	return nil
}

// ParseLength parses the text of a fraction-or-count parameter p: ""
// (unset, 0), a percentage below 100 ("10%"), a fraction in (0, 1) or a
// whole count (see CheckLength). Problems are *inputerr.Error naming p.
func ParseLength(p inputerr.Param, text string) (float64, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return 0, nil
	}
	bad := func() error {
		return inputerr.New("%v %q is neither a fraction of the run nor a whole number of steps", p, t).
			WithHint("give a fraction such as 0.1 or 10%%, or a count such as 500")
	}
	if pct, ok := strings.CutSuffix(t, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		if err != nil || !(v >= 0 && v < 100) {
			return 0, bad()
		}
		return v / 100, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, bad()
	}
	if err := CheckLength(p, v); err != nil {
		return 0, err
	}
	return v, nil
}

// qty prints a count of a plural unit ("steps", "epochs"): "1 step",
// "2 steps".
func qty(n int, unit string) string {
	return fmt.Sprintf("%d %s", n, singular(n, unit))
}

// singular is unit without its plural s when n is 1.
func singular(n int, unit string) string {
	if n == 1 {
		return strings.TrimSuffix(unit, "s")
	}
	return unit
}

// run is the length a shape is resolved for: steps optimizer steps, in
// epochs of spe steps when perEpoch (spe is 1 otherwise). The counts of a
// Spec (a warmup of 500, a milestone at 3) are steps per step and epochs
// per epoch.
type run struct {
	steps    int
	spe      int
	perEpoch bool
}

// points is the length of the run in the unit of counts.
func (r run) points() int { return r.steps / r.spe }

// unit is the unit of counts: "steps" or "epochs".
func (r run) unit() string {
	if r.perEpoch {
		return "epochs"
	}
	return "steps"
}

// length resolves a fraction-or-count to steps: a fraction f is
// round(f·T) steps, a count c is c steps, or c epochs of spe steps.
func (r run) length(v float64) int {
	if v < 1 {
		return int(math.Round(v * float64(r.steps)))
	}
	return int(v) * r.spe
}

// resolved is a Spec with its defaults filled in and its lengths turned
// into steps for a run: the per-step shape s(t), t = 0 … T−1.
type resolved struct {
	Spec
	run
	n          int // T
	warmup     int // steps
	decay      int // steps
	milestones []int
	gamma      float64 // exponential's factor per step
	notes      []Note
}

// Validate checks s for a run of the given number of steps: the shape is
// known, its parameters are in range and apply to it, and the lengths fit
// in the run (a warmup shorter than the run, milestones inside it and
// increasing, warmup and decay together no longer than the run). Problems
// are *inputerr.Error with a hint.
func (s Spec) Validate(steps int) error {
	_, err := s.resolve(run{steps: steps, spe: 1})
	return err
}

// ValidateFor checks s, like Validate, for a run of the given steps at
// the given granularity (see New).
func (s Spec) ValidateFor(steps int, per Granularity, stepsPerEpoch int) error {
	r := run{steps: steps, spe: 1}
	if per == PerEpoch {
		if stepsPerEpoch < 1 || steps%stepsPerEpoch != 0 {
			return inputerr.New("%d steps are not a whole number of epochs of %d steps", steps, stepsPerEpoch)
		}
		r = run{steps: steps, spe: stepsPerEpoch, perEpoch: true}
	}
	_, err := s.resolve(r)
	return err
}

// resolve validates s, with its defaults, for the run r.
func (s Spec) resolve(r run) (*resolved, error) {
	d := s.WithDefaults()
	if err := d.check(); err != nil {
		return nil, err
	}
	if r.steps < 1 {
		return nil, inputerr.New("a schedule needs at least 1 step (got %d)", r.steps)
	}
	n, unit := r.steps, r.unit()
	res := &resolved{Spec: d, run: r, n: n}
	switch d.Shape {
	case WarmupCosine, InverseSqrt:
		if err := res.resolveWarmup(n - 1); err != nil {
			return nil, err
		}
	case WSD:
		// The decay starts after at least one step at the peak.
		if d.Decay >= 1 {
			if int(d.Decay) >= r.points() {
				return nil, inputerr.New("%v %s is not shorter than the run (%s)", paramDecay, qty(int(d.Decay), unit), qty(r.points(), unit)).
					WithHint("give a shorter %v, or a fraction such as %v 20%%", paramDecay, paramDecay)
			}
			res.decay = r.length(d.Decay)
		} else {
			res.decay = min(max(1, r.length(d.Decay)), n-1)
		}
		if err := res.resolveWarmup(n - 1 - res.decay); err != nil {
			return nil, err
		}
		if r.perEpoch && (n-res.decay)%r.spe != 0 {
			res.withinEpoch(paramDecay, d.Decay, res.decay, "decay", n-res.decay)
		}
	case Exponential:
		res.gamma = d.Gamma
		switch {
		case d.Gamma != 0 && r.perEpoch:
			res.gamma = math.Pow(d.Gamma, 1/float64(r.spe)) // the factor per epoch, spread over its steps
		case d.Gamma == 0:
			res.gamma = 1
			if n > 1 {
				res.gamma = math.Pow(d.MinRatio, 1/float64(n-1))
			}
		}
	case Step:
		if err := res.resolveMilestones(len(s.Milestones) == 0 || slices.Equal(s.Milestones, DefaultMilestones)); err != nil {
			return nil, err
		}
	case OneCycle:
		if e1 := d.PctStart*float64(n) - 1; !(e1 > 0) {
			return nil, inputerr.New("%v %s of %s leaves no room to rise to the peak", paramPctStart, fmtG(d.PctStart), qty(n, "steps")).
				WithHint("onecycle needs pct_start × steps > 1: raise %v or lengthen the run", paramPctStart)
		}
	}
	return res, nil
}

// resolveWarmup sets r.warmup; an explicit count must not exceed limit
// steps and a fraction is clamped to it. A fraction that rounds to no
// step at all gives a NoteRounded; per epoch, a warmup that does not end
// on an epoch boundary gives a NoteWithinEpoch.
func (r *resolved) resolveWarmup(limit int) error {
	unit := r.unit()
	if r.Warmup >= 1 {
		r.warmup = r.length(r.Warmup)
		if r.warmup > limit {
			count := int(r.Warmup)
			if r.Shape == WSD {
				return inputerr.New("%v %d and %v %s leave no %s at the peak in a run of %s",
					paramWarmup, count, paramDecay, qty(r.decay/r.spe, unit), singular(1, unit), qty(r.points(), unit)).
					WithHint("shorten %v or %v", paramWarmup, paramDecay)
			}
			return inputerr.New("%v %s is not shorter than the run (%s)", paramWarmup, qty(count, unit), qty(r.points(), unit)).
				WithHint("give a shorter %v, or a fraction such as %v 10%%", paramWarmup, paramWarmup)
		}
		return nil
	}
	r.warmup = min(r.length(r.Warmup), max(limit, 0))
	switch {
	case r.Warmup > 0 && r.warmup == 0:
		r.notes = append(r.notes, newNote(NoteRounded, paramWarmup,
			"%v %s of %s rounds to 0 steps: the schedule has no warmup", paramWarmup, fmtLength(r.Warmup), qty(r.n, "steps")))
	case r.perEpoch && r.warmup%r.spe != 0:
		r.withinEpoch(paramWarmup, r.Warmup, r.warmup, "warmup", r.warmup)
	}
	return nil
}

// withinEpoch notes that a feature of the per-step shape (the end of the
// warmup, the start of the decay) falls at step at, inside an epoch: per
// epoch it is averaged into that epoch's rate.
func (r *resolved) withinEpoch(p inputerr.Param, v float64, steps int, what string, at int) {
	e := at/r.spe + 1
	if steps < r.spe {
		first := "first"
		if what == "decay" {
			first = "last"
		}
		r.notes = append(r.notes, newNote(NoteWithinEpoch, p,
			"%v %s is %s, shorter than an epoch (%s): per epoch, the %s only changes the %s epoch's rate",
			p, fmtLength(v), qty(steps, "steps"), qty(r.spe, "steps"), what, first))
		return
	}
	r.notes = append(r.notes, newNote(NoteWithinEpoch, p,
		"%v %s is %s: per epoch, the %s %s inside epoch %d, whose rate is the shape's mean over it",
		p, fmtLength(v), qty(steps, "steps"), what, map[bool]string{true: "ends", false: "starts"}[what == "warmup"], e))
}

// resolveMilestones sets r.milestones, in steps. Explicit milestones must
// lie inside the run (1 … T−1) and increase; the default ones (defaulted:
// none given, or DefaultMilestones) are fitted to any run: those that fall outside it or on the step of the
// one before are dropped, with a NoteDefaultAdjusted. Per epoch, a
// milestone inside an epoch gives a NoteWithinEpoch.
func (r *resolved) resolveMilestones(defaulted bool) error {
	n, unit := r.n, r.unit()
	prev := 0
	var dropped []string
	for i, m := range r.Milestones {
		k := r.length(m)
		if k < 1 || k > n-1 {
			if defaulted {
				dropped = append(dropped, fmtLength(m))
				continue
			}
			what := fmt.Sprintf("%d", int(m))
			if m < 1 {
				what = fmt.Sprintf("%s (step %d)", fmtLength(m), k)
			}
			e := inputerr.New("%v: %s is outside the run (%s)", paramMilestones, what, qty(r.points(), unit))
			if r.points() == 1 {
				return e.WithHint("a 1-%s run has no room for a milestone", singular(1, unit))
			}
			return e.WithHint("milestones count %s from the start, 1 … %d", unit, r.points()-1)
		}
		if i > 0 && k <= prev {
			if defaulted {
				dropped = append(dropped, fmtLength(m))
				continue
			}
			return inputerr.New("%v must increase: %s (step %d) is not after %s (step %d)",
				paramMilestones, fmtLength(m), k, fmtLength(r.Milestones[i-1]), prev).
				WithHint("list the milestones in increasing order, each on a different step")
		}
		r.milestones = append(r.milestones, k)
		prev = k
	}
	if len(dropped) > 0 {
		r.notes = append(r.notes, newNote(NoteDefaultAdjusted, paramMilestones,
			"the default %v %s leave no room in a run of %s: %s dropped", paramMilestones, fmtLengths(r.Milestones), qty(n, "steps"),
			strings.Join(dropped, ", ")))
	}
	if r.perEpoch {
		var inside []string
		for _, k := range r.milestones {
			if k%r.spe != 0 {
				inside = append(inside, fmt.Sprintf("step %d in epoch %d", k, k/r.spe+1))
			}
		}
		if len(inside) > 0 {
			r.notes = append(r.notes, newNote(NoteWithinEpoch, paramMilestones,
				"%v %s fall inside epochs (%s): per epoch, such an epoch's rate is the shape's mean over it, between the rates on either side",
				paramMilestones, fmtLengths(r.Milestones), strings.Join(inside, ", ")))
		}
	}
	return nil
}

// fmtLengths prints a list of lengths as a flag takes them: "50%,75%".
func fmtLengths(vs []float64) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmtLength(v)
	}
	return strings.Join(out, ",")
}

// Weights returns the shape's values s(t) ≥ 0 for t = 0 … steps−1, before
// scaling (1 at the peak of most shapes). It fails like Validate.
func (s Spec) Weights(steps int) ([]float64, error) {
	r, err := s.resolve(run{steps: steps, spe: 1})
	if err != nil {
		return nil, err
	}
	w := make([]float64, steps)
	for t := range w {
		w[t] = r.weight(t)
	}
	if err := r.checkWeights(w); err != nil {
		return nil, err
	}
	return w, nil
}

// Normalized returns the weights scaled to mean 1: Σ_t w_t = steps (to
// rounding, ≤ 1e-12 relative). A schedule value·w_t has area value·steps.
func (s Spec) Normalized(steps int) ([]float64, error) {
	w, err := s.Weights(steps)
	if err != nil {
		return nil, err
	}
	f := float64(steps) / fsum.Of(w)
	for i := range w {
		w[i] *= f
	}
	return w, nil
}

// checkWeights rejects weights that are not finite and non-negative, or
// all zero.
func (r *resolved) checkWeights(w []float64) error {
	for t, v := range w {
		if !finite(v) || v < 0 {
			return inputerr.New("%v %s gives a non-finite or negative rate at step %d", paramShape, r.Spec, t)
		}
	}
	if !(slices.Max(w) > 0) {
		return inputerr.New("%v %s is zero at every step", paramShape, r.Spec)
	}
	return nil
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

// weight is the per-step shape s(t), t = 0 … T−1 (see the package doc).
func (r *resolved) weight(t int) float64 {
	n, m := r.n, r.MinRatio
	switch r.Shape {
	case Constant:
		return 1
	case Linear:
		if n > 1 {
			return m + (1-m)*(1-float64(t)/float64(n-1))
		}
		return 1
	case Cosine:
		return cosineFrom(t, n-1, m)
	case Exponential:
		return math.Pow(r.gamma, float64(t))
	case Step:
		v := 1.0
		for _, k := range r.milestones {
			if k > t {
				break
			}
			v *= r.Gamma
		}
		return v
	case WarmupCosine:
		if t < r.warmup {
			return warm(t, r.warmup)
		}
		return cosineFrom(t-r.warmup, n-1-r.warmup, m)
	case WSD:
		start := n - r.decay
		switch {
		case t < r.warmup:
			return warm(t, r.warmup)
		case t < start:
			return 1
		}
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
		return m + (1-m)*d
	case InverseSqrt:
		if t < r.warmup {
			return warm(t, r.warmup)
		}
		return math.Sqrt(float64(r.warmup+1) / float64(t+1))
	case OneCycle:
		return oneCycle(t, n, r.PctStart, 1, r.DivFactor, r.FinalDivFactor)
	}
	panic("schedule: unhandled shape " + r.Shape)
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
