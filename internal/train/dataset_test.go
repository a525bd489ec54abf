package train

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr/inputerrtest"
	"github.com/clc-tools/clc/internal/table"
)

// readTable reads CSV text, failing the test on error.
func readTable(t *testing.T, name, text string, opt table.Options) *table.Table {
	t.Helper()
	tab, err := table.Read(context.Background(), strings.NewReader(text), name, opt)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// targetCSV returns a CSV with one feature x (the row index) and target y.
func targetCSV(ys ...string) string {
	var b strings.Builder
	b.WriteString("x,y\n")
	for i, y := range ys {
		fmt.Fprintf(&b, "%d,%s\n", i, y)
	}
	return b.String()
}

func intStrings(lo, hi int) []string {
	var s []string
	for i := lo; i <= hi; i++ {
		s = append(s, strconv.Itoa(i))
	}
	return s
}

// TestNewDataset checks task detection and relabelling. The expected task
// follows the documented rule (integers with 2..50 distinct values are
// classes); the expected labels are the distinct values sorted numerically.
func TestNewDataset(t *testing.T) {
	tests := []struct {
		name    string
		ys      []string
		task    string
		want    Task
		labels  []string
		y       []float32 // nil: not checked
		classes int
	}{
		{"binary", []string{"0", "1", "1", "0"}, "auto", Classification, []string{"0", "1"}, []float32{0, 1, 1, 0}, 2},
		{"empty task is auto", []string{"0", "1"}, "", Classification, []string{"0", "1"}, []float32{0, 1}, 2},
		{"relabel sorted numerically", []string{"7", "3", "10", "3.0", "7"}, "auto", Classification,
			[]string{"3", "7", "10"}, []float32{1, 0, 2, 0, 1}, 3},
		{"negative labels", []string{"-1", "1", "-1"}, "auto", Classification, []string{"-1", "1"}, []float32{0, 1, 0}, 2},
		{"minus zero is zero", []string{"-0", "0", "1", "1e0"}, "auto", Classification, []string{"0", "1"}, []float32{0, 0, 1, 1}, 2},
		{"50 classes", intStrings(0, 49), "auto", Classification, intStrings(0, 49), nil, 50},
		// 0..100 scores: 101 distinct integers, beyond the 50-class limit.
		{"51 integers is regression", intStrings(0, 50), "auto", Regression, nil, nil, 0},
		{"0..100 score is regression", intStrings(0, 100), "auto", Regression, nil, nil, 0},
		{"51 integers forced to classes", intStrings(0, 50), "classification", Classification, intStrings(0, 50), nil, 51},
		{"real values", []string{"0.5", "1", "2"}, "auto", Regression, nil, []float32{0.5, 1, 2}, 0},
		{"integers forced to regression", []string{"0", "1", "1"}, "regression", Regression, nil, []float32{0, 1, 1}, 0},
		{"large integer label", []string{"1e20", "0"}, "auto", Classification, []string{"0", "1e+20"}, []float32{1, 0}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := readTable(t, "t.csv", targetCSV(tt.ys...), table.Options{})
			d, err := NewDataset(tab, tt.task)
			if err != nil {
				t.Fatal(err)
			}
			if d.Task != tt.want || d.Classes != tt.classes || !reflect.DeepEqual(d.Labels, tt.labels) {
				t.Errorf("task %s, %d classes, labels %q; want %s, %d, %q", d.Task, d.Classes, d.Labels, tt.want, tt.classes, tt.labels)
			}
			if tt.y != nil && !reflect.DeepEqual(d.Y, tt.y) {
				t.Errorf("Y = %v, want %v", d.Y, tt.y)
			}
			if d.N != len(tt.ys) || d.D != 1 || len(d.X) != d.N || d.Target != "y" || !reflect.DeepEqual(d.Features, []string{"x"}) {
				t.Errorf("shape N=%d D=%d target %q features %q", d.N, d.D, d.Target, d.Features)
			}
		})
	}
}

