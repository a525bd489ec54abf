package schedule

import (
	"math"
	"math/big"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/clc-tools/clc/internal/fsum"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/inputerr/inputerrtest"
)

// exactSum is Σ xs computed exactly (big.Float with enough bits for any
// float64 sum of up to 2^40 terms), rounded once to float64.
func exactSum(xs []float64) float64 {
	acc := new(big.Float).SetPrec(2200)
	for _, x := range xs {
		acc.Add(acc, new(big.Float).SetPrec(2200).SetFloat64(x))
	}
	v, _ := acc.Float64()
	return v
}

func relErr(got, want float64) float64 {
	if got == want {
		return 0
	}
	return math.Abs(got-want) / math.Abs(want)
}

// TestWeightsClosedForm checks each shape on a short run against values
// worked out by hand from its formula (the source of each is the comment).
func TestWeightsClosedForm(t *testing.T) {
	c4 := math.Cos(math.Pi / 4)
	cases := []struct {
		name string
		spec Spec
		n    int
		want []float64
		tol  float64
	}{
		{"constant", Spec{}, 3, []float64{1, 1, 1}, 0},
		// m + (1−m)(1 − t/4) with m = 0.2
		{"linear", Spec{Shape: Linear, MinRatio: 0.2}, 5, []float64{1, 0.8, 0.6, 0.4, 0.2}, 1e-15},
		// (1 + cos(πt/4))/2
		{"cosine", Spec{Shape: Cosine}, 5, []float64{1, (1 + c4) / 2, 0.5, (1 - c4) / 2, 0}, 1e-15},
		// 0.5 + 0.5·(1 + cos(πt/2))/2
		{"cosine floor", Spec{Shape: Cosine, MinRatio: 0.5}, 3, []float64{1, 0.75, 0.5}, 1e-15},
		// γ = 0.01^(1/2) = 0.1
		{"exponential", Spec{Shape: Exponential}, 3, []float64{1, 0.1, 0.01}, 1e-15},
		{"exponential gamma", Spec{Shape: Exponential, Gamma: 0.5}, 4, []float64{1, 0.5, 0.25, 0.125}, 0},
		// milestones round(0.5·10) = 5 and step 8
		{"step", Spec{Shape: Step, Milestones: []float64{0.5, 8}, Gamma: 0.5}, 10, []float64{1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25}, 0},
		// warmup 2: 1/3, 2/3; then cosine over t = 2…6 (4 intervals)
		{"warmup-cosine", Spec{Shape: WarmupCosine, Warmup: 2}, 7, []float64{1.0 / 3, 2.0 / 3, 1, (1 + c4) / 2, 0.5, (1 - c4) / 2, 0}, 1e-15},
		// warmup 2, stable, decay over the last 2: p = 1/2, 1
		{"wsd linear", Spec{Shape: WSD, Warmup: 2, Decay: 0.2}, 10, []float64{1.0 / 3, 2.0 / 3, 1, 1, 1, 1, 1, 1, 0.5, 0}, 1e-15},
		{"wsd sqrt floor", Spec{Shape: WSD, Decay: 4, DecayType: DecaySqrt, MinRatio: 0.1}, 5,
			[]float64{1, 0.1 + 0.9*0.5, 0.1 + 0.9*(1-math.Sqrt(0.5)), 0.1 + 0.9*(1-math.Sqrt(0.75)), 0.1}, 1e-15},
		{"wsd cosine", Spec{Shape: WSD, Decay: 2, DecayType: DecayCosine}, 3, []float64{1, 0.5, 0}, 1e-15},
		// warmup 3: 1/4, 2/4, 3/4; then √(4/(t+1))
		{"inverse-sqrt", Spec{Shape: InverseSqrt, Warmup: 3}, 6, []float64{0.25, 0.5, 0.75, 1, math.Sqrt(0.8), math.Sqrt(4.0 / 6)}, 1e-15},
		{"inverse-sqrt no warmup", Spec{Shape: InverseSqrt}, 4, []float64{1, math.Sqrt(0.5), math.Sqrt(1.0 / 3), 0.5}, 1e-15},
		// PyTorch OneCycleLR, total 10, pct_start 0.3: phase 1 ends at
		// t = 2 (1/25 → 1), phase 2 from 1 to 1/25/1e4 at t = 9.
		{"onecycle", Spec{Shape: OneCycle}, 10, []float64{0.04, 0.04 + 0.96*0.5, 1,
			4e-6 + (1-4e-6)*(1+math.Cos(math.Pi/7))/2, 4e-6 + (1-4e-6)*(1+math.Cos(2*math.Pi/7))/2,
			4e-6 + (1-4e-6)*(1+math.Cos(3*math.Pi/7))/2, 4e-6 + (1-4e-6)*(1+math.Cos(4*math.Pi/7))/2,
			4e-6 + (1-4e-6)*(1+math.Cos(5*math.Pi/7))/2, 4e-6 + (1-4e-6)*(1+math.Cos(6*math.Pi/7))/2, 4e-6}, 1e-14},
		{"single step", Spec{Shape: Cosine, MinRatio: 0.3}, 1, []float64{1}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.spec.Weights(c.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %d weights, want %d", len(got), len(c.want))
			}
			for i := range got {
				if d := math.Abs(got[i] - c.want[i]); d > c.tol {
					t.Errorf("s(%d) = %.17g, want %.17g (diff %.2g > %.2g)", i, got[i], c.want[i], d, c.tol)
				}
			}
		})
	}
}

