package main

import (
	"fmt"
	"math"

	"github.com/clc-tools/clc/internal/clc"
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
		out = append(out, fmt.Sprintf("wide interval: the 95%% band of the rate at N = %d, [%s, %s], spans a factor %.1f; more seeds (--seeds), more or larger fractions, or a finer grid (--lr-points) narrow it",
			p.N, g3(p.LRLow), g3(p.LRHigh), ratio))
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
