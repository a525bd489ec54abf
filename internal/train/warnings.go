package train

import (
	"fmt"
	"math"
	"os"

	"github.com/clc-tools/clc/internal/table"
)

// A Warning is a property of the data that does not stop training but can
// make its results misleading. The concrete types are SameData,
// SmallValidation, ClassImbalance and SplitShare; String gives neutral
// words, and a front end may word each type its own way.
type Warning interface {
	String() string
}

// MinValidationRows is the fewest validation rows below which
// CheckDatasets warns (SmallValidation).
//
// A rate is ranked by its validation loss, the mean of n per-row losses, so
// its noise is σ/√n for a per-row spread σ; neighbouring rates of a sweep
// often differ by a few percent of the loss, while per-row losses spread as
// much as the loss itself (σ ≈ L), so below ~30 rows (1/√30 ≈ 18%) the noise
// exceeds such differences and the optimum is largely chance.
const MinValidationRows = 30

// ImbalanceRatio: CheckDatasets warns (ClassImbalance) when the rarest
// class has fewer rows than this fraction of the most common class's.
const ImbalanceRatio = 0.05

// SameData: the validation file holds the training data, as the same file
// (SamePath: the same path or the same file through another path) or a file
// with the same bytes (its SHA-256). Validation losses then measure the fit
// to the training rows, which keeps improving with the rate rather than
// showing where it starts to hurt.
type SameData struct {
	Train, Valid string // the two names
	SamePath     bool
}

func (w SameData) String() string {
	how := "has the same bytes as"
	if w.SamePath {
		how = "is"
	}
	return fmt.Sprintf("the validation file %s %s the training file: the validation loss measures the fit to the training rows", w.Valid, how)
}

// SmallValidation: the validation set has fewer than MinValidationRows rows.
type SmallValidation struct {
	Rows int
}

func (w SmallValidation) String() string {
	return fmt.Sprintf("the validation set has %d rows: a mean over so few rows is too noisy to rank learning rates (%d or more recommended)",
		w.Rows, MinValidationRows)
}

// ClassImbalance: the rarest class has fewer than ImbalanceRatio of the
// rows of the most common class (counted over the training and validation
// rows together).
type ClassImbalance struct {
	Label   string // the rarest class
	Rows    int    // its rows
	Largest string // the most common class
	Most    int    // its rows
	Total   int    // all rows
}

func (w ClassImbalance) String() string {
	return fmt.Sprintf("severe class imbalance: class %s has %d of %d rows (%.2g%%), class %s %d: the loss hardly sees the rare class, and the optimal rate is that of the common one",
		w.Label, w.Rows, w.Total, 100*float64(w.Rows)/float64(w.Total), w.Largest, w.Most)
}

// SplitShare: a stratified split put a share of the rows in validation far
// from the fraction asked, because each class of at least 2 rows gives at
// least one (many small classes).
type SplitShare struct {
	Rows, Total int     // validation rows, all rows
	Fraction    float64 // the share asked
	Classes     int
}

func (w SplitShare) String() string {
	return fmt.Sprintf("the stratified split put %d of %d rows (%.0f%%) in validation, not %g%%: each of the %d classes gives at least one row",
		w.Rows, w.Total, 100*float64(w.Rows)/float64(w.Total), 100*w.Fraction, w.Classes)
}

// CheckValidationFile returns a SameData warning when the validation table
// was read from the training table's file (the same path, or the same file
// by os.SameFile) or from a file with the same bytes (the same SHA-256),
// else nil.
func CheckValidationFile(trainTab, validTab *table.Table) []Warning {
	same := trainTab.Name == validTab.Name && trainTab.Name != "<stdin>"
	if !same {
		a, err1 := os.Stat(trainTab.Name)
		b, err2 := os.Stat(validTab.Name)
		same = err1 == nil && err2 == nil && os.SameFile(a, b)
	}
	if same || (trainTab.SHA256 != "" && trainTab.SHA256 == validTab.SHA256) {
		return []Warning{SameData{Train: trainTab.Name, Valid: validTab.Name, SamePath: same}}
	}
	return nil
}

// CheckDatasets returns the warnings about a training and a validation set:
// SmallValidation below MinValidationRows validation rows; ClassImbalance
// when the rarest class (over both sets) has fewer than ImbalanceRatio of
// the rows of the most common one; and, for a split (fraction > 0; 0 for a
// separate validation file), SplitShare when the validation share differs
// from fraction by more than half of it and by at least 5 rows.
func CheckDatasets(trainSet, validSet *Dataset, fraction float64) []Warning {
	var out []Warning
	if validSet.N < MinValidationRows {
		out = append(out, SmallValidation{Rows: validSet.N})
	}
	total := trainSet.N + validSet.N
	if trainSet.Task == Classification && trainSet.Classes >= 2 {
		counts := make([]int, trainSet.Classes)
		for _, d := range []*Dataset{trainSet, validSet} {
			for _, y := range d.Y[:d.N] {
				counts[int(y)]++
			}
		}
		lo, hi := 0, 0
		for k, n := range counts {
			if n < counts[lo] {
				lo = k
			}
			if n > counts[hi] {
				hi = k
			}
		}
		if float64(counts[lo]) < ImbalanceRatio*float64(counts[hi]) {
			out = append(out, ClassImbalance{Label: trainSet.Labels[lo], Rows: counts[lo],
				Largest: trainSet.Labels[hi], Most: counts[hi], Total: total})
		}
		if fraction > 0 {
			want := fraction * float64(total)
			if diff := math.Abs(float64(validSet.N) - want); diff > want/2 && diff >= 5 {
				out = append(out, SplitShare{Rows: validSet.N, Total: total, Fraction: fraction, Classes: trainSet.Classes})
			}
		}
	}
	return out
}
