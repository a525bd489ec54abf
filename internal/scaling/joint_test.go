package scaling

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// exactAxes returns optima that lie exactly on
//
//	log10 η* = −1 + 0.6·log10 N − 0.7·log10 T + 0.4·log10 B
//
// for the fit's own run at five sizes (powers of 2: every N/B is whole) and
// the other runs given at the two smallest, each with LogSE se from a noise model of 20 degrees of freedom.
func exactAxes(base Run, runs []RunSpec, se float64) []Optimum {
	at := func(n int, r RunSpec) Optimum {
		rr := r.Resolve(base)
		t := mustSteps(n, rr)
		lr := math.Pow(10, -1+0.6*math.Log10(float64(n))-0.7*math.Log10(float64(t))+0.4*math.Log10(float64(rr.BatchSize)))
		o := optimumAt(n, lr, se, t, 20)
		o.RunSpec = r
		return o
	}
	var out []Optimum
	for _, n := range []int{512, 1024, 2048, 4096, 8192} {
		out = append(out, at(n, RunSpec{}))
	}
	for _, r := range runs {
		for _, n := range []int{512, 1024} {
			out = append(out, at(n, r))
		}
	}
	return out
}

func TestFitJointLawExact(t *testing.T) {
	epochs := Run{Epochs: 3, BatchSize: 32}
	steps := Run{Steps: 300, BatchSize: 32}
	for _, c := range []struct {
		name  string
		base  Run
		runs  []RunSpec
		terms []string
		// want holds the exponents the design measures.
		want map[string]float64
	}{
		{"lengths", epochs, []RunSpec{{Epochs: 1}, {Epochs: 9}}, []string{TermN, TermT},
			map[string]float64{ExpAlpha: 0.6, ExpBeta: -0.7}},
		{"batches under epochs", epochs, []RunSpec{{BatchSize: 16}, {BatchSize: 128}}, []string{TermN, TermB},
			// T = E·N/B at fixed epochs (N/B whole): only γ − β = 1.1 is
			// measured.
			map[string]float64{ExpGammaEpochs: 1.1}},
		{"both", epochs, []RunSpec{{Epochs: 1}, {Epochs: 9}, {BatchSize: 16}, {BatchSize: 128}}, []string{TermN, TermT, TermB},
			map[string]float64{ExpAlpha: 0.6, ExpBeta: -0.7, ExpGamma: 0.4, ExpGammaEpochs: 1.1}},
		{"step budgets", steps, []RunSpec{{StepBudget: 100}, {StepBudget: 900}}, []string{TermN, TermT},
			map[string]float64{ExpAlpha: 0.6, ExpBeta: -0.7}},
		{"batches at fixed steps", steps, []RunSpec{{BatchSize: 16}, {BatchSize: 128}}, []string{TermN, TermB},
			map[string]float64{ExpAlpha: 0.6, ExpGamma: 0.4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := FitJointLaw(exactAxes(c.base, c.runs, 0.05), c.base)
			if !j.Fitted() || strings.Join(j.Terms, ",") != strings.Join(c.terms, ",") {
				t.Fatalf("terms %v (note %q), want %v", j.Terms, j.Note, c.terms)
			}
			const tol = 1e-9
			if len(j.Exponents) != len(c.want) {
				t.Errorf("exponents %+v, want %v", j.Exponents, c.want)
			}
			for name, want := range c.want {
				e, ok := j.Exponent(name)
				if !ok || !near(e.Value, want, tol) || !contains(e.CI, e.Value) || !(e.SE > 0) {
					t.Errorf("%s = %+v, want %v", name, e, want)
				}
			}
			if j.Method != MethodRandomEffects || j.NoiseDoF != 20 || j.Points != 5+2*len(c.runs) {
				t.Errorf("method %q, ν₁ %d, %d points", j.Method, j.NoiseDoF, j.Points)
			}
		})
	}
	if j := FitJointLaw(exactAxes(epochs, nil, 0.05), epochs); j != nil {
		t.Errorf("a fit of one run has a joint law: %+v", j)
	}
}

