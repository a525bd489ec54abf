// Command clc is a learning-rate tuner: it sweeps learning rates on small,
// nested fractions of a dataset, fits how the optimal rate scales with the
// dataset size, and derives the cumulative-learning constant C = η*·T.
package main

import "os"

func main() { os.Exit(Main()) }
