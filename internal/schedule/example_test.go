package schedule_test

import (
	"fmt"
	"os"

	"github.com/clc-tools/clc/internal/schedule"
)

// A cosine schedule over 5 steps with a floor of 10% of the peak, carrying
// a cumulative learning of 3 lr·steps: s(t) = 0.1 + 0.9·(1 + cos(πt/4))/2
// sums to 2.75, so η_t = 3·s(t)/2.75.
func ExampleDesign() {
	s, err := schedule.Design(schedule.Spec{Shape: schedule.Cosine, MinRatio: 0.1}, 5, 3, schedule.PerStep, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for t, r := range s.Rates {
		fmt.Printf("step %d: %.4f\n", t, r)
	}
	fmt.Printf("area %.4g, peak %.4f, final %.4f (%.2f of the peak)\n", s.Area, s.Peak, s.Final, s.Final/s.Peak)
	// Output:
	// step 0: 1.0909
	// step 1: 0.9471
	// step 2: 0.6000
	// step 3: 0.2529
	// step 4: 0.1091
	// area 3, peak 1.0909, final 0.1091 (0.10 of the peak)
}

// A step schedule (halved at step 2) as a Keras PiecewiseConstantDecay:
// 1 while step ≤ 1, then 0.5.
func ExampleWrite() {
	s, err := schedule.Design(schedule.Spec{Shape: schedule.Step, Milestones: []float64{2}, Gamma: 0.5}, 4, 3, schedule.PerStep, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := schedule.Write(os.Stdout, s, schedule.Keras, schedule.Header{Tool: "clc example"}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {
	//   "checksum": "60094ec19ab03be6172c0ca9965aff4e4f3390a43a4e1b83c2ae4bc5406e836f",
	//   "clc": {
	//     "format": "clc-schedule",
	//     "version": 1,
	//     "tool": "clc example",
	//     "shape": "step",
	//     "milestones": [
	//       2
	//     ],
	//     "gamma": 0.5,
	//     "steps": 4,
	//     "per": "step",
	//     "unit": "lr·steps",
	//     "area": 3,
	//     "peak": 1,
	//     "final": 0.5
	//   },
	//   "class_name": "PiecewiseConstantDecay",
	//   "config": {
	//     "boundaries": [
	//       1
	//     ],
	//     "values": [
	//       1,
	//       0.5
	//     ],
	//     "name": "clc_step"
	//   }
	// }
}