func TestFitJointLawVerdicts(t *testing.T) {
	j := &JointLaw{Exponents: []Exponent{
		{Name: ExpBeta, Value: -0.55, CI: [2]float64{-0.7, -0.4}},
		{Name: ExpGammaEpochs, Value: 0.9, CI: [2]float64{0.7, 1.1}},
	}}
	j.verdicts()
	if !strings.HasPrefix(j.LengthVerdict, "C is not invariant in T: η* ∝ T^-0.55 [-0.70, -0.40], so C = η*·T ∝ T^0.45") ||
		!strings.HasPrefix(j.BatchVerdict, "linear scaling in B holds") {
		t.Errorf("verdicts %q, %q", j.LengthVerdict, j.BatchVerdict)
	}
	j.Exponents[0].CI = [2]float64{-1.1, -0.8}
	j.Exponents[1].CI = [2]float64{0.4, 0.8}
	j.verdicts()
	if !strings.HasPrefix(j.LengthVerdict, "C is invariant in T") || !strings.HasPrefix(j.BatchVerdict, "linear scaling in B does not hold: η* ∝ B^0.90 [0.40, 0.80]") {
		t.Errorf("verdicts %q, %q", j.LengthVerdict, j.BatchVerdict)
	}
	j.Exponents[0].CI = [2]float64{-1.1, 0.1}
	j.Exponents[1].CI = [2]float64{-0.1, 1.2}
	j.verdicts()
	if !strings.HasPrefix(j.LengthVerdict, "undetermined") || !strings.HasPrefix(j.BatchVerdict, "undetermined") {
		t.Errorf("verdicts %q, %q", j.LengthVerdict, j.BatchVerdict)
	}
}

func TestJointCrossCovariance(t *testing.T) {
	// Cov(θ̂_J, θ̂_S) against a dense computation: A = (XᵀWX)⁻¹XᵀW for
	// each law, Σ = diag(v_i + τ_J²) over the shared optima.
	base := Run{Epochs: 3, BatchSize: 32}
	optima := exactAxes(base, []RunSpec{{Epochs: 1}, {Epochs: 9}}, 0.05)
	// Scatter them so that τ² > 0 in the joint law.
	for i := range optima {
		optima[i].LR *= math.Pow(10, 0.1*math.Sin(float64(7*i)))
	}
	j := FitJointLaw(optima, base)
	if !(j.Tau > 0) {
		t.Fatalf("τ = %v, want > 0 for this test", j.Tau)
	}
	weights := func(x [][]float64, w []float64) *mat.Dense {
		n, p := len(x), len(x[0])
		X := mat.NewDense(n, p, nil)
		for i := range x {
			X.SetRow(i, x[i])
		}
		var xtw, a, ainv, out mat.Dense
		xtw.Mul(X.T(), mat.NewDiagDense(n, w))
		a.Mul(&xtw, X)
		if err := ainv.Inverse(&a); err != nil {
			t.Fatal(err)
		}
		out.Mul(&ainv, &xtw)
		return &out
	}
	var xj, xs [][]float64
	var wj, ws []float64
	size, _ := FitLaw(optima)
	for _, o := range optima {
		v := o.LogSE * o.LogSE
		xj = append(xj, regressors(o, j.Terms, base))
		wj = append(wj, 1/(v+j.Tau*j.Tau))
		if o.IsBase() {
			xs = append(xs, []float64{1, math.Log10(float64(o.N))})
			ws = append(ws, 1/(v+size.Tau*size.Tau))
		}
	}
	aj, as := weights(xj, wj), weights(xs, ws)
	for r := range 3 {
		for c := range 2 {
			var want float64
			for i := range 5 { // the fit's own optima come first
				want += aj.At(r, i) * as.At(c, i) * (0.05*0.05 + j.Tau*j.Tau)
			}
			if !near(j.CrossCov[r][c], want, 1e-12) {
				t.Errorf("cross cov[%d][%d] = %g, want %g", r, c, j.CrossCov[r][c], want)
			}
		}
		if want := aj.At(r, 4) * (0.05*0.05 + j.Tau*j.Tau); !near(j.AnchorCov[r], want, 1e-12) {
			t.Errorf("anchor cov[%d] = %g, want %g", r, j.AnchorCov[r], want)
		}
	}
}

