package scaling

import (
	"math"
	"math/rand/v2"
)

// This file simulates sweeps with a known truth for the calibration suite
// (calibration_test.go): synthetic loss curves whose expected minimum
// follows an exact power law η*(N) = k·N^α, with the features of real
// sweeps measured on the demo data (32 seeds × 25 rates × 6 fractions):
//
//   - curves in x = log10 η that rise faster above the optimum than below
//     (a LINEX shape), with a curvature that falls with N;
//   - seeds that move a whole curve: each seed shifts it by δ_s and tilts
//     it, so the losses of one seed at neighbouring rates are strongly
//     correlated (on the demo data 0.9 at adjacent rates), plus a little
//     independent noise per trial;
//   - a stability edge above the optimum, beyond which runs diverge;
//   - optionally, true optima that scatter about the law by τ.

// simScenario is one family of simulated sweeps.
type simScenario struct {
	Alpha     float64 // the law's exponent
	Fractions int     // F: fractions 1/2^F … 1/2 of NFull
	Seeds     int
	Grid      simGrid
	Tau       float64 // sd of the true optima about the law, decades
	// Bend is the sd of the sweep's bend q (see Bend): the true
	// log10 η*(N) is the law plus ½·q·log10(N/NFull)², q ~ N(0, Bend²).
	Bend float64
}

// simGrid is a log-spaced learning-rate grid.
type simGrid struct {
	Lo, Hi float64 // log10 of the ends
	Points int
}

var (
	grid17 = simGrid{-4, 0, 17} // the default: 17 points over 4 decades
	grid13 = simGrid{-3, 0, 13} // the demo's: 13 points over 3 decades
)

func (g simGrid) rates() []float64 {
	lrs := make([]float64, g.Points)
	for i := range lrs {
		lrs[i] = math.Pow(10, g.Lo+float64(i)*(g.Hi-g.Lo)/float64(g.Points-1))
	}
	return lrs
}

// simNFull is the full size: the fractions are 1/2^F … 1/2 of it.
const simNFull = 8000

// simSweep is one simulated sweep and its truth.
type simSweep struct {
	Trials    []Sample
	TrueX     map[int]float64 // log10 of the true optimum per fraction size N
	TrueXFull float64         // … at NFull
	NFull     int
	// Curvature is L'' of the expected loss at the optimum, per N, in
	// loss per decade².
	Curvature map[int]float64
}

// simulate draws one sweep of scenario sc.
func simulate(sc simScenario, rng *rand.Rand) simSweep {
	// The law: log10 η*(N) = c0 + α·log10(N/NFull), c0 placing the optimum
	// at the full size at −1.5 ± half a grid step (its position relative
	// to the grid is random).
	step := (sc.Grid.Hi - sc.Grid.Lo) / float64(sc.Grid.Points-1)
	c0 := -1.5 + (rng.Float64()-0.5)*step
	q := sc.Bend * rng.NormFloat64()
	law := func(n int) float64 {
		x := math.Log10(float64(n) / simNFull)
		return c0 + sc.Alpha*x + q*x*x/2
	}
	// Per sweep: the curve shape and the noise.
	sp := drawCurves(rng)
	sw := simSweep{TrueX: map[int]float64{}, Curvature: map[int]float64{}, NFull: simNFull}
	sw.TrueXFull = law(simNFull) + sc.Tau*rng.NormFloat64()
	lrs := sc.Grid.rates()
	for f := sc.Fractions; f >= 1; f-- {
		frac := 1 / float64(int(1)<<f)
		n := simNFull >> f
		xStar := law(n) + sc.Tau*rng.NormFloat64()
		sw.TrueX[n] = xStar
		sw.Curvature[n] = sp.curvature(n)
		sw.Trials = append(sw.Trials, sp.cell(frac, n, 3*n/32, xStar, lrs, sc.Seeds, RunSpec{}, rng)...)
	}
	return sw
}

// simCurves is the shape and noise of one simulated sweep's loss curves.
type simCurves struct {
	kappa    float64 // asymmetry, per decade
	curvFull float64 // L'' at NFull, loss/decade²
	phi      float64 // seed shift sd, decades
	level    float64 // seed level noise at NFull, loss
	edge     float64 // stability edge above the optimum, decades
}

// drawCurves draws a sweep's curve shape and noise.
func drawCurves(rng *rand.Rand) simCurves {
	return simCurves{
		kappa:    1.5 + 2.5*rng.Float64(),
		curvFull: 0.3 + 0.3*rng.Float64(),
		phi:      0.05 + 0.07*rng.Float64(),
		level:    0.015 + 0.01*rng.Float64(),
		edge:     0.35 + 0.35*rng.Float64(),
	}
}

// curvature is L” of the expected loss at the optimum on n rows.
func (sp simCurves) curvature(n int) float64 {
	return sp.curvFull * math.Pow(float64(n)/simNFull, -0.55)
}

// cell draws the trials of one fraction and run: every rate × seed, with
// the expected loss curve's minimum at xStar = log10 η* and T = steps.
func (sp simCurves) cell(frac float64, n, steps int, xStar float64, lrs []float64, seeds int, run RunSpec, rng *rand.Rand) []Sample {
	const tilt = 2.4 // growth of the level noise with the rate, per decade (demo)
	r := float64(n) / simNFull
	curv := sp.curvature(n)
	sigma := sp.level * math.Pow(r, -0.3)
	loss0 := 0.45 * math.Pow(r, -0.25)
	// The expected curve E_δ L(x − δ) has its minimum κφ²/2 below the
	// curve's centre c: centre it so the minimum is at xStar.
	kappa, phi := sp.kappa, sp.phi
	c := xStar + kappa*phi*phi/2
	var out []Sample
	for s := range seeds {
		delta := phi * rng.NormFloat64()
		b := sigma * rng.NormFloat64()
		edgeS := xStar + sp.edge + 0.05*rng.NormFloat64()
		for _, lr := range lrs {
			x := math.Log10(lr)
			t := Sample{Fraction: frac, N: n, LR: lr, Seed: s, Steps: steps, RunSpec: run}
			if x > edgeS {
				t.Loss, t.Diverged, t.Steps = math.Inf(1), true, steps/3
			} else {
				u := kappa * (x - c - delta)
				g := 2 * (math.Exp(u) - 1 - u) / (kappa * kappa)
				t.Loss = loss0 + curv/2*g + b*math.Exp(tilt*(x-xStar)) + 0.2*sigma*rng.NormFloat64()
			}
			out = append(out, t)
		}
	}
	return out
}
