package schedule

import (
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"

	"github.com/clc-tools/clc/internal/fsum"
	"github.com/clc-tools/clc/internal/inputerr"
)

// Granularity says how often the rate changes: every step, or once per
// epoch (the rate is constant within an epoch; see Design).
type Granularity string

const (
	PerStep  Granularity = "step"
	PerEpoch Granularity = "epoch"
)

// ParseGranularity parses "step" or "epoch"; "" is PerStep.
func ParseGranularity(s string) (Granularity, error) {
	switch Granularity(s) {
	case "", PerStep:
		return PerStep, nil
	case PerEpoch:
		return PerEpoch, nil
	}
	return "", inputerr.New("unknown granularity %q", s).WithHint("use %v step or %v epoch", paramPer, paramPer)
}

// Unit is the unit of a schedule's area.
const Unit = "lr·steps"

// areaTolerance bounds the relative difference between Σ_t η_t and the
// target area that Design guarantees and Read accepts.
const areaTolerance = 1e-9

// MaxSteps is the longest schedule New designs: 10^9 steps, longer than any
// training run, whose csv file takes some 25 GB. Writing streams the rates
// (memory does not grow with the steps), so the limit only stops a typo
// from filling a disk for hours.
const MaxSteps = 1_000_000_000

// MaxRates is the longest schedule Design holds in memory (8 bytes a
// step): 2^26 = 67,108,864 steps, 512 MiB. New and Write have no such
// limit.
const MaxRates = 1 << 26

// Schedule is a designed schedule: one rate per optimizer step.
type Schedule struct {
	Spec          Spec        // the shape, defaults filled in
	Steps         int         // T, the optimizer steps of the run
	Per           Granularity // PerStep or PerEpoch
	StepsPerEpoch int         // with PerEpoch: steps per epoch (Steps is a multiple); else 0
	// Rates are η_t for t = 0 … Steps−1, held in memory: read from a file,
	// or designed by Design. A schedule from New has none: All computes its
	// rates one at a time.
	Rates []float64
	Area  float64 // the target cumulative learning C = Σ_t η_t, in lr·steps
	Peak  float64 // max_t η_t
	Final float64 // η_{T−1}
	// Notes are what the user should know about the schedule: lengths
	// rounded away, features averaged into an epoch, defaults adjusted, a
	// file read without a checksum. Files record them.
	Notes []Note

	shape *resolved // the shape of a designed schedule
	scale float64   // the rate at s(t) = 1 (per epoch: at a mean of 1 over an epoch)
}

// Epochs is the number of epochs of a per-epoch schedule, else 0.
func (s *Schedule) Epochs() int {
	if s.Per != PerEpoch || s.StepsPerEpoch < 1 {
		return 0
	}
	return s.Steps / s.StepsPerEpoch
}

// points is the number of points the rate changes at and their unit.
func (s *Schedule) points() (int, string) {
	if s.Per == PerEpoch {
		return s.Epochs(), "epochs"
	}
	return s.Steps, "steps"
}

// spe is the number of steps a rate holds for: the steps per epoch, or 1.
func (s *Schedule) spe() int {
	if s.Per == PerEpoch && s.StepsPerEpoch > 0 {
		return s.StepsPerEpoch
	}
	return 1
}

