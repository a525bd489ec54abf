package scaling

import (
	"fmt"
	"math"
)

// The regressors of a joint law besides its intercept (JointLaw.Terms).
const (
	TermN = "log_n" // log10 N
	TermT = "log_t" // log10 T, the run's optimizer steps
	TermB = "log_b" // log10 B, the batch size
)

// The exponents a joint law reports (Exponent.Name).
const (
	// ExpAlpha is α, the exponent of N at fixed T and B.
	ExpAlpha = "alpha"
	// ExpBeta is β, the exponent of T at fixed N and B: C = η*·T is
	// invariant in T when β = −1.
	ExpBeta = "beta"
	// ExpGamma is γ, the exponent of B at fixed N and T.
	ExpGamma = "gamma"
	// ExpGammaEpochs is γ_E = γ − β, the exponent of B at fixed N and
	// epochs (T ∝ 1/B): the linear scaling rule is γ_E = 1.
	ExpGammaEpochs = "gamma_epochs"
)

// Budgets: what a fit's runs hold fixed as N grows (JointLaw.Budget).
const (
	BudgetEpochs = "epochs" // T = E·floor(N/B)
	BudgetSteps  = "steps"  // T fixed
)

// Axes a check or a transfer concerns (AxisCheck.Axis).
const (
	AxisLength = "length"
	AxisBatch  = "batch_size"
)

