package train

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/table"
)

// MaxAutoClasses is the largest number of distinct target values that task
// detection ("auto") still reads as class labels.
const MaxAutoClasses = 50

// Streams of the PCG generator, so that a split and a shuffle drawn with the
// same seed are independent.
const (
	validSplitStream = 0x636c632d73706c74 // "clc-splt"
	rowPermStream    = 0x636c632d7065726d // "clc-perm"
)

// NewDataset turns a table into a training dataset for task, which is
// "classification", "regression", or "auto" (or "", the same as "auto").
//
// Task detection ("auto"): the task is classification when every target
// value is an integer and there are between 2 and MaxAutoClasses (50)
// distinct values; otherwise it is regression. So a 0/1 or 0..9 label column
// is classification, while a real-valued column, or an integer column with
// more than 50 distinct values (e.g. a 0..100 score), is regression; name
// the task to override either way.
//
// Classification: the classes are the distinct target values sorted
// numerically and relabelled 0..K-1; Labels[i] is the text of class i's value
// in shortest decimal form ("3" whether the file said 3 or 3.0). Every value
// must be an integer and there must be at least 2 classes.
//
// Regression: Y is the target value as a float32; it must fit a float32 and
// must not be constant (there would be nothing to learn).
//
// The dataset's X shares memory with t.X (Shuffle and Scaler.Apply modify it
// in place); Y is new. Problems with the data are *inputerr.Error values
// located at the table's file, line and column.
func NewDataset(t *table.Table, task string) (*Dataset, error) {
	var kind Task
	switch task {
	case "", "auto":
	case string(Classification):
		kind = Classification
	case string(Regression):
		kind = Regression
	default:
		return nil, inputerr.New("unknown task %q", task).WithHint("%v takes auto, classification or regression", paramTask)
	}
	if t.Rows == 0 {
		return nil, &inputerr.Error{File: t.Name, Msg: "no data rows"}
	}
	checkTable(t)
	if kind == "" {
		kind = detectTask(t.Y)
	}
	d := &Dataset{
		X:        t.X,
		Y:        make([]float32, t.Rows),
		N:        t.Rows,
		D:        len(t.Features),
		Task:     kind,
		Features: slices.Clone(t.Features),
		Target:   t.Target,
	}
	if kind == Regression {
		if err := regressionTargets(t, d.Y); err != nil {
			return nil, err
		}
		first := t.Y[0]
		for _, v := range t.Y {
			if v != first {
				return d, nil
			}
		}
		return nil, inputerr.At(t.Name, 0, 0, "target column %q is constant (%s); there is nothing to learn", t.Target, numText(first)).
			WithHint("check %v; a regression target must vary", paramTarget)
	}
	for i, v := range t.Y {
		if v != math.Trunc(v) {
			return nil, targetErr(t, i, "target %s in column %q is not an integer class label", numText(v), t.Target).
				WithHint("class labels must be integers; use %v regression for a real-valued target", paramTask)
		}
	}
	values := distinctValues(t.Y, -1)
	if len(values) < 2 {
		return nil, inputerr.At(t.Name, 0, 0, "target column %q has a single class (%s); classification needs at least 2", t.Target, numText(values[0])).
			WithHint("use %v regression or check %v", paramTask, paramTarget)
	}
	index := make(map[float64]int, len(values))
	d.Labels = make([]string, len(values))
	for k, v := range values {
		index[v] = k
		d.Labels[k] = numText(v)
	}
	for i, v := range t.Y {
		d.Y[i] = float32(index[v])
	}
	d.Classes = len(values)
	return d, nil
}

// detectTask applies the "auto" rule of NewDataset.
func detectTask(y []float64) Task {
	for _, v := range y {
		if v != math.Trunc(v) {
			return Regression
		}
	}
	n := len(distinctValues(y, MaxAutoClasses+1))
	if n >= 2 && n <= MaxAutoClasses {
		return Classification
	}
	return Regression
}

// distinctValues returns the distinct values of y sorted ascending; it stops once
// it has found limit values when limit > 0. -0 and +0 are one value, 0.
func distinctValues(y []float64, limit int) []float64 {
	seen := make(map[float64]struct{})
	var vals []float64
	for _, v := range y {
		if _, ok := seen[v]; ok {
			continue
		}
		seen[v] = struct{}{}
		vals = append(vals, v+0) // v+0 turns -0 into +0
		if limit > 0 && len(vals) >= limit {
			break
		}
	}
	slices.Sort(vals)
	return vals
}