// TestNewDatasetErrors checks rejected targets; locations are the row's line
// (header is line 1) and the target's byte column (3 in "i,y").
func TestNewDatasetErrors(t *testing.T) {
	tests := []struct {
		name string
		ys   []string
		task string
		msg  string
		hint string
	}{
		{"non-integer class", []string{"0", "1", "2.5"}, "classification",
			`t.csv:4:3: target 2.5 in column "y" is not an integer class label`, "--task regression"},
		{"single class", []string{"7", "7"}, "classification",
			`t.csv: target column "y" has a single class (7); classification needs at least 2`, "use --task regression or check --target"},
		{"constant auto", []string{"7", "7.0", "7"}, "auto",
			`t.csv: target column "y" is constant (7); there is nothing to learn`, "check --target"},
		{"constant regression", []string{"0.25", "0.25"}, "regression",
			`t.csv: target column "y" is constant (0.25); there is nothing to learn`, ""},
		{"float32 overflow", []string{"1", "1e39"}, "regression",
			`t.csv:3:3: target 1e+39 in column "y" is too large for a float32 (largest magnitude 3.4e38)`, "rescale"},
		{"unknown task", []string{"0", "1"}, "clustering", `unknown task "clustering"`, "auto, classification or regression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := readTable(t, "t.csv", targetCSV(tt.ys...), table.Options{})
			d, err := NewDataset(tab, tt.task)
			if d != nil {
				t.Error("got a dataset with an error")
			}
			inputerrtest.Check(t, err, tt.msg, tt.hint)
		})
	}
}

// TestNewDatasetSharesX documents that the dataset aliases the table's X.
func TestNewDatasetSharesX(t *testing.T) {
	tab := readTable(t, "t.csv", "a,b,y\n1,2,0\n3,4,1\n", table.Options{})
	d, err := NewDataset(tab, "auto")
	if err != nil {
		t.Fatal(err)
	}
	if &d.X[0] != &tab.X[0] {
		t.Error("X was copied")
	}
	if !reflect.DeepEqual(d.Row(1), []float32{3, 4}) {
		t.Errorf("Row(1) = %v", d.Row(1))
	}
}