// genSpec draws a shape and parameters for a run of n points; invalid
// combinations are possible (Validate must reject them as input errors).
func genSpec(t *rapid.T, n int) Spec {
	length := func(label string) float64 {
		if rapid.Bool().Draw(t, label+"IsFraction") {
			return rapid.Float64Range(0.001, 0.999).Draw(t, label+"Fraction")
		}
		return float64(rapid.IntRange(1, max(1, n)).Draw(t, label+"Count"))
	}
	ratio := func() float64 {
		return rapid.SampledFrom([]float64{0, 0, 0.001, 0.01, 0.1, 0.5, 1, rapid.Float64Range(0, 1).Draw(t, "r")}).Draw(t, "minRatio")
	}
	s := Spec{Shape: rapid.SampledFrom(Shapes).Draw(t, "shape")}
	switch s.Shape {
	case Linear, Cosine:
		s.MinRatio = ratio()
	case Exponential:
		if rapid.Bool().Draw(t, "byGamma") {
			s.Gamma = rapid.Float64Range(0.5, 1).Draw(t, "gamma")
		} else {
			s.MinRatio = rapid.Float64Range(1e-4, 1).Draw(t, "final")
		}
	case Step:
		k := rapid.IntRange(0, 4).Draw(t, "milestones")
		for range k {
			s.Milestones = append(s.Milestones, length("milestone"))
		}
		slices.Sort(s.Milestones)
		s.Gamma = rapid.SampledFrom([]float64{0, 0.1, 0.5, rapid.Float64Range(0.01, 2).Draw(t, "g")}).Draw(t, "gamma")
	case WarmupCosine:
		s.Warmup = length("warmup")
		s.MinRatio = ratio()
	case WSD:
		if rapid.Bool().Draw(t, "hasWarmup") {
			s.Warmup = length("warmup")
		}
		s.Decay = length("decay")
		s.DecayType = rapid.SampledFrom([]string{"", DecayLinear, DecayCosine, DecaySqrt}).Draw(t, "decayType")
		s.MinRatio = ratio()
	case InverseSqrt:
		if rapid.Bool().Draw(t, "hasWarmup") {
			s.Warmup = length("warmup")
		}
	case OneCycle:
		s.PctStart = rapid.Float64Range(0.01, 0.99).Draw(t, "pctStart")
		s.DivFactor = rapid.Float64Range(1, 100).Draw(t, "div")
		s.FinalDivFactor = rapid.Float64Range(1, 1e5).Draw(t, "finalDiv")
	}
	return s
}