func TestPredictTransfer(t *testing.T) {
	base := Run{Epochs: 3, BatchSize: 32}
	exact := func(n, steps, b int) float64 {
		return -1 + 0.6*math.Log10(float64(n)) - 0.7*math.Log10(float64(steps)) + 0.4*math.Log10(float64(b))
	}
	both := exactAxes(base, []RunSpec{{Epochs: 1}, {Epochs: 9}, {BatchSize: 16}, {BatchSize: 128}}, 0.02)
	law, err := FitLaw(both)
	if err != nil {
		t.Fatal(err)
	}
	m := Model{Law: law, Joint: FitJointLaw(both, base), Run: base}
	// At the fit's own run nothing is transferred.
	e0, err := Predict(m, Target{N: 8000})
	if err != nil || e0.Transferred || e0.Transfer != nil {
		t.Fatalf("own run: %+v, %v", e0, err)
	}
	// Six epochs of batch 64 at N = 8000: Δ is exactly the law's move.
	e, err := Predict(m, Target{N: 8000, Epochs: 6, BatchSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	want := exact(8000, 6*(8000/64), 64) - exact(8000, 3*(8000/32), 32)
	if tr := e.Transfer; tr == nil || tr.From != TransferMeasured || !near(tr.Decades, want, 1e-9) || len(tr.Priors) != 0 {
		t.Fatalf("transfer %+v, want measured Δ = %v", tr, want)
	}
	if !near(math.Log10(e.LR)-math.Log10(e0.LR), want, 1e-9) || !near(e.Constant, e.LR*float64(e.Steps), 1e-12*e.Constant) ||
		!(e.LRLow < e.LR && e.LR < e.LRHigh) || !(e.LRHigh/e.LRLow > e0.LRHigh/e0.LRLow) {
		t.Errorf("estimate %+v (own run %+v)", e, e0)
	}
	// A fit without other runs: both exponents from their priors, with
	// β·(u + v) + γ_E·v, u = log10(T/T_fit), v = log10(B/B_fit).
	m2 := Model{Law: law, Run: base}
	e, err = Predict(m2, Target{N: 8000, Epochs: 6, BatchSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	u, v := math.Log10(6*(8000/64)/float64(3*(8000/32))), math.Log10(2)
	wantD := PriorBeta.Mean*(u+v) + PriorGammaEpochs.Mean*v
	wantSE := math.Hypot(PriorBeta.SD*(u+v), PriorGammaEpochs.SD*v)
	if tr := e.Transfer; tr == nil || tr.From != TransferPrior || !near(tr.Decades, wantD, 1e-12) || !near(tr.SE, wantSE, 1e-12) ||
		strings.Join(tr.Priors, ",") != AxisLength+","+AxisBatch {
		t.Errorf("prior transfer %+v, want Δ = %v ± %v from both priors", e.Transfer, wantD, wantSE)
	}
	// Longer runs only: γ_E's prior has no weight (v = 0).
	e, _ = Predict(m2, Target{N: 8000, Epochs: 6})
	if tr := e.Transfer; !near(tr.Decades, PriorBeta.Mean*math.Log10(2), 1e-12) || strings.Join(tr.Priors, ",") != AxisLength {
		t.Errorf("6 epochs: %+v", tr)
	}
	// The interval at the prior holds the law's interval and the prior's
	// spread: wider than the own run's by about 1.96·0.35·log10 2.
	if w, w0 := math.Log10(e.LRHigh/e.LRLow)/2, math.Log10(e0.LRHigh/e0.LRLow)/2; !(w > 1.96*0.35*math.Log10(2)) || !(w > w0) {
		t.Errorf("half-width %v decades (own run %v)", w, w0)
	}
	// Lengths measured, batch sizes not: β from the law, γ_E from its prior.
	lengths := exactAxes(base, []RunSpec{{Epochs: 1}, {Epochs: 9}}, 0.02)
	m3 := Model{Law: law, Joint: FitJointLaw(lengths, base), Run: base}
	e, _ = Predict(m3, Target{N: 8000, Epochs: 6, BatchSize: 64})
	wantD = -0.7*(u+v) + PriorGammaEpochs.Mean*v
	if tr := e.Transfer; tr.From != TransferPrior || !near(tr.Decades, wantD, 1e-9) || strings.Join(tr.Priors, ",") != AxisBatch {
		t.Errorf("lengths measured: %+v, want Δ = %v", tr, wantD)
	}
	// Beyond the measured lengths (1…9 epochs around 3): 27 epochs lie
	// log10 3 decades above.
	e, _ = Predict(m3, Target{N: 8000, Epochs: 27})
	if tr := e.Transfer; !near(tr.LengthExtrapolation, math.Log10(3), 1e-9) {
		t.Errorf("length extrapolation %v, want log10 3", tr.LengthExtrapolation)
	}
	// Fit files before version 3: C carried over as before.
	old := Model{Law: law, Run: base, AssumeTransfer: true}
	e, _ = Predict(old, Target{N: 8000, Epochs: 6})
	if tr := e.Transfer; tr == nil || tr.From != TransferAssumed || !near(e.Constant, e0.Constant, 1e-12*e0.Constant) || !near(e.LR, e0.LR/2, 1e-15) {
		t.Errorf("assumed: %+v", e)
	}
}
