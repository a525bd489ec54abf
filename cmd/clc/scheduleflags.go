package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/schedule"
)

// shapeFlags holds the shape flags of a command (clc fit, clc schedule):
// --shape and its parameters, and --per. Register them with
// registerShapeFlags and turn them into a schedule.Spec with Spec after
// parsing.
type shapeFlags struct {
	Shape          string
	MinRatio       float64
	Warmup         string
	Milestones     string
	Gamma          float64
	Decay          string
	DecayType      string
	PctStart       float64
	DivFactor      float64
	FinalDivFactor float64
	Per            string

	fs *pflag.FlagSet
}

// flagName is the flag of a Spec parameter key: "min_ratio" → "min-ratio".
func flagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// registerShapeFlags adds the shape flags to fs: --shape, --min-ratio,
// --warmup, --milestones, --gamma, --decay, --decay-type, --pct-start,
// --div-factor, --final-div-factor and --per.
func registerShapeFlags(fs *pflag.FlagSet) *shapeFlags {
	f := &shapeFlags{fs: fs}
	fs.StringVar(&f.Shape, "shape", "", "schedule shape: "+strings.Join(schedule.Shapes, ", ")+" (default constant)")
	fs.Float64Var(&f.MinRatio, "min-ratio", 0, "floor as a fraction of the peak (linear, cosine, warmup-cosine, wsd; exponential: the final ratio, default 0.01)")
	fs.StringVar(&f.Warmup, "warmup", "", "linear warmup (warmup-cosine, wsd, inverse-sqrt): a fraction of the run (0.05 or 5%) or a count of steps (epochs with --per epoch); default 5% for warmup-cosine, none otherwise")
	fs.StringVar(&f.Milestones, "milestones", "", "step: where the rate is multiplied by --gamma, fractions of the run or step counts (epochs with --per epoch), comma-separated (default 0.5,0.75)")
	fs.Float64Var(&f.Gamma, "gamma", 0, "step: the factor at each milestone (default 0.1); exponential: the factor per step (per epoch with --per epoch; instead of --min-ratio)")
	fs.StringVar(&f.Decay, "decay", "", "wsd: length of the final decay, a fraction of the run or a count of steps (default 20%)")
	fs.StringVar(&f.DecayType, "decay-type", "", "wsd: form of the decay: linear, cosine or sqrt (1−√p) (default linear)")
	fs.Float64Var(&f.PctStart, "pct-start", 0, "onecycle: fraction of the run spent rising to the peak (default 0.3)")
	fs.Float64Var(&f.DivFactor, "div-factor", 0, "onecycle: the initial rate is the peak / div-factor (default 25)")
	fs.Float64Var(&f.FinalDivFactor, "final-div-factor", 0, "onecycle: the final rate is the initial rate / final-div-factor (default 1e4)")
	fs.StringVar(&f.Per, "per", "step", "how often the rate changes: step, or epoch (each epoch at the mean of the per-step shape over it)")
	shapeDefaults(fs)
	return f
}

// Changed reports whether any shape flag (not --per) was given.
func (f *shapeFlags) Changed() bool {
	if f.fs.Changed("shape") {
		return true
	}
	for _, key := range schedule.ShapeParams() {
		if f.fs.Changed(flagName(key)) {
			return true
		}
	}
	return false
}

// Granularity parses --per.
func (f *shapeFlags) Granularity() (schedule.Granularity, error) {
	return schedule.ParseGranularity(f.Per)
}

