package train

// ModelKind names a model architecture.
type ModelKind string

const (
	Linear ModelKind = "linear" // one affine layer: linear, logistic or softmax regression
	MLP    ModelKind = "mlp"    // affine layers with an activation between them
)

// Activation names the hidden-layer nonlinearity of an MLP.
type Activation string

const (
	ReLU Activation = "relu"
	Tanh Activation = "tanh"
)

// OptimizerKind names an update rule; all follow PyTorch's torch.optim exactly.
type OptimizerKind string

const (
	SGD      OptimizerKind = "sgd"      // θ ← θ − η g
	Momentum OptimizerKind = "momentum" // b ← μ b + g (b₀ = g); θ ← θ − η b; μ = 0.9
	Adam     OptimizerKind = "adam"     // β = (0.9, 0.999), ε = 1e-8, bias-corrected
)

// Config is everything that defines one training run except the data.
// The result of Run depends only on Config (including Seed) and the data,
// never on timing or on how many runs execute in parallel.
type Config struct {
	Model      ModelKind
	Hidden     []int      // hidden layer widths (MLP only), e.g. [128] or [128, 64]
	Activation Activation // MLP hidden activation (default ReLU)
	Optimizer  OptimizerKind
	Epochs     int // E ≥ 1
	BatchSize  int // B ≥ 1; each epoch takes floor(N/B) steps
	// Steps, when > 0, fixes the number of optimizer steps T regardless of N
	// (the "steps" budget): the loop keeps drawing epochs until T steps ran.
	Steps int
	// LR is the constant learning rate η. When Schedule is non-nil it is used
	// instead: the rate of step t (0-based, t < T) is Schedule(t, T).
	LR       float64
	Schedule func(step, total int) float64
	Seed     uint64 // seeds initialization and the per-epoch shuffles
	// OnEpoch, when set, is called after every epoch (and after the last,
	// possibly partial, epoch of a Steps budget) with the epoch's mean batch
	// loss and the validation loss and accuracy at that point. It costs one
	// validation pass per epoch; sweeps leave it nil.
	OnEpoch func(EpochStats)
	// DivergenceFactor: a run diverges when a batch loss is not finite or
	// exceeds DivergenceFactor × max(the trivial loss of the training rows,
	// the first batch's loss) on DivergencePatience consecutive steps
	// (default 10).
	DivergenceFactor float64
}

// EpochStats is one point of a learning curve.
type EpochStats struct {
	Epoch         int     // 1-based
	Steps         int     // optimizer steps taken so far
	TrainLoss     float64 // mean batch loss over the epoch
	ValidLoss     float64
	ValidAccuracy float64 // NaN for regression
	LR            float64 // the rate of the epoch's last step
}

// Result is the outcome of one training run. When Diverged is true the run
// stopped early; ValidLoss is +Inf and Steps counts the steps taken.
type Result struct {
	ValidLoss     float64 // mean loss on the validation set after the last step
	TrainLoss     float64 // mean of the batch losses of the last epoch
	ValidAccuracy float64 // classification only, in [0, 1]; NaN for regression
	InitialLoss   float64 // mean training loss of the first batch before any update
	Steps         int     // optimizer steps taken
	Diverged      bool
	Seconds       float64 // wall time
}

// StepsFor returns the number of optimizer steps T a run of cfg takes on n
// rows: cfg.Steps when set, else E·floor(n/B).
func StepsFor(cfg Config, n int) int {
	if cfg.Steps > 0 {
		return cfg.Steps
	}
	return cfg.Epochs * (n / cfg.BatchSize)
}
