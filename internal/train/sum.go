package train

import "math"

// sum64 is a compensated (Neumaier) float64 sum: s + c, where c collects the
// rounding error of each addition, so the total is accurate to about one
// rounding whatever the number of terms (a naive float64 sum of n terms can
// lose up to n/2 roundings). Long sums of the training engine, the loss over
// a validation set's rows, use it.
type sum64 struct{ s, c float64 }

// add adds x.
func (a *sum64) add(x float64) {
	t := a.s + x
	if math.Abs(a.s) >= math.Abs(x) {
		a.c += (a.s - t) + x
	} else {
		a.c += (x - t) + a.s
	}
	a.s = t
}

// value returns the sum.
func (a sum64) value() float64 { return a.s + a.c }
