package schedule

import (
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Flags holds the shape flags of a command: --shape and its parameters,
// and --per. Register them with RegisterFlags and turn them into a Spec
// with Spec after parsing.
type Flags struct {
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

// shapeFlags maps each shape-parameter flag to its Spec key.
var shapeFlags = map[string]string{
	"min-ratio": "min_ratio", "warmup": "warmup", "milestones": "milestones", "gamma": "gamma",
	"decay": "decay", "decay-type": "decay_type", "pct-start": "pct_start", "div-factor": "div_factor",
	"final-div-factor": "final_div_factor",
}

// RegisterFlags adds the shape flags to fs: --shape, --min-ratio,
// --warmup, --milestones, --gamma, --decay, --decay-type, --pct-start,
// --div-factor, --final-div-factor and --per.
func RegisterFlags(fs *pflag.FlagSet) *Flags {
	f := &Flags{fs: fs}
	fs.StringVar(&f.Shape, "shape", "", "schedule shape: "+strings.Join(Shapes, ", ")+" (default constant)")
	fs.Float64Var(&f.MinRatio, "min-ratio", 0, "floor as a fraction of the peak (linear, cosine, warmup-cosine, wsd; exponential: the final ratio, default 0.01)")
	fs.StringVar(&f.Warmup, "warmup", "", "linear warmup (warmup-cosine, wsd, inverse-sqrt): a fraction of the run (0.05 or 5%) or a count of steps (epochs with --per epoch); default 5% for warmup-cosine, none otherwise")
	fs.StringVar(&f.Milestones, "milestones", "", "step: where the rate is multiplied by --gamma, fractions of the run or step counts, comma-separated (default 0.5,0.75)")
	fs.Float64Var(&f.Gamma, "gamma", 0, "step: the factor at each milestone (default 0.1); exponential: the factor per step (instead of --min-ratio)")
	fs.StringVar(&f.Decay, "decay", "", "wsd: length of the final decay, a fraction of the run or a count of steps (default 20%)")
	fs.StringVar(&f.DecayType, "decay-type", "", "wsd: form of the decay: linear, cosine or sqrt (1−√p) (default linear)")
	fs.Float64Var(&f.PctStart, "pct-start", 0, "onecycle: fraction of the run spent rising to the peak (default 0.3)")
	fs.Float64Var(&f.DivFactor, "div-factor", 0, "onecycle: the initial rate is the peak / div-factor (default 25)")
	fs.Float64Var(&f.FinalDivFactor, "final-div-factor", 0, "onecycle: the final rate is the initial rate / final-div-factor (default 1e4)")
	fs.StringVar(&f.Per, "per", "step", "how often the rate changes: step, or epoch (constant within each epoch)")
	return f
}

// Changed reports whether any shape flag (not --per) was given.
func (f *Flags) Changed() bool {
	if f.fs.Changed("shape") {
		return true
	}
	for name := range shapeFlags {
		if f.fs.Changed(name) {
			return true
		}
	}
	return false
}

// Granularity parses --per.
func (f *Flags) Granularity() (Granularity, error) { return ParseGranularity(f.Per) }

// Spec builds the Spec the flags describe, defaults filled in, and checks
// everything that does not depend on the run's length (Spec.Validate
// checks the rest). A flag the shape does not take, and an explicit 0
// where the default is not 0, are errors.
func (f *Flags) Spec() (Spec, error) {
	s := Spec{Shape: f.Shape, MinRatio: f.MinRatio, Gamma: f.Gamma, DecayType: f.DecayType,
		PctStart: f.PctStart, DivFactor: f.DivFactor, FinalDivFactor: f.FinalDivFactor}
	if s.Shape == "" {
		s.Shape = Constant
	}
	if _, ok := shapeParams[s.Shape]; !ok {
		return Spec{}, inputerr.New("unknown shape %q", s.Shape).WithHint("%s", shapesHint)
	}
	var err error
	if s.Warmup, err = parseLength("--warmup", f.Warmup); err != nil {
		return Spec{}, err
	}
	if s.Decay, err = parseLength("--decay", f.Decay); err != nil {
		return Spec{}, err
	}
	if strings.TrimSpace(f.Milestones) != "" {
		for _, part := range strings.Split(f.Milestones, ",") {
			v, err := parseLength("--milestones", part)
			if err != nil {
				return Spec{}, err
			}
			if v == 0 {
				return Spec{}, inputerr.New("--milestones: milestone %q is outside the run", strings.TrimSpace(part)).
					WithHint("give fractions in (0, 1) such as 0.5,0.75, or step counts ≥ 1")
			}
			s.Milestones = append(s.Milestones, v)
		}
	}
	for _, name := range []string{"min-ratio", "warmup", "milestones", "gamma", "decay", "decay-type", "pct-start", "div-factor", "final-div-factor"} {
		if !f.fs.Changed(name) {
			continue
		}
		if !s.Uses(name) {
			return Spec{}, inputerr.New("--%s does not apply to --shape %s", name, s.Shape).WithHint("%s", usesHint(s.Shape))
		}
	}
	d := s.WithDefaults()
	zeroDefaulted := func(name string, v, def float64) error {
		if f.fs.Changed(name) && v == 0 && def != 0 {
			switch {
			case s.Shape == WarmupCosine && name == "warmup":
				return inputerr.New("--warmup 0: --shape warmup-cosine needs a warmup").WithHint("use --shape cosine for no warmup")
			case s.Shape == Exponential && name == "min-ratio":
				return inputerr.New("--min-ratio 0: an exponential decay never reaches 0").WithHint("give a final ratio above 0, e.g. --min-ratio 0.01")
			}
			return inputerr.New("--%s 0 is out of range for --shape %s", name, s.Shape).WithHint("%s", usesHint(s.Shape))
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
			return Spec{}, err
		}
	}
	if err := d.check(); err != nil {
		return Spec{}, err
	}
	return d, nil
}

// parseLength parses a fraction-or-count flag value: "" (unset, 0), a
// percentage below 100 ("10%"), a fraction in (0, 1) or a whole count.
func parseLength(flag, text string) (float64, error) {
	t := strings.TrimSpace(text)
	if t == "" {
		return 0, nil
	}
	bad := func() error {
		return inputerr.New("%s %q is neither a fraction of the run nor a whole number of steps", flag, t).
			WithHint("give a fraction such as 0.1 or 10%%, or a count such as 500")
	}
	if p, ok := strings.CutSuffix(t, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || !(v >= 0 && v < 100) {
			return 0, bad()
		}
		return v / 100, nil
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, bad()
	}
	if err := checkLength(flag, v); err != nil {
		return 0, err
	}
	return v, nil
}
