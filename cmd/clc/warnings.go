package main

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/gates"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/train"
)

// fitWarnings words the fit's gates that failed or warn (package gates),
// in their order: what the user should know before trusting the fit, each
// with a remedy.
func fitWarnings(fit *clc.FitFile) []string {
	var out []string
	for _, f := range fit.Gates {
		if f.Failed() {
			out = append(out, gateWarning(fit, f))
		}
	}
	return append(out, axesWarnings(fit)...)
}

// fitNotes words the gates that could not be checked.
func fitNotes(fit *clc.FitFile) []string {
	var out []string
	for _, f := range fit.Gates {
		if f.Severity == gates.Unavailable {
			out = append(out, "not checked: "+uncheckedName(f.Gate)+" ("+unavailableWhy(fit, f)+")")
		}
	}
	return out
}

// uncheckedName says what a gate that could not be checked would have
// checked.
func uncheckedName(g gates.Gate) string {
	if g == gates.Trivial {
		return "whether the model beats the trivial predictor"
	}
	return string(g)
}

// unavailableWhy says why a gate could not be checked.
func unavailableWhy(fit *clc.FitFile, f gates.Finding) string {
	switch {
	case f.Gate == gates.Trivial && fit.Config.Metric != "" && fit.Config.Metric != "loss":
		return fmt.Sprintf("it compares the validation loss, and the fit optimizes %s", fit.Config.Metric)
	case f.Gate == gates.Trivial && fit.Config.Exec != "":
		return "the --exec trainer does not report the trivial loss"
	case f.Gate == gates.Trivial:
		return "the fit does not record the trivial loss"
	}
	return "the fit lacks what it needs"
}

// gateName names what a finding of gate g found, for the table's gates
// line.
func gateName(g gates.Gate) string {
	switch g {
	case gates.Trivial:
		return "no better than the trivial predictor"
	case gates.FewOptima:
		return "fewer than 3 optima"
	case gates.StepBudget:
		return "step budget below the full size"
	case gates.AboveDiverged:
		return "rate above a divergence"
	case gates.AboveGrid:
		return "rate above the grid"
	case gates.BelowGrid:
		return "rate below the grid"
	case gates.Flat:
		return "flat loss"
	case gates.AllDiverged:
		return "every rate diverged"
	case gates.LowEdge:
		return "optimum on the low edge"
	case gates.HighEdge:
		return "optimum on the high edge"
	case gates.CoarseGrid:
		return "coarse grid"
	case gates.SmallValidation:
		return "small validation set"
	case gates.WideInterval:
		return "wide interval"
	case gates.Extrapolation:
		return "extrapolation check failed"
	case gates.FarExtrapolation:
		return "far extrapolation"
	}
	return string(g)
}

// gatesLine is the table's summary of the gates: which failed, which warn,
// which could not be checked.
func gatesLine(fit *clc.FitFile) string {
	var parts []string
	for _, sev := range []gates.Severity{gates.Fail, gates.Warn} {
		var names []string
		count := map[gates.Gate]int{}
		for _, f := range fit.Gates {
			if f.Severity != sev {
				continue
			}
			if count[f.Gate] == 0 {
				names = append(names, string(f.Gate))
			}
			count[f.Gate]++
		}
		for i, n := range names {
			names[i] = gateName(gates.Gate(n))
			if c := count[gates.Gate(n)]; c > 1 {
				names[i] += fmt.Sprintf(" (%d fractions)", c)
			}
		}
		if len(names) > 0 {
			parts = append(parts, fmt.Sprintf("%s: %s", sev, strings.Join(names, ", ")))
		}
	}
	text := "all passed"
	if len(parts) > 0 {
		text = strings.Join(parts, "; ") + " — see the warnings"
	}
	if notes := fitNotes(fit); len(notes) > 0 {
		text += "; " + strings.Join(notes, "; ")
	}
	return text
}

