package scaling

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

func TestZZBaseline(t *testing.T) {
	out := os.Getenv("BASELINE_OUT")
	if out == "" {
		t.Skip()
	}
	f, _ := os.Create(out)
	defer f.Close()
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 3000; i++ {
		sc := simScenario{Alpha: calAlphas[rng.IntN(3)], Seeds: calSeeds[rng.IntN(4)], Fractions: calFractions[rng.IntN(4)], Grid: calGrids[rng.IntN(2)], Tau: []float64{0, 0.04}[rng.IntN(2)]}
		sw := simulate(sc, rng)
		if i%7 == 0 { // some one-seed fits: least squares
			var ts []Sample
			for _, s := range sw.Trials {
				if s.Seed == 0 {
					ts = append(ts, s)
				}
			}
			sw.Trials = ts
		}
		res := EstimateOptima(sw.Trials)
		law, err := FitLaw(res.Optima)
		fmt.Fprintf(f, "%d %v\n", i, err)
		if err != nil {
			continue
		}
		fmt.Fprintf(f, "%#v\n", law)
		if law.Extrapolation != nil {
			fmt.Fprintf(f, "%#v\n", *law.Extrapolation)
		}
		if law.SamplingCov != nil {
			fmt.Fprintf(f, "%#v\n", *law.SamplingCov)
		}
		c := AnalyzeConstant(res.Optima, law)
		fmt.Fprintf(f, "%#v\n", c)
		for _, n := range []float64{100, 8000, 1e5} {
			fmt.Fprintf(f, "%#v\n", Decide(law, n))
			e, err := Predict(Model{Law: law, Run: Run{Epochs: 3, BatchSize: 32}}, Target{N: int(n)})
			if e.Transfer != nil {
				t.Fatal("transfer")
			}
			e.Transfer = nil
			fmt.Fprintf(f, "%#v %v\n", e, err)
		}
	}
}