func TestNewDatasetFromFile(t *testing.T) {
	tab, err := table.Load(context.Background(), "testdata/classify.csv", nil, table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDataset(tab, "auto")
	if err != nil {
		t.Fatal(err)
	}
	// The file has 12 rows of 4 features, 4 rows each of species 0, 1, 2.
	if d.N != 12 || d.D != 4 || d.Classes != 3 || d.Target != "species" {
		t.Errorf("N=%d D=%d classes=%d target=%q", d.N, d.D, d.Classes, d.Target)
	}
	tab, err = table.Load(context.Background(), "testdata/regress.csv", nil, table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err = NewDataset(tab, "auto")
	if err != nil {
		t.Fatal(err)
	}
	// y = 3.75, -0.125, 10.5, .5, 1e1 in the file.
	if d.Task != Regression || !reflect.DeepEqual(d.Y, []float32{3.75, -0.125, 10.5, 0.5, 10}) {
		t.Errorf("task %s Y %v", d.Task, d.Y)
	}
}

// TestNewValidationDataset checks column matching by name and relabelling
// with the training classes.
func TestNewValidationDataset(t *testing.T) {
	train := mustDataset(t, "train.csv", "a,b,y\n1,2,3\n3,4,7\n5,6,5\n", "auto")
	// Training labels sorted: 3, 5, 7 → classes 0, 1, 2.
	v, err := NewValidationDataset(readTable(t, "v.csv", "a,b,y\n9,8,7\n7,6,3\n", table.Options{Target: "y"}), train)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v.Y, []float32{2, 0}) || !reflect.DeepEqual(v.X, []float32{9, 8, 7, 6}) ||
		v.Classes != 3 || !reflect.DeepEqual(v.Labels, train.Labels) || v.Task != Classification {
		t.Errorf("validation set %+v", v)
	}
	// Columns in another order are matched by name; "7.0" is class 7.
	v, err = NewValidationDataset(readTable(t, "v.csv", "y,b,a\n7.0,8,9\n5,6,7\n", table.Options{Target: "y"}), train)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(v.Y, []float32{2, 1}) || !reflect.DeepEqual(v.X, []float32{9, 8, 7, 6}) ||
		!reflect.DeepEqual(v.Features, []string{"a", "b"}) {
		t.Errorf("reordered validation set X %v Y %v features %q", v.X, v.Y, v.Features)
	}
	// Regression: targets kept as values.
	rtrain := mustDataset(t, "train.csv", "a,y\n1,0.5\n2,1.5\n", "auto")
	v, err = NewValidationDataset(readTable(t, "v.csv", "a,y\n3,100.25\n", table.Options{Target: "y"}), rtrain)
	if err != nil {
		t.Fatal(err)
	}
	if v.Task != Regression || !reflect.DeepEqual(v.Y, []float32{100.25}) || v.Classes != 0 {
		t.Errorf("regression validation set %+v", v)
	}

	tests := []struct {
		name, text string
		opt        table.Options
		msg, hint  string
	}{
		// Row 2 (line 3) holds class 4; "4,3,4": the target starts at byte 5.
		{"unknown class", "a,b,y\n1,1,3\n4,3,4\n", table.Options{Target: "y"},
			`v.csv:3:5: class 4 in column "y" is not one of the training classes (3, 5, 7)`, "training data's class labels"},
		{"non-integer class", "a,b,y\n1,1,3.5\n", table.Options{Target: "y"},
			`v.csv:2:5: class 3.5 in column "y" is not one of the training classes (3, 5, 7)`, ""},
		// Header "a,y,b": target read as the last column b; column b starts at byte 5.
		{"other target", "a,y,b\n1,3,2\n", table.Options{},
			`v.csv:1:5: target column is "b", but the training target is "y"`, "same columns"},
		{"missing column", "a,y\n1,3\n", table.Options{Target: "y"}, `v.csv:1: missing column "b" of the training data`, "same columns"},
		// "a,b,c,y": the extra column c starts at byte 5.
		{"extra column", "a,b,c,y\n1,2,3,3\n", table.Options{Target: "y"}, `v.csv:1:5: column "c" is not in the training data`, ""},
		{"renamed column", "a,B,y\n1,2,3\n", table.Options{Target: "y"}, `v.csv:1: missing column "b" of the training data`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := NewValidationDataset(readTable(t, "v.csv", tt.text, tt.opt), train)
			if v != nil {
				t.Error("got a dataset with an error")
			}
			inputerrtest.Check(t, err, tt.msg, tt.hint)
		})
	}
	_, err = NewValidationDataset(readTable(t, "v.csv", "a,y\n3,1e39\n", table.Options{Target: "y"}), rtrain)
	inputerrtest.Check(t, err, `v.csv:2:3: target 1e+39 in column "y" is too large for a float32 (largest magnitude 3.4e38)`, "")
}

