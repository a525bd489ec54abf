package clc

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
)

func TestParseFractions(t *testing.T) {
	cases := []struct {
		in    string
		vals  []float64
		texts []string
		err   string
	}{
		{in: "1/32,1/16,1/8,1/4,1", vals: []float64{1.0 / 32, 1.0 / 16, 0.125, 0.25, 1}, texts: []string{"1/32", "1/16", "1/8", "1/4", "1"}},
		{in: "0.5, 1/4", vals: []float64{0.25, 0.5}, texts: []string{"1/4", "0.5"}},
		{in: "0.25,1/4", err: `fraction "1/4" repeats "0.25"`},
		{in: "0", err: `fraction "0" is outside (0, 1]`},
		{in: "-1/4", err: `fraction "-1/4" is outside (0, 1]`},
		{in: "5/4", err: `fraction "5/4" is outside (0, 1]`},
		{in: "abc", err: `fraction "abc" is not a number or ratio`},
		{in: "1/0", err: `fraction "1/0" is not a number or ratio`},
		{in: " , ", err: "fractions is empty"},
		{in: ",1/2", err: `fractions ",1/2" has an empty item`},
		{in: "", err: "fractions is empty"},
	}
	for _, c := range cases {
		vals, texts, err := ParseFractions(c.in)
		if c.err != "" {
			if _, ok := inputerr.As(err); !ok || err.Error() != c.err {
				t.Errorf("ParseFractions(%q) error = %v, want input error %q", c.in, err, c.err)
			}
			if ie, _ := inputerr.As(err); strings.HasPrefix(c.err, "fractions") && ie.Param != "fractions" {
				t.Errorf("ParseFractions(%q) names the setting %q, want fractions", c.in, ie.Param)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(vals, c.vals) || !reflect.DeepEqual(texts, c.texts) {
			t.Errorf("ParseFractions(%q) = %v, %v, %v; want %v, %v", c.in, vals, texts, err, c.vals, c.texts)
		}
	}
}

func TestParseRates(t *testing.T) {
	got, err := ParseRates("0.1, 0.001,0.01")
	if err != nil || !reflect.DeepEqual(got, []float64{0.001, 0.01, 0.1}) {
		t.Fatalf("ParseRates = %v, %v", got, err)
	}
	for in, want := range map[string]string{
		"0.1,0.01":       "needs at least 3",
		"0.1,0,0.2":      `"0" is not positive`,
		"0.1,x,0.2":      `"x" is not a finite number`,
		"0.1,NaN,0.2":    `"NaN" is not a finite number`,
		"0.1,1e400,0.2":  `"1e400" is out of range`,
		"0.1,,0.2":       "has an empty item",
		"0.1,0.1,0.2":    "appears twice",
		"0.1,-0.5,0.2,1": "not positive",
	} {
		if _, err := ParseRates(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRates(%q) error = %v, want it to contain %q", in, err, want)
		}
	}
}

func TestLogGrid(t *testing.T) {
	// The PyTorch peer's default grid: 10^(e/4), e = -16..0 (torch_peer.py).
	g, err := LogGrid(1e-4, 1, 17)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range g {
		want := math.Pow(10, float64(i-16)/4)
		if math.Abs(v-want) > 1e-12*want {
			t.Errorf("grid[%d] = %g, want %g", i, v, want)
		}
	}
	for _, c := range []struct {
		lo, hi float64
		n      int
		want   string
	}{
		{1, 0.1, 5, "is not below"},
		{0.1, 0.1, 5, "is not below"},
		{0, 1, 5, "lr_min 0 must be a finite positive number"},
		{1e-3, 1, 2, "too few"},
		{1e-3, math.Inf(1), 5, "lr_max +Inf must be a finite positive number"},
	} {
		if _, err := LogGrid(c.lo, c.hi, c.n); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LogGrid(%g, %g, %d) error = %v, want %q", c.lo, c.hi, c.n, err, c.want)
		}
	}
}

func TestNewPlan(t *testing.T) {
	p, err := NewPlan(1000, []float64{1.0 / 32, 0.25, 1}, []float64{0.01, 0.1, 1}, 2, 16)
	if err != nil {
		t.Fatal(err)
	}
	// round(1000/32) = round(31.25) = 31.
	if !reflect.DeepEqual(p.Sizes, []int{31, 250, 1000}) {
		t.Errorf("sizes = %v", p.Sizes)
	}
	specs := p.Specs()
	if len(specs) != 3*3*2 {
		t.Fatalf("%d specs, want 18", len(specs))
	}
	if specs[0] != (TrialSpec{Fraction: 1.0 / 32, N: 31, LR: 0.01, Seed: 0}) || specs[17] != (TrialSpec{Fraction: 1, N: 1000, LR: 1, Seed: 1}) {
		t.Errorf("spec order: first %+v last %+v", specs[0], specs[17])
	}
	if _, err := NewPlan(1000, []float64{1.0 / 128}, []float64{0.1, 1, 2}, 1, 16); err == nil ||
		!strings.Contains(err.Error(), "fraction 1/128 leaves 8 of 1000 training rows, fewer than one batch of 16") {
		t.Errorf("small fraction error = %v", err)
	}
	if _, err := NewPlan(10, []float64{0.5, 0.51}, []float64{0.1, 1, 2}, 1, 1); err == nil || !strings.Contains(err.Error(), "both give 5 rows") {
		t.Errorf("duplicate size error = %v", err)
	}
}

// FuzzParseFractions: any accepted list is sorted, strictly increasing, in
// (0, 1], with one text per value; a rejected one is an input error.
func FuzzParseFractions(f *testing.F) {
	for _, s := range []string{"1/32,1/16,1/8,1/4,1", "0.5, 1/4", "0", "1/0", "3/2", ",", "1e-3", "0x1p-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vals, texts, err := ParseFractions(s)
		if err != nil {
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("ParseFractions(%q): %v is not an input error", s, err)
			}
			return
		}
		if len(vals) == 0 || len(vals) != len(texts) {
			t.Fatalf("ParseFractions(%q) = %v, %v", s, vals, texts)
		}
		for i, v := range vals {
			if !(v > 0 && v <= 1) || (i > 0 && v <= vals[i-1]) {
				t.Fatalf("ParseFractions(%q) = %v: not increasing in (0, 1]", s, vals)
			}
		}
	})
}

