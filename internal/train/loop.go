package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/clc-tools/clc/internal/fsum"
	"github.com/clc-tools/clc/internal/inputerr"
)

// Defaults applied by Run to zero fields of Config.
const (
	DefaultActivation       = ReLU
	DefaultDivergenceFactor = 10.0
)

const (
	// evalRows is the minimum chunk of validation rows evaluated at once; it
	// bounds the memory of evaluation to evalRows × (D + Σ widths) values.
	evalRows = 256
	// ctxEvery is how often (in steps) Run checks its context.
	ctxEvery = 64
)

// withDefaults returns c with zero Activation and DivergenceFactor replaced by
// their defaults.
func (c Config) withDefaults() Config {
	if c.Activation == "" {
		c.Activation = DefaultActivation
	}
	if c.DivergenceFactor == 0 {
		c.DivergenceFactor = DefaultDivergenceFactor
	}
	return c
}

// Validate reports whether c describes a run Run can perform, after zero
// Activation and DivergenceFactor take their defaults (ReLU, 10). A problem
// is an *inputerr.Error whose Param names the setting at fault.
//
// It requires a known Model, Optimizer and Activation; Epochs ≥ 1 (unless
// Steps > 0 fixes the step count); Steps ≥ 0; BatchSize ≥ 1; a finite LR > 0
// when Schedule is nil; for an MLP at least one hidden width, each ≥ 1
// (Hidden is ignored by a linear model); and DivergenceFactor ≥ 1 or +Inf
// (only non-finite losses count as divergence then).
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.Model {
	case Linear:
	case MLP:
		if len(c.Hidden) == 0 {
			return inputerr.New("an mlp model needs at least one hidden layer width in %v", paramHidden)
		}
		for i, h := range c.Hidden {
			if h < 1 {
				return inputerr.New("%v: hidden layer %d has width %d, want at least 1", paramHidden, i+1, h)
			}
		}
	default:
		return inputerr.New("unknown %v %q (want %q or %q)", paramModel, c.Model, Linear, MLP)
	}
	switch c.Activation {
	case ReLU, Tanh:
	default:
		return inputerr.New("unknown %v %q (want %q or %q)", paramActivation, c.Activation, ReLU, Tanh)
	}
	switch c.Optimizer {
	case SGD, Momentum, Adam:
	default:
		return inputerr.New("unknown %v %q (want %q, %q or %q)", paramOptimizer, c.Optimizer, SGD, Momentum, Adam)
	}
	if c.Steps < 0 {
		return inputerr.New("%v %d must be at least 0", paramSteps, c.Steps)
	}
	if c.Steps == 0 && c.Epochs < 1 {
		return inputerr.New("%v %d must be at least 1", paramEpochs, c.Epochs)
	}
	if c.BatchSize < 1 {
		return inputerr.New("%v %d must be at least 1", paramBatchSize, c.BatchSize)
	}
	if c.Schedule == nil && !(c.LR > 0 && !math.IsInf(c.LR, 1)) {
		return inputerr.New("%v %v must be a positive, finite learning rate", paramLR, c.LR)
	}
	if !(c.DivergenceFactor >= 1) {
		return inputerr.New("%v %v must be at least 1", paramDivergenceFactor, c.DivergenceFactor)
	}
	return nil
}

// checkData reports whether train and valid can be used together. valid may
// be nil or empty.
func checkData(train, valid *Dataset) error {
	if train == nil || train.N == 0 {
		return errors.New("train: empty training set")
	}
	if train.N > math.MaxInt32 {
		return fmt.Errorf("train: %d training rows are more than the %d supported", train.N, math.MaxInt32)
	}
	switch train.Task {
	case Classification:
		if train.Classes < 2 {
			return fmt.Errorf("train: classification needs at least 2 classes, got %d", train.Classes)
		}
	case Regression:
	default:
		return fmt.Errorf("train: unknown task %q", train.Task)
	}
	for _, s := range []struct {
		name string
		d    *Dataset
	}{{"training", train}, {"validation", valid}} {
		d := s.d
		if d == nil {
			continue
		}
		if d.D < 1 || len(d.X) != d.N*d.D || len(d.Y) != d.N {
			return fmt.Errorf("train: %s set has %d values and %d targets for %d rows of %d features",
				s.name, len(d.X), len(d.Y), d.N, d.D)
		}
		if d.D != train.D {
			return fmt.Errorf("train: validation set has %d features, training set %d", d.D, train.D)
		}
		if d.Task != train.Task {
			return fmt.Errorf("train: validation task %q differs from training task %q", d.Task, train.Task)
		}
		if d.Task == Classification {
			for i, y := range d.Y {
				if !(y >= 0 && y < float32(train.Classes)) || y != float32(int(y)) {
					return fmt.Errorf("train: %s row %d has label %v, want a class index in [0, %d)",
						s.name, i+1, y, train.Classes)
				}
			}
		}
	}
	return nil
}