// JointLaw is the optimum's law over the dataset size and the training
// run, fitted over the optima of every run of a fit (see FitJointLaw):
//
//	log10 η* = a + α·log10 N + β·log10 T + γ·log10 B
//
// with the terms the fit's runs let it measure (Terms): log10 T when some
// run has another epoch count or step budget than the fit's own, log10 B
// when some run has another batch size. Without log10 T under an epoch
// budget (T ∝ N/B), the coefficient of log10 N is α + β and that of
// log10 B is γ − β; Exponents names what each measured exponent is.
type JointLaw struct {
	// Budget is BudgetEpochs or BudgetSteps: the fit's runs.
	Budget string `yaml:"budget" json:"budget"`
	// Terms lists the regressors after the intercept, in the order of
	// Coef[1:]: TermN, then TermT and TermB where measured.
	Terms []string `yaml:"terms,flow" json:"terms"`
	// Coef is (a, the coefficients of Terms); Cov its covariance and
	// SamplingCov the part of it the optima's errors make (nil for a
	// least-squares law).
	Coef        []float64   `yaml:"coef,flow" json:"coef"`
	Cov         [][]float64 `yaml:"cov,flow" json:"cov"`
	SamplingCov [][]float64 `yaml:"sampling_cov,flow,omitempty" json:"sampling_cov,omitempty"`
	// Tau is τ, the scatter of the true optima about the joint law
	// (decades), estimated as for the size law; R2, BirgeRatio, Points,
	// DoF (n − p), NoiseDoF and Method as in Law.
	Tau        float64 `yaml:"tau" json:"tau"`
	R2         float64 `yaml:"r2" json:"r2"`
	BirgeRatio float64 `yaml:"birge_ratio" json:"birge_ratio"`
	Points     int     `yaml:"points" json:"points"`
	DoF        int     `yaml:"dof" json:"dof"`
	NoiseDoF   int     `yaml:"noise_dof" json:"noise_dof"`
	Method     string  `yaml:"method" json:"method"`
	// Exponents are the measured exponents with their 95% intervals.
	Exponents []Exponent `yaml:"exponents" json:"exponents"`
	// LengthVerdict and BatchVerdict say in words what the exponents
	// mean for C across training lengths and for the linear scaling rule;
	// empty when the axis was not measured.
	LengthVerdict string `yaml:"length_verdict,omitempty" json:"length_verdict,omitempty"`
	BatchVerdict  string `yaml:"batch_verdict,omitempty" json:"batch_verdict,omitempty"`
	// Checks are the leave-one-run-out checks, one per measured axis.
	Checks []AxisCheck `yaml:"checks,omitempty" json:"checks,omitempty"`
	// LengthRange is the range of log10(T/T_fit(N)) over the optima, the
	// lengths measured relative to the fit's own run at the same N;
	// BatchRange the batch sizes measured.
	LengthRange [2]float64 `yaml:"length_range,flow" json:"length_range"`
	BatchRange  [2]int     `yaml:"batch_range,flow" json:"batch_range"`
	// AxisN is the geometric mean size of the other runs' optima: where
	// the exponents of T and B were measured (see PriorDrift).
	AxisN float64 `yaml:"axis_n" json:"axis_n"`
	// CrossCov is the covariance of Coef with the size law's (log10 k, α)
	// (p × 2) and AnchorCov that with log10 η* of the size law's anchor:
	// both laws are fitted to the fit's own run's optima, so a transfer
	// (from the joint law) and the rate at the fit's run (from the size
	// law) are correlated (see Transfer).
	CrossCov  [][]float64 `yaml:"cross_cov,flow,omitempty" json:"cross_cov,omitempty"`
	AnchorCov []float64   `yaml:"anchor_cov,flow,omitempty" json:"anchor_cov,omitempty"`
	// Note says why no law was fitted although the fit has other runs
	// (Terms is then empty).
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Exponent is one exponent of a joint law: a linear combination of its
// coefficients with a 95% interval.
type Exponent struct {
	Name  string  `yaml:"name" json:"name"` // ExpAlpha, ExpBeta, ExpGamma or ExpGammaEpochs
	Value float64 `yaml:"value" json:"value"`
	SE    float64 `yaml:"se" json:"se"`
	// CI is Value ± t(0.975, DoF)·SE; [0, 0] when there is none.
	CI  [2]float64 `yaml:"ci,flow" json:"ci"`
	DoF float64    `yaml:"dof" json:"dof"`
	// Combination holds the weights of Coef whose sum is Value.
	Combination []float64 `yaml:"combination,flow" json:"combination"`
}

// AxisCheck is the leave-one-run-out check of a joint law along one axis:
// the law refitted without the optima of the run farthest from the fit's
// own along that axis predicts them.
type AxisCheck struct {
	Axis string `yaml:"axis" json:"axis"` // AxisLength or AxisBatch
	// RunSpec is the run held out, and Points how many of its optima.
	RunSpec `yaml:",inline" json:",inline"`
	Points  int `yaml:"points" json:"points"`
	// MissDecades is the mean of log10(predicted) − log10(measured) over
	// them; Sigma the miss over its standard error (the refitted law's
	// variance of the mean prediction, its τ², and the held-out optima's
	// own errors), with DoF degrees of freedom and the two-sided PValue.
	MissDecades float64 `yaml:"miss_decades" json:"miss_decades"`
	Sigma       float64 `yaml:"sigma" json:"sigma"`
	DoF         float64 `yaml:"dof" json:"dof"`
	PValue      float64 `yaml:"p_value" json:"p_value"`
}

// Failed reports whether the check fails at the 5% level.
func (c AxisCheck) Failed() bool { return c.DoF > 0 && c.PValue < 0.05 }

// Exponent returns the exponent named name, if the law measured it.
func (j *JointLaw) Exponent(name string) (Exponent, bool) {
	if j == nil {
		return Exponent{}, false
	}
	for _, e := range j.Exponents {
		if e.Name == name {
			return e, true
		}
	}
	return Exponent{}, false
}

// Fitted reports whether j holds a fitted law.
func (j *JointLaw) Fitted() bool {
	return j != nil && len(j.Terms) > 0 && len(j.Coef) == len(j.Terms)+1
}

// has reports whether the law has the term.
func (j *JointLaw) has(term string) bool { return j.index(term) > 0 }

// index is the position of term in Coef (0: absent).
func (j *JointLaw) index(term string) int {
	if !j.Fitted() {
		return 0
	}
	for i, t := range j.Terms {
		if t == term {
			return i + 1
		}
	}
	return 0
}

// budgetOf is the budget of runs like base.
func budgetOf(base Run) string {
	if base.Steps > 0 {
		return BudgetSteps
	}
	return BudgetEpochs
}

// FitJointLaw fits the joint law of the optimum over N, T and B to the
// usable, bracketed optima of every run of a fit whose own run is base. It
// returns nil when every optimum is of the fit's own run (nothing but N
// varies: the size law FitLaw is the whole answer).
//
// The design decides the terms. log10 T enters when some usable optimum
// is of a run with another epoch count or step budget, log10 B when some
// is of another batch size. Under an epoch budget without log10 T, T =
// E·floor(N/B) moves with N and B at the fit's epochs E, so the
// coefficients of log10 N and log10 B are α + β and γ − β: the law then
// measures γ_E = γ − β (B at fixed epochs) but neither β nor α.
//
// The law is fitted like the size law (fitLinear: a random-effects
// meta-regression with the optima's errors from the pooled noise model,
// τ² by DerSimonian–Laird, t intervals with Satterthwaite's degrees of
// freedom; least squares without a noise model). Each measured exponent
// (ExpAlpha, ExpBeta, ExpGamma, ExpGammaEpochs) is a linear combination c
// of the coefficients with variance cᵀ·Cov·c and interval
// cᵀθ̂ ± t(0.975, ν)·√(cᵀ·Cov·c).
//
// A law that cannot be fitted (fewer usable optima of other runs than it
// needs, or axes that cannot be told apart) is returned with a Note and no
// terms.
func FitJointLaw(optima []Optimum, base Run) *JointLaw {
	var hasOther bool
	for _, o := range optima {
		hasOther = hasOther || !o.IsBase()
	}
	if !hasOther {
		return nil
	}
	j := &JointLaw{Budget: budgetOf(base)}
	ps := allFitPoints(optima)
	var hasT, hasB bool
	for _, o := range ps {
		hasT = hasT || o.Epochs > 0 || o.StepBudget > 0
		hasB = hasB || o.BatchSize > 0
	}
	if !hasT && !hasB {
		j.Note = "no optimum of another training length or batch size is usable and bracketed"
		return j
	}
	j.Terms = []string{TermN}
	if hasT {
		j.Terms = append(j.Terms, TermT)
	}
	if hasB {
		j.Terms = append(j.Terms, TermB)
	}
	f, ok := fitJoint(ps, j.Terms, base)
	if !ok {
		j.Note = fmt.Sprintf("the %d usable optima cannot separate the %d coefficients of the joint law", len(ps), len(j.Terms)+1)
		j.Terms = nil
		return j
	}
	j.Coef, j.Cov, j.SamplingCov = f.coef, f.cov, f.covS
	j.Tau, j.R2, j.Points, j.DoF, j.NoiseDoF = math.Sqrt(f.tau2), f.r2, f.n, f.n-f.p, f.noiseDoF
	j.Method = MethodRandomEffects
	if f.noiseDoF == 0 {
		j.Method = MethodLeastSquares
	} else if f.n > f.p {
		j.BirgeRatio = f.q / float64(f.n-f.p)
	}
	j.exponents(f)
	j.verdicts()
	j.ranges(ps, base)
	for _, axis := range []string{AxisLength, AxisBatch} {
		if c, ok := checkAxis(ps, j.Terms, base, axis); ok {
			j.Checks = append(j.Checks, c)
		}
	}
	j.crossCov(f, optima, ps)
	return j
}

// regressors returns the row (1, log10 N, [log10 T], [log10 B]) of o.
func regressors(o Optimum, terms []string, base Run) []float64 {
	row := []float64{1}
	for _, t := range terms {
		switch t {
		case TermN:
			row = append(row, math.Log10(float64(o.N)))
		case TermT:
			row = append(row, math.Log10(float64(o.Steps)))
		case TermB:
			row = append(row, math.Log10(float64(o.RunSpec.Resolve(base).BatchSize)))
		}
	}
	return row
}

// fitJoint fits log10 η* on the regressors of terms over ps.
func fitJoint(ps []Optimum, terms []string, base Run) (linFit, bool) {
	if len(ps) < len(terms)+1 {
		return linFit{}, false
	}
	x := make([][]float64, len(ps))
	y := make([]float64, len(ps))
	v := make([]float64, len(ps))
	for i, o := range ps {
		if o.Steps < 1 {
			return linFit{}, false
		}
		x[i] = regressors(o, terms, base)
		y[i] = math.Log10(o.LR)
		v[i] = o.LogSE * o.LogSE
	}
	return fitLinear(x, y, v, noiseDoF(ps))
}

// exponents fills j.Exponents from the fit's coefficients.
func (j *JointLaw) exponents(f linFit) {
	p := len(j.Coef)
	// comb is the combination Σ w_t·θ_t over the terms given.
	comb := func(w map[string]float64) []float64 {
		c := make([]float64, p)
		for t, v := range w {
			c[j.index(t)] += v
		}
		return c
	}
	hasT, hasB, steps := j.has(TermT), j.has(TermB), j.Budget == BudgetSteps
	add := func(name string, c []float64) {
		v, vv, dof := f.combination(c)
		e := Exponent{Name: name, Value: v, SE: math.Sqrt(vv), DoF: finiteDoF(dof), Combination: c}
		if h := interval95(vv, dof); h > 0 {
			e.CI = [2]float64{v - h, v + h}
		}
		j.Exponents = append(j.Exponents, e)
	}
	if hasT || steps {
		add(ExpAlpha, comb(map[string]float64{TermN: 1}))
	}
	if hasT {
		add(ExpBeta, comb(map[string]float64{TermT: 1}))
	}
	if hasB && (hasT || steps) {
		add(ExpGamma, comb(map[string]float64{TermB: 1}))
	}
	switch {
	case hasB && hasT:
		add(ExpGammaEpochs, comb(map[string]float64{TermB: 1, TermT: -1}))
	case hasB && !steps:
		add(ExpGammaEpochs, comb(map[string]float64{TermB: 1}))
	}
}

// contains reports whether the interval ci (non-empty) holds v.
func contains(ci [2]float64, v float64) bool { return ci[1] > ci[0] && ci[0] <= v && v <= ci[1] }

// verdicts words what the measured exponents say: whether C = η*·T is
// invariant in T (β = −1), and whether the linear scaling rule holds
// (γ_E = 1, the rate proportional to the batch size at fixed epochs).
// An interval that holds both the rule and its alternative (β = 0: a
// constant rate; γ_E = 0: a rate that ignores B) is undetermined, not a
// confirmation.
func (j *JointLaw) verdicts() {
	if b, ok := j.Exponent(ExpBeta); ok {
		switch {
		case b.CI == [2]float64{}:
			j.LengthVerdict = fmt.Sprintf("η* ∝ T^%s (no interval)", fmtF(b.Value))
		case contains(b.CI, -1) && contains(b.CI, 0):
			j.LengthVerdict = fmt.Sprintf("undetermined: η* ∝ T^%s with β in [%s, %s], which holds both −1 (C invariant in T) and 0 (a constant rate)",
				fmtF(b.Value), fmtF(b.CI[0]), fmtF(b.CI[1]))
		case contains(b.CI, -1):
			j.LengthVerdict = fmt.Sprintf("C is invariant in T: η* ∝ T^%s, β in [%s, %s] holds −1", fmtF(b.Value), fmtF(b.CI[0]), fmtF(b.CI[1]))
		default:
			j.LengthVerdict = fmt.Sprintf("C is not invariant in T: η* ∝ T^%s [%s, %s], so C = η*·T ∝ T^%s; a run twice as long wants %s× the rate",
				fmtF(b.Value), fmtF(b.CI[0]), fmtF(b.CI[1]), fmtF(1+b.Value), fmtG(math.Pow(2, b.Value)))
		}
	}
	if g, ok := j.Exponent(ExpGammaEpochs); ok {
		switch {
		case g.CI == [2]float64{}:
			j.BatchVerdict = fmt.Sprintf("η* ∝ B^%s at fixed epochs (no interval)", fmtF(g.Value))
		case contains(g.CI, 1) && contains(g.CI, 0):
			j.BatchVerdict = fmt.Sprintf("undetermined: η* ∝ B^%s at fixed epochs with the exponent in [%s, %s], which holds both 1 (linear scaling) and 0",
				fmtF(g.Value), fmtF(g.CI[0]), fmtF(g.CI[1]))
		case contains(g.CI, 1):
			j.BatchVerdict = fmt.Sprintf("linear scaling in B holds: η* ∝ B^%s at fixed epochs, [%s, %s] holds 1", fmtF(g.Value), fmtF(g.CI[0]), fmtF(g.CI[1]))
		default:
			j.BatchVerdict = fmt.Sprintf("linear scaling in B does not hold: η* ∝ B^%s [%s, %s] at fixed epochs; doubling B wants %s× the rate",
				fmtF(g.Value), fmtF(g.CI[0]), fmtF(g.CI[1]), fmtG(math.Pow(2, g.Value)))
		}
	} else if g, ok := j.Exponent(ExpGamma); ok {
		j.BatchVerdict = fmt.Sprintf("η* ∝ B^%s [%s, %s] at fixed steps (the linear scaling rule is a statement at fixed epochs)",
			fmtF(g.Value), fmtF(g.CI[0]), fmtF(g.CI[1]))
	}
}

// baseSteps is T of the fit's run at N (0 when it has no full batch).
func baseSteps(n int, base Run) int {
	t, err := runSteps(n, base.Epochs, base.BatchSize, base.Steps)
	if err != nil {
		return 0
	}
	return t
}

// ranges sets the ranges of the lengths and batch sizes measured.
func (j *JointLaw) ranges(ps []Optimum, base Run) {
	first := true
	for _, o := range ps {
		t0 := baseSteps(o.N, base)
		if t0 < 1 || o.Steps < 1 {
			continue
		}
		u := math.Log10(float64(o.Steps) / float64(t0))
		b := o.RunSpec.Resolve(base).BatchSize
		if o.BatchSize > 0 {
			// T measured relative to the fit's run at this batch size.
			if t1 := baseSteps(o.N, Run{Epochs: base.Epochs, BatchSize: b, Steps: base.Steps}); t1 > 0 {
				u = math.Log10(float64(o.Steps) / float64(t1))
			}
		}
		if first {
			j.LengthRange, j.BatchRange, first = [2]float64{u, u}, [2]int{b, b}, false
			continue
		}
		j.LengthRange = [2]float64{math.Min(j.LengthRange[0], u), math.Max(j.LengthRange[1], u)}
		j.BatchRange = [2]int{min(j.BatchRange[0], b), max(j.BatchRange[1], b)}
	}
	var sum float64
	var k int
	for _, o := range ps {
		if !o.IsBase() {
			sum += math.Log10(float64(o.N))
			k++
		}
	}
	if k > 0 {
		j.AxisN = math.Pow(10, sum/float64(k))
	}
}

// checkAxis refits the law without the optima of the run farthest from
// the fit's own along axis (the largest |log10| ratio of its epochs or
// step budget, or of its batch size; the larger on a tie) and judges the
// mean miss over them, as the size law's extrapolation check judges its
// one point: against the refitted law's variance of the mean prediction
// (with its τ² for each held-out optimum) plus the held-out optima's own
// errors, with Satterthwaite's degrees of freedom. false when no run
// varies along axis or the rest cannot be fitted with the same terms.
func checkAxis(ps []Optimum, terms []string, base Run, axis string) (AxisCheck, bool) {
	dist := func(o Optimum) float64 {
		switch {
		case axis == AxisBatch && o.BatchSize > 0:
			return math.Log10(float64(o.BatchSize) / float64(base.BatchSize))
		case axis == AxisLength && o.Epochs > 0 && base.Epochs > 0:
			return math.Log10(float64(o.Epochs) / float64(base.Epochs))
		case axis == AxisLength && o.StepBudget > 0 && base.Steps > 0:
			return math.Log10(float64(o.StepBudget) / float64(base.Steps))
		}
		return 0
	}
	var held RunSpec
	best := 0.0
	for _, o := range ps {
		d := dist(o)
		if a := math.Abs(d); d != 0 && (a > math.Abs(best) || a == math.Abs(best) && d > best) {
			best, held = d, o.RunSpec
		}
	}
	if best == 0 {
		return AxisCheck{}, false
	}
	var rest, out []Optimum
	for _, o := range ps {
		if o.RunSpec == held {
			out = append(out, o)
		} else {
			rest = append(rest, o)
		}
	}
	f, ok := fitJoint(rest, terms, base)
	if !ok {
		return AxisCheck{}, false
	}
	k := float64(len(out))
	mean := make([]float64, len(f.coef))
	var miss, se2 float64
	for _, o := range out {
		row := regressors(o, terms, base)
		for i := range mean {
			mean[i] += row[i] / k
		}
		miss += (f.at(row) - math.Log10(o.LR)) / k
		se2 += o.LogSE * o.LogSE / (k * k)
	}
	v := quadForm(f.cov, mean) + f.tau2/k + se2
	vs := quadForm(f.covS, mean) + se2
	dof := f.dof(v, vs)
	if f.noiseDoF == 0 {
		dof = f.dof(v, 0)
	}
	if dof <= 0 || v <= 0 {
		return AxisCheck{}, false
	}
	sigma := miss / math.Sqrt(v)
	return AxisCheck{Axis: axis, RunSpec: held, Points: len(out), MissDecades: miss, Sigma: sigma,
		DoF: finiteDoF(dof), PValue: 2 * tTail(math.Abs(sigma), dof)}, true
}

// crossCov sets the covariance of the joint law's coefficients with the
// size law's (log10 k, α) and with its anchor's log10 η*: both are linear
// in the optima, θ̂ = A·y with A = (XᵀWX)⁻¹XᵀW, so over the optima they
// share
//
//	Cov(θ̂_J, θ̂_S) = Σ_i A_J[:, i]·A_S[:, i]ᵀ·Var(y_i),   Var(y_i) = v_i + τ²
//
// (τ² the joint law's, its estimate of the scatter of every optimum).
func (j *JointLaw) crossCov(fj linFit, optima []Optimum, ps []Optimum) {
	base := fitPoints(optima)
	fs, ok := fitLog(base, optimumLR)
	if !ok {
		return
	}
	anchor := -1
	for i, o := range base {
		if anchor < 0 || o.N >= base[anchor].N {
			anchor = i
		}
	}
	p := len(fj.coef)
	j.CrossCov = square(p)
	for i := range j.CrossCov {
		j.CrossCov[i] = j.CrossCov[i][:2]
	}
	j.AnchorCov = make([]float64, p)
	// ps and base list the fit's own run's optima in the same order
	// (both keep the order of optima).
	k := 0
	for i, o := range ps {
		if !o.IsBase() {
			continue
		}
		aj := column(fj, i)
		as := column(fs, k)
		vy := fj.v[i] + fj.tau2
		for r := range p {
			for c := range 2 {
				j.CrossCov[r][c] += aj[r] * as[c] * vy
			}
			if k == anchor {
				j.AnchorCov[r] = aj[r] * vy
			}
		}
		k++
	}
}

// column is A[:, i] = (XᵀWX)⁻¹·x_i·w_i, the weights of y_i in θ̂.
func column(f linFit, i int) []float64 {
	out := make([]float64, f.p)
	for r := range out {
		for c := range f.p {
			out[r] += f.ainv[r][c] * f.x[i][c]
		}
		out[r] *= f.w[i]
	}
	return out
}

// PredictLog10 is the joint law's log10 η* at size n, length t and batch
// size b (the regressors of its Terms), with the variance of a new
// optimum there, xᵀ·Cov·x + τ², and its degrees of freedom; a zero
// prediction when the law is not fitted.
func (j *JointLaw) PredictLog10(n, t, b float64) LawPrediction {
	if !j.Fitted() {
		return LawPrediction{}
	}
	x := []float64{1}
	for _, term := range j.Terms {
		switch term {
		case TermN:
			x = append(x, math.Log10(n))
		case TermT:
			x = append(x, math.Log10(t))
		case TermB:
			x = append(x, math.Log10(b))
		}
	}
	var y float64
	for i, c := range j.Coef {
		y += c * x[i]
	}
	v := quadForm(j.Cov, x) + j.Tau*j.Tau
	return LawPrediction{Log10: y, Var: v, DoF: j.dof(v, quadForm(j.SamplingCov, x))}
}