func mustDataset(t *testing.T, name, text, task string) *Dataset {
	t.Helper()
	d, err := NewDataset(readTable(t, name, text, table.Options{}), task)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// classDataset returns a classification dataset whose row i has the single
// feature i and the class counts[k] rows of each class k, in class order.
func classDataset(counts ...int) *Dataset {
	d := &Dataset{D: 1, Task: Classification, Classes: len(counts), Features: []string{"i"}, Target: "y"}
	for k, n := range counts {
		d.Labels = append(d.Labels, strconv.Itoa(k))
		for range n {
			d.X = append(d.X, float32(d.N))
			d.Y = append(d.Y, float32(k))
			d.N++
		}
	}
	return d
}

func regressionDataset(n int) *Dataset {
	d := &Dataset{D: 2, Task: Regression, Features: []string{"i", "j"}, Target: "y"}
	for i := range n {
		d.X = append(d.X, float32(i), float32(-i))
		d.Y = append(d.Y, float32(i)/2)
		d.N++
	}
	return d
}

func classCounts(d *Dataset) []int {
	c := make([]int, d.Classes)
	for _, y := range d.Y {
		c[int(y)]++
	}
	return c
}

// rowIDs returns the first feature of each row (the row's original index
// in the datasets built above).
func rowIDs(d *Dataset) []int {
	ids := make([]int, d.N)
	for i := range ids {
		ids[i] = int(d.Row(i)[0])
	}
	return ids
}

// TestSplitValidationStratified checks per-class validation counts against
// the documented rule v_c = round(f·n_c), clamped to [1, n_c−1] for n_c ≥ 2
// and 0 for n_c = 1.
func TestSplitValidationStratified(t *testing.T) {
	tests := []struct {
		counts    []int
		fraction  float64
		wantValid []int
	}{
		// 0.2·10 = 2, 0.2·20 = 4, 0.2·3 = 0.6 → 1, single row → 0, 0.2·2 = 0.4 → 1.
		{[]int{10, 20, 3, 1, 2}, 0.2, []int{2, 4, 1, 0, 1}},
		// 0.25·10 = 2.5 rounds half away from zero → 3; 0.25·6 = 1.5 → 2.
		{[]int{10, 6}, 0.25, []int{3, 2}},
		// 0.9·2 = 1.8 → 2, capped at n−1 = 1 so training keeps the class.
		{[]int{2, 100}, 0.9, []int{1, 90}},
		{[]int{500, 300, 200}, 0.1, []int{50, 30, 20}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.counts, tt.fraction), func(t *testing.T) {
			d := classDataset(tt.counts...)
			tr, va, err := splitOf(d, tt.fraction, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := classCounts(va); !slices.Equal(got, tt.wantValid) {
				t.Errorf("validation class counts %v, want %v", got, tt.wantValid)
			}
			for k, n := range classCounts(tr) {
				if n != tt.counts[k]-tt.wantValid[k] {
					t.Errorf("class %d: %d training rows, want %d", k, n, tt.counts[k]-tt.wantValid[k])
				}
			}
			checkSplit(t, d, tr, va)
		})
	}
}

// checkSplit checks that tr and va partition d's rows, each in d's order,
// with consistent shapes and descriptions.
func checkSplit(t *testing.T, d, tr, va *Dataset) {
	t.Helper()
	a, b := rowIDs(tr), rowIDs(va)
	if !slices.IsSorted(a) || !slices.IsSorted(b) {
		t.Error("split does not keep the row order")
	}
	all := slices.Sorted(slices.Values(append(slices.Clone(a), b...)))
	if !slices.Equal(all, rowIDs(d)) {
		t.Error("split is not a partition of the rows")
	}
	for _, s := range []*Dataset{tr, va} {
		if len(s.X) != s.N*s.D || len(s.Y) != s.N || s.D != d.D || s.Task != d.Task || s.Classes != d.Classes ||
			!slices.Equal(s.Labels, d.Labels) || !slices.Equal(s.Features, d.Features) || s.Target != d.Target {
			t.Errorf("inconsistent split part: N=%d D=%d len(X)=%d len(Y)=%d", s.N, s.D, len(s.X), len(s.Y))
		}
		for i := 0; i < s.N; i++ {
			id := int(s.Row(i)[0])
			if s.Y[i] != d.Y[id] {
				t.Errorf("row %d: target %v, want %v", id, s.Y[i], d.Y[id])
			}
		}
	}
}

// splitOf splits a copy of d, leaving d as the reference for checkSplit.
func splitOf(d *Dataset, fraction float64, seed uint64) (*Dataset, *Dataset, error) {
	c := *d
	c.X, c.Y = slices.Clone(d.X), slices.Clone(d.Y)
	return SplitValidation(&c, fraction, seed)
}

// TestSplitValidationInPlace: the split reorders the input's rows — training
// rows first, validation rows last — and returns views of its memory.
func TestSplitValidationInPlace(t *testing.T) {
	ref := classDataset(40, 60, 25)
	d := *ref
	d.X, d.Y = slices.Clone(ref.X), slices.Clone(ref.Y)
	tr, va, err := SplitValidation(&d, 0.2, 7)
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, ref, tr, va)
	if &tr.X[0] != &d.X[0] || &va.X[0] != &d.X[tr.N*d.D] || &va.Y[0] != &d.Y[tr.N] {
		t.Error("the split copied rows instead of reordering them in place")
	}
	if cap(tr.X) != len(tr.X) || cap(va.X) != len(va.X) {
		t.Error("a view can grow into its neighbour")
	}
}

