package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/scaling"
)

// This file words what clc says about a fit's other runs (several
// --epochs, --batch-size or --steps): the joint law in the table, its
// warnings, and the transfer of a prediction to a run of another length or
// batch size in clc predict and clc schedule.

// hasAxes reports whether the fit measured other runs.
func hasAxes(fit *clc.FitFile) bool { return fit.Config.Axes != nil && len(fit.Config.Axes.Runs()) > 0 }

// runText names an optimum's run in the table: "own" or "6 epochs", "batch 128".
func runText(r scaling.RunSpec) string {
	if r.IsBase() {
		return "own"
	}
	return clc.RunLabel(r)
}

// optimumLabel names an optimum in a message: its fraction, and its run
// when it is not the fit's own ("1/32, 6 epochs").
func optimumLabel(fit *clc.FitFile, o scaling.Optimum) string {
	if o.IsBase() {
		return fractionLabel(fit, o.Fraction)
	}
	return fractionLabel(fit, o.Fraction) + ", " + clc.RunLabel(o.RunSpec)
}

// exponentSymbols are how the table writes the joint law's exponents.
var exponentSymbols = map[string]string{
	scaling.ExpAlpha: "α", scaling.ExpBeta: "β", scaling.ExpGamma: "γ", scaling.ExpGammaEpochs: "γ_E",
}

// exponentText is "β = -0.26 [-0.43, -0.08]".
func exponentText(e scaling.Exponent) string {
	s := fmt.Sprintf("%s = %s", exponentSymbols[e.Name], numfmt.Fixed(e.Value, 2))
	if e.CI[1] > e.CI[0] {
		s += fmt.Sprintf(" [%s, %s]", numfmt.Fixed(e.CI[0], 2), numfmt.Fixed(e.CI[1], 2))
	}
	return s
}

