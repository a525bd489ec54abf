package plot

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/scaling"
)

// ownTrials returns the trials of the fit's own run: the loss, law and
// constant panels draw those (a fit over several lengths or batch sizes
// has trials of other runs at some fractions too).
func ownTrials(fit *clc.FitFile) []clc.Trial {
	var out []clc.Trial
	for _, t := range fit.Trials {
		if t.IsBase() {
			out = append(out, t)
		}
	}
	return out
}

// LengthData is the data of the length panel of a fit that measured
// other training lengths (several epochs or step budgets): η* against the
// length T at each size N where it did, with the joint law.
type LengthData struct {
	// Beta is β of η* ∝ T^β with its 95% interval [BetaLow, BetaHigh]
	// (both 0 without one), Verdict the joint law's length verdict.
	Beta, BetaLow, BetaHigh float64
	Verdict                 string
	// Sizes are the sizes where the fit measured other lengths, ascending.
	Sizes []LengthSize `json:"sizes"`
	// Full is the rate clc gives a run of the fit's batch size at n_full
	// (FullN rows) against its length (a prediction for a step budget of
	// T): X is T.
	Full  []Estimate `json:"full"`
	FullN int        `json:"full_n"`
}

// LengthSize is one size's data in the length panel.
type LengthSize struct {
	Label string `json:"label"` // the fraction as given
	N     int    `json:"n"`
	// Points are the measured optima of the fit's batch size at this N,
	// ascending in T (MeasuredPoint.N holds T).
	Points []MeasuredPoint `json:"points"`
	// Law is the joint law at this N and the fit's batch size over the
	// lengths measured, with its 95% band (Estimate.N holds T).
	Law []Estimate `json:"law"`
}

// LengthSeries returns the length panel's data; ok is false when the fit
// measured no other length (no joint law with a term in T).
func LengthSeries(fit *clc.FitFile) (LengthData, bool) {
	j := fit.Joint
	b, ok := j.Exponent(scaling.ExpBeta)
	if !ok {
		return LengthData{}, false
	}
	d := LengthData{Beta: b.Value, BetaLow: b.CI[0], BetaHigh: b.CI[1], Verdict: j.LengthVerdict, Sizes: []LengthSize{}, Full: []Estimate{}}
	base := fit.Config.Run()
	bySize := map[int]*LengthSize{}
	var sizes []int
	tlo, thi := math.Inf(1), math.Inf(-1) // ratios T/T_fit(N)
	for _, o := range fit.Optima {
		if o.BatchSize > 0 || !o.Usable || !(o.LR > 0) || o.Steps < 1 {
			continue
		}
		s := bySize[o.N]
		if s == nil {
			s = &LengthSize{Label: fractionLabel(fit, o.Fraction), N: o.N, Points: []MeasuredPoint{}, Law: []Estimate{}}
			bySize[o.N] = s
			sizes = append(sizes, o.N)
		}
		lo, hi := interval(o)
		s.Points = append(s.Points, MeasuredPoint{Label: fractionLabel(fit, o.Fraction), N: float64(o.Steps), Value: o.LR, Low: lo, High: hi, Fitted: o.Bracketed})
		if t0 := fitSteps(o.N, base); t0 > 0 {
			r := float64(o.Steps) / float64(t0)
			tlo, thi = math.Min(tlo, r), math.Max(thi, r)
		}
	}
	for _, n := range sortedInts(sizes) {
		s := bySize[n]
		if len(s.Points) < 2 {
			continue // only the fit's own length here
		}
		sortPoints(s.Points)
		s.Law = sample(s.Points[0].N, s.Points[len(s.Points)-1].N, func(t float64) (Estimate, bool) {
			p := j.PredictLog10(float64(n), t, float64(base.BatchSize))
			h := p.Half95()
			e := Estimate{N: t, Value: math.Pow(10, p.Log10), Low: math.Pow(10, p.Log10-h), High: math.Pow(10, p.Log10+h)}
			return e, finite(e.Value) && finite(e.Low) && finite(e.High)
		})
		d.Sizes = append(d.Sizes, *s)
	}
	if len(d.Sizes) == 0 {
		return LengthData{}, false
	}
	nf := int(math.Round(predictionN(fit)))
	if t0 := fitSteps(nf, base); t0 > 0 && tlo < thi {
		d.FullN = nf
		d.Full = sample(tlo*float64(t0), thi*float64(t0), func(t float64) (Estimate, bool) {
			e, err := fit.Estimate(scaling.Target{N: nf, Steps: max(1, int(math.Round(t)))})
			if err != nil {
				return Estimate{}, false
			}
			out := Estimate{N: float64(e.Steps), Value: e.LR, Low: e.LRLow, High: e.LRHigh}
			if !(out.High > out.Low) {
				out.Low, out.High = out.Value, out.Value
			}
			return out, true
		})
	}
	return d, true
}