// runHooks lets tests observe and steer a run. Every field may be nil.
type runHooks struct {
	// init is called with the freshly initialized parameters (layer by
	// layer: W row-major out×in, then b) and may overwrite them.
	init func(params []float32)
	// perm is called with each epoch's permutation before it is used and may
	// overwrite it with other row indices in [0, N).
	perm func(epoch int, perm []int32)
	// step is called after each update with the batch loss (before the
	// update) and the updated parameters.
	step func(step int, loss float64, params []float32)
}

// Run trains a model described by cfg on trainSet and evaluates it on
// validSet, returning the final losses. It runs on the calling goroutine,
// allocates its buffers once, and only reads the datasets, so any number of
// Runs may share them concurrently. The result depends only on the data and
// cfg (including Seed), except Seconds.
//
// Each epoch draws a fresh permutation of the N training rows from the
// seeded shuffle stream and takes floor(N/B) batches of B consecutive rows of
// it (the remainder is dropped); the run takes T = StepsFor(cfg, N) steps,
// drawing more epochs as needed when cfg.Steps > 0. Step t (0-based) uses the
// rate cfg.Schedule(t, T) when Schedule is set, else cfg.LR.
//
// InitialLoss is the loss of the first batch before any update. A batch loss
// that is not finite, or above DivergenceFactor × max(the trivial loss of the
// training rows, InitialLoss) on DivergencePatience consecutive steps (see
// divergence), stops the run before its update: Diverged is true,
// ValidLoss and TrainLoss are +Inf, ValidAccuracy is 0 for classification
// (NaN for regression) and Steps counts the updates applied. Otherwise, after
// the last step, ValidLoss is the mean loss over the validation rows and
// ValidAccuracy the fraction classified correctly (NaN for regression), and
// TrainLoss is the mean batch loss over the last epoch's steps (for a Steps
// budget, over the steps of the last, possibly partial, epoch). A non-finite
// ValidLoss also marks the run diverged. A nil or empty validSet gives NaN
// ValidLoss and ValidAccuracy.
//
// Run returns an error for an invalid cfg, incompatible datasets, fewer
// training rows than one batch, a schedule rate that is negative or not
// finite, or a cancelled ctx (checked every 64 steps; the error wraps
// ctx.Err()).
func Run(ctx context.Context, trainSet, validSet *Dataset, cfg Config) (Result, error) {
	return run(ctx, trainSet, validSet, cfg, nil)
}

// trainer holds the state of one run.
type trainer struct {
	cfg  Config
	ds   *Dataset
	m    *model[float32]
	opt  *optimizer
	perm []int32
}

// newTrainer builds the model, optimizer and workspace of a run on train.
// fwdRows is the largest batch evaluated forward.
func newTrainer(cfg Config, train *Dataset, fwdRows int) *trainer {
	out := outputsFor(train.Task, train.Classes)
	m := newModel[float32](cfg, train.Task, train.D, out, max(fwdRows, cfg.BatchSize), cfg.BatchSize)
	m.init(cfg.Seed)
	return &trainer{
		cfg:  cfg,
		ds:   train,
		m:    m,
		opt:  newOptimizer(cfg.Optimizer, m.numParams()),
		perm: make([]int32, train.N),
	}
}

// lossOn returns the mean loss of the batch of rows idx and leaves its
// output gradient in the model.
func (tr *trainer) lossOn(idx []int32) float64 {
	tr.m.setInput(tr.ds, idx)
	tr.m.forward(len(idx))
	sum, _ := tr.m.loss(len(idx), true)
	return sum / float64(len(idx))
}

// update back-propagates the batch of the last lossOn and applies one
// optimizer step with rate lr.
func (tr *trainer) update(n int, lr float64) {
	tr.m.backward(n)
	tr.opt.step(tr.m.params, tr.m.grads, lr)
}

