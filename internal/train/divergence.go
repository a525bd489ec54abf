package train

import "math"

// DivergencePatience is the number of consecutive steps whose batch loss
// must exceed the divergence threshold for a run to count as diverged (see
// divergence).
const DivergencePatience = 5

// TrivialLoss returns the loss of the best constant prediction on the rows
// of d, the loss of a model that has learned nothing from the features:
//
//	classification  H = −Σ_c p_c·ln p_c   (p_c the class frequencies; ln K
//	                                        for K balanced classes)
//	regression      V = (1/n)·Σ (y_i − ȳ)²  (the targets' variance: 1 for a
//	                                        standardized target)
//
// — the cross-entropy of predicting the class frequencies, the mean squared
// error of predicting the mean. It is 0 for an empty d.
func TrivialLoss(d *Dataset) float64 {
	if d == nil || d.N == 0 {
		return 0
	}
	ys := d.Y[:d.N]
	if d.Task == Classification {
		counts := map[float32]int{}
		for _, y := range ys {
			counts[y]++
		}
		var h float64
		for _, c := range counts {
			p := float64(c) / float64(d.N)
			h -= p * math.Log(p)
		}
		return h
	}
	var s float64
	for _, y := range ys {
		s += float64(y)
	}
	mean := s / float64(d.N)
	var ss float64
	for _, y := range ys {
		ss += (float64(y) - mean) * (float64(y) - mean)
	}
	return ss / float64(d.N)
}

// divergence decides when a run has diverged. A batch loss that is not
// finite diverges at once. Otherwise the run diverges when its batch loss
// exceeds
//
//	factor × max(L_trivial, L_0)
//
// on DivergencePatience consecutive steps, where L_trivial is the trivial
// loss of the training rows (TrivialLoss) and L_0 the first batch's loss
// before any update.
//
// One batch is a noisy measure of the loss: with a batch of 2 rows of a
// standardized regression target, L_0 is an exponential variable of mean
// ≈ 1.3, below 0.1 for one run in 14, and single batch losses above 10 are
// common. A threshold of factor × L_0 alone then stopped slowly learning
// runs at tiny rates as "diverged". The floor L_trivial (what a model that
// learned nothing scores) keeps the threshold at the loss's scale, and the
// patience keeps a single unlucky batch from deciding: a run that really
// diverges stays above the threshold (or becomes non-finite) once it is
// there.
type divergence struct {
	factor float64
	floor  float64 // L_trivial of the training rows
	ref    float64 // max(floor, L_0), set by the first step
	over   int     // consecutive steps above factor·ref
}

func newDivergence(factor float64, trainSet *Dataset) *divergence {
	return &divergence{factor: factor, floor: TrivialLoss(trainSet)}
}

// diverged records the batch loss of step (0-based) and reports whether
// the run has diverged.
func (d *divergence) diverged(step int, loss float64) bool {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return true
	}
	if step == 0 {
		d.ref = math.Max(d.floor, loss)
	}
	if d.ref > 0 && loss > d.factor*d.ref {
		d.over++
	} else {
		d.over = 0
	}
	return d.over >= DivergencePatience
}