func TestSplitValidationRegression(t *testing.T) {
	d := regressionDataset(10)
	tr, va, err := splitOf(d, 0.25, 3)
	if err != nil {
		t.Fatal(err)
	}
	// round(0.25·10) = round(2.5) = 3.
	if va.N != 3 || tr.N != 7 {
		t.Errorf("sizes %d/%d, want 7/3", tr.N, va.N)
	}
	checkSplit(t, d, tr, va)
	// A tiny fraction still gives one validation row: round(0.01·10) = 0 → 1.
	_, va, err = splitOf(d, 0.01, 3)
	if err != nil || va.N != 1 {
		t.Errorf("fraction 0.01: %v, %d rows", err, va.N)
	}
}

func TestSplitValidationDeterminism(t *testing.T) {
	for _, d := range []*Dataset{classDataset(40, 60, 25), regressionDataset(100)} {
		t.Run(string(d.Task), func(t *testing.T) {
			_, va1, err := splitOf(d, 0.2, 7)
			if err != nil {
				t.Fatal(err)
			}
			_, va2, _ := splitOf(d, 0.2, 7)
			_, va3, _ := splitOf(d, 0.2, 8)
			if !slices.Equal(rowIDs(va1), rowIDs(va2)) {
				t.Error("same seed, different splits")
			}
			if slices.Equal(rowIDs(va1), rowIDs(va3)) {
				t.Error("seeds 7 and 8 give the same split")
			}
			// The input is left unchanged.
			if !slices.Equal(rowIDs(d), identityIDs(d.N)) {
				t.Error("split changed its input")
			}
		})
	}
}

func identityIDs(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i
	}
	return ids
}

func TestSplitValidationErrors(t *testing.T) {
	tests := []struct {
		name     string
		d        *Dataset
		fraction float64
		msg      string
	}{
		{"zero", regressionDataset(10), 0, "--valid-fraction 0 is not between 0 and 1"},
		{"one", regressionDataset(10), 1, "--valid-fraction 1 is not between 0 and 1"},
		{"negative", regressionDataset(10), -0.5, "--valid-fraction -0.5 is not between 0 and 1"},
		{"nan", regressionDataset(10), math.NaN(), "--valid-fraction NaN is not between 0 and 1"},
		{"one row", regressionDataset(1), 0.5, "a validation split of 0.5 leaves no validation rows (1 row in all)"},
		{"singleton classes", classDataset(1, 1, 1), 0.5,
			"a validation split of 0.5 leaves no validation rows (3 rows in all): the split is stratified, and each of the 3 classes has a single row, which stays in training"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := SplitValidation(tt.d, tt.fraction, 1)
			inputerrtest.Check(t, err, tt.msg, "")
		})
	}
}

func TestShuffle(t *testing.T) {
	d := regressionDataset(1000)
	Shuffle(d, 42)
	ids := rowIDs(d)
	// A permutation: every row once, each row intact (features i, −i and
	// target i/2 move together).
	if !slices.Equal(slices.Sorted(slices.Values(ids)), identityIDs(d.N)) {
		t.Fatal("not a permutation")
	}
	for i, id := range ids {
		if r := d.Row(i); r[1] != -float32(id) || d.Y[i] != float32(id)/2 {
			t.Fatalf("row %d (id %d) torn: %v, %v", i, id, r, d.Y[i])
		}
	}
	if slices.IsSorted(ids) {
		t.Error("Shuffle left the order unchanged")
	}
	e := regressionDataset(1000)
	Shuffle(e, 42)
	if !slices.Equal(rowIDs(e), ids) {
		t.Error("same seed, different order")
	}
	f := regressionDataset(1000)
	Shuffle(f, 43)
	if slices.Equal(rowIDs(f), ids) {
		t.Error("seeds 42 and 43 give the same order")
	}
	// Nested fractions are prefixes of the one permutation.
	if !slices.Equal(rowIDs(d.Rows(100)), ids[:100]) {
		t.Error("Rows(100) is not the prefix")
	}

	// Golden order, computed by an independent Python implementation of
	// PCG-DXSM (math/rand/v2's 128-bit LCG constants, state (1, "clc-perm"))
	// with Lemire bounded draws and the same Fisher–Yates loop; it pins
	// the permutation, which every recorded sweep depends on.
	g := regressionDataset(10)
	Shuffle(g, 1)
	if got, want := rowIDs(g), goldenShuffle; !slices.Equal(got, want) {
		t.Errorf("Shuffle(10 rows, seed 1) = %v, want %v", got, want)
	}

	// Degenerate sizes do not panic.
	Shuffle(regressionDataset(0), 1)
	Shuffle(regressionDataset(1), 1)
}

