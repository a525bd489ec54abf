package train

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/table"
)

// TestCheckDatasets checks each warning's rule at and around its
// threshold.
func TestCheckDatasets(t *testing.T) {
	split := func(d *Dataset, f float64) (*Dataset, *Dataset) {
		tr, va, err := SplitValidation(d, f, 1)
		if err != nil {
			t.Fatal(err)
		}
		return tr, va
	}
	tests := []struct {
		name     string
		d        *Dataset
		fraction float64
		want     []Warning
	}{
		// 300 rows split 0.1: 30 validation rows, balanced: nothing to say.
		{"enough rows", classDataset(150, 150), 0.1, nil},
		// 289 rows: 29 validation rows (round(14.4) + round(14.5) = 14 + 15).
		{"29 validation rows", classDataset(144, 145), 0.1, []Warning{SmallValidation{Rows: 29}}},
		// 3 positives in 400: 3 < 0.05·397.
		{"3 of 400", classDataset(397, 3), 0.1, []Warning{ClassImbalance{Label: "1", Rows: 3, Largest: "0", Most: 397, Total: 400}}},
		// The rarest class against 5% of the most common: 20 ≥ 0.05·380 = 19, 19 < 0.05·381.
		{"20 of 400", classDataset(380, 20), 0.1, nil},
		{"19 of 400", classDataset(381, 19), 0.1, []Warning{ClassImbalance{Label: "1", Rows: 19, Largest: "0", Most: 381, Total: 400}}},
		// 100 classes of 2 rows split 0.1: one row of each class, 100 of 200.
		{"many small classes", classDataset(repeat(2, 100)...), 0.1, []Warning{SplitShare{Rows: 100, Total: 200, Fraction: 0.1, Classes: 100}}},
		{"regression", regressionDataset(500), 0.1, nil},
		{"small regression", regressionDataset(100), 0.1, []Warning{SmallValidation{Rows: 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, va := split(tt.d, tt.fraction)
			if got := CheckDatasets(tr, va, tt.fraction); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("CheckDatasets = %#v, want %#v", got, tt.want)
			}
		})
	}
	// A separate validation file: no split share to check.
	tr, va := split(classDataset(repeat(2, 100)...), 0.1)
	if got := CheckDatasets(tr, va, 0); got != nil {
		t.Errorf("without a split: %v", got)
	}
}

func repeat(n, times int) []int {
	out := make([]int, times)
	for i := range out {
		out[i] = n
	}
	return out
}

// TestCheckValidationFile: the same path, the same file through a link and
// a copy of the bytes are the training data; another file is not.
func TestCheckValidationFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	load := func(p string) *table.Table {
		tab, err := table.Load(context.Background(), p, nil, table.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return tab
	}
	data := "a,y\n1,0\n2,1\n"
	a := write("a.csv", data)
	c := write("copy.csv", data)
	o := write("other.csv", "a,y\n1,0\n3,1\n")
	link := filepath.Join(dir, "link.csv")
	if err := os.Link(a, link); err != nil {
		t.Skip(err)
	}
	for _, tt := range []struct {
		valid    string
		want     bool
		samePath bool
	}{{a, true, true}, {link, true, true}, {c, true, false}, {o, false, false}} {
		got := CheckValidationFile(load(a), load(tt.valid))
		if (got != nil) != tt.want {
			t.Errorf("%s: %v", tt.valid, got)
			continue
		}
		if tt.want {
			w := got[0].(SameData)
			if w.SamePath != tt.samePath || !strings.Contains(w.String(), "the training file") {
				t.Errorf("%s: %#v %q", tt.valid, w, w)
			}
		}
	}
}
