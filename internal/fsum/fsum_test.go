package fsum

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactSum returns the float64 nearest to the exact sum of xs (big.Float
// with enough precision for any float64 terms).
func exactSum(xs []float64) float64 {
	s := new(big.Float).SetPrec(4096)
	for _, x := range xs {
		s.Add(s, new(big.Float).SetFloat64(x))
	}
	f, _ := s.Float64()
	return f
}

// TestSum compares the compensated sum with the exact sum on sequences
// that defeat a naive float64 sum: a large term followed by many small ones,
// alternating cancellation, and random magnitudes from 1e-12 to 1e12 with
// random signs. Neumaier's bound: |error| ≤ 2ε|S| + 2nε²Σ|xᵢ| (ε = 2⁻⁵³).
// The first sequence must also show the naive sum outside that bound, so
// the test tells the two apart.
func TestSum(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	const n = 100000
	big1 := []float64{1e16}
	for range n {
		big1 = append(big1, 1)
	}
	alt := make([]float64, 0, n)
	for i := range n {
		alt = append(alt, math.Pow(-1, float64(i))*1e8*(1+r.Float64())+0.01*r.Float64())
	}
	wide := make([]float64, 0, n)
	for range n {
		wide = append(wide, math.Copysign(math.Pow(10, -12+24*r.Float64()), r.NormFloat64()))
	}
	const eps = 0x1p-53
	for _, c := range []struct {
		name       string
		xs         []float64
		naiveFails bool
	}{{"large then small", big1, true}, {"cancellation", alt, false}, {"wide magnitudes", wide, false}} {
		var s Sum
		var naive, abs float64
		for _, x := range c.xs {
			s.Add(x)
			naive += x
			abs += math.Abs(x)
		}
		want := exactSum(c.xs)
		bound := 2*eps*math.Abs(want) + 2*float64(len(c.xs))*eps*eps*abs
		if d := math.Abs(s.Value() - want); d > bound {
			t.Errorf("%s: compensated sum %v, exact %v (error %.3g > bound %.3g)", c.name, s.Value(), want, d, bound)
		}
		if c.naiveFails && math.Abs(naive-want) <= bound {
			t.Errorf("%s: the naive sum %v is within the bound of the exact %v: the case does not test compensation", c.name, naive, want)
		}
		if got := Of(c.xs); got != s.Value() {
			t.Errorf("%s: Of %v, want the running sum's %v", c.name, got, s.Value())
		}
	}
}