var goldenShuffle = []int{2, 7, 5, 3, 8, 6, 9, 0, 4, 1}

func TestBoundedUint(t *testing.T) {
	// Uniformity over [0, 3): 30000 draws, each count within 4% of 10000
	// (the standard deviation of a count is √(30000·1/3·2/3) ≈ 82, so 4% is
	// about 5 standard deviations).
	rng := rand.NewPCG(9, 0)
	var c [3]int
	for range 30000 {
		c[boundedUint(rng, 3)]++
	}
	for k, n := range c {
		if n < 9600 || n > 10400 {
			t.Errorf("count of %d = %d", k, n)
		}
	}
}

// TestScaler checks FitScaler and Apply against hand-computed statistics
// (numpy's x.mean(axis=0), x.std(axis=0) with ddof=0).
func TestScaler(t *testing.T) {
	// Column a = 1, 2, 3, 4: mean 2.5, population variance
	// (1.5² + 0.5² + 0.5² + 1.5²)/4 = 1.25, std √1.25. Column b is constant
	// (std 0 → 1). Column c = 0, 0, 0, 8: mean 2, variance (3·4 + 36)/4 = 12.
	// Target 2, 4, 4, 4, 5, 5, 7, 9 is the textbook example with mean 5 and
	// population std 2; here y has 4 rows: 2, 4, 4, 6 → mean 4, variance
	// (4 + 0 + 0 + 4)/4 = 2.
	d := &Dataset{
		X: []float32{
			1, 5, 0,
			2, 5, 0,
			3, 5, 0,
			4, 5, 8,
		},
		Y: []float32{2, 4, 4, 6}, N: 4, D: 3, Task: Regression,
	}
	s := FitScaler(d)
	want := Scaler{Mean: []float64{2.5, 5, 2}, Std: []float64{math.Sqrt(1.25), 1, math.Sqrt(12)}, TargetMean: 4, TargetStd: math.Sqrt(2)}
	const tol = 1e-15
	for j := range want.Mean {
		if math.Abs(s.Mean[j]-want.Mean[j]) > tol || math.Abs(s.Std[j]-want.Std[j]) > tol {
			t.Errorf("feature %d: mean %v std %v, want %v %v", j, s.Mean[j], s.Std[j], want.Mean[j], want.Std[j])
		}
	}
	if math.Abs(s.TargetMean-want.TargetMean) > tol || math.Abs(s.TargetStd-want.TargetStd) > tol {
		t.Errorf("target mean %v std %v, want %v %v", s.TargetMean, s.TargetStd, want.TargetMean, want.TargetStd)
	}
	s.Apply(d)
	// (1 − 2.5)/√1.25 = −1.3416407864998738; (0 − 2)/√12 = −0.5773502691896258;
	// (8 − 2)/√12 = 1.7320508075688772; (2 − 4)/√2 = −1.4142135623730951.
	wantX := []float64{
		-1.3416407864998738, 0, -0.5773502691896258,
		-0.4472135954999579, 0, -0.5773502691896258,
		0.4472135954999579, 0, -0.5773502691896258,
		1.3416407864998738, 0, 1.7320508075688772,
	}
	wantY := []float64{-1.4142135623730951, 0, 0, 1.4142135623730951}
	for i, w := range wantX {
		if math.Abs(float64(d.X[i])-w) > 1e-7 { // float32 storage
			t.Errorf("X[%d] = %v, want %v", i, d.X[i], w)
		}
	}
	for i, w := range wantY {
		if math.Abs(float64(d.Y[i])-w) > 1e-7 {
			t.Errorf("Y[%d] = %v, want %v", i, d.Y[i], w)
		}
	}
	// After scaling: mean 0 and population std 1 for varying columns.
	s2 := FitScaler(d)
	for j := range 3 {
		if math.Abs(s2.Mean[j]) > 1e-7 || math.Abs(s2.Std[j]-1) > 1e-6 {
			t.Errorf("scaled feature %d: mean %v std %v", j, s2.Mean[j], s2.Std[j])
		}
	}
}

