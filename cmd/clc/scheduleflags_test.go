package main

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/schedule"
)

// The names of the schedule package, as the tests below use them.
type (
	Spec        = schedule.Spec
	Granularity = schedule.Granularity
)

const (
	Constant     = schedule.Constant
	Cosine       = schedule.Cosine
	WarmupCosine = schedule.WarmupCosine
	InverseSqrt  = schedule.InverseSqrt
	Step         = schedule.Step
	WSD          = schedule.WSD
	Exponential  = schedule.Exponential
	OneCycle     = schedule.OneCycle
	DecaySqrt    = schedule.DecaySqrt
	PerStep      = schedule.PerStep
	PerEpoch     = schedule.PerEpoch
)

func parseFlags(t *testing.T, args ...string) (Spec, Granularity, error) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	f := registerShapeFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	s, err := f.Spec()
	if err != nil {
		return s, "", err
	}
	g, err := f.Granularity()
	return s, g, err
}

func TestFlags(t *testing.T) {
	cases := []struct {
		args []string
		want Spec
		per  Granularity
	}{
		{nil, Spec{Shape: Constant}, PerStep},
		{[]string{"--shape", "cosine", "--min-ratio", "0.1", "--per", "epoch"}, Spec{Shape: Cosine, MinRatio: 0.1}, PerEpoch},
		{[]string{"--shape", "warmup-cosine"}, Spec{Shape: WarmupCosine, Warmup: 0.05}, PerStep},
		{[]string{"--shape", "warmup-cosine", "--warmup", "10%"}, Spec{Shape: WarmupCosine, Warmup: 0.1}, PerStep},
		{[]string{"--shape", "inverse-sqrt", "--warmup", "500"}, Spec{Shape: InverseSqrt, Warmup: 500}, PerStep},
		{[]string{"--shape", "step"}, Spec{Shape: Step, Milestones: []float64{0.5, 0.75}, Gamma: 0.1}, PerStep},
		{[]string{"--shape", "step", "--milestones", "30%, 100,0.9", "--gamma", "0.5"}, Spec{Shape: Step, Milestones: []float64{0.3, 100, 0.9}, Gamma: 0.5}, PerStep},
		{[]string{"--shape", "wsd", "--decay", "1000", "--decay-type", "sqrt"}, Spec{Shape: WSD, Decay: 1000, DecayType: DecaySqrt}, PerStep},
		{[]string{"--shape", "exponential"}, Spec{Shape: Exponential, MinRatio: 0.01}, PerStep},
		{[]string{"--shape", "exponential", "--gamma", "0.99"}, Spec{Shape: Exponential, Gamma: 0.99}, PerStep},
		{[]string{"--shape", "onecycle", "--pct-start", "0.25"}, Spec{Shape: OneCycle, PctStart: 0.25, DivFactor: 25, FinalDivFactor: 1e4}, PerStep},
	}
	for _, c := range cases {
		got, per, err := parseFlags(t, c.args...)
		if err != nil {
			t.Errorf("%v: %v", c.args, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) || per != c.per {
			t.Errorf("%v: %+v per %s, want %+v per %s", c.args, got, per, c.want, c.per)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--shape", "ramp"}, `unknown shape "ramp"`},
		{[]string{"--min-ratio", "0.1"}, "--min-ratio does not apply to --shape constant"},
		{[]string{"--shape", "cosine", "--warmup", "5%"}, "--warmup does not apply to --shape cosine"},
		{[]string{"--shape", "warmup-cosine", "--warmup", "0"}, "--warmup 0: --shape warmup-cosine needs a warmup"},
		{[]string{"--shape", "warmup-cosine", "--warmup", "100%"}, `--warmup "100%" is neither a fraction of the run nor a whole number of steps`},
		{[]string{"--shape", "warmup-cosine", "--warmup", "2.5"}, "--warmup 2.5 is neither a fraction in (0, 1) nor a whole number of steps"},
		{[]string{"--shape", "step", "--gamma", "0"}, "--gamma 0 is out of range for --shape step"},
		{[]string{"--shape", "step", "--milestones", "0.5,,0.7"}, `--milestones: milestone "" is outside the run`},
		{[]string{"--shape", "step", "--milestones", "0"}, `--milestones: milestone "0" is outside the run`},
		{[]string{"--shape", "wsd", "--decay", "0"}, "--decay 0 is out of range for --shape wsd"},
		{[]string{"--shape", "wsd", "--decay-type", "exp"}, `unknown decay type "exp"`},
		{[]string{"--shape", "exponential", "--min-ratio", "0"}, "--min-ratio 0: an exponential decay never reaches 0"},
		{[]string{"--shape", "onecycle", "--div-factor", "0"}, "--div-factor 0 is out of range for --shape onecycle"},
		{[]string{"--per", "batch"}, `unknown granularity "batch"`},
	}
	names := scheduleNames(t)
	for _, c := range cases {
		_, _, err := parseFlags(t, c.args...)
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("%v: %v, want an input error", c.args, err)
			continue
		}
		if msg, _ := ie.Render(names); msg != c.msg {
			t.Errorf("%v: %q, want %q", c.args, msg, c.msg)
		}
	}
}

// scheduleNames spells settings and commands as clc schedule does.
func scheduleNames(t *testing.T) inputerr.Namer {
	t.Helper()
	root := newRootCmd(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	cmd, _, err := root.Find([]string{"schedule"})
	if err != nil {
		t.Fatal(err)
	}
	return namerFor(cmd)
}

func FuzzParseLength(f *testing.F) {
	for _, s := range []string{"", "0.1", "10%", "500", "1", "1.5", "100%", "-3", "1e400", "NaN", " 5 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := schedule.ParseLength("warmup", s)
		if err != nil {
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("%q: %v is not an input error", s, err)
			}
			return
		}
		if schedule.CheckLength("warmup", v) != nil {
			t.Fatalf("%q parsed to %v, which checkLength rejects", s, v)
		}
	})
}

// FuzzMilestones: any --milestones list is either refused with an input
// error, or gives a step schedule whose rates are finite, non-negative,
// non-increasing, and drop by exactly γ at each milestone inside the run.
func FuzzMilestones(f *testing.F) {
	for _, s := range []string{"0.5,0.75", "10,20", "0.3", "", ",", "0.5,0.5", "0.75,0.5", "1e9", "50%,90%", "0,1", "-1", "NaN"} {
		f.Add(s, 100)
	}
	f.Fuzz(func(t *testing.T, milestones string, steps int) {
		if steps < 1 || steps > 5000 {
			return
		}
		fs := pflag.NewFlagSet("fuzz", pflag.ContinueOnError)
		fl := registerShapeFlags(fs)
		if err := fs.Parse([]string{"--shape", "step", "--milestones", milestones, "--gamma", "0.5"}); err != nil {
			return // pflag refuses it: not the parser under test
		}
		spec, err := fl.Spec()
		if err == nil {
			err = spec.Validate(steps)
		}
		if err != nil {
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("%q over %d steps: %v is not an input error", milestones, steps, err)
			}
			return
		}
		w, err := spec.Weights(steps)
		if err != nil {
			t.Fatalf("%q: validated but Weights failed: %v", milestones, err)
		}
		for i, v := range w {
			if !(v >= 0) || (i > 0 && v > w[i-1]) {
				t.Fatalf("%q over %d steps: weights %v not non-increasing and non-negative", milestones, steps, w)
			}
			if i > 0 && v != w[i-1] && v != w[i-1]*0.5 {
				t.Fatalf("%q over %d steps: drop %v → %v is not by γ = 0.5", milestones, steps, w[i-1], v)
			}
		}
	})
}