// writeJointLines prints the joint law, its verdicts and its checks under
// the fit table.
func writeJointLines(w io.Writer, fit *clc.FitFile) {
	j := fit.Joint
	if j == nil {
		return
	}
	if !j.Fitted() {
		fmt.Fprintf(w, "joint     no law over the other runs: %s\n", j.Note)
		return
	}
	terms := []string{"α·log N"}
	if slicesContains(j.Terms, scaling.TermT) {
		terms = append(terms, "β·log T")
	}
	if slicesContains(j.Terms, scaling.TermB) {
		terms = append(terms, "γ·log B")
	}
	var exps []string
	for _, e := range j.Exponents {
		exps = append(exps, exponentText(e))
	}
	fmt.Fprintf(w, "joint     log η* = a + %s over %d optima of %d runs: %s, τ = %s decades\n",
		strings.Join(terms, " + "), j.Points, len(fit.Config.Axes.Runs())+1, strings.Join(exps, ", "), numfmt.Fixed(j.Tau, 3))
	if j.Budget == scaling.BudgetEpochs && !slicesContains(j.Terms, scaling.TermT) {
		fmt.Fprintf(w, "          (one length only: at fixed epochs T ∝ N/B, so the law measures γ_E = γ − β, the exponent of B at fixed epochs)\n")
	}
	if j.LengthVerdict != "" {
		fmt.Fprintf(w, "length    %s\n", j.LengthVerdict)
	}
	if j.BatchVerdict != "" {
		fmt.Fprintf(w, "batch     %s\n", j.BatchVerdict)
	}
	for _, c := range j.Checks {
		fmt.Fprintf(w, "check     the joint law fitted without %s predicts its %s %+.2f decades off (%.1fσ, p = %.2f)\n",
			clc.RunLabel(c.RunSpec), numfmt.Count(c.Points, "optimum", "optima"), c.MissDecades, math.Abs(c.Sigma), c.PValue)
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// axesWarnings are the warnings of a fit's joint law: no law over the other
// runs, and a per-axis check that failed.
func axesWarnings(fit *clc.FitFile) []string {
	j := fit.Joint
	if j == nil {
		return nil
	}
	if !j.Fitted() {
		return []string{fmt.Sprintf("the other runs gave no joint law (%s): predictions for other lengths and batch sizes fall back on the priors; widen the grid or give --axis-fractions", j.Note)}
	}
	var out []string
	for _, c := range j.Checks {
		if c.Failed() {
			axis := "training length"
			if c.Axis == scaling.AxisBatch {
				axis = "batch size"
			}
			out = append(out, fmt.Sprintf("%s check failed: fitted without %s, the joint law misses its optima by %+.2f decades (%.1fσ, p = %.2g); η* may not follow a power law in the %s that far — trust transfers beyond the measured runs less, or measure the run you will train",
				axis, clc.RunLabel(c.RunSpec), c.MissDecades, math.Abs(c.Sigma), c.PValue, axis))
		}
	}
	return out
}

// measureFlag suggests the flag that measures an axis for the fit and the
// target run e: the fit's own value first, then the target's and one on
// the other side of the own.
func measureFlag(fit *clc.FitFile, e scaling.Estimate, axis string) string {
	list := func(own, target int) string {
		vals := []int{own}
		add := func(v int) {
			for _, x := range vals {
				if x == v {
					return
				}
			}
			vals = append(vals, v)
		}
		if target > 0 {
			add(target)
		}
		switch {
		case target > own:
			add(max(1, own/2))
		case target > 0 && target < own:
			add(2 * own)
		default:
			add(max(1, own/2))
			add(2 * own)
		}
		s := make([]string, len(vals))
		for i, v := range vals {
			s[i] = strconv.Itoa(v)
		}
		return strings.Join(s, ",")
	}
	c := fit.Config
	if axis == scaling.AxisBatch {
		return "--batch-size " + list(c.BatchSize, e.BatchSize)
	}
	if c.Steps > 0 {
		return "--budget steps --steps " + list(c.Steps, e.Steps)
	}
	return "--epochs " + list(c.Epochs, e.Epochs)
}

// transferMessages words how e's rate was moved from the fit's run: a note
// when the exponents were measured (or, for a fit file before version 3,
// assumed), a warning for each exponent taken from its prior (naming the
// flag that measures it) and for a run beyond the measured ones.
func transferMessages(fit *clc.FitFile, e scaling.Estimate) (notes, warnings []string) {
	tr := e.Transfer
	if !e.Transferred || tr == nil {
		return nil, nil
	}
	if tr.From == scaling.TransferAssumed {
		return []string{fmt.Sprintf("at N = %d the fit's runs take %d steps; this run takes %d, so clc spreads C = %s lr·steps over it (rate %s), "+
			"assuming the cumulative learning carries over to another training length — this fit file (version %d) predates measured transfers; "+
			"measure it with clc fit %s", e.N, e.FitSteps, e.Steps, g3(e.Constant), g3(e.LR), fit.Version, measureFlag(fit, e, scaling.AxisLength))}, nil
	}
	run := fmt.Sprintf("%d steps of batch %d", e.Steps, e.BatchSize)
	own := fmt.Sprintf("%d steps of batch %d", e.FitSteps, fit.Config.BatchSize)
	factor := math.Pow(10, tr.Decades)
	for _, axis := range tr.Priors {
		what, prior, sym := "the training length", scaling.PriorBeta, "β"
		if axis == scaling.AxisBatch {
			what, prior, sym = "the batch size", scaling.PriorGammaEpochs, "γ_E"
		}
		warnings = append(warnings, fmt.Sprintf("the fit did not measure how η* moves with %s: the rate for this run (%s; the fit's at N = %d: %s) takes %s from the prior N(%s, %s²), which widens its 95%% interval; measure it with clc fit %s",
			what, run, e.N, own, sym, numfmt.Fixed(prior.Mean, 2), numfmt.Fixed(prior.SD, 2), measureFlag(fit, e, axis)))
	}
	if tr.LengthExtrapolation > 0 {
		warnings = append(warnings, fmt.Sprintf("this run's length is %.2f decades beyond the lengths the fit measured: the transfer extrapolates η* ∝ T^β; add a run this long to %s",
			tr.LengthExtrapolation, measureFlag(fit, e, scaling.AxisLength)))
	}
	if tr.BatchExtrapolation > 0 {
		warnings = append(warnings, fmt.Sprintf("batch %d is %.2f decades beyond the batch sizes the fit measured: the transfer extrapolates η* ∝ B^γ; add it to %s",
			e.BatchSize, tr.BatchExtrapolation, measureFlag(fit, e, scaling.AxisBatch)))
	}
	from := "the exponents the fit measured"
	if tr.From == scaling.TransferPrior {
		from = "the fit's exponents and the priors"
	}
	notes = append(notes, fmt.Sprintf("at N = %d this run (%s) differs from the fit's (%s): clc moves the rate by ×%s (%+.3f ± %.3f decades) from %s, to %s, and C = η·T = %s lr·steps",
		e.N, run, own, g3(factor), tr.Decades, tr.SE, from, g3(e.LR), g3(e.Constant)))
	return notes, warnings
}