// fitSteps is T of the fit's own run on n rows (0 without a full batch).
func fitSteps(n int, r scaling.Run) int {
	switch {
	case r.Steps > 0:
		return r.Steps
	case r.BatchSize > 0 && r.Epochs > 0:
		return r.Epochs * (n / r.BatchSize)
	}
	return 0
}

func sortedInts(v []int) []int {
	out := append([]int(nil), v...)
	for i := 1; i < len(out); i++ {
		for k := i; k > 0 && out[k] < out[k-1]; k-- {
			out[k], out[k-1] = out[k-1], out[k]
		}
	}
	return out
}

func sortPoints(ps []MeasuredPoint) {
	for i := 1; i < len(ps); i++ {
		for k := i; k > 0 && ps[k].N < ps[k-1].N; k-- {
			ps[k], ps[k-1] = ps[k-1], ps[k]
		}
	}
}

// LengthPlot draws η* against T on log–log axes: at each size where the
// fit measured other lengths, the measured optima (95% intervals) and the
// joint law with its 95% band in the fraction's colour; dashed, the rate
// clc gives a run of that length on all rows.
func LengthPlot(d LengthData, colors map[string]int) (*Panel, error) {
	title := "Optimal learning rate η* against training length T"
	if d.BetaHigh > d.BetaLow {
		title += fmt.Sprintf("\njoint law η* = c·T^β, β = %s [95%%: %s, %s]; C is invariant in T when β = −1",
			signed(d.Beta), signed(d.BetaLow), signed(d.BetaHigh))
	}
	p := newPlot(title, "optimizer steps T (log scale)", "optimal rate η* (log scale)")
	setLog(&p.X)
	setLog(&p.Y)
	pn := &Panel{Plot: p}
	rng := newRange()
	for i, s := range d.Sizes {
		c := fractionColor(i)
		if k, ok := colors[s.Label]; ok {
			c = fractionColor(k)
		}
		if len(s.Law) > 0 {
			b := band(s.Law, fade(c, 0.15))
			l := line(values(s.Law), c, 1.6)
			pn.Plot.Add(b, l)
			rng.addEstimates(s.Law)
			pn.Legend.Add(fmt.Sprintf("%s (N = %d): η* and\nthe joint law (95%% band)", s.Label, s.N), b, l, optimumGlyph(0, 0, c, true))
		}
		for _, q := range s.Points {
			bars, err := newYErrors([]MeasuredPoint{q}, c)
			if err != nil {
				return nil, fmt.Errorf("length panel: %w", err)
			}
			pn.Plot.Add(bars, optimumGlyph(q.N, q.Value, c, q.Fitted))
			rng.add(q.N, q.Low)
			rng.add(q.N, q.High)
		}
	}
	if len(d.Full) > 0 {
		b := band(d.Full, fade(predColor, 0.1))
		l := line(values(d.Full), predColor, 1.6, vg.Points(5), vg.Points(3))
		pn.Plot.Add(b, l)
		rng.addEstimates(d.Full)
		pn.Legend.Add(fmt.Sprintf("clc's rate for a run of T steps\non all %d rows (95%% interval)", d.FullN), b, l)
	}
	if rng.empty() {
		return nil, fmt.Errorf("length panel: %w", errNoData)
	}
	logRange(&p.X, rng.xlo, rng.xhi, 0.08)
	logRange(&p.Y, rng.ylo, rng.yhi, 0.08)
	return pn, nil
}
