package scaling_test

import (
	"fmt"
	"math"

	"github.com/clc-tools/clc/internal/scaling"
)

// Optima measured at four dataset sizes follow η* = 0.5·N^−0.5 up to a few
// hundredths of a decade, each with a standard error of 0.03 decades from a
// noise model with 6 degrees of freedom. FitLaw recovers the exponent with
// its interval, finds no scatter beyond those errors (τ = 0), predicts a
// size 4× beyond the largest with a prediction interval (which allows for
// the exponent to drift, as much as the four points leave possible: see
// Bend; the truth is 9.88e-04), and checks how well three sizes predict
// the fourth.
func ExampleFitLaw() {
	offsets := []float64{0.02, -0.01, -0.02, 0.01} // measurement noise, decades
	var optima []scaling.Optimum
	for i, d := range offsets {
		n := 1000 << (2 * i) // 1000, 4000, 16000, 64000
		lr := 0.5 * math.Pow(float64(n), -0.5) * math.Pow(10, d)
		optima = append(optima, scaling.Optimum{N: n, LR: lr, LogSE: 0.03, DoF: 6, Usable: true, Bracketed: true})
	}
	law, err := scaling.FitLaw(optima)
	if err != nil {
		fmt.Println(err)
		return
	}
	// SE(α) = 0.03/√Sxx with Sxx = (log10 4)²·5 = 1.812: 0.0223, times
	// t(0.975, 6) = 2.447.
	fmt.Printf("alpha = %.3f ± %.3f, 95%% CI [%.3f, %.3f], τ = %.3f\n", law.Alpha, law.AlphaSE, law.AlphaCI[0], law.AlphaCI[1], law.Tau)
	fmt.Printf("k = %.3f, R² = %.3f, %d points\n", law.K, law.R2, law.Points)
	lr, lo, hi := law.Predict(256000)
	fmt.Printf("η*(256000) = %.2e [%.2e, %.2e]\n", lr, lo, hi)
	e := law.Extrapolation
	fmt.Printf("leave-largest-out: miss %+.3f decades (%.1fσ, p = %.2f)\n", e.MissDecades, e.Sigma, e.PValue)
	// Output:
	// alpha = -0.507 ± 0.022, 95% CI [-0.561, -0.452], τ = 0.000
	// k = 0.531, R² = 0.998, 4 points
	// η*(256000) = 9.66e-04 [5.95e-04, 1.57e-03]
	// leave-largest-out: miss -0.053 decades (-0.5σ, p = 0.65)
}