// New designs the schedule of shape s for a run of steps optimizer steps
// whose rates carry the target area (the cumulative learning C, in
// lr·steps), without holding the rates in memory: All computes them and
// Write streams them. Per step,
//
//	η_t = C · s(t) / Σ_u s(u),   Σ_t η_t = C (relative error ≤ 1e-9),
//
// with s the shape over t = 0 … T−1. Per epoch (steps a multiple of
// stepsPerEpoch = P, E = T/P epochs), the rate of epoch e is the per-step
// schedule's mean over the epoch's steps:
//
//	η_t = C · S_e / (P · Σ_f S_f),   S_e = (1/P) Σ_{t=eP}^{eP+P−1} s(t),   e = ⌊t/P⌋,
//
// so the per-epoch schedule carries, at every epoch boundary, exactly the
// cumulative learning of the per-step one; no epoch trains at a rate of 0
// unless the shape is 0 over the whole epoch, and a fraction of the run
// (a 5% warmup) keeps its length in steps rather than being rounded to
// whole epochs. Counts in s are epochs per epoch (a warmup of 1 is the
// first epoch's P steps) and steps per step. Features that do not fall on
// an epoch boundary (a warmup shorter than an epoch, a milestone inside
// one) are averaged into their epoch; the schedule's Notes say so, as they
// say when a fraction rounds to nothing and when a default is fitted to a
// short run. Invalid shapes and lengths are *inputerr.Error (see
// Spec.Validate), as is a run longer than MaxSteps.
func New(s Spec, steps int, area float64, per Granularity, stepsPerEpoch int) (*Schedule, error) {
	per, err := ParseGranularity(string(per))
	if err != nil {
		return nil, err
	}
	if steps < 1 {
		return nil, inputerr.New("a schedule needs at least 1 step (got %d)", steps)
	}
	if steps > MaxSteps {
		return nil, inputerr.New("the run has %d steps; a schedule has at most %d", steps, MaxSteps).
			WithHint("check the length of the run")
	}
	if !(area > 0) || math.IsInf(area, 0) {
		return nil, inputerr.New("the target area %s must be a positive finite number of lr·steps", fmtG(area))
	}
	r := run{steps: steps, spe: 1}
	if per == PerEpoch {
		if stepsPerEpoch < 1 {
			return nil, inputerr.New("%v epoch needs the steps per epoch (got %d)", paramPer, stepsPerEpoch)
		}
		if steps%stepsPerEpoch != 0 {
			return nil, inputerr.New("%d steps are not a whole number of epochs of %d steps", steps, stepsPerEpoch).
				WithHint("use %v step, or a run of whole epochs", paramPer)
		}
		r = run{steps: steps, spe: stepsPerEpoch, perEpoch: true}
	} else {
		stepsPerEpoch = 0
	}
	res, err := s.resolve(r)
	if err != nil {
		return nil, err
	}
	// One pass over the points: Σ S, max S, the last S.
	var acc fsum.Sum
	peak, last := 0.0, 0.0
	for i := range r.points() {
		w := res.point(i)
		if !finite(w) || w < 0 {
			return nil, inputerr.New("%v %s gives a non-finite or negative rate at %s %d", paramShape, res.Spec, singular(1, r.unit()), i)
		}
		acc.Add(w)
		peak, last = max(peak, w), w
	}
	if !(peak > 0) {
		return nil, inputerr.New("%v %s is zero at every %s", paramShape, res.Spec, singular(1, r.unit()))
	}
	scale := area / (acc.Value() * float64(r.spe))
	return &Schedule{
		Spec: res.Spec, Steps: steps, Per: per, StepsPerEpoch: stepsPerEpoch,
		Area: area, Peak: scale * peak, Final: scale * last, Notes: res.notes,
		shape: res, scale: scale,
	}, nil
}

// Design is New with the rates held in Rates, for a trainer that needs
// them all; it refuses a run longer than MaxRates steps.
func Design(s Spec, steps int, area float64, per Granularity, stepsPerEpoch int) (*Schedule, error) {
	if steps > MaxRates {
		return nil, inputerr.New("the run has %d steps; a schedule held in memory has at most %d", steps, MaxRates).
			WithHint("check the length of the run")
	}
	sc, err := New(s, steps, area, per, stepsPerEpoch)
	if err != nil {
		return nil, err
	}
	rates := make([]float64, steps)
	for t, v := range sc.All() {
		rates[t] = v
	}
	sc.Rates = rates
	if err := sc.check(); err != nil {
		return nil, fmt.Errorf("schedule: designing %s: %w", sc.Spec, err)
	}
	return sc, nil
}

// point is the weight of point i: the per-step shape s(i), or per epoch
// the mean S_i of the shape over epoch i's steps (see New).
func (r *resolved) point(i int) float64 {
	if !r.perEpoch {
		return r.weight(i)
	}
	var a fsum.Sum
	for t := i * r.spe; t < (i+1)*r.spe; t++ {
		a.Add(r.weight(t))
	}
	return a.Value() / float64(r.spe)
}

