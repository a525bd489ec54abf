package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/gates"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/scaling"
)

// fractionLabel prints a fraction as the user wrote it when known.
func fractionLabel(fit *clc.FitFile, f float64) string { return fit.Config.FractionLabel(f) }

func g3(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// flagNum writes v with 3 significant digits as a user would type it on a
// command line: 1000 and 0.0004 rather than 1e+03 and 4e-04.
func flagNum(v float64) string {
	r, _ := strconv.ParseFloat(g3(v), 64)
	if a := math.Abs(r); a >= 1e-4 && a < 1e6 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return g3(v)
}

// writeFitTable prints the optima table, the law, the extrapolation check,
// the constant's verdict and the prediction at n_full.
func writeFitTable(w io.Writer, fit *clc.FitFile) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	rate := "optimal lr"
	if fit.Config.Schedule != nil {
		rate = "optimal mean lr"
	}
	// A fit with other runs has a column naming each optimum's run.
	runCol := func(o scaling.Optimum) string { return "" }
	head := "fraction\t"
	if hasAxes(fit) {
		runCol = func(o scaling.Optimum) string { return runText(o.RunSpec) + "\t" }
		head += "run\t"
	}
	value := "val loss"
	if obj := fit.Config.Objective(); !obj.IsLoss() {
		value = "val " + obj.Metric // the seed-mean metric at the grid optimum
	}
	fmt.Fprintf(tw, "%sN\tsteps\t%s\t95%% interval\t%s\tC (lr·steps)\tbracketed\t\n", head, rate, value)
	for _, o := range fit.Optima {
		if !o.Usable {
			fmt.Fprintf(tw, "%s\t%s%d\t%d\t-\t-\t-\t-\tall diverged\t\n", fractionLabel(fit, o.Fraction), runCol(o), o.N, o.Steps)
			continue
		}
		br := "yes"
		switch {
		case o.Flat:
			br = "flat"
		case !o.Bracketed:
			br = "no (" + o.Edge + " edge)"
		}
		interval := "-"
		if o.LRHigh > o.LRLow {
			interval = fmt.Sprintf("[%s, %s]", g3(o.LRLow), g3(o.LRHigh))
		}
		fmt.Fprintf(tw, "%s\t%s%d\t%d\t%s\t%s\t%.4f\t%s\t%s\t\n", fractionLabel(fit, o.Fraction), runCol(o), o.N, o.Steps,
			g3(o.LR), interval, o.Loss, g3(o.Constant), br)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	l := fit.Law
	fmt.Fprintln(w)
	if sp := fit.Config.Schedule; sp != nil {
		fmt.Fprintf(w, "shape     %s per %s: each trial's rate is the grid value × a multiplier of mean 1, so C = mean rate × T is the optimal area for this shape\n",
			sp, fit.Config.Per)
	}
	if nz := fit.Noise; nz != nil {
		if nz.DoF > 0 {
			curves := numfmt.Count(nz.Fractions, "fraction", "fractions")
			if hasAxes(fit) {
				curves = numfmt.Count(nz.Fractions, "curve", "curves") + " of fractions and runs"
			}
			fmt.Fprintf(w, "noise     one seed moves η* by %.3f decades (sd), pooled over %s (%d degrees of freedom); intervals use Student's t\n",
				nz.SeedSD, curves, nz.DoF)
		} else {
			fmt.Fprintf(w, "noise     no intervals: %s\n", nz.Note)
		}
	}
	r2 := ""
	if l.Points >= gates.MinOptima {
		r2 = ", R² = " + numfmt.Fixed(l.R2, 3)
	}
	fmt.Fprintf(w, "law       η*(N) = k·N^α: α = %s ± %s%s, k = %s%s, %s, N %d…%d%s\n",
		numfmt.Fixed(l.Alpha, 3), numfmt.Fixed(l.AlphaSE, 3), alphaCIText(l), g3(l.K), r2,
		numfmt.Count(l.Points, "point", "points"), l.NMin, l.NMax, tauText(l))
	if b := l.Bend; b != nil {
		fmt.Fprintf(w, "bend      α may drift by q = %s ± %s per decade of N (prior 0 ± %s, updated by the optima's residuals); prediction intervals allow for it\n",
			numfmt.Fixed(b.Q, 2), numfmt.Fixed(b.QSE, 2), numfmt.Fixed(scaling.PriorBend, 1))
	}
	if e := l.Extrapolation; e != nil {
		p := ""
		if e.DoF > 0 {
			p = fmt.Sprintf(", p = %.2f", e.PValue)
		}
		fmt.Fprintf(w, "check     the law fitted without N = %d predicts %s there; measured %s (miss %+.2f decades, %.1fσ%s)\n",
			e.N, g3(e.PredictedLR), g3(e.MeasuredLR), e.MissDecades, math.Abs(e.Sigma), p)
	} else if l.Points < gates.MinOptima {
		fmt.Fprintf(w, "check     extrapolation check needs at least 3 usable optima\n")
	} else {
		fmt.Fprintf(w, "check     not possible: the optima carry no measurable uncertainty (no seed-to-seed errors, and they lie exactly on the law)\n")
	}
	fmt.Fprintf(w, "constant  C = η*·T: %s\n", fit.Constant.Verdict)
	writeJointLines(w, fit)
	p := fit.Prediction
	interval := ""
	if p.LRHigh > p.LRLow {
		interval = fmt.Sprintf(" [%s, %s]", g3(p.LRLow), g3(p.LRHigh))
	}
	fmt.Fprintf(w, "predict   N = %d (all training rows): η* = %s%s%s, T = %d steps, C = %s lr·steps\n",
		p.N, g3(p.LR), interval, sourceText(fit), p.Steps, g3(p.Constant))
	if obj := fit.Config.Objective(); p.ExpectedRegret > 0 && !obj.IsLoss() {
		worse := map[clc.Direction]string{clc.Minimize: "above", clc.Maximize: "below"}[obj.Direction]
		fmt.Fprintf(w, "regret    expected %.2g of %s %s the true optimum's (½·curvature·error², from the %s curve at N = %d)\n",
			p.ExpectedRegret, obj.Metric, worse, obj.Metric, p.LocalN)
	} else if p.ExpectedRegret > 0 {
		fmt.Fprintf(w, "regret    expected %.2g validation loss above the true optimum's (½·curvature·error², from the loss curve at N = %d)\n",
			p.ExpectedRegret, p.LocalN)
	}
	fmt.Fprintf(w, "gates     %s\n", gatesLine(fit))
	return nil
}

// alphaCIText is α's 95% interval, or why there is none.
func alphaCIText(l scaling.Law) string {
	switch {
	case l.AlphaCI[1] > l.AlphaCI[0]:
		return fmt.Sprintf(" (95%% CI [%s, %s])", numfmt.Fixed(l.AlphaCI[0], 3), numfmt.Fixed(l.AlphaCI[1], 3))
	case l.Points < gates.MinOptima:
		return fmt.Sprintf(" (no interval from %s)", numfmt.Count(l.Points, "point", "points"))
	}
	return " (no interval)"
}

// tauText reports how far the optima scatter about the law beyond their
// errors.
func tauText(l scaling.Law) string {
	switch l.Method {
	case scaling.MethodRandomEffects:
		return fmt.Sprintf(", scatter τ = %s decades", numfmt.Fixed(l.Tau, 3))
	case scaling.MethodLeastSquares:
		return fmt.Sprintf(", residual sd %s decades", numfmt.Fixed(l.Tau, 3))
	}
	return ""
}

// sourceText says where the predicted rate comes from when it is not the
// law alone.
func sourceText(fit *clc.FitFile) string {
	p := fit.Prediction
	switch p.Source {
	case scaling.SourceLocal:
		return fmt.Sprintf(" from the optimum at N = %d (the law's slope is too uncertain to extrapolate; law: %s)", p.LocalN, g3(p.LawLR))
	case scaling.SourceBlend:
		return fmt.Sprintf(" (%.0f%% law %s, %.0f%% the optimum at N = %d, %s)", 100*p.LawWeight, g3(p.LawLR), 100*(1-p.LawWeight), p.LocalN, g3(p.LocalLR))
	}
	return ""
}

// reportOptima prints the per-fraction table to w when the law cannot be
// fitted, so the user sees why.
func reportOptima(w io.Writer, fit *clc.FitFile) {
	var b strings.Builder
	b.WriteString("clc: optima found:")
	for _, o := range fit.Optima {
		switch {
		case !o.Usable:
			fmt.Fprintf(&b, " %s: every rate diverged;", fractionLabel(fit, o.Fraction))
		case o.Flat:
			fmt.Fprintf(&b, " %s: flat (the loss does not depend on the rate);", fractionLabel(fit, o.Fraction))
		case !o.Bracketed:
			fmt.Fprintf(&b, " %s: lr %s on the %s edge;", fractionLabel(fit, o.Fraction), g3(o.LR), o.Edge)
		default:
			fmt.Fprintf(&b, " %s: lr %s;", fractionLabel(fit, o.Fraction), g3(o.LR))
		}
	}
	fmt.Fprintln(w, strings.TrimSuffix(b.String(), ";"))
}

// fitJSON is the --json output of clc fit (docs/design.md, "JSON output").
type fitJSON struct {
	Alpha           float64                `json:"alpha"`
	AlphaSE         float64                `json:"alpha_se"`
	AlphaCI         [2]float64             `json:"alpha_ci"`
	K               float64                `json:"k"`
	Log10KSE        float64                `json:"log10_k_se"`
	R2              float64                `json:"r2"`
	Points          int                    `json:"points"`
	Tau             float64                `json:"tau"`
	LawMethod       string                 `json:"law_method"`
	Bend            *scaling.Bend          `json:"bend"`
	Noise           *scaling.Noise         `json:"noise"`
	Extrapolation   *scaling.Extrapolation `json:"extrapolation"`
	Constant        float64                `json:"constant"`
	ConstantMean    float64                `json:"constant_mean"`
	ConstantCV      float64                `json:"constant_cv"`
	ConstantSlope   float64                `json:"constant_slope"`
	ConstantSlopeCI [2]float64             `json:"constant_slope_ci"`
	ConstantHolds   bool                   `json:"constant_holds"`
	ConstantVerdict string                 `json:"constant_verdict"`
	NFull           int                    `json:"n_full"`
	StepsFull       int                    `json:"steps_full"`
	PredictedLR     float64                `json:"predicted_lr"`
	PredictedLRCI   [2]float64             `json:"predicted_lr_ci"`
	PredictedLRDoF  float64                `json:"predicted_lr_dof"`
	Source          string                 `json:"prediction_source"`
	LawWeight       float64                `json:"law_weight"`
	LawLR           float64                `json:"law_lr"`
	LocalLR         float64                `json:"local_lr"`
	ExpectedRegret  float64                `json:"expected_regret"`
	Shape           string                 `json:"shape"`
	// Axes are the other runs (null for a fit of one run) and JointLaw
	// the law fitted over them.
	Axes          *clc.Axes         `json:"axes"`
	JointLaw      *scaling.JointLaw `json:"joint_law"`
	Optima        []optimumJSON     `json:"optima"`
	Warnings      []string          `json:"warnings"`
	Gates         []gates.Finding   `json:"gates"`
	MissingTrials int               `json:"missing_trials"`
	Design        string            `json:"design"`
	Cost          float64           `json:"cost"`      // training spent, in full-size runs
	GridCost      float64           `json:"grid_cost"` // what the grid design takes
	FitFile       string            `json:"fit_file"`
}

type optimumJSON struct {
	Fraction  float64 `json:"fraction"`
	N         int     `json:"n"`
	Steps     int     `json:"steps"`
	LR        float64 `json:"lr"`
	GridLR    float64 `json:"grid_lr"`
	LRLow     float64 `json:"lr_low"`
	LRHigh    float64 `json:"lr_high"`
	Log10SE   float64 `json:"log10_se"`
	DoF       int     `json:"dof"`
	Note      string  `json:"interval_note,omitempty"`
	Curvature float64 `json:"curvature"`
	Loss      float64 `json:"loss"`
	Constant  float64 `json:"constant"`
	Bracketed bool    `json:"bracketed"`
	Edge      string  `json:"edge,omitempty"`
	Flat      bool    `json:"flat,omitempty"`
	Refined   bool    `json:"refined"`
	Usable    bool    `json:"usable"`
	// The optimum's run when it is not the fit's own.
	Epochs     int `json:"epochs,omitempty"`
	BatchSize  int `json:"batch_size,omitempty"`
	StepBudget int `json:"step_budget,omitempty"`
}

func writeFitJSON(w io.Writer, fit *clc.FitFile, path string, warnings []string) error {
	l, c, p := fit.Law, fit.Constant, fit.Prediction
	out := fitJSON{
		Alpha: l.Alpha, AlphaSE: l.AlphaSE, AlphaCI: l.AlphaCI, K: l.K, Log10KSE: l.Log10KSE, R2: l.R2,
		Points: l.Points, Extrapolation: l.Extrapolation, MissingTrials: fit.MissingTrials,
		Constant: p.Constant, ConstantMean: c.Mean, ConstantCV: c.CV, ConstantSlope: c.Slope,
		ConstantSlopeCI: c.SlopeCI, ConstantHolds: c.Holds, ConstantVerdict: c.Verdict,
		NFull: p.N, StepsFull: p.Steps, PredictedLR: p.LR, PredictedLRCI: [2]float64{p.LRLow, p.LRHigh},
		PredictedLRDoF: p.DoF, Source: p.Source, LawWeight: p.LawWeight, LawLR: p.LawLR, LocalLR: p.LocalLR,
		ExpectedRegret: p.ExpectedRegret, Tau: l.Tau, LawMethod: l.Method, Bend: l.Bend, Noise: fit.Noise,
		Warnings: warnings, FitFile: path, Shape: "constant", Axes: fit.Config.Axes, JointLaw: fit.Joint,
	}
	if fit.Config.Schedule != nil {
		out.Shape = fit.Config.Schedule.String()
	}
	out.Design = cmp.Or(fit.Config.Design, clc.DesignGrid)
	out.Cost, out.GridCost = fit.Cost()
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	if out.Gates = fit.Gates; out.Gates == nil {
		out.Gates = []gates.Finding{}
	}
	for _, o := range fit.Optima {
		out.Optima = append(out.Optima, optimumJSON{
			Fraction: o.Fraction, N: o.N, Steps: o.Steps, LR: o.LR, GridLR: o.GridLR, LRLow: o.LRLow, LRHigh: o.LRHigh,
			Log10SE: o.LogSE, DoF: o.DoF, Note: o.IntervalNote, Curvature: o.Curvature,
			Loss: o.Loss, Constant: o.Constant, Bracketed: o.Bracketed, Edge: o.Edge, Flat: o.Flat, Refined: o.Refined, Usable: o.Usable,
			Epochs: o.Epochs, BatchSize: o.BatchSize, StepBudget: o.StepBudget,
		})
	}
	return writeJSON(w, out)
}

// writeJSON writes v as one indented JSON object: the --json output of
// every command.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func pow10(x float64) float64 { return math.Pow(10, x) }

// writeLossTable prints, for a fit that could not be completed, the
// seed-mean validation loss at every rate (rows) and fraction (columns),
// "div" where a seed diverged and blank where nothing ran: what the sweep
// measured, to choose a wider grid from.
func writeLossTable(w io.Writer, fit *clc.FitFile) {
	byFrac := map[float64][]clc.Trial{}
	var fracs, rates []float64
	for _, t := range fit.Trials {
		if _, ok := byFrac[t.Fraction]; !ok {
			fracs = append(fracs, t.Fraction)
		}
		byFrac[t.Fraction] = append(byFrac[t.Fraction], t)
		if !slices.Contains(rates, t.LR) {
			rates = append(rates, t.LR)
		}
	}
	if len(rates) == 0 {
		return
	}
	slices.Sort(fracs)
	slices.Sort(rates)
	loss := map[float64]map[float64]scaling.CurvePoint{}
	for _, f := range fracs {
		loss[f] = map[float64]scaling.CurvePoint{}
		for _, p := range scaling.MeanCurve(clc.Samples(byFrac[f])) {
			loss[f][p.LR] = p
		}
	}
	fmt.Fprintln(w, "clc: seed-mean validation loss by rate and fraction (div: a seed diverged):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "lr\t")
	for _, f := range fracs {
		fmt.Fprintf(tw, "%s\t", fractionLabel(fit, f))
	}
	fmt.Fprintln(tw)
	for _, r := range rates {
		fmt.Fprintf(tw, "%s\t", g3(r))
		for _, f := range fracs {
			p, ok := loss[f][r]
			switch {
			case !ok:
				fmt.Fprint(tw, "\t")
			case p.Diverged:
				fmt.Fprint(tw, "div\t")
			default:
				fmt.Fprintf(tw, "%.4f\t", p.Loss)
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
}
