package numfmt

import "testing"

func TestSig(t *testing.T) {
	for _, c := range []struct {
		v         float64
		digits    int
		plainFrom float64
		want      string
	}{
		{1234.5, 3, 1e-3, "1230"}, {0.012345, 3, 1e-3, "0.0123"}, {0.00005, 3, 1e-3, "5e-05"},
		{0.0005, 3, 1e-4, "0.0005"}, {2e6, 3, 1e-3, "2e+06"}, {-0.3, 3, 1e-3, "-0.3"},
		{0.1 + 0.2, 10, 1e-4, "0.3"}, {1e-5, 10, 1e-4, "1e-05"}, {0, 3, 1e-3, "0"},
	} {
		if got := Sig(c.v, c.digits, c.plainFrom); got != c.want {
			t.Errorf("Sig(%v, %d, %g) = %q, want %q", c.v, c.digits, c.plainFrom, got, c.want)
		}
	}
}

func TestFixed(t *testing.T) {
	for _, c := range []struct {
		v    float64
		d    int
		want string
	}{{-0.0001, 3, "0.000"}, {-0.0006, 3, "-0.001"}, {0.1234, 2, "0.12"}, {-1.5, 1, "-1.5"}, {0, 2, "0.00"}} {
		if got := Fixed(c.v, c.d); got != c.want {
			t.Errorf("Fixed(%v, %d) = %q, want %q", c.v, c.d, got, c.want)
		}
	}
}

func TestCount(t *testing.T) {
	if got := Count(1, "seed", "seeds"); got != "1 seed" {
		t.Errorf("Count(1) = %q", got)
	}
	if got := Count(0, "journal", "journals"); got != "0 journals" {
		t.Errorf("Count(0) = %q", got)
	}
}
