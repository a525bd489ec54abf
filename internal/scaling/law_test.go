package scaling

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
)

// optimumAt is a usable, bracketed optimum with the given N, η* and LogSE.
func optimumAt(n int, lr, logSE float64, steps int) Optimum {
	return Optimum{N: n, LR: lr, LogSE: logSE, Steps: steps, Usable: true, Bracketed: true, Constant: lr * float64(steps)}
}

// seFor returns the LogSE whose weight 1/(LogSE² + 0.01²) is 1/v.
func seFor(v float64) float64 { return math.Sqrt(v - Log10SEFloor*Log10SEFloor) }

// threePoints: x = log10 N = 2, 3, 4; y = log10 η* = −1, −1.4, −2.2;
// point variances 0.01, 0.01, 0.04, so w = 100, 100, 25.
func threePoints() []Optimum {
	return []Optimum{
		optimumAt(100, 0.1, seFor(0.01), 10),
		optimumAt(1000, math.Pow(10, -1.4), seFor(0.01), 100),
		optimumAt(10000, math.Pow(10, -2.2), seFor(0.04), 1000),
	}
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestFitLawClosedForm(t *testing.T) {
	// By hand, with S = Σw = 225, x̄ = Σwx/S = 600/225 = 8/3,
	// ȳ = Σwy/S = −295/225 = −59/45, x − x̄ = −2/3, 1/3, 4/3,
	// y − ȳ = 14/45, −4/45, −40/45:
	//   Sxx = 100·4/9 + 100·1/9 + 25·16/9 = 100
	//   Sxy = (−2800 − 400 − 4000)/135 = −160/3
	//   α = Sxy/Sxx = −8/15,  log10 k = ȳ − α·x̄ = −59/45 + 64/45 = 1/9
	//   residuals −2/45, 4/45, −8/45 → χ² = (400 + 1600 + 1600)/2025 = 16/9
	//   Birge ratio χ²/(n − 2) = 16/9 > 1 inflates (XᵀWX)⁻¹:
	//   var α = (1/Sxx)·16/9 = 16/900 → SE 2/15
	//   var log10 k = (1/S + x̄²/Sxx)·16/9 = (68/900)·16/9 → SE √1088/90
	//   cov = (−x̄/Sxx)·16/9 = −32/675
	//   SStot = Σw(y − ȳ)² = 61200/2025 → R² = 1 − 3600/61200 = 16/17
	//   CI: α ± t(0.975, 1)·2/15, t(0.975, 1) = 12.7062047361747 (R: qt(0.975, 1))
	law, err := FitLaw(threePoints())
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-12
	checks := []struct {
		name      string
		got, want float64
	}{
		{"alpha", law.Alpha, -8.0 / 15},
		{"log10 k", math.Log10(law.K), 1.0 / 9},
		{"alpha SE", law.AlphaSE, 2.0 / 15},
		{"log10 k SE", law.Log10KSE, math.Sqrt(1088) / 90},
		{"cov", law.CovLogKAlpha, -32.0 / 675},
		{"R2", law.R2, 16.0 / 17},
		{"Birge ratio", law.BirgeRatio, 16.0 / 9},
		{"CI low", law.AlphaCI[0], -8.0/15 - 12.7062047361747*2/15},
		{"CI high", law.AlphaCI[1], -8.0/15 + 12.7062047361747*2/15},
	}
	for _, c := range checks {
		if !near(c.got, c.want, tol) {
			t.Errorf("%s = %.15g, want %.15g", c.name, c.got, c.want)
		}
	}
	if law.Points != 3 || law.DoF != 1 || law.NMin != 100 || law.NMax != 10000 {
		t.Errorf("points %d dof %d range [%d, %d]; want 3, 1, [100, 10000]", law.Points, law.DoF, law.NMin, law.NMax)
	}

	// Extrapolation: without N = 10⁴ the two points fit exactly,
	// y = −0.2 − 0.4x, predicting −1.8 at x = 4: miss = −1.8 − (−2.2) = 0.4.
	// Its variance (w = 100, 100: S = 200, x̄ = 2.5, Sxx = 50, no inflation
	// with 2 points) is 1/200 + 1.5²/50 = 0.05; the held-out optimum's is
	// 0.04, so σ = 0.4/√0.09 = 4/3.
	e := law.Extrapolation
	if e == nil {
		t.Fatal("no extrapolation with 3 points")
	}
	if e.N != 10000 || !near(e.MissDecades, 0.4, tol) || !near(e.Sigma, 4.0/3, tol) ||
		!near(math.Log10(e.PredictedLR), -1.8, tol) || !near(math.Log10(e.MeasuredLR), -2.2, tol) {
		t.Errorf("extrapolation = %+v; want N 10000, miss 0.4, σ 4/3, predicted 10^−1.8, measured 10^−2.2", *e)
	}
}

func TestLawPredict(t *testing.T) {
	law, err := FitLaw(threePoints())
	if err != nil {
		t.Fatal(err)
	}
	// At x = x̄ = 8/3 the variance is var(log10 k) + 2x̄·cov + x̄²·var α
	// = (68/900 − 128/900 + 64/900)·16/9 = 64/8100 (= 1/S inflated), so
	// the standard error is 8/90 = 4/45 and the prediction is ȳ = −59/45.
	n := math.Pow(10, 8.0/3)
	if s := law.Log10Sigma(n); !near(s, 4.0/45, 1e-12) {
		t.Errorf("Log10Sigma(10^(8/3)) = %.15g, want 4/45", s)
	}
	lr, lo, hi := law.Predict(n)
	const q = 12.7062047361747 // t(0.975, 1), R: qt(0.975, 1)
	if !near(math.Log10(lr), -59.0/45, 1e-12) ||
		!near(math.Log10(lo), -59.0/45-q*4/45, 1e-9) || !near(math.Log10(hi), -59.0/45+q*4/45, 1e-9) {
		t.Errorf("Predict = %v [%v, %v]; want 10^(−59/45 ∓ %v·4/45)", lr, lo, hi, q)
	}
	// At a fitted N the central value is k·N^α.
	if lr, _, _ := law.Predict(1000); !near(lr, law.K*math.Pow(1000, law.Alpha), 1e-15) {
		t.Errorf("Predict(1000) = %v, want k·1000^α = %v", lr, law.K*math.Pow(1000, law.Alpha))
	}
	// The band is narrowest near x̄ and widens outside the data.
	_, lo1, hi1 := law.Predict(1e6)
	if hi1/lo1 <= hi/lo {
		t.Errorf("band at 1e6 (%v) is not wider than at the centre (%v)", hi1/lo1, hi/lo)
	}
}

func TestFitLawExact(t *testing.T) {
	// Zero noise: η* = 3.5·N^−0.7 at 6 sizes; the fit must be exact.
	const k, alpha = 3.5, -0.7
	var os []Optimum
	for i := range 6 {
		n := 500 << i
		os = append(os, optimumAt(n, k*math.Pow(float64(n), alpha), 0.03, 10))
	}
	law, err := FitLaw(os)
	if err != nil {
		t.Fatal(err)
	}
	if !near(law.Alpha, alpha, 1e-12) || !near(law.K/k, 1, 1e-12) || !near(law.R2, 1, 1e-12) {
		t.Errorf("alpha %.15g k %.15g R² %v; want %v, %v, 1", law.Alpha, law.K, law.R2, alpha, k)
	}
	// χ² = 0, so the Birge ratio is 1: SE = 1/√Sxx with w = 1/(0.03² + 0.01²) = 1000
	// and x spaced by log10 2: Sxx = 1000·17.5·log10(2)².
	wantSE := 1 / math.Sqrt(1000*17.5*math.Log10(2)*math.Log10(2))
	if !near(law.AlphaSE, wantSE, 1e-9) {
		t.Errorf("AlphaSE = %v, want %v", law.AlphaSE, wantSE)
	}
	// Birge ratio 0 ≤ 1: the errors are known, the interval uses 1.96.
	if law.BirgeRatio > 1e-20 || !near(law.AlphaCI[1]-law.Alpha, 1.959963984540054*wantSE, 1e-9) {
		t.Errorf("Birge ratio %v, CI %v; want 0 and α ± 1.96·SE", law.BirgeRatio, law.AlphaCI)
	}
	if e := law.Extrapolation; e == nil || !near(e.MissDecades, 0, 1e-12) || e.N != 500<<5 {
		t.Errorf("extrapolation = %+v, want a zero miss at N = 16000", e)
	}
}

func TestFitLawTwoPoints(t *testing.T) {
	// Two points: no residual degrees of freedom, so the interval uses the
	// normal quantile 1.96 and no extrapolation is possible.
	// w = 1/(0.0099 + 0.0001) = 100 each, x = 3, 4: Sxx = 100·(0.25 + 0.25) = 50,
	// SE α = 1/√50.
	law, err := FitLaw([]Optimum{optimumAt(1000, 0.01, seFor(0.01), 10), optimumAt(10000, 0.001, seFor(0.01), 100)})
	if err != nil {
		t.Fatal(err)
	}
	se := 1 / math.Sqrt(50)
	if !near(law.Alpha, -1, 1e-12) || !near(law.AlphaSE, se, 1e-12) || law.DoF != 0 || law.Extrapolation != nil {
		t.Errorf("law = %+v; want α = −1, SE %v, DoF 0, no extrapolation", law, se)
	}
	if !near(law.AlphaCI[1]-law.Alpha, 1.959963984540054*se, 1e-12) {
		t.Errorf("CI half-width = %v, want 1.96·SE = %v", law.AlphaCI[1]-law.Alpha, 1.96*se)
	}
}

func TestFitLawCoverage(t *testing.T) {
	// Synthetic optima η* = k·N^α·10^ε, ε ~ N(0, 0.05²), 6 sizes, each
	// reporting LogSE = 0.05. With correct errors the 3·SE band should
	// hold α̂ nearly always and the 95% interval should cover α about 95%
	// of the time (a little more: the covariance is never scaled below the
	// stated errors, and σ0 adds to them; 20000 repetitions give 97.3%).
	const k, alpha, sd, reps = 0.8, -0.45, 0.05, 200
	rng := rand.New(rand.NewPCG(2025, 5))
	within3, covered := 0, 0
	for range reps {
		var os []Optimum
		for i := range 6 {
			n := 1000 << i
			eps := sd * rng.NormFloat64()
			os = append(os, optimumAt(n, k*math.Pow(float64(n), alpha)*math.Pow(10, eps), sd, 10))
		}
		law, err := FitLaw(os)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(law.Alpha-alpha) <= 3*law.AlphaSE {
			within3++
		}
		if law.AlphaCI[0] <= alpha && alpha <= law.AlphaCI[1] {
			covered++
		}
	}
	if within3 < reps*90/100 {
		t.Errorf("|α̂ − α| ≤ 3·SE in %d of %d fits, want ≥ 90%%", within3, reps)
	}
	if covered < reps*88/100 || covered > reps*99/100 {
		t.Errorf("95%% interval covered α in %d of %d fits, want 88%%–99%%", covered, reps)
	}
	t.Logf("within 3 SE: %d/%d, CI coverage: %d/%d", within3, reps, covered, reps)
}

func TestFitLawErrors(t *testing.T) {
	unbracketed := optimumAt(4000, 0.01, 0.05, 10)
	unbracketed.Bracketed, unbracketed.Edge = false, "high"
	dead := Optimum{N: 8000}
	tests := []struct {
		name   string
		optima []Optimum
		msg    string
	}{
		{"none", nil, "fewer than 2 usable optima to fit the law (have 0 of 0 fractions)"},
		{"one usable", []Optimum{optimumAt(1000, 0.1, 0.05, 10), unbracketed, dead},
			"fewer than 2 usable optima to fit the law (have 1 of 3 fractions)"},
		{"same N", []Optimum{optimumAt(1000, 0.1, 0.05, 10), optimumAt(1000, 0.2, 0.05, 10)},
			"every usable optimum has the same dataset size N = 1000; the law needs at least 2 sizes"},
	}
	for _, tc := range tests {
		_, err := FitLaw(tc.optima)
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("%s: error %v is not an input error", tc.name, err)
			continue
		}
		if ie.Msg != tc.msg || ie.Hint == "" {
			t.Errorf("%s: message %q hint %q; want %q and a hint", tc.name, ie.Msg, ie.Hint, tc.msg)
		}
	}
	_, err := FitLaw([]Optimum{optimumAt(1000, 0.1, 0.05, 10)})
	if ie, _ := inputerr.As(err); !strings.Contains(ie.Hint, "lr_min/lr_max") {
		t.Errorf("hint %q does not name the settings lr_min/lr_max", ie.Hint)
	}
	// Unbracketed and unusable optima are left out of the fit.
	law, err := FitLaw([]Optimum{optimumAt(1000, 0.1, 0.05, 10), optimumAt(2000, 0.05, 0.05, 10), unbracketed, dead})
	if err != nil || law.Points != 2 || law.NMax != 2000 {
		t.Errorf("law %+v err %v; want 2 points up to N = 2000", law, err)
	}
}