// gateWarning words one finding with what to do about it.
func gateWarning(fit *clc.FitFile, f gates.Finding) string {
	at := func() string { return fmt.Sprintf("fraction %s (N = %d)", fractionLabel(fit, f.Fraction), f.N) }
	switch f.Gate {
	case gates.Trivial:
		what := "the loss of predicting the validation labels' frequencies"
		if fit.Dataset.Task == string(train.Regression) {
			what = "the loss of predicting the mean (the variance of the standardized validation target)"
		} else if k := fit.Dataset.Classes; k > 1 && math.Abs(f.Limit-math.Log(float64(k))) < 0.005 {
			what += fmt.Sprintf(", ln %d for %d balanced classes", k, k)
		}
		if f.Severity == gates.Fail {
			return fmt.Sprintf("the model does not beat the trivial predictor: its best validation loss, %s at %s, is not below %s, %s; the rates were ranked by noise and the law describes nothing — check that the labels belong to the features (random or shuffled labels?) and that the features vary",
				numfmt.Fixed(f.Value, 4), at(), numfmt.Fixed(f.Limit, 4), what)
		}
		return fmt.Sprintf("at fractions %s the model does not beat the trivial predictor (best validation loss %s at %s; trivial loss %s, %s): their optima rank noise; larger fractions or more --epochs let the model learn",
			fractionList(fit, f.Fractions), numfmt.Fixed(f.Value, 4), at(), numfmt.Fixed(f.Limit, 4), what)
	case gates.FewOptima:
		return fmt.Sprintf("the law rests on %s: a line fits 2 points exactly, so it has no interval, no R² and no extrapolation check; add fractions (e.g. --fractions 1/64,1/32,1/16,1/8,1/4) or widen the grid so that at least %d optima are bracketed",
			numfmt.Count(int(f.Value), "optimum", "optima"), gates.MinOptima)
	case gates.StepBudget:
		msg := fmt.Sprintf("with --budget steps every run takes %d steps of %d rows, so it sees at most %d of the %d training rows: beyond %d rows the optimal rate stops depending on N, and the law fitted below overshoots at N = %d",
			fit.Config.Steps, fit.Config.BatchSize, f.N, int(f.Value), f.N, int(f.Value))
		if fit.Law.NMax > f.N {
			msg += fmt.Sprintf(" (the fractions above %d rows measured that plateau)", f.N)
		}
		if f.LR > 0 {
			msg += fmt.Sprintf("; use the rate for N = %d, %s (clc predict --size %d), or an epoch budget (--budget epochs)", f.N, g3(f.LR), f.N)
		} else {
			msg += "; use an epoch budget (--budget epochs)"
		}
		return msg
	case gates.AboveDiverged:
		return fmt.Sprintf("the predicted rate %s is at or above %s, where runs diverged at %s: on all rows it would likely diverge; use a rate below that stability edge, or add a larger fraction to see where the optimum goes",
			g3(f.LR), g3(f.Limit), at())
	case gates.AboveGrid:
		return fmt.Sprintf("the predicted rate %s is above the largest rate tried (%s): the law extrapolates past every measurement; raise --lr-max (e.g. --lr-max %s) and add a larger fraction before trusting it",
			g3(f.LR), g3(f.Limit), flagNum(f.Limit*10))
	case gates.BelowGrid:
		return fmt.Sprintf("the predicted rate %s is below the smallest rate tried (%s): lower --lr-min (e.g. --lr-min %s) so that the sweep covers it",
			g3(f.LR), g3(f.Limit), flagNum(f.Limit/10))
	case gates.Flat:
		if obj := fit.Config.Objective(); !obj.IsLoss() { // the curve is the metric's
			return fmt.Sprintf("the %s at %s does not depend on the rate within the seeds' noise (its seed means lie within %s of each other): its optimum is chance and is left out of the law — widen the grid around it (--design grid), add seeds, or optimize a smoother metric (--metric loss)",
				obj.Metric, at(), numfmt.Sig(f.Value, 2, 1e-3))
		}
		return fmt.Sprintf("the loss at %s does not depend on the rate within the seeds' noise (its seed means lie within %s of each other): its minimum is chance and is left out of the law; the model learns nothing at this size that a rate changes — check the features, or train longer (--epochs)",
			at(), numfmt.Sig(f.Value, 2, 1e-3))
	case gates.AllDiverged:
		return fmt.Sprintf("every rate diverged at %s; lower --lr-min", at())
	case gates.LowEdge, gates.HighEdge:
		return edgeWarning(fit, f, at())
	case gates.CoarseGrid:
		return fmt.Sprintf("the grid is coarse next to the optimum at %s: %s and %s are %.1f decades apart, so the optimum is located only within a factor %s; use rates at most %.1f decades apart (e.g. --lr-points 17 over 4 decades)",
			at(), g3(f.LR), g3(f.LR*math.Pow(10, f.Value)), f.Value, numfmt.Sig(math.Pow(10, f.Value), 2, 0.1), f.Limit)
	case gates.SmallValidation:
		return dataWarning(train.SmallValidation{Rows: int(f.Value)})
	case gates.WideInterval:
		p := fit.Prediction
		return fmt.Sprintf("wide interval: the 95%% band of the rate at N = %d, [%s, %s], spans a factor %s; more seeds (--seeds), more or larger fractions, or a finer grid (--lr-points) narrow it",
			f.N, g3(p.LRLow), g3(p.LRHigh), numfmt.Sig(f.Value, 2, 0.1))
	case gates.Extrapolation:
		e := fit.Law.Extrapolation
		p := ""
		if e.DoF > 0 {
			p = fmt.Sprintf(", p = %.2g", e.PValue)
		}
		return fmt.Sprintf("extrapolation check failed: fitted without N = %d, the law misses it by %+.2f decades (%.1fσ%s), more than its predictive uncertainty allows; the law may bend beyond the fitted sizes — add a larger fraction before trusting the prediction",
			e.N, e.MissDecades, math.Abs(e.Sigma), p)
	case gates.FarExtrapolation:
		msg := fmt.Sprintf("the prediction at N = %d extrapolates %.2g decades beyond the largest fitted size (%d); its interval allows only for a bend of the usual size — add a larger fraction",
			f.N, f.Value, fit.Law.NMax)
		if more := largerFractions(fit); more != "" {
			msg += " (e.g. --fractions " + more + ")"
		}
		return msg
	}
	return fmt.Sprintf("gate %s: %s", f.Gate, f.Severity)
}