// Spec builds the Spec the flags describe, defaults filled in, and checks
// everything that does not depend on the run's length (the schedule
// package checks the rest). A flag the shape does not take, and an
// explicit 0 where the default is not 0, are errors.
func (f *shapeFlags) Spec() (schedule.Spec, error) {
	s := schedule.Spec{Shape: f.Shape, MinRatio: f.MinRatio, Gamma: f.Gamma, DecayType: f.DecayType,
		PctStart: f.PctStart, DivFactor: f.DivFactor, FinalDivFactor: f.FinalDivFactor}
	if s.Shape == "" {
		s.Shape = schedule.Constant
	}
	if !isShape(s.Shape) {
		return schedule.Spec{}, inputerr.New("unknown shape %q", s.Shape).
			WithHint("use --shape %s or %s", strings.Join(schedule.Shapes[:len(schedule.Shapes)-1], ", "), schedule.Shapes[len(schedule.Shapes)-1])
	}
	var err error
	if s.Warmup, err = schedule.ParseLength("warmup", f.Warmup); err != nil {
		return schedule.Spec{}, err
	}
	if s.Decay, err = schedule.ParseLength("decay", f.Decay); err != nil {
		return schedule.Spec{}, err
	}
	if strings.TrimSpace(f.Milestones) != "" {
		for _, part := range strings.Split(f.Milestones, ",") {
			v, err := schedule.ParseLength("milestones", part)
			if err != nil {
				return schedule.Spec{}, err
			}
			if v == 0 {
				return schedule.Spec{}, inputerr.New("--milestones: milestone %q is outside the run", strings.TrimSpace(part)).
					WithHint("give fractions in (0, 1) such as 0.5,0.75, or step counts ≥ 1")
			}
			s.Milestones = append(s.Milestones, v)
		}
	}
	for _, key := range schedule.ShapeParams() {
		if f.fs.Changed(flagName(key)) && !s.Uses(key) {
			return schedule.Spec{}, inputerr.New("--%s does not apply to --shape %s", flagName(key), s.Shape).WithHint("%s", usesText(s.Shape))
		}
	}
	d := s.WithDefaults()
	zeroDefaulted := func(name string, v, def float64) error {
		if f.fs.Changed(name) && v == 0 && def != 0 {
			switch {
			case s.Shape == schedule.WarmupCosine && name == "warmup":
				return inputerr.New("--warmup 0: --shape warmup-cosine needs a warmup").WithHint("use --shape cosine for no warmup")
			case s.Shape == schedule.Exponential && name == "min-ratio":
				return inputerr.New("--min-ratio 0: an exponential decay never reaches 0").WithHint("give a final ratio above 0, e.g. --min-ratio 0.01")
			}
			return inputerr.New("--%s 0 is out of range for --shape %s", name, s.Shape).WithHint("%s", usesText(s.Shape))
		}
		return nil
	}
	for _, c := range []struct {
		name   string
		v, def float64
	}{
		{"warmup", s.Warmup, d.Warmup}, {"decay", s.Decay, d.Decay}, {"gamma", s.Gamma, d.Gamma},
		{"min-ratio", s.MinRatio, d.MinRatio}, {"pct-start", s.PctStart, d.PctStart},
		{"div-factor", s.DivFactor, d.DivFactor}, {"final-div-factor", s.FinalDivFactor, d.FinalDivFactor},
	} {
		if err := zeroDefaulted(c.name, c.v, c.def); err != nil {
			return schedule.Spec{}, err
		}
	}
	if err := d.Check(); err != nil {
		return schedule.Spec{}, err
	}
	return d, nil
}

// isShape reports whether name is a shape.
func isShape(name string) bool {
	for _, s := range schedule.Shapes {
		if s == name {
			return true
		}
	}
	return false
}

// usesText names the flags a shape takes, e.g. "--shape cosine takes
// --min-ratio".
func usesText(shape string) string {
	var flags []string
	s := schedule.Spec{Shape: shape}
	for _, key := range schedule.ShapeParams() {
		if s.Uses(key) {
			flags = append(flags, "--"+flagName(key))
		}
	}
	if len(flags) == 0 {
		return fmt.Sprintf("--shape %s takes no parameters", shape)
	}
	return fmt.Sprintf("--shape %s takes %s", shape, strings.Join(flags, ", "))
}

// printNotes prints a schedule's notes on stderr, one "clc: note:" line
// each, with the settings they name spelled by names.
func printNotes(stderr io.Writer, notes []schedule.Note, names inputerr.Namer) {
	for _, n := range notes {
		fmt.Fprintf(stderr, "clc: note: %s\n", noteText(n, names))
	}
}

// noteText is a schedule note in the words of the command that ran.
func noteText(n schedule.Note, names inputerr.Namer) string {
	text, _ := inputerr.New(n.Format, n.Args...).Render(names)
	return text
}

// shapeDefaults registers, for --print-config, the effective defaults of
// the shape parameters: the chosen shape's own default when it uses the
// parameter (exponential's --min-ratio 0.01, step's --gamma 0.1, …), else
// the default of the shape that uses it, so that a printed config file
// stays valid when that shape is chosen.
func shapeDefaults(fs *pflag.FlagSet) {
	def := func(shape string) schedule.Spec { return schedule.Spec{Shape: shape}.WithDefaults() }
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	pct := func(v float64) string { return strconv.FormatFloat(100*v, 'g', -1, 64) + "%" }
	params := map[string]struct {
		shape string // the shape whose default stands when the chosen one does not use the parameter
		value func(schedule.Spec) string
	}{
		"min-ratio":        {schedule.Exponential, func(s schedule.Spec) string { return num(s.MinRatio) }},
		"gamma":            {schedule.Step, func(s schedule.Spec) string { return num(s.Gamma) }},
		"milestones":       {schedule.Step, func(s schedule.Spec) string { return joinFractions(s.Milestones) }},
		"warmup":           {schedule.WarmupCosine, func(s schedule.Spec) string { return pct(s.Warmup) }},
		"decay":            {schedule.WSD, func(s schedule.Spec) string { return pct(s.Decay) }},
		"decay-type":       {schedule.WSD, func(s schedule.Spec) string { return s.DecayType }},
		"pct-start":        {schedule.OneCycle, func(s schedule.Spec) string { return num(s.PctStart) }},
		"div-factor":       {schedule.OneCycle, func(s schedule.Spec) string { return num(s.DivFactor) }},
		"final-div-factor": {schedule.OneCycle, func(s schedule.Spec) string { return num(s.FinalDivFactor) }},
	}
	for name, p := range params {
		derivedDefault(fs, name, func(fs *pflag.FlagSet) string {
			s := def(fs.Lookup("shape").Value.String())
			if !s.Uses(strings.ReplaceAll(name, "-", "_")) {
				s = def(p.shape)
			}
			return p.value(s)
		})
	}
}

// joinFractions writes fractions as a comma-separated list.
func joinFractions(fs []float64) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}
