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