func run(ctx context.Context, trainSet, validSet *Dataset, cfg Config, h *runHooks) (Result, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	cfg = cfg.withDefaults()
	if err := checkData(trainSet, validSet); err != nil {
		return Result{}, err
	}
	B := cfg.BatchSize
	perEpoch := trainSet.N / B
	if perEpoch == 0 {
		return Result{}, inputerr.New("%d training rows are fewer than one batch of %d", trainSet.N, B).
			WithHint("lower %v or use more rows", paramBatchSize)
	}
	T := StepsFor(cfg, trainSet.N)
	nValid := 0
	if validSet != nil {
		nValid = validSet.N
	}
	tr := newTrainer(cfg, trainSet, min(max(evalRows, B), max(nValid, 1)))
	if h != nil && h.init != nil {
		h.init(tr.m.params)
	}
	sh := newShuffler(cfg.Seed)

	res := Result{ValidAccuracy: math.NaN()}
	diverged := func() (Result, error) {
		res.Diverged = true
		res.ValidLoss = math.Inf(1)
		res.TrainLoss = math.Inf(1)
		if trainSet.Task == Classification {
			res.ValidAccuracy = 0
		}
		res.Seconds = time.Since(start).Seconds()
		return res, nil
	}

	div := newDivergence(cfg.DivergenceFactor, trainSet)
	step := 0
	var lastLR float64
	var epochSum float64
	var epochSteps int
	for epoch := 0; step < T; epoch++ {
		sh.permute(tr.perm)
		if h != nil && h.perm != nil {
			h.perm(epoch, tr.perm)
		}
		epochSum, epochSteps = 0, 0
		for bi := 0; bi < perEpoch && step < T; bi++ {
			if step%ctxEvery == 0 {
				if err := ctx.Err(); err != nil {
					return Result{}, fmt.Errorf("train: stopped after %d of %d steps: %w", step, T, err)
				}
			}
			lr := cfg.LR
			if cfg.Schedule != nil {
				lr = cfg.Schedule(step, T)
				if !(lr >= 0 && !math.IsInf(lr, 1)) {
					return Result{}, fmt.Errorf("train: schedule gave learning rate %v at step %d of %d, want a finite rate ≥ 0", lr, step, T)
				}
			}
			loss := tr.lossOn(tr.perm[bi*B : bi*B+B])
			if step == 0 {
				res.InitialLoss = loss
			}
			if div.diverged(step, loss) {
				return diverged()
			}
			tr.update(B, lr)
			step++
			res.Steps = step
			epochSum += loss
			epochSteps++
			if h != nil && h.step != nil {
				h.step(step-1, loss, tr.m.params)
			}
			lastLR = lr
		}
		if cfg.OnEpoch != nil && epochSteps > 0 {
			st := EpochStats{Epoch: epoch + 1, Steps: step, TrainLoss: epochSum / float64(epochSteps),
				ValidLoss: math.NaN(), ValidAccuracy: math.NaN(), LR: lastLR}
			if nValid > 0 {
				st.ValidLoss, st.ValidAccuracy = tr.evaluate(validSet)
				if trainSet.Task != Classification {
					st.ValidAccuracy = math.NaN()
				}
			}
			cfg.OnEpoch(st)
		}
	}
	res.TrainLoss = epochSum / float64(epochSteps)

	if nValid == 0 {
		res.ValidLoss = math.NaN()
		res.Seconds = time.Since(start).Seconds()
		return res, nil
	}
	vl, acc := tr.evaluate(validSet)
	if math.IsNaN(vl) || math.IsInf(vl, 0) {
		return diverged()
	}
	res.ValidLoss = vl
	if trainSet.Task == Classification {
		res.ValidAccuracy = acc
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// evaluate returns the mean loss over the rows of ds and the fraction of rows
// classified correctly, evaluating chunks of the model's forward capacity
// (read in place from ds) and summing the per-row losses in float64 with
// compensation (fsum.Sum), so that the mean is accurate to about one rounding
// for any number of rows.
func (tr *trainer) evaluate(ds *Dataset) (loss, accuracy float64) {
	var sum fsum.Sum
	correct := 0
	chunk := tr.m.fwdRows
	for lo := 0; lo < ds.N; lo += chunk {
		n := min(chunk, ds.N-lo)
		tr.m.setRange(ds, lo, n)
		tr.m.forward(n)
		s, c := tr.m.loss(n, false)
		sum.Add(s)
		correct += c
	}
	return sum.Value() / float64(ds.N), float64(correct) / float64(ds.N)
}