func TestScalerClassification(t *testing.T) {
	d := classDataset(2, 3)
	s := FitScaler(d)
	if s.TargetMean != 0 || s.TargetStd != 1 {
		t.Errorf("target stats %v %v, want 0 1", s.TargetMean, s.TargetStd)
	}
	// Feature i = 0..4: mean 2, variance (4+1+0+1+4)/5 = 2.
	if s.Mean[0] != 2 || math.Abs(s.Std[0]-math.Sqrt(2)) > 1e-15 {
		t.Errorf("mean %v std %v", s.Mean[0], s.Std[0])
	}
	y := slices.Clone(d.Y)
	s.Apply(d)
	if !slices.Equal(d.Y, y) {
		t.Error("Apply changed class indices")
	}
	// A validation set is scaled with the training statistics.
	v := classDataset(1, 1)
	s.Apply(v)
	if want := float32((0 - 2) / math.Sqrt(2)); v.X[0] != want {
		t.Errorf("validation X[0] = %v, want %v", v.X[0], want)
	}
	// An empty dataset: means 0, stds 1.
	e := FitScaler(&Dataset{D: 2, Task: Regression})
	if !slices.Equal(e.Mean, []float64{0, 0}) || !slices.Equal(e.Std, []float64{1, 1}) || e.TargetStd != 1 {
		t.Errorf("empty scaler %+v", e)
	}
}

// TestScalerConstantColumn checks that a constant float32 column has std
// exactly 0 (so 1) in float64: the sum of n copies of a float32 is exact.
func TestScalerConstantColumn(t *testing.T) {
	d := &Dataset{D: 1, Task: Classification, Classes: 1}
	for range 1001 {
		d.X = append(d.X, 0.1)
		d.Y = append(d.Y, 0)
		d.N++
	}
	s := FitScaler(d)
	if s.Std[0] != 1 || s.Mean[0] != float64(float32(0.1)) {
		t.Errorf("mean %v std %v", s.Mean[0], s.Std[0])
	}
	s.Apply(d)
	if d.X[0] != 0 {
		t.Errorf("scaled constant = %v, want 0", d.X[0])
	}
}

func TestScalerApplyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a feature count mismatch")
		}
	}()
	Scaler{Mean: []float64{0}, Std: []float64{1}}.Apply(regressionDataset(2))
}

// TestTargetRMSE checks TargetRMSE against the RMSE computed in the
// target's units: predictions made on the standardized scale are mapped
// back (ŷ = ŷ'·std + mean) and compared with the raw targets.
func TestTargetRMSE(t *testing.T) {
	d := regressionDataset(50)
	raw := slices.Clone(d.Y)
	s := FitScaler(d)
	s.Apply(d)
	var mseStd, sse float64
	for i, y := range d.Y {
		pred := 0.3*float64(y) + 0.1*float64(i%7) // any prediction, standardized scale
		e := pred - float64(y)
		mseStd += e * e
		back := pred*s.TargetStd + s.TargetMean
		u := back - float64(raw[i])
		sse += u * u
	}
	mseStd /= float64(d.N)
	want := math.Sqrt(sse / float64(d.N))
	if got := s.TargetRMSE(mseStd); math.Abs(got-want) > 1e-5*want {
		t.Errorf("TargetRMSE = %v, want %v", got, want)
	}
	// Predicting the mean gives the target's standard deviation.
	if got := s.TargetRMSE(1); got != s.TargetStd {
		t.Errorf("TargetRMSE(1) = %v, want the target's std %v", got, s.TargetStd)
	}
}