// All yields the rate η_t of every step t = 0 … Steps−1, in order: from
// Rates when the schedule holds them, else computed one epoch (or step) at
// a time, in memory that does not grow with the steps.
func (s *Schedule) All() iter.Seq2[int, float64] {
	return func(yield func(int, float64) bool) {
		if s.Rates != nil || s.shape == nil {
			for t, v := range s.Rates {
				if !yield(t, v) {
					return
				}
			}
			return
		}
		spe := s.spe()
		for i := range s.Steps / spe {
			v := s.scale * s.shape.point(i)
			for j := range spe {
				if !yield(i*spe+j, v) {
					return
				}
			}
		}
	}
}

// PointRates yields the rate of every point: of every step, or per epoch
// of every epoch (i is then the epoch).
func (s *Schedule) PointRates() iter.Seq2[int, float64] {
	return func(yield func(int, float64) bool) {
		spe := s.spe()
		for t, v := range s.All() {
			if t%spe == 0 && !yield(t/spe, v) {
				return
			}
		}
	}
}

// resolvedShape returns the schedule's resolved shape and the rate at
// s(t) = 1, resolving the Spec of a schedule read from a file.
func (s *Schedule) resolvedShape() (*resolved, float64, error) {
	if s.shape != nil {
		return s.shape, s.scale, nil
	}
	r := run{steps: s.Steps, spe: s.spe(), perEpoch: s.Per == PerEpoch}
	res, err := s.Spec.resolve(r)
	if err != nil {
		return nil, 0, err
	}
	var acc fsum.Sum
	for i := range r.points() {
		acc.Add(res.point(i))
	}
	return res, s.Area / (acc.Value() * float64(r.spe)), nil
}

// check verifies a schedule's consistency: the granularity and the steps
// per epoch; with Rates, that they are finite and non-negative, constant
// within epochs, sum to Area within areaTolerance, and that Peak and Final
// match them. A schedule from New computes its rates from Area, so only
// its fields are checked.
func (s *Schedule) check() error {
	if s.Steps < 1 || (s.Rates == nil && s.shape == nil) || (s.Rates != nil && len(s.Rates) != s.Steps) {
		return fmt.Errorf("%d rates for %d steps", len(s.Rates), s.Steps)
	}
	switch s.Per {
	case PerStep:
		if s.StepsPerEpoch != 0 {
			return fmt.Errorf("a per-step schedule with %d steps per epoch", s.StepsPerEpoch)
		}
	case PerEpoch:
		if s.StepsPerEpoch < 1 || s.Steps%s.StepsPerEpoch != 0 {
			return fmt.Errorf("%d steps are not a whole number of epochs of %d steps", s.Steps, s.StepsPerEpoch)
		}
	default:
		return fmt.Errorf("unknown granularity %q", s.Per)
	}
	if s.Rates == nil {
		if !(s.Area > 0) || !finite(s.Peak) || !finite(s.Final) {
			return fmt.Errorf("area %s, peak %s, final %s", fmtG(s.Area), fmtG(s.Peak), fmtG(s.Final))
		}
		return nil
	}
	for t, v := range s.Rates {
		if !finite(v) || v < 0 {
			return fmt.Errorf("rate %d is %v", t, v)
		}
		if s.Per == PerEpoch && t%s.StepsPerEpoch != 0 && v != s.Rates[t-1] {
			return fmt.Errorf("rate %d differs from rate %d within an epoch", t, t-1)
		}
	}
	if got := fsum.Of(s.Rates); !(math.Abs(got-s.Area) <= areaTolerance*math.Abs(s.Area)) {
		return fmt.Errorf("the rates sum to %.10g, not the area %.10g", got, s.Area)
	}
	if s.Peak != slices.Max(s.Rates) || s.Final != s.Rates[len(s.Rates)-1] {
		return fmt.Errorf("peak %s and final %s do not match the rates", fmtG(s.Peak), fmtG(s.Final))
	}
	return nil
}

// fmtG prints v so that it parses back to the same float64.
func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