// TestDesignProperties checks, over random shapes, parameters, lengths
// (1 … 5000 steps) and granularities, that the rates are finite and
// non-negative, carry the target area to 1e-9 (measured with an exact
// sum), are constant within epochs, and keep each shape's invariants; and
// that a per-epoch schedule is the per-step one averaged over each epoch:
// the same cumulative learning at every epoch boundary.
func TestDesignProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		per := rapid.SampledFrom([]Granularity{PerStep, PerEpoch}).Draw(t, "per")
		steps, spe := rapid.IntRange(1, 5000).Draw(t, "steps"), 0
		if per == PerEpoch {
			spe = rapid.IntRange(1, 60).Draw(t, "stepsPerEpoch")
			steps = spe * rapid.IntRange(1, 5000/spe).Draw(t, "epochs")
		}
		n := steps
		if per == PerEpoch {
			n = steps / spe
		}
		spec := genSpec(t, n)
		area := math.Pow(10, rapid.Float64Range(-6, 6).Draw(t, "log10Area"))

		sc, err := Design(spec, steps, area, per, spe)
		if verr := spec.ValidateFor(steps, per, spe); (err == nil) != (verr == nil) {
			t.Fatalf("Design error %v but ValidateFor(%d, %s, %d) error %v", err, steps, per, spe, verr)
		}
		if err != nil {
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("Design(%+v, %d): %v is not an input error", spec, steps, err)
			}
			return // invalid for this length: rejected as input
		}
		if len(sc.Rates) != steps {
			t.Fatalf("%d rates for %d steps", len(sc.Rates), steps)
		}
		for i, r := range sc.Rates {
			if !finite(r) || r < 0 {
				t.Fatalf("rate %d = %v", i, r)
			}
			if per == PerEpoch && i%spe != 0 && r != sc.Rates[i-1] {
				t.Fatalf("rate %d differs from rate %d in the same epoch", i, i-1)
			}
		}
		if e := relErr(exactSum(sc.Rates), area); e > 1e-9 {
			t.Fatalf("Σ rates = %.17g, area %.17g: relative error %.2g", exactSum(sc.Rates), area, e)
		}
		if sc.Peak != slices.Max(sc.Rates) || sc.Final != sc.Rates[steps-1] || sc.Area != area {
			t.Fatalf("peak %v, final %v, area %v do not match the rates", sc.Peak, sc.Final, sc.Area)
		}
		if per == PerEpoch {
			checkEpochMeans(t, spec, sc)
			return
		}

		w, err := spec.Weights(n)
		if err != nil {
			t.Fatal(err)
		}
		norm, err := spec.Normalized(n)
		if err != nil {
			t.Fatal(err)
		}
		if e := relErr(exactSum(norm), float64(n)); e > 1e-12 {
			t.Fatalf("Σ normalized = %.17g, want %d (relative error %.2g)", exactSum(norm), n, e)
		}
		checkInvariants(t, spec.WithDefaults(), w)
	})
}

