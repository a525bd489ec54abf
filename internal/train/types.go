// Package train holds clc's built-in training engine: datasets (task
// detection, the validation split, z-scoring, the row shuffle) built from
// tables read by package table, linear and MLP models, mean squared error and
// cross-entropy losses, PyTorch-compatible SGD, momentum and Adam optimizers,
// and a minibatch training loop with divergence detection.
//
// Conventions (mirrored by the repository's PyTorch reference,
// scripts/torch_peer.py, so that results compare): features are z-scored
// with the statistics of all training rows (std 0 → 1); regression targets
// are standardized the same way; weights and biases start
// ~ U(-1/√fan_in, 1/√fan_in) as in PyTorch's nn.Linear; losses are means over
// the batch; each epoch draws a fresh permutation of the rows and every step
// uses a minibatch of B consecutive rows of it, the remainder rows being
// dropped, so an epoch over N rows takes floor(N/B) steps.
package train

// Task says what the target column means.
type Task string

const (
	// Classification: the target holds integer class ids 0..K-1 after
	// relabelling; the loss is mean cross-entropy over softmax outputs.
	Classification Task = "classification"
	// Regression: the target is a real number, standardized; the loss is mean
	// squared error.
	Regression Task = "regression"
)

// Dataset is a dense row-major float32 design matrix with one target per row.
//
// Rows(n) returns a view of the first n rows that shares memory with d; clc's
// nested fractions are such prefixes of one seeded permutation of the training
// rows, so no fraction copies data.
type Dataset struct {
	X        []float32 // N×D features, row-major
	Y        []float32 // N targets: a class index (0..Classes-1) or a real value
	N        int       // rows
	D        int       // features per row
	Task     Task
	Classes  int      // number of classes (classification), 0 for regression
	Features []string // feature column names, len D
	Target   string   // target column name
	Labels   []string // original label text of class i (classification)
}

// Rows returns a view of the first n rows of d (0 ≤ n ≤ d.N). It panics on an
// out-of-range n: callers validate sizes first.
func (d *Dataset) Rows(n int) *Dataset {
	if n < 0 || n > d.N {
		panic("train: Rows out of range")
	}
	v := *d
	v.X = d.X[: n*d.D : n*d.D]
	v.Y = d.Y[:n:n]
	v.N = n
	return &v
}

// Row returns the features of row i (a sub-slice, not a copy).
func (d *Dataset) Row(i int) []float32 { return d.X[i*d.D : (i+1)*d.D] }