// fractionList writes fractions as the user gave them: "1/32, 1/16".
func fractionList(fit *clc.FitFile, fs []float64) string {
	return strings.Join(fractionLabels(fit, fs), ", ")
}

// fractionLabels is fractions as the user gave them, one label each.
func fractionLabels(fit *clc.FitFile, fs []float64) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = fractionLabel(fit, f)
	}
	return out
}

func first(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return v[0]
}

func last(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	return v[len(v)-1]
}

// partialWarning reminds predict and schedule that the fit was merged from
// incomplete journals (clc merge --allow-partial); "" for a complete fit.
func partialWarning(fit *clc.FitFile) string {
	if fit.MissingTrials == 0 {
		return ""
	}
	return fmt.Sprintf("the fit lacks %d trials of its plan (clc merge --allow-partial): its optima rest on fewer seeds or rates than planned", fit.MissingTrials)
}

// edgeWarning words an optimum on the lowest or highest rate tried at a
// fraction. With the grid design that is the grid's edge, and the grid
// must reach further. The adaptive design extends a fraction's rates past
// an edge minimum on its own, up to its lattice's reach beyond the grid
// and within its budget: an edge inside the grid means the budget ran
// out first, one at or past the grid's edge that the lattice ended.
func edgeWarning(fit *clc.FitFile, f gates.Finding, at string) string {
	lrs := fit.Config.LRs
	low := f.Gate == gates.LowEdge
	side, rel, bound, verb, flag, moved := "high", "highest", "a lower", "raise", "--lr-max", flagNum(math.Max(last(lrs), f.LR)*10)
	if low {
		side, rel, bound, verb, flag, moved = "low", "lowest", "an upper", "lower", "--lr-min", flagNum(math.Min(first(lrs), f.LR)/10)
	}
	if fit.Config.Design != clc.DesignAdaptive || len(lrs) == 0 {
		return fmt.Sprintf("optimum at %s sits on the %s edge of the grid (lr %s), so it is %s bound left out of the law; %s %s (e.g. %s %s)",
			at, side, g3(f.LR), bound, verb, flag, flag, moved)
	}
	if inside := f.LR > first(lrs)*(1+1e-9) && f.LR < last(lrs)*(1-1e-9); inside {
		return fmt.Sprintf("optimum at %s sits on the %s rate tried there (lr %s), so it is %s bound left out of the law; the adaptive design's budget ran out before it extended the rates — raise --max-cost, or sweep every rate (--design grid)",
			at, rel, g3(f.LR), bound)
	}
	return fmt.Sprintf("optimum at %s sits on the %s rate tried there (lr %s), as far past the grid as the adaptive design extends, so it is %s bound left out of the law; %s %s (e.g. %s %s)",
		at, rel, g3(f.LR), bound, verb, flag, flag, moved)
}

// largerFractions is the fit's fractions with one more, twice the largest
// (at most 1), as the user would type them: "1/32,1/16,1/8,1/4,1/2".
// Empty when the largest is already 1 or the fit records no fractions.
func largerFractions(fit *clc.FitFile) string {
	fs := fit.Config.Fractions
	if len(fs) == 0 || slices.Max(fs) >= 1 {
		return ""
	}
	next := clc.FormatFraction(math.Min(1, 2*slices.Max(fs)))
	return strings.Join(append(fractionLabels(fit, fs), next), ",")
}
