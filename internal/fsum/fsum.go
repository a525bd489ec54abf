// Package fsum sums float64 values with Neumaier's compensation: the
// running total s carries a correction c that collects the rounding error
// of every addition, so a sum of n terms is accurate to about one rounding,
// |error| ≤ 2ε|S| + 2nε²Σ|xᵢ| (ε = 2⁻⁵³), where a naive sum can lose up to
// n/2 roundings. clc uses it for long sums: a validation loss over many
// rows, a schedule's area over many steps.
package fsum

import "math"

// Sum is a compensated running sum; the zero value is an empty sum.
type Sum struct{ s, c float64 }

// Add adds x.
func (a *Sum) Add(x float64) {
	t := a.s + x
	if math.Abs(a.s) >= math.Abs(x) {
		a.c += (a.s - t) + x
	} else {
		a.c += (x - t) + a.s
	}
	a.s = t
}

// Value returns the sum so far.
func (a Sum) Value() float64 { return a.s + a.c }

// Of returns the compensated sum of xs.
func Of(xs []float64) float64 {
	var a Sum
	for _, x := range xs {
		a.Add(x)
	}
	return a.Value()
}