// checkEpochMeans checks that the per-epoch schedule sc of spec is the
// per-step schedule of the same shape averaged over each epoch, so that
// both carry the same cumulative learning at every epoch boundary (to
// 1e-12 of the area). The per-step schedule is designed independently,
// with spec's counts (epochs) turned into steps and a factor per epoch
// into one per step.
func checkEpochMeans(t *rapid.T, spec Spec, sc *Schedule) {
	spe := sc.StepsPerEpoch
	toSteps := func(v float64) float64 {
		if v >= 1 {
			return v * float64(spe)
		}
		return v
	}
	st := spec
	st.Warmup, st.Decay = toSteps(spec.Warmup), toSteps(spec.Decay)
	st.Milestones = nil
	for _, m := range spec.Milestones {
		st.Milestones = append(st.Milestones, toSteps(m))
	}
	if spec.Shape == Exponential && spec.Gamma != 0 {
		st.Gamma = math.Pow(spec.Gamma, 1/float64(spe))
	}
	ref, err := Design(st, sc.Steps, sc.Area, PerStep, 0)
	if err != nil {
		t.Fatalf("per-step equivalent %+v: %v", st, err)
	}
	var cumEpoch, cumStep float64
	for e := range sc.Epochs() {
		for i := e * spe; i < (e+1)*spe; i++ {
			cumEpoch += sc.Rates[i]
			cumStep += ref.Rates[i]
		}
		if d := math.Abs(cumEpoch - cumStep); d > 1e-12*sc.Area {
			t.Fatalf("after epoch %d: cumulative learning %.17g per epoch, %.17g per step", e+1, cumEpoch, cumStep)
		}
	}
}

// checkInvariants checks the shape-specific invariants of weights w.
func checkInvariants(t *rapid.T, s Spec, w []float64) {
	n := len(w)
	r, err := s.resolve(run{steps: n, spe: 1})
	if err != nil {
		t.Fatal(err)
	}
	last := w[n-1]
	switch s.Shape {
	case Cosine, Linear:
		if n > 1 && last != s.MinRatio {
			t.Fatalf("%s ends at %.17g, not its floor %v", s.Shape, last, s.MinRatio)
		}
	case WarmupCosine:
		if n-1-r.warmup >= 1 && last != s.MinRatio {
			t.Fatalf("warmup-cosine ends at %.17g, not its floor %v", last, s.MinRatio)
		}
	case WSD:
		if n > 1 && last != s.MinRatio {
			t.Fatalf("wsd ends at %.17g, not its floor %v", last, s.MinRatio)
		}
		for i := r.warmup; i < n-r.decay; i++ {
			if w[i] != 1 {
				t.Fatalf("wsd is %v at stable step %d", w[i], i)
			}
		}
	case Exponential:
		if n > 1 && s.Gamma == 0 && relErr(last, s.MinRatio) > 1e-12 {
			t.Fatalf("exponential ends at %.17g, not its final ratio %v", last, s.MinRatio)
		}
	case Step:
		k := 0
		for i := 1; i < n; i++ {
			want := w[i-1]
			if k < len(r.milestones) && r.milestones[k] == i {
				want *= s.Gamma // exactly gamma times the rate before
				k++
			}
			if w[i] != want {
				t.Fatalf("step: s(%d) = %v, want %v (milestones %v)", i, w[i], want, r.milestones)
			}
		}
		if k != len(r.milestones) {
			t.Fatalf("step: %d of %d milestones applied", k, len(r.milestones))
		}
	case OneCycle:
		if relErr(last, 1/(s.DivFactor*s.FinalDivFactor)) > 1e-12 {
			t.Fatalf("onecycle ends at %.17g, not 1/(div·final_div)", last)
		}
	}
	// Warmup: increasing over t = 0 … W−1, then the peak 1 at t = W.
	if r.warmup > 0 {
		for i := 1; i < r.warmup; i++ {
			if !(w[i] > w[i-1]) {
				t.Fatalf("warmup does not increase at step %d: %v ≤ %v", i, w[i], w[i-1])
			}
		}
		if r.warmup < n && !(w[r.warmup] == 1 && w[r.warmup-1] < 1) {
			t.Fatalf("the warmup does not reach the peak 1 at step %d (%v)", r.warmup, w[r.warmup])
		}
	}
}