// regressionTargets converts t.Y to float32 into y.
func regressionTargets(t *table.Table, y []float32) error {
	for i, v := range t.Y {
		y[i] = float32(v)
		if math.IsInf(float64(y[i]), 0) {
			return targetErr(t, i, "target %s in column %q is too large for a float32 (largest magnitude 3.4e38)",
				numText(v), t.Target).WithHint("rescale the target, e.g. change its unit")
		}
	}
	return nil
}

// numText formats a value in shortest decimal form: integers without an
// exponent up to 1e15, others as strconv's 'g'.
func numText(v float64) string {
	if v == 0 {
		return "0"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// targetErr returns an input error located at row i's target field.
func targetErr(t *table.Table, i int, format string, args ...any) *inputerr.Error {
	line, col := t.TargetPos(i)
	return inputerr.At(t.Name, line, col, format, args...)
}

// checkTable panics when t's slices disagree with its shape: a table built
// by hand with a programming error.
func checkTable(t *table.Table) {
	if len(t.X) != t.Rows*len(t.Features) || len(t.Y) != t.Rows {
		panic(fmt.Sprintf("train: inconsistent table %q: %d rows, %d features, len(X)=%d, len(Y)=%d",
			t.Name, t.Rows, len(t.Features), len(t.X), len(t.Y)))
	}
}

// NewValidationDataset turns a table read from a separate validation file
// into a dataset compatible with train, the training dataset. Read the file
// with ReadOptions{Target: train.Target}.
//
// Columns are matched by name: the table must have exactly the training
// feature columns and target, in any order (features are reordered to the
// training order); a missing or extra column is an error. For classification
// every target value must be one of the training classes and is relabelled
// with the training mapping (so class i means Labels[i] in both); for
// regression every target must fit a float32. X shares memory with t.X when
// the columns are already in training order, else it is a reordered copy.
func NewValidationDataset(t *table.Table, train *Dataset) (*Dataset, error) {
	if t.Rows == 0 {
		return nil, &inputerr.Error{File: t.Name, Msg: "no data rows"}
	}
	checkTable(t)
	hint := "the validation file needs the same columns as the training file"
	if t.Target != train.Target {
		return nil, headerError(t, t.Target, "target column is %q, but the training target is %q", t.Target, train.Target).
			WithHint("%s", hint)
	}
	pos := make(map[string]int, len(t.Features))
	for j, f := range t.Features {
		pos[f] = j
	}
	order := make([]int, train.D) // order[j] = table column of training feature j
	same := len(t.Features) == train.D
	for j, f := range train.Features {
		k, ok := pos[f]
		if !ok {
			return nil, (&inputerr.Error{File: t.Name, Line: t.HeaderLine(),
				Msg: fmt.Sprintf("missing column %q of the training data", f)}).WithHint("%s", hint)
		}
		order[j] = k
		same = same && k == j
	}
	if len(t.Features) != train.D {
		in := make(map[string]bool, train.D)
		for _, f := range train.Features {
			in[f] = true
		}
		for _, f := range t.Features {
			if !in[f] {
				return nil, headerError(t, f, "column %q is not in the training data", f).WithHint("%s", hint)
			}
		}
	}
	d := &Dataset{
		X:        t.X,
		Y:        make([]float32, t.Rows),
		N:        t.Rows,
		D:        train.D,
		Task:     train.Task,
		Classes:  train.Classes,
		Features: slices.Clone(train.Features),
		Target:   train.Target,
		Labels:   slices.Clone(train.Labels),
	}
	if !same {
		nf := len(t.Features)
		d.X = make([]float32, t.Rows*train.D)
		for i := 0; i < t.Rows; i++ {
			src := t.X[i*nf : (i+1)*nf]
			dst := d.X[i*train.D : (i+1)*train.D]
			for j, k := range order {
				dst[j] = src[k]
			}
		}
	}
	if train.Task == Regression {
		if err := regressionTargets(t, d.Y); err != nil {
			return nil, err
		}
		return d, nil
	}
	index := make(map[float64]int, len(train.Labels))
	for k, l := range train.Labels {
		v, err := strconv.ParseFloat(l, 64)
		if err != nil {
			return nil, fmt.Errorf("train: training label %q is not numeric: %w", l, err)
		}
		index[v] = k
	}
	for i, v := range t.Y {
		k, ok := index[v]
		if !ok {
			return nil, targetErr(t, i, "class %s in column %q is not one of the training classes (%s)",
				numText(v), t.Target, labelList(train.Labels, 8)).
				WithHint("the validation rows must use the training data's class labels")
		}
		d.Y[i] = float32(k)
	}
	return d, nil
}

// headerError locates an error at the header field of column name.
func headerError(t *table.Table, name, format string, args ...any) *inputerr.Error {
	line, col := t.ColumnPos(name)
	return inputerr.At(t.Name, line, col, format, args...)
}

// labelList lists up to max labels, unquoted.
func labelList(labels []string, max int) string {
	if len(labels) <= max {
		return strings.Join(labels, ", ")
	}
	return strings.Join(labels[:max-3], ", ") + ", ..., " + strings.Join(labels[len(labels)-3:], ", ")
}

// SplitValidation splits d into a training and a validation set, drawing
// rows with a PCG generator seeded by seed: the same d, fraction and seed
// always give the same split. fraction, in (0, 1), is the share of rows that
// goes to validation.
//
// For regression, v = round(fraction·N) rows go to validation, clamped to
// [1, N-1]. For classification the split is stratified: each class c with
// n_c rows contributes v_c = round(fraction·n_c) rows, at least 1 when
// n_c ≥ 2, and leaves at least 1 row in training (a class with a single row
// stays in training), so both sides keep the class proportions. round
// rounds half away from zero. An empty side is an error.
//
// The split reorders d's rows in place — training rows first, then
// validation rows, each in d's order — and returns views of the two parts,
// so no row is copied beyond the validation rows' temporary buffer. d (and
// any Table sharing its memory) must not be used afterwards except through
// the returned sets.
func SplitValidation(d *Dataset, fraction float64, seed uint64) (trainSet, validSet *Dataset, err error) {
	if !(fraction > 0 && fraction < 1) {
		return nil, nil, inputerr.New("%v %g is not between 0 and 1", paramValidFraction, fraction).
			WithHint("use a fraction such as 0.2")
	}
	rng := rand.NewPCG(seed, validSplitStream)
	valid := make([]bool, d.N)
	nv := 0
	take := func(idx []int) {
		n := len(idx)
		v := int(math.Round(fraction * float64(n)))
		if n >= 2 {
			v = min(max(v, 1), n-1)
		} else {
			v = 0
		}
		shuffleIndexes(rng, idx)
		for _, i := range idx[:v] {
			valid[i] = true
		}
		nv += v
	}
	if d.Task == Classification {
		groups := make([][]int, d.Classes)
		for i, y := range d.Y {
			k := int(y)
			if k < 0 || k >= d.Classes || float32(k) != y {
				panic(fmt.Sprintf("train: class index %v out of range [0, %d)", y, d.Classes))
			}
			groups[k] = append(groups[k], i)
		}
		for _, g := range groups {
			take(g)
		}
	} else {
		idx := make([]int, d.N)
		for i := range idx {
			idx[i] = i
		}
		take(idx)
	}
	if nv == 0 && d.Task == Classification {
		// Only a class of one row gives no validation row.
		return nil, nil, inputerr.New("a validation split of %g leaves no validation rows (%d rows in all): the split is stratified, and each of the %d classes has a single row, which stays in training",
			fraction, d.N, d.Classes).WithHint("pass a separate %v file, or add rows: a class needs 2 rows to be split", paramValid)
	}
	if nv == 0 || nv == d.N {
		side := "validation"
		if nv == d.N {
			side = "training"
		}
		return nil, nil, inputerr.New("a validation split of %g leaves no %s rows (%d %s in all)", fraction, side, d.N, plural(d.N, "row", "rows")).
			WithHint("the dataset is too small to split; pass a separate %v file or add rows", paramValid)
	}
	// Partition in place, stably: copy the validation rows aside, move the
	// training rows forward over them, then put the validation rows at the
	// end. Only the validation rows are ever held twice.
	D := d.D
	vx, vy := make([]float32, 0, nv*D), make([]float32, 0, nv)
	w := 0
	for i := 0; i < d.N; i++ {
		if valid[i] {
			vx = append(vx, d.Row(i)...)
			vy = append(vy, d.Y[i])
			continue
		}
		if w != i {
			copy(d.X[w*D:(w+1)*D], d.X[i*D:(i+1)*D])
			d.Y[w] = d.Y[i]
		}
		w++
	}
	copy(d.X[w*D:], vx)
	copy(d.Y[w:], vy)
	trainSet = d.Rows(w)
	validSet = d.Rows(d.N)
	validSet.X = d.X[w*D : d.N*D : d.N*D]
	validSet.Y = d.Y[w:d.N:d.N]
	validSet.N = nv
	return trainSet, validSet, nil
}

// Shuffle permutes the rows of d in place with a Fisher–Yates shuffle driven
// by a PCG generator seeded by seed, so the same seed always gives the same
// order (independently of the Go version: the generator and the bounded draws
// are implemented here). clc's nested fractions are then prefixes d.Rows(n).
func Shuffle(d *Dataset, seed uint64) {
	rng := rand.NewPCG(seed, rowPermStream)
	tmp := make([]float32, d.D)
	for i := d.N - 1; i > 0; i-- {
		j := int(boundedUint(rng, uint64(i+1)))
		if i == j {
			continue
		}
		ri, rj := d.Row(i), d.Row(j)
		copy(tmp, ri)
		copy(ri, rj)
		copy(rj, tmp)
		d.Y[i], d.Y[j] = d.Y[j], d.Y[i]
	}
}

// shuffleIndexes is the Fisher–Yates shuffle of Shuffle applied to a slice.
func shuffleIndexes(rng *rand.PCG, a []int) {
	for i := len(a) - 1; i > 0; i-- {
		j := int(boundedUint(rng, uint64(i+1)))
		a[i], a[j] = a[j], a[i]
	}
}

// boundedUint returns a uniform integer in [0, n) by Lemire's multiply-and-reject
// method (n > 0).
func boundedUint(rng *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(rng.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(rng.Uint64(), n)
		}
	}
	return hi
}

// Scaler holds the z-scoring statistics of a training set:
//
//	x' = (x − Mean[j]) / Std[j]
//
// for feature j, and for a regression target
//
//	y' = (y − TargetMean) / TargetStd.
type Scaler struct {
	Mean, Std             []float64
	TargetMean, TargetStd float64
}

// FitScaler computes the mean and the population standard deviation
// (divisor N, numpy's default ddof=0) of every feature over all rows of d,
// in float64 with two passes; a standard deviation of 0 (a constant column)
// becomes 1. The target statistics are those of Y for regression, and 0 and
// 1 (no change) for classification. An empty d gives means 0 and stds 1.
func FitScaler(d *Dataset) Scaler {
	s := Scaler{Mean: make([]float64, d.D), Std: make([]float64, d.D), TargetMean: 0, TargetStd: 1}
	if d.N == 0 {
		for j := range s.Std {
			s.Std[j] = 1
		}
		return s
	}
	n := float64(d.N)
	for i := 0; i < d.N; i++ {
		for j, x := range d.Row(i) {
			s.Mean[j] += float64(x)
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= n
	}
	for i := 0; i < d.N; i++ {
		for j, x := range d.Row(i) {
			dx := float64(x) - s.Mean[j]
			s.Std[j] += dx * dx
		}
	}
	for j := range s.Std {
		s.Std[j] = stdOrOne(s.Std[j] / n)
	}
	if d.Task == Regression {
		var sum, ss float64
		for _, y := range d.Y {
			sum += float64(y)
		}
		s.TargetMean = sum / n
		for _, y := range d.Y {
			dy := float64(y) - s.TargetMean
			ss += dy * dy
		}
		s.TargetStd = stdOrOne(ss / n)
	}
	return s
}

// TargetRMSE returns the root mean squared error in the target's units of a
// mean squared error mse on the standardized target: TargetStd·√mse (the
// shift by TargetMean cancels in a difference). For classification
// (TargetStd 1) it is √mse.
func (s Scaler) TargetRMSE(mse float64) float64 { return s.TargetStd * math.Sqrt(mse) }

func stdOrOne(variance float64) float64 {
	if sd := math.Sqrt(variance); sd > 0 {
		return sd
	}
	return 1
}

// Apply standardizes d in place with s, computing each value in float64 and
// storing it as a float32; for regression it also standardizes Y. It panics
// when s does not have d.D features.
func (s Scaler) Apply(d *Dataset) {
	if len(s.Mean) != d.D || len(s.Std) != d.D {
		panic(fmt.Sprintf("train: scaler has %d features, dataset %d", len(s.Mean), d.D))
	}
	for i := 0; i < d.N; i++ {
		row := d.Row(i)
		for j, x := range row {
			row[j] = float32((float64(x) - s.Mean[j]) / s.Std[j])
		}
	}
	if d.Task == Regression {
		for i, y := range d.Y[:d.N] {
			d.Y[i] = float32((float64(y) - s.TargetMean) / s.TargetStd)
		}
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
