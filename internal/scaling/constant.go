package scaling

import (
	"fmt"
	"strconv"

	"gonum.org/v1/gonum/stat"

	"github.com/clc-tools/clc/internal/numfmt"
)

// ConstantSlopeTolerance is how far the 95% interval of the slope γ of
// log10 C against log10 N may reach from 0 for C to be called constant.
const ConstantSlopeTolerance = 0.25

func optimumConstant(o Optimum) float64 { return o.LR * float64(o.Steps) }

// AnalyzeConstant tests whether the cumulative-learning constant
//
//	C(N) = η*(N)·T(N)   (lr·steps)
//
// is the same at every dataset size, over the optima FitLaw uses (usable and
// bracketed). It reports the values C_i, their mean and coefficient of
// variation (sample standard deviation over mean; 0 for one value), and the
// slope γ of
//
//	log10 C = c + γ·log10 N
//
// fitted like the law (the same random-effects meta-regression with the
// optima's LogSE — log10 T is exact, so log10 C has the error of
// log10 η* — and the same t interval). The verdict is one of
//
//	constant      the 95% interval of γ lies within ±ConstantSlopeTolerance:
//	              C changes by less than a factor 10^0.25 ≈ 1.8 per decade
//	              of N (Holds is true);
//	not constant  the interval excludes 0;
//	undetermined  the interval holds 0 but is too wide to call C constant.
//
// Failing to reject γ = 0 is not evidence that C is constant, so only the
// first case sets Holds. The verdict is a report, never a model: in every
// case predictions take C(N) = η*(N)·T(N) from the law's η*(N) (a mean C
// would drop the measured slope and the extrapolation distance; see
// Predict), and the verdict ends by saying so. With fewer than 2 sizes the
// slope cannot be measured: Holds is false and the verdict says so. law
// supplies the α quoted in the verdict.
func AnalyzeConstant(optima []Optimum, law Law) ConstantReport {
	ps := fitPoints(optima)
	var r ConstantReport
	if len(ps) == 0 {
		r.Verdict = "untested: no usable, bracketed optimum"
		return r
	}
	r.Values = make([]float64, len(ps))
	for i, o := range ps {
		r.Values[i] = optimumConstant(o)
	}
	r.Mean = stat.Mean(r.Values, nil)
	if len(ps) > 1 && r.Mean != 0 {
		r.CV = stat.StdDev(r.Values, nil) / r.Mean
	}
	f, ok := fitLog(ps, optimumConstant)
	if !ok {
		r.Verdict = fmt.Sprintf("untested: one dataset size only; C = %s lr·steps", fmtG(r.Mean))
		return r
	}
	b, vb, dof := f.coefficient(1)
	r.Slope = b
	half := interval95(vb, dof)
	if half == 0 {
		why := "two sizes give no interval for the slope of C"
		if len(ps) > 2 {
			why = "the optima carry no measurable uncertainty, so the slope of C has no interval"
		}
		r.Verdict = fmt.Sprintf("untested: %s (%s); ", why, fmtF(r.Slope))
		return withLaw(r, law)
	}
	r.SlopeCI = [2]float64{b - half, b + half}
	r.Holds = r.SlopeCI[0] >= -ConstantSlopeTolerance && r.SlopeCI[1] <= ConstantSlopeTolerance
	switch {
	case r.Holds:
		r.Verdict = fmt.Sprintf("constant within uncertainty: C = %s lr·steps (CV %.0f%%), slope %s [%s, %s]; ",
			fmtG(r.Mean), 100*r.CV, fmtF(r.Slope), fmtF(r.SlopeCI[0]), fmtF(r.SlopeCI[1]))
	case r.SlopeCI[0] <= 0 && 0 <= r.SlopeCI[1]:
		r.Verdict = fmt.Sprintf("undetermined: C ∝ N^%s with the exponent in [%s, %s], too uncertain to call C constant (CV %.0f%%); ",
			fmtF(r.Slope), fmtF(r.SlopeCI[0]), fmtF(r.SlopeCI[1]), 100*r.CV)
	default:
		trend := "grows"
		if r.Slope < 0 {
			trend = "shrinks"
		}
		r.Verdict = fmt.Sprintf("not constant: C %s as N^%s [%s, %s]; ", trend, fmtF(r.Slope), fmtF(r.SlopeCI[0]), fmtF(r.SlopeCI[1]))
	}
	return withLaw(r, law)
}

// withLaw ends the verdict with where predictions take C from.
func withLaw(r ConstantReport, law Law) ConstantReport {
	if law.Points >= 2 {
		r.Verdict += fmt.Sprintf("clc uses C(N) = η*(N)·T(N) from the law (α = %s)", fmtF(law.Alpha))
	} else {
		r.Verdict += "no law was fitted to give C(N) = η*(N)·T(N)"
	}
	return r
}

// fmtF formats v with two decimals and no negative zero.
func fmtF(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if s == "-0.00" {
		s = "0.00"
	}
	return s
}

// fmtG formats v with three significant digits, without an exponent
// between 0.001 and 10⁶ (1230, 12.3, 0.0123).
func fmtG(v float64) string { return numfmt.Sig(v, 3, 1e-3) }
