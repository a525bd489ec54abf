// Package numfmt formats numbers for people: a few significant digits,
// plain decimals over the range where they read better than exponents.
package numfmt

import (
	"math"
	"strconv"
)

// Sig formats v rounded to digits significant digits, as a plain decimal
// when plainFrom ≤ |v| < 10⁶ (0.0123, 1230) and in exponent form otherwise
// (1e-05). Rounding to fewer than 16 digits also drops binary noise such as
// 0.30000000000000004.
func Sig(v float64, digits int, plainFrom float64) string {
	s := strconv.FormatFloat(v, 'g', digits, 64)
	if a := math.Abs(v); a >= plainFrom && a < 1e6 {
		r, _ := strconv.ParseFloat(s, 64)
		s = strconv.FormatFloat(r, 'f', -1, 64)
	}
	return s
}

// Fixed formats v with decimals digits after the point, writing a value
// that rounds to zero as 0 without a sign ("0.000", never "-0.000").
func Fixed(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if s[0] == '-' {
		if r, _ := strconv.ParseFloat(s, 64); r == 0 {
			s = s[1:]
		}
	}
	return s
}

// Count writes n with its unit in the singular or the plural: "1 seed",
// "3 seeds".
func Count(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return strconv.Itoa(n) + " " + plural
}