// TestValidateErrors checks the messages for bad shapes and parameters.
func TestValidateErrors(t *testing.T) {
	cases := []struct {
		spec Spec
		n    int
		msg  string
		hint string
	}{
		{Spec{Shape: "triangle"}, 10, `unknown shape "triangle"`, "use --shape constant, linear, cosine, exponential, step, warmup-cosine, wsd, inverse-sqrt or onecycle"},
		{Spec{Shape: Cosine, MinRatio: 1.5}, 10, "--min-ratio 1.5 is outside [0, 1]", "the floor"},
		{Spec{Shape: Cosine, MinRatio: -0.1}, 10, "--min-ratio -0.1 is outside [0, 1]", ""},
		{Spec{Shape: Cosine, Gamma: 0.5}, 10, "--gamma does not apply to --shape cosine", "--shape cosine takes --min-ratio"},
		{Spec{Shape: Constant, Warmup: 0.1}, 10, "--warmup does not apply to --shape constant", "--shape constant takes no parameters"},
		{Spec{Shape: WarmupCosine, Warmup: 10}, 10, "--warmup 10 steps is not shorter than the run (10 steps)", "give a shorter --warmup"},
		{Spec{Shape: WarmupCosine, Warmup: 1.5}, 10, "--warmup 1.5 is neither a fraction in (0, 1) nor a whole number of steps", ""},
		{Spec{Shape: InverseSqrt, Warmup: 500}, 400, "--warmup 500 steps is not shorter than the run (400 steps)", ""},
		{Spec{Shape: Step, Milestones: []float64{100}}, 50, "--milestones: 100 is outside the run (50 steps)", "milestones count steps from the start, 1 … 49"},
		{Spec{Shape: Step, Milestones: []float64{30, 20}}, 50, "--milestones must increase: 20 (step 20) is not after 30 (step 30)", ""},
		{Spec{Shape: Step, Milestones: []float64{0.5, 0.51}}, 10, "--milestones must increase: 51% (step 5) is not after 50% (step 5)", ""},
		{Spec{Shape: Step, Milestones: []float64{0.01}}, 10, "--milestones: 1% (step 0) is outside the run (10 steps)", ""},
		{Spec{Shape: Step, Gamma: -1}, 10, "--gamma -1 must be a finite number above 0", ""},
		{Spec{Shape: Exponential, Gamma: 1.1}, 10, "--gamma 1.1 is above 1; --shape exponential decays", ""},
		{Spec{Shape: Exponential, Gamma: 0.9, MinRatio: 0.1}, 10, "--gamma and --min-ratio both set the decay of --shape exponential", ""},
		{Spec{Shape: WSD, DecayType: "exp"}, 10, `unknown decay type "exp"`, "use --decay-type linear, cosine or sqrt"},
		{Spec{Shape: WSD, Warmup: 0.5, Decay: 0.6}, 10, "--warmup 50% and --decay 60% together are longer than the run", ""},
		{Spec{Shape: WSD, Warmup: 5, Decay: 5}, 10, "--warmup 5 and --decay 5 steps leave no step at the peak in a run of 10 steps", "shorten"},
		{Spec{Shape: WSD, Decay: 10}, 10, "--decay 10 steps is not shorter than the run (10 steps)", ""},
		{Spec{Shape: OneCycle, PctStart: 1}, 10, "--pct-start 1 is outside (0, 1)", ""},
		{Spec{Shape: OneCycle, PctStart: 0.1}, 10, "--pct-start 0.1 of 10 steps leaves no room to rise to the peak", "onecycle needs pct_start × steps > 1"},
		{Spec{Shape: OneCycle, DivFactor: -2}, 10, "--div-factor -2 must be a finite number above 0", ""},
		{Spec{Shape: Cosine}, 0, "a schedule needs at least 1 step (got 0)", ""},
	}
	for _, c := range cases {
		err := c.spec.Validate(c.n)
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("Validate(%+v, %d) = %v, want an input error", c.spec, c.n, err)
			continue
		}
		msg, hint := ie.Render(inputerrtest.CLINames)
		if msg != c.msg {
			t.Errorf("Validate(%+v, %d):\n got %q\nwant %q", c.spec, c.n, msg, c.msg)
		}
		if !strings.Contains(hint, c.hint) {
			t.Errorf("Validate(%+v, %d): hint %q does not contain %q", c.spec, c.n, hint, c.hint)
		}
		// The setting at fault is named as a parameter, not as a flag.
		if p := strings.TrimPrefix(strings.Fields(c.msg)[0], "--"); strings.HasPrefix(c.msg, "--") &&
			string(ie.Param) != strings.ReplaceAll(strings.TrimSuffix(p, ":"), "-", "_") {
			t.Errorf("Validate(%+v, %d): parameter %q, want the one of %q", c.spec, c.n, ie.Param, c.msg)
		}
		if strings.Contains(ie.Error(), "--") || strings.Contains(ie.Hint, "--") {
			t.Errorf("Validate(%+v, %d): %q (hint %q) spells a flag", c.spec, c.n, ie.Error(), ie.Hint)
		}
	}
}

