package main

import (
	"fmt"
	"math"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/numfmt"
)

// Thresholds of clc fit's warnings about the law (README "Troubleshooting").
const (
	// wideBandRatio: the prediction's 95% band is "wide" when its upper end
	// is more than this multiple of its lower end (≈ ±0.3 decades).
	wideBandRatio = 4
	// missSigmas: the leave-largest-out check "fails" when the refitted law
	// misses the largest fraction by more than this many standard errors.
	missSigmas = 2
	// farDecades: a prediction "extrapolates far" beyond this many decades
	// above the largest fitted size.
	farDecades = 1
)

// fitWarnings lists what the user should know before trusting a fit: the
// optima that are only bounds (unbracketedWarnings), a prediction band
// wider than wideBandRatio, a leave-largest-out miss beyond missSigmas, and
// a prediction more than farDecades above the fitted sizes. Each names a
// remedy.
func fitWarnings(fit *clc.FitFile) []string {
	out := unbracketedWarnings(fit)
	law, p := fit.Law, fit.Prediction
	if law.Points < 2 || !(p.LR > 0) {
		return out
	}
	if ratio := p.LRHigh / p.LRLow; ratio > wideBandRatio {
		out = append(out, fmt.Sprintf("wide interval: the 95%% band of the rate at N = %d, [%s, %s], spans a factor %s; more seeds (--seeds), more or larger fractions, or a finer grid (--lr-points) narrow it",
			p.N, g3(p.LRLow), g3(p.LRHigh), numfmt.Sig(ratio, 2, 0.1)))
	}
	if e := law.Extrapolation; e != nil && math.Abs(e.Sigma) > missSigmas {
		out = append(out, fmt.Sprintf("extrapolation check failed: fitted without N = %d, the law misses it by %+.2f decades (%.1fσ); the law may bend beyond the fitted sizes — add a larger fraction before trusting the prediction",
			e.N, e.MissDecades, math.Abs(e.Sigma)))
	}
	if law.NMax > 0 {
		if d := math.Log10(float64(p.N) / float64(law.NMax)); d > farDecades {
			out = append(out, fmt.Sprintf("the prediction at N = %d extrapolates %.1f decades beyond the largest fitted size (%d); its interval assumes the law holds there — add a larger fraction",
				p.N, d, law.NMax))
		}
	}
	return out
}

// partialWarning reminds predict and schedule that the fit was merged from
// incomplete journals (clc merge --allow-partial); "" for a complete fit.
func partialWarning(fit *clc.FitFile) string {
	if fit.MissingTrials == 0 {
		return ""
	}
	return fmt.Sprintf("the fit lacks %d trials of its plan (clc merge --allow-partial): its optima rest on fewer seeds or rates than planned", fit.MissingTrials)
}

// unbracketedWarnings says, for each optimum on the grid's edge, how to widen
// the grid.
func unbracketedWarnings(fit *clc.FitFile) []string {
	var out []string
	lrs := fit.Config.LRs
	for _, o := range fit.Optima {
		if !o.Usable {
			out = append(out, fmt.Sprintf("every rate diverged at fraction %s (N = %d); lower --lr-min", fractionLabel(fit, o.Fraction), o.N))
			continue
		}
		if o.Bracketed {
			continue
		}
		if o.Edge == "low" {
			out = append(out, fmt.Sprintf("optimum at fraction %s (N = %d) sits on the low edge of the grid (lr %s), so it is an upper bound left out of the law; lower --lr-min (e.g. --lr-min %s)",
				fractionLabel(fit, o.Fraction), o.N, g3(o.LR), flagNum(lrs[0]/10)))
		} else {
			out = append(out, fmt.Sprintf("optimum at fraction %s (N = %d) sits on the high edge of the grid (lr %s), so it is a lower bound left out of the law; raise --lr-max (e.g. --lr-max %s)",
				fractionLabel(fit, o.Fraction), o.N, g3(o.LR), flagNum(lrs[len(lrs)-1]*10)))
		}
	}
	return out
}
