package scaling_test

import (
	"fmt"
	"math"

	"github.com/clc-tools/clc/internal/scaling"
)

// Optima measured at four dataset sizes follow η* = 0.5·N^−0.5 up to a few
// hundredths of a decade; FitLaw recovers the exponent with its interval
// and checks how well three sizes predict the fourth.
func ExampleFitLaw() {
	offsets := []float64{0.02, -0.01, -0.02, 0.01} // measurement noise, decades
	var optima []scaling.Optimum
	for i, d := range offsets {
		n := 1000 << (2 * i) // 1000, 4000, 16000, 64000
		lr := 0.5 * math.Pow(float64(n), -0.5) * math.Pow(10, d)
		optima = append(optima, scaling.Optimum{N: n, LR: lr, LogSE: 0.03, Usable: true, Bracketed: true})
	}
	law, err := scaling.FitLaw(optima)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("alpha = %.3f ± %.3f, 95%% CI [%.3f, %.3f]\n", law.Alpha, law.AlphaSE, law.AlphaCI[0], law.AlphaCI[1])
	fmt.Printf("k = %.3f, R² = %.3f, %d points\n", law.K, law.R2, law.Points)
	lr, lo, hi := law.Predict(256000)
	fmt.Printf("η*(256000) = %.2e [%.2e, %.2e]\n", lr, lo, hi)
	e := law.Extrapolation
	fmt.Printf("leave-largest-out: miss %+.3f decades (%.1fσ)\n", e.MissDecades, e.Sigma)
	// Output:
	// alpha = -0.507 ± 0.023, 95% CI [-0.553, -0.461]
	// k = 0.531, R² = 0.998, 4 points
	// η*(256000) = 9.66e-04 [8.11e-04, 1.15e-03]
	// leave-largest-out: miss -0.053 decades (-0.9σ)
}