// TestDesignPerEpoch checks per-epoch rates against the definition: the
// mean of the per-step shape over each epoch, here cosine over T = 12
// steps in 3 epochs of 4,
//
//	S_e = (1/4) Σ_{t=4e}^{4e+3} (1 + cos(πt/11))/2,   η_e = C·S_e / (4·Σ_f S_f).
func TestDesignPerEpoch(t *testing.T) {
	const area = 6.0
	var S [3]float64
	for e := range S {
		for t := 4 * e; t < 4*e+4; t++ {
			S[e] += (1 + math.Cos(math.Pi*float64(t)/11)) / 2 / 4
		}
	}
	sc, err := Design(Spec{Shape: Cosine}, 12, area, PerEpoch, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range sc.Rates {
		want := area * S[i/4] / (4 * (S[0] + S[1] + S[2]))
		if relErr(got, want) > 1e-14 {
			t.Errorf("rate %d = %.17g, want %.17g", i, got, want)
		}
	}
	if !(sc.Final > 0) {
		t.Errorf("the last epoch trains at %v", sc.Final)
	}
	if _, err := Design(Spec{Shape: Cosine}, 10, 6, PerEpoch, 4); err == nil || !strings.Contains(err.Error(), "not a whole number of epochs") {
		t.Errorf("10 steps per epoch of 4: %v", err)
	}
	_, err = Design(Spec{Shape: Step, Milestones: []float64{5}}, 12, 6, PerEpoch, 4)
	if ie, ok := inputerr.As(err); !ok || ie.Param != paramMilestones {
		t.Errorf("milestone past the last epoch: %v", err)
	} else if msg, _ := ie.Render(inputerrtest.CLINames); msg != "--milestones: 5 is outside the run (3 epochs)" {
		t.Errorf("milestone past the last epoch: %q", msg)
	}
	if _, err := Design(Spec{}, 12, math.NaN(), PerStep, 0); err == nil {
		t.Error("a NaN area was accepted")
	}
}

// TestPerEpochNoEpochWasted: with 3 epochs of 937 steps (Fashion-MNIST at
// batch 64), the shapes that decay to 0 at the last step give every epoch,
// the last included, a positive rate, with the area exact; the default
// milestones of step are valid for any number of epochs.
func TestPerEpochNoEpochWasted(t *testing.T) {
	const spe, area = 937, 12.5
	for _, spec := range []Spec{{Shape: Cosine}, {Shape: Linear}, {Shape: WSD}, {Shape: WarmupCosine}, {Shape: Step}} {
		for _, epochs := range []int{1, 2, 3, 4, 10} {
			sc, err := Design(spec, epochs*spe, area, PerEpoch, spe)
			if err != nil {
				t.Errorf("%s over %d epochs: %v", spec.Shape, epochs, err)
				continue
			}
			for e := range epochs {
				if !(sc.Rates[e*spe] > 0) {
					t.Errorf("%s over %d epochs: epoch %d trains at %v", spec.Shape, epochs, e+1, sc.Rates[e*spe])
				}
			}
			if e := relErr(exactSum(sc.Rates), area); e > 1e-9 {
				t.Errorf("%s over %d epochs: area off by %.2g", spec.Shape, epochs, e)
			}
		}
	}
	// A step schedule of 1 step has no room for the default milestones:
	// they are dropped, and a note says so.
	sc, err := Design(Spec{Shape: Step}, 1, 1, PerEpoch, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Notes) != 1 || sc.Notes[0].Kind != NoteDefaultAdjusted || sc.Notes[0].Param != paramMilestones {
		t.Errorf("notes %v, want one NoteDefaultAdjusted about the milestones", sc.Notes)
	}
}

// TestNotes checks the notes of shapes that a short run or a coarse
// granularity changes.
func TestNotes(t *testing.T) {
	cases := []struct {
		name  string
		spec  Spec
		steps int
		per   Granularity
		spe   int
		kind  NoteKind
		param inputerr.Param
		text  string
	}{
		{"warmup shorter than an epoch", Spec{Shape: WarmupCosine}, 3 * 937, PerEpoch, 937, NoteWithinEpoch, paramWarmup,
			"--warmup 5% is 141 steps, shorter than an epoch (937 steps): per epoch, the warmup only changes the first epoch's rate"},
		{"warmup ending inside an epoch", Spec{Shape: WarmupCosine, Warmup: 0.5}, 30, PerEpoch, 10, NoteWithinEpoch, paramWarmup,
			"--warmup 50% is 15 steps: per epoch, the warmup ends inside epoch 2, whose rate is the shape's mean over it"},
		{"decay shorter than an epoch", Spec{Shape: WSD, Decay: 0.1}, 30, PerEpoch, 10, NoteWithinEpoch, paramDecay,
			"--decay 10% is 3 steps, shorter than an epoch (10 steps): per epoch, the decay only changes the last epoch's rate"},
		{"milestones inside epochs", Spec{Shape: Step}, 30, PerEpoch, 10, NoteWithinEpoch, paramMilestones,
			"--milestones 50%,75% fall inside epochs (step 15 in epoch 2, step 23 in epoch 3): per epoch, such an epoch's rate is the shape's mean over it, between the rates on either side"},
		{"warmup rounded away", Spec{Shape: WarmupCosine}, 8, PerStep, 0, NoteRounded, paramWarmup,
			"--warmup 5% of 8 steps rounds to 0 steps: the schedule has no warmup"},
		{"default milestones on one step", Spec{Shape: Step}, 2, PerStep, 0, NoteDefaultAdjusted, paramMilestones,
			"the default --milestones 50%,75% leave no room in a run of 2 steps: 75% dropped"},
	}
	for _, c := range cases {
		sc, err := New(c.spec, c.steps, 1, c.per, c.spe)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(sc.Notes) != 1 {
			t.Errorf("%s: notes %v, want one", c.name, noteTexts(sc.Notes))
			continue
		}
		n := sc.Notes[0]
		if text, _ := inputerr.New(n.Format, n.Args...).Render(inputerrtest.CLINames); n.Kind != c.kind || n.Param != c.param || text != c.text {
			t.Errorf("%s: note %d %q %q, want %d %q %q", c.name, n.Kind, n.Param, text, c.kind, c.param, c.text)
		}
	}
	// Milestones given in epochs fall on epoch boundaries: no note.
	sc, err := New(Spec{Shape: Step, Milestones: []float64{1, 2}}, 30, 1, PerEpoch, 10)
	if err != nil || len(sc.Notes) != 0 {
		t.Errorf("milestones 1,2 per epoch: notes %v, err %v", sc.Notes, err)
	}
}

func TestSum(t *testing.T) {
	// 1 + 1e-16·10^4 − 1: naive summation loses the small terms.
	xs := []float64{1}
	for range 10000 {
		xs = append(xs, 1e-16)
	}
	xs = append(xs, -1)
	if got, want := fsum.Of(xs), 1e-12; relErr(got, want) > 1e-12 {
		t.Errorf("sum = %.17g, want %.17g", got, want)
	}
}
