package clc

import (
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
)

// Direction says whether lower or higher values of a metric are better.
type Direction string

// The directions of an objective.
const (
	Minimize Direction = "min"
	Maximize Direction = "max"
)

// MetricLoss is the validation loss, the default objective: the metric
// every trainer reports (Trial.ValidLoss).
const MetricLoss = "loss"

// The settings this file's messages name.
const (
	paramMetric    inputerr.Param = "metric"
	paramDirection inputerr.Param = "direction"
)

// maxMetricName bounds the length of a metric's name.
const maxMetricName = 64

// Objective is what a sweep optimizes: one metric the trainer reports and
// whether lower or higher values are better. The optimum at a fraction is
// the rate with the best seed-mean value of the metric; the statistics
// (package scaling), which minimize, see the metric's value for Minimize
// and its negation for Maximize (see Score). The zero value is the
// validation loss, minimized.
type Objective struct {
	Metric    string
	Direction Direction
}

// DefaultDirection is the direction of a metric whose direction is not
// given: Maximize for "accuracy", Minimize for every other name.
func DefaultDirection(metric string) Direction {
	if metric == "accuracy" {
		return Maximize
	}
	return Minimize
}

// ParseObjective checks a metric's name (letters, digits, '_', '-', '.',
// at most 64 bytes; "" is the validation loss) and a direction ("min",
// "max", or "" for DefaultDirection).
func ParseObjective(metric, direction string) (Objective, error) {
	o := Objective{Metric: metric, Direction: Direction(direction)}
	if o.Metric == "" {
		o.Metric = MetricLoss
	}
	if len(o.Metric) > maxMetricName || strings.Trim(o.Metric, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != "" {
		return Objective{}, inputerr.New("%v %q is not a metric name", paramMetric, metric).
			WithHint("a metric is a key your trainer reports, e.g. loss, accuracy, rmse (letters, digits, _ - .)")
	}
	switch o.Direction {
	case "":
		o.Direction = DefaultDirection(o.Metric)
	case Minimize, Maximize:
	default:
		return Objective{}, inputerr.New("unknown %v %q", paramDirection, direction).
			WithHint("use %v min (lower is better) or %v max (higher is better)", paramDirection, paramDirection)
	}
	return o, nil
}

// norm fills in the zero value's defaults.
func (o Objective) norm() Objective {
	if o.Metric == "" {
		o.Metric = MetricLoss
	}
	if o.Direction == "" {
		o.Direction = DefaultDirection(o.Metric)
	}
	return o
}

// IsLoss reports whether o is the default objective, the validation loss
// minimized.
func (o Objective) IsLoss() bool {
	o = o.norm()
	return o.Metric == MetricLoss && o.Direction == Minimize
}

// Sign is the factor from a Score to the metric's own sign: 1 for
// Minimize, −1 for Maximize.
func (o Objective) Sign() float64 {
	if o.norm().Direction == Maximize {
		return -1
	}
	return 1
}

// String is e.g. "accuracy (max)".
func (o Objective) String() string {
	o = o.norm()
	return o.Metric + " (" + string(o.Direction) + ")"
}

// Objective is the configuration's objective; a configuration that names
// none (every fit before metrics) optimizes the validation loss.
func (c SweepConfig) Objective() Objective {
	return Objective{Metric: c.Metric, Direction: Direction(c.Direction)}.norm()
}

// SetObjective records o in the configuration; the validation loss,
// minimized, is recorded as no metric at all (as before metrics existed).
func (c *SweepConfig) SetObjective(o Objective) {
	o = o.norm()
	if o.IsLoss() {
		c.Metric, c.Direction = "", ""
		return
	}
	c.Metric, c.Direction = o.Metric, string(o.Direction)
}

// Metric returns the final value of metric name that t reported and
// whether it reported one. "loss" is the validation loss (+Inf for a
// diverged trial). A trial recorded before metrics existed (no Metrics)
// reports its accuracy when it recorded a positive one, and its training
// loss when finite.
func (t Trial) Metric(name string) (float64, bool) {
	if name == MetricLoss {
		return t.ValidLoss, true
	}
	if v, ok := t.Metrics[name]; ok {
		return v, true
	}
	if t.Metrics == nil {
		switch {
		case name == "accuracy" && t.ValidAccuracy > 0 && !math.IsInf(t.ValidAccuracy, 0):
			return t.ValidAccuracy, true
		case name == "train_loss" && isFinite(t.TrainLoss):
			return t.TrainLoss, true
		}
	}
	return 0, false
}

// MetricNames lists the metrics t reported, sorted ("loss" included).
func (t Trial) MetricNames() []string {
	names := []string{MetricLoss}
	for k := range t.Metrics {
		names = append(names, k)
	}
	if t.Metrics == nil {
		for _, k := range []string{"accuracy", "train_loss"} {
			if _, ok := t.Metric(k); ok {
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// Value is the objective's metric for t in its own sign; ok is false when
// t ran to its end without reporting it. A trial that diverged, was pruned
// or was stopped early has no value: Value returns NaN and true.
func (o Objective) Value(t Trial) (v float64, ok bool) {
	o = o.norm()
	if t.Diverged || t.Pruned || t.Stopped {
		return math.NaN(), true
	}
	return t.Metric(o.Metric)
}

// Score is the objective for t in the statistics' sign, lower is better:
// the metric's value (Minimize) or its negation (Maximize). A trial that
// diverged, was pruned or stopped early, or whose value is not finite,
// scores +Inf. ok is false when t ran to its end without reporting the
// metric.
func (o Objective) Score(t Trial) (float64, bool) {
	o = o.norm()
	v, ok := o.Value(t)
	if !ok {
		return 0, false
	}
	if !isFinite(v) {
		return math.Inf(1), true
	}
	if o.Direction == Maximize {
		return -v, true
	}
	return v, true
}

// isFinite reports whether v is neither NaN nor ±Inf.
func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Check returns a *MissingMetricError for the first trial that ran to its
// end without reporting the objective's metric.
func (o Objective) Check(trials []Trial) error {
	for _, t := range trials {
		if _, ok := o.Score(t); !ok {
			return missingMetric(o, t)
		}
	}
	return nil
}

// Samples returns the trials as the statistics see them for objective o:
// each sample's Loss is the trial's Score (lower is better) and a trial
// without a finite score counts as diverged. A trial that ran to its end
// without reporting the metric is an input error (see Check).
func (o Objective) Samples(trials []Trial) ([]scaling.Sample, error) {
	out := make([]scaling.Sample, len(trials))
	for i, t := range trials {
		s, ok := o.Score(t)
		if !ok {
			return nil, missingMetric(o, t)
		}
		out[i] = t.Sample()
		out[i].Loss = s
		out[i].Diverged = t.Diverged || math.IsInf(s, 1)
	}
	return out, nil
}

// samplesOrDiverged is Samples with a trial that lacks the metric taken
// as diverged, for decisions made while a sweep runs (which refuses such
// a trial).
func (o Objective) samplesOrDiverged(trials []Trial) []scaling.Sample {
	out := make([]scaling.Sample, len(trials))
	for i, t := range trials {
		s, ok := o.Score(t)
		if !ok {
			s = math.Inf(1)
		}
		out[i] = t.Sample()
		out[i].Loss = s
		out[i].Diverged = t.Diverged || math.IsInf(s, 1)
	}
	return out
}

// missingMetric is the input error of a trial without the objective's
// metric.
func missingMetric(o Objective, t Trial) error {
	o = o.norm()
	return inputerr.New("trial fraction %s lr %g seed %d reported no metric %q; it reported %s",
		FormatFraction(t.Fraction), t.LR, t.Seed, o.Metric, strings.Join(t.MetricNames(), ", ")).
		WithHint("optimize one of those (%v NAME), or report %q from your trainer", paramMetric, o.Metric)
}