// FuzzParseRates: any accepted list has at least 3 finite, positive,
// strictly increasing rates.
func FuzzParseRates(f *testing.F) {
	for _, s := range []string{"0.1,0.01,0.001", "1e-4,1e-3,1e-2,1e-1", "0,1,2", "NaN,1,2", "inf,1,2", "1,1,2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lrs, err := ParseRates(s)
		if err != nil {
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("ParseRates(%q): %v is not an input error", s, err)
			}
			return
		}
		if len(lrs) < 3 {
			t.Fatalf("ParseRates(%q) = %v: fewer than 3", s, lrs)
		}
		for i, v := range lrs {
			if !(v > 0) || math.IsInf(v, 0) || (i > 0 && v <= lrs[i-1]) {
				t.Fatalf("ParseRates(%q) = %v", s, lrs)
			}
		}
	})
}

func TestFormatFraction(t *testing.T) {
	for f, want := range map[float64]string{
		1.0 / 32: "1/32", 0.5: "1/2", 1.0 / 3: "1/3", 1: "1", 0.3: "0.3", 0.75: "0.75", 0.0625: "1/16",
	} {
		if got := FormatFraction(f); got != want {
			t.Errorf("FormatFraction(%v) = %q, want %q", f, got, want)
		}
	}
	c := SweepConfig{Fractions: []float64{0.25, 0.5}, FractionText: []string{"0.25", ""}}
	if got := c.FractionLabel(0.25); got != "0.25" {
		t.Errorf("FractionLabel(0.25) = %q, want the user's text 0.25", got)
	}
	if got := c.FractionLabel(0.5); got != "1/2" {
		t.Errorf("FractionLabel(0.5) without text = %q, want 1/2", got)
	}
}
