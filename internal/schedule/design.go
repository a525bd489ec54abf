package schedule

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Granularity says how often the rate changes: every step, or once per
// epoch (the shape is evaluated at the epoch index over E epochs and the
// rate is constant within an epoch).
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
	return "", inputerr.New("unknown granularity %q", s).WithHint("use --per step or --per epoch")
}

// Unit is the unit of a schedule's area.
const Unit = "lr·steps"

// areaTolerance bounds the relative difference between Σ_t η_t and the
// target area that Design guarantees and Read accepts.
const areaTolerance = 1e-9

// Schedule is a designed schedule: one rate per optimizer step.
type Schedule struct {
	Spec          Spec        // the shape, defaults filled in
	Steps         int         // T, the optimizer steps of the run
	Per           Granularity // PerStep or PerEpoch
	StepsPerEpoch int         // with PerEpoch: steps per epoch (Steps is a multiple); else 0
	Rates         []float64   // η_t for t = 0 … Steps−1
	Area          float64     // the target cumulative learning C = Σ_t η_t, in lr·steps
	Peak          float64     // max_t η_t
	Final         float64     // η_{T−1}
}

// Epochs is the number of epochs of a per-epoch schedule, else 0.
func (s *Schedule) Epochs() int {
	if s.Per != PerEpoch || s.StepsPerEpoch < 1 {
		return 0
	}
	return s.Steps / s.StepsPerEpoch
}

// points is the number of points the shape is evaluated at and its unit.
func (s *Schedule) points() (int, string) {
	if s.Per == PerEpoch {
		return s.Epochs(), "epochs"
	}
	return s.Steps, "steps"
}

// Design scales the shape s to a run of steps optimizer steps so that the
// rates carry the target area (the cumulative learning C, in lr·steps):
//
//	η_t = C · s(t) / Σ_u s(u),   Σ_t η_t = C (relative error ≤ 1e-9)
//
// Per epoch, the shape is evaluated at the E = steps/stepsPerEpoch epoch
// indices and each epoch's rate repeats for its stepsPerEpoch steps; steps
// must be a multiple of stepsPerEpoch. Invalid shapes and lengths are
// *inputerr.Error (see Spec.Validate).
func Design(s Spec, steps int, area float64, per Granularity, stepsPerEpoch int) (*Schedule, error) {
	per, err := ParseGranularity(string(per))
	if err != nil {
		return nil, err
	}
	if steps < 1 {
		return nil, inputerr.New("a schedule needs at least 1 step (got %d)", steps)
	}
	if !(area > 0) || math.IsInf(area, 0) {
		return nil, inputerr.New("the target area %s must be a positive finite number of lr·steps", fmtG(area))
	}
	n, unit, spe := steps, "steps", 1
	if per == PerEpoch {
		if stepsPerEpoch < 1 {
			return nil, inputerr.New("--per epoch needs the steps per epoch (got %d)", stepsPerEpoch)
		}
		if steps%stepsPerEpoch != 0 {
			return nil, inputerr.New("%d steps are not a whole number of epochs of %d steps", steps, stepsPerEpoch).
				WithHint("use --per step, or a run of whole epochs")
		}
		n, unit, spe = steps/stepsPerEpoch, "epochs", stepsPerEpoch
	} else {
		stepsPerEpoch = 0
	}
	s = s.WithDefaults()
	r, err := s.resolve(n, unit)
	if err != nil {
		return nil, err
	}
	w, err := r.weights()
	if err != nil {
		return nil, err
	}
	scale := area / (sum(w) * float64(spe))
	rates := make([]float64, steps)
	for t := range rates {
		rates[t] = scale * w[t/spe]
	}
	sc := &Schedule{
		Spec: s, Steps: steps, Per: per, StepsPerEpoch: stepsPerEpoch, Rates: rates,
		Area: area, Peak: slices.Max(rates), Final: rates[steps-1],
	}
	if err := sc.check(); err != nil {
		return nil, fmt.Errorf("schedule: designing %s: %w", s, err)
	}
	return sc, nil
}

// scale returns the rate at s(t) = 1: Area / (Σ_u s(u) · steps per epoch),
// computed as Design does.
func (s *Schedule) scale() (float64, []float64, error) {
	n, unit := s.points()
	r, err := s.Spec.WithDefaults().resolve(n, unit)
	if err != nil {
		return 0, nil, err
	}
	w, err := r.weights()
	if err != nil {
		return 0, nil, err
	}
	spe := 1
	if s.Per == PerEpoch {
		spe = s.StepsPerEpoch
	}
	return s.Area / (sum(w) * float64(spe)), w, nil
}

// check verifies that the rates are finite and non-negative, constant
// within epochs when per epoch, sum to Area within areaTolerance, and that
// Peak and Final match them.
func (s *Schedule) check() error {
	if len(s.Rates) != s.Steps || s.Steps < 1 {
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
	for t, v := range s.Rates {
		if !finite(v) || v < 0 {
			return fmt.Errorf("rate %d is %v", t, v)
		}
		if s.Per == PerEpoch && t%s.StepsPerEpoch != 0 && v != s.Rates[t-1] {
			return fmt.Errorf("rate %d differs from rate %d within an epoch", t, t-1)
		}
	}
	if got := sum(s.Rates); !(math.Abs(got-s.Area) <= areaTolerance*math.Abs(s.Area)) {
		return fmt.Errorf("the rates sum to %.10g, not the area %.10g", got, s.Area)
	}
	if s.Peak != slices.Max(s.Rates) || s.Final != s.Rates[len(s.Rates)-1] {
		return fmt.Errorf("peak %s and final %s do not match the rates", fmtG(s.Peak), fmtG(s.Final))
	}
	return nil
}

// fmtG prints v so that it parses back to the same float64.
func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
