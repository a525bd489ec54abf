package scaling

import (
	"math"
	"math/rand/v2"
)

// This file simulates sweeps over several training lengths and batch sizes
// with a known joint law (for the calibration of the joint law and of the
// transfers, axes_calibration_test.go). The optimum follows exactly
//
//	log10 η*(N, T, B) = c0 + α·log10(N/N_full) + β·log10(T/T_full) + γ·log10(B/B_0)
//
// (T_full the fit's run at N_full), optionally scattered by τ per cell;
// every cell's loss curves are drawn like the size-only simulation's
// (simCurves), with the sweep's shape and noise.

// axScenario is one family of simulated multi-run sweeps.
type axScenario struct {
	// Alpha, Beta, Gamma are the true exponents (N at fixed T and B, T at
	// fixed N and B, B at fixed N and T).
	Alpha, Beta, Gamma float64
	Base               Run // the fit's own run
	// Lengths are the other epoch counts (Base.Steps == 0) or step budgets;
	// Batches the other batch sizes. Both run at the two smallest
	// fractions.
	Lengths, Batches []int
	Fractions        int // 1/2^F … 1/2 of simNFull
	Seeds            int
	Grid             simGrid
	Tau              float64
	// Drift is the standard deviation, per decade of N, of how far the
	// exponents of T and B at N differ from those at N_full (drawn per
	// sweep; see simulateAxes).
	Drift float64
}

// axTarget is a run to predict at N_full.
type axTarget struct {
	Epochs, BatchSize, Steps int
}

// axSweep is one simulated sweep, its truth and the targets' truths.
type axSweep struct {
	Trials []Sample
	// law is log10 η* of the exact law at (N, T, B), without scatter.
	law func(n, t, b int) float64
	// TargetX holds the true log10 η* (with its scatter) of each target
	// run at N_full.
	TargetX []float64
	Targets []axTarget
}

// axTargets are the target runs of a scenario at N_full: other lengths
// (inside and beyond the measured ones), other batch sizes, a combination
// and a step budget (or, for a step-budget fit, an epoch count).
func axTargets(sc axScenario) []axTarget {
	if sc.Base.Steps > 0 {
		s := sc.Base.Steps
		return []axTarget{{Steps: s / 2}, {Steps: 3 * s / 2}, {Steps: 4 * s}, {Steps: s, BatchSize: 48},
			{Steps: s, BatchSize: 128}, {Steps: 2 * s, BatchSize: 64}, {Epochs: 2}}
	}
	e := sc.Base.Epochs
	return []axTarget{{Epochs: 1}, {Epochs: 2 * e}, {Epochs: 4 * e}, {Epochs: e, BatchSize: 48},
		{Epochs: e, BatchSize: 128}, {Epochs: 2 * e, BatchSize: 64}, {Steps: 1000}}
}

// simulateAxes draws one sweep of scenario sc.
func simulateAxes(sc axScenario, rng *rand.Rand) axSweep {
	step := (sc.Grid.Hi - sc.Grid.Lo) / float64(sc.Grid.Points-1)
	c0 := -1.5 + (rng.Float64()-0.5)*step
	tFull := float64(mustSteps(simNFull, sc.Base))
	// With drifting exponents the size law bends too, as clc's prior
	// allows (q ~ N(0, PriorBend²), see simulate).
	var q float64
	if sc.Drift > 0 {
		q = PriorBend * rng.NormFloat64()
	}
	law := func(n, t, b int) float64 {
		x := math.Log10(float64(n) / simNFull)
		return c0 + sc.Alpha*x + q*x*x/2 + sc.Beta*math.Log10(float64(t)/tFull) +
			sc.Gamma*math.Log10(float64(b)/float64(sc.Base.BatchSize))
	}
	// Exponents that drift with N: a run of T steps and batch size B at N
	// differs from the fit's run there by (β + δ_T·log10(N/N_full))·
	// log10(T/T_fit(N)) + (γ + δ_B·log10(N/N_full))·log10(B/B_0), so the
	// fit's run keeps its exact power law and the exponents are β and γ at
	// N_full.
	var dT, dB float64
	if sc.Drift > 0 {
		dT, dB = sc.Drift*rng.NormFloat64(), sc.Drift*rng.NormFloat64()
	}
	cellX := func(n, t, b int) float64 {
		l := math.Log10(float64(n) / simNFull)
		return law(n, t, b) + dT*l*math.Log10(float64(t)/float64(mustSteps(n, sc.Base))) + dB*l*math.Log10(float64(b)/float64(sc.Base.BatchSize))
	}
	sp := drawCurves(rng)
	sw := axSweep{law: law, Targets: axTargets(sc)}
	lrs := sc.Grid.rates()
	draw := func(f int, run RunSpec) {
		frac := 1 / float64(int(1)<<f)
		n := simNFull >> f
		r := run.Resolve(sc.Base)
		t := mustSteps(n, r)
		x := cellX(n, t, r.BatchSize) + sc.Tau*rng.NormFloat64()
		sw.Trials = append(sw.Trials, sp.cell(frac, n, t, x, lrs, sc.Seeds, run, rng)...)
	}
	for f := sc.Fractions; f >= 1; f-- {
		draw(f, RunSpec{})
	}
	for _, l := range sc.Lengths {
		run := RunSpec{Epochs: l}
		if sc.Base.Steps > 0 {
			run = RunSpec{StepBudget: l}
		}
		for f := sc.Fractions; f >= sc.Fractions-1; f-- {
			draw(f, run)
		}
	}
	for _, b := range sc.Batches {
		for f := sc.Fractions; f >= sc.Fractions-1; f-- {
			draw(f, RunSpec{BatchSize: b})
		}
	}
	for _, tg := range sw.Targets {
		r := Run{Epochs: cmp0(tg.Epochs, sc.Base.Epochs), BatchSize: cmp0(tg.BatchSize, sc.Base.BatchSize), Steps: tg.Steps}
		if tg.Epochs > 0 {
			r.Steps = 0
		}
		if tg.Steps == 0 && tg.Epochs == 0 {
			r.Steps = sc.Base.Steps
		}
		sw.TargetX = append(sw.TargetX, law(simNFull, mustSteps(simNFull, r), r.BatchSize)+sc.Tau*rng.NormFloat64())
	}
	return sw
}

func cmp0(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func mustSteps(n int, r Run) int {
	t, err := runSteps(n, r.Epochs, r.BatchSize, r.Steps)
	if err != nil {
		panic(err)
	}
	return t
}
