package train

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"unsafe"

	"github.com/clc-tools/clc/internal/fsum"
)

// Stream identifiers of the PCG generators derived from Config.Seed: one for
// the initial parameters and one for the per-epoch shuffles, so that changing
// the architecture never changes the batch order and vice versa.
const (
	modelInitStream    = 0x636c632d696e6974 // "clc-init"
	batchShuffleStream = 0x636c632d73687566 // "clc-shuf"
)

// model is a stack of affine layers with an activation between them (none
// after the last):
//
//	a₀ = x,  zₗ = aₗ₋₁·Wₗᵀ + bₗ,  aₗ = σ(zₗ) for l < L,  output z_L
//
// Wₗ is stored as in PyTorch's nn.Linear: sizes[l+1]×sizes[l], row-major,
// followed by bₗ; all layers live in one flat parameter vector (and one flat
// gradient vector) so that optimizers see a single slice. A linear model is
// the case L = 1.
//
// Precision: Run trains model[float32]. Parameters, activations and
// gradients are float32 and matrix products accumulate in float32, as
// PyTorch does on the CPU; per-row losses, the softmax normalizer and sums of
// losses over rows are float64, which costs nothing extra (math.Exp and
// math.Log work in float64). model[float64] runs the same code in float64
// for the finite-difference gradient checks.
//
// The model owns every buffer one step needs, sized once for batches of up to
// fwdRows rows forward and bwdRows rows backward, so steps never allocate.
// A model is not safe for concurrent use; each Run has its own.
type model[T float] struct {
	task  Task
	act   Activation
	sizes []int // sizes[0] = D, sizes[L] = outputs

	params, grads []T
	w, b, gw, gb  [][]T // per-layer views into params and grads

	mm kernels[T]
	// fast is set for model[float32] when useAsm is: ReLU and its mask in
	// backward and the bias gradient sums then run as assembly loops (relu8,
	// reluMask8, axpy8), with the same results.
	fast bool

	fwdRows, bwdRows int
	x                []T       // fwdRows×D input batch (nil where setInput reads rows in place)
	y                []T       // fwdRows targets (class index or value)
	xin, yin         []T       // the rows forward reads: x and y, or a view of the dataset (setRange)
	xrows            []*T      // or, when set, the addresses of the input rows in the dataset (setInput)
	rowTable         []*T      // fwdRows addresses for xrows (nil where setInput gathers into x)
	out              [][]T     // out[l]: fwdRows×sizes[l+1]; σ(z) for hidden layers, z for the last
	dz               [][]T     // dz[l]: bwdRows×sizes[l+1], ∂loss/∂zₗ
	ez               []float64 // exp(zⱼ − max z) of one row (classification)
}

// outputsFor returns the width of the output layer: one logit per class, or
// one value for regression.
func outputsFor(task Task, classes int) int {
	if task == Classification {
		return classes
	}
	return 1
}

// newModel allocates a model for cfg (already defaulted and validated) on d
// features with the given number of outputs. Parameters are zero until init.
func newModel[T float](cfg Config, task Task, d, outputs, fwdRows, bwdRows int) *model[T] {
	if d < 1 || outputs < 1 || fwdRows < 1 || bwdRows < 1 || bwdRows > fwdRows {
		panic("train: bad model dimensions")
	}
	sizes := []int{d}
	if cfg.Model == MLP {
		sizes = append(sizes, cfg.Hidden...)
	}
	sizes = append(sizes, outputs)
	L := len(sizes) - 1
	maxO := 0
	for _, o := range sizes[1:] {
		maxO = max(maxO, o)
	}

	m := &model[T]{
		task:    task,
		act:     cfg.Activation,
		sizes:   sizes,
		mm:      kernelsFor[T](maxO * bwdRows), // ∂W = dzᵀ·a: dz is n×o
		fwdRows: fwdRows,
		bwdRows: bwdRows,
		w:       make([][]T, L),
		b:       make([][]T, L),
		gw:      make([][]T, L),
		gb:      make([][]T, L),
		out:     make([][]T, L),
		dz:      make([][]T, L),
	}
	n := 0
	for l := 0; l < L; l++ {
		n += sizes[l+1]*sizes[l] + sizes[l+1]
	}
	m.params = make([]T, n)
	m.grads = make([]T, n)
	off := 0
	for l := 0; l < L; l++ {
		in, o := sizes[l], sizes[l+1]
		m.w[l], m.gw[l] = m.params[off:off+o*in], m.grads[off:off+o*in]
		off += o * in
		m.b[l], m.gb[l] = m.params[off:off+o], m.grads[off:off+o]
		off += o
		m.out[l] = make([]T, fwdRows*o)
		m.dz[l] = make([]T, bwdRows*o)
	}
	if _, ok := any(m.params).([]float32); ok {
		m.fast = useAsm
	}
	if m.mm.ntRows != nil { // model[float32] with the assembly kernels
		m.rowTable = make([]*T, fwdRows)
	} else {
		m.x = make([]T, fwdRows*d)
	}
	m.y = make([]T, fwdRows)
	m.xin, m.yin = m.x, m.y
	m.ez = make([]float64, outputs)
	return m
}

// numParams returns the length of the flat parameter vector.
func (m *model[T]) numParams() int { return len(m.params) }

// init draws every weight and bias, layer by layer (weights row-major, then
// biases), from PyTorch's nn.Linear default distribution
//
//	θ ~ U(−1/√fan_in, 1/√fan_in)
//
// using the PCG stream (seed, modelInitStream). u is built from the top 53 bits
// of one PCG output, so the values depend only on PCG's specified output.
func (m *model[T]) init(seed uint64) {
	r := rand.NewPCG(seed, modelInitStream)
	for l := range m.w {
		bound := 1 / math.Sqrt(float64(m.sizes[l]))
		for _, p := range [][]T{m.w[l], m.b[l]} {
			for i := range p {
				u := float64(r.Uint64()>>11) * 0x1p-53 // [0, 1)
				p[i] = T(bound * (2*u - 1))
			}
		}
	}
}

// setInput makes rows idx of ds the rows forward reads. The targets are
// copied into the target buffer. The features are read in place where the
// kernels can (model[float32] with the assembly kernels: the first layer's
// products take a table of the rows' addresses, ntRows and tnRows), else
// copied into the input buffer (the batch gather: one memmove per row for
// model[float32]). Both give the same results.
func (m *model[T]) setInput(ds *Dataset, idx []int32) {
	d := ds.D
	for r, i := range idx {
		m.y[r] = T(ds.Y[i])
	}
	m.yin = m.y[:len(idx)]
	if x, ok := any(ds.X).([]T); ok && m.rowTable != nil {
		rows := m.rowTable[:len(idx)]
		for r, i := range idx {
			row := x[int(i)*d : int(i)*d+d]
			rows[r] = &row[0]
		}
		m.xin, m.xrows = nil, rows
		return
	}
	if x, ok := any(m.x).([]float32); ok {
		for r, i := range idx {
			copy(x[r*d:r*d+d], ds.X[int(i)*d:int(i)*d+d])
		}
	} else {
		for r, i := range idx {
			dst := m.x[r*d : r*d+d]
			for j, v := range ds.X[int(i)*d : int(i)*d+d] {
				dst[j] = T(v)
			}
		}
	}
	m.xin, m.xrows = m.x[:len(idx)*d], nil
}

// setRange makes the contiguous rows [lo, lo+n) of ds the rows forward
// reads: for model[float32] a view of ds (no copy), else a converted copy
// in the input buffers.
func (m *model[T]) setRange(ds *Dataset, lo, n int) {
	d := ds.D
	m.xrows = nil
	if x, ok := any(ds.X).([]T); ok {
		m.xin, m.yin = x[lo*d:(lo+n)*d], any(ds.Y).([]T)[lo:lo+n]
		return
	}
	dst := m.x[:n*d]
	for j, v := range ds.X[lo*d : (lo+n)*d] {
		dst[j] = T(v)
	}
	for r, v := range ds.Y[lo : lo+n] {
		m.y[r] = T(v)
	}
	m.xin, m.yin = dst, m.y[:n]
}

// forward computes the outputs of the first n input rows (of the last
// setInput or setRange) and returns them (n×outputs, row-major). For each
// layer the bias is written first and the product added to it, as
// PyTorch's addmm does.
func (m *model[T]) forward(n int) []T {
	var a []T
	if m.xrows == nil {
		a = m.xin[:n*m.sizes[0]]
	}
	L := len(m.w)
	for l := 0; l < L; l++ {
		in, o := m.sizes[l], m.sizes[l+1]
		z := m.out[l][:n*o]
		for i := 0; i < n; i++ {
			copy(z[i*o:i*o+o], m.b[l])
		}
		if l == 0 && m.xrows != nil {
			m.mm.ntRows(n, o, in, m.xrows[:n], m.w[l], z, true)
		} else {
			m.mm.nt(n, o, in, a, m.w[l], z, true)
		}
		if l < L-1 {
			if m.fast && m.act == ReLU && len(z) >= 8 {
				n8 := len(z) / 8
				relu8((*float32)(unsafe.Pointer(&z[0])), n8)
				activate(m.act, z[n8*8:])
			} else {
				activate(m.act, z)
			}
		}
		a = z
	}
	return a
}

// activate applies σ elementwise in place: ReLU max(0, z) (NaN stays NaN, as
// in PyTorch) or tanh.
func activate[T float](act Activation, z []T) {
	switch act {
	case Tanh:
		for i, v := range z {
			z[i] = T(math.Tanh(float64(v)))
		}
	default:
		for i, v := range z {
			if v < 0 {
				z[i] = 0
			}
		}
	}
}

// loss returns the sum of the per-row losses of the first n rows of the last
// forward pass and the number of rows classified correctly (classification).
// With grad true it also writes into dz[L−1] the gradient of the mean loss
// (the sum divided by n) with respect to the outputs z.
//
// Classification, K logits per row, label y (mean cross-entropy):
//
//	ℓ = log Σⱼ exp(zⱼ) − z_y = log Σⱼ exp(zⱼ − max z) + max z − z_y
//	∂ℓ/∂zⱼ = softmax(z)ⱼ − 1{j = y}
//
// Regression, one output (mean squared error):
//
//	ℓ = (z − y)²,  ∂ℓ/∂z = 2(z − y)
//
// The log-sum-exp, the softmax normalizer and the sum over rows are computed
// in float64 (math.Exp works in float64 anyway), each exp once per logit,
// the sum over rows compensated (fsum.Sum); gradients are stored in T.
// A correct prediction is an argmax (first maximum) equal to the label.
func (m *model[T]) loss(n int, grad bool) (sum float64, correct int) {
	var total fsum.Sum
	L := len(m.w)
	k := m.sizes[L]
	z := m.out[L-1][:n*k]
	var g []T
	if grad {
		g = m.dz[L-1][:n*k]
	}
	inv := 1 / float64(n)
	if m.task == Regression {
		scale := T(2 * inv)
		for i, v := range z {
			d := v - m.yin[i]
			total.Add(float64(d) * float64(d))
			if grad {
				g[i] = scale * d
			}
		}
		return total.Value(), 0
	}
	ez := m.ez[:k]
	for i := 0; i < n; i++ {
		row := z[i*k : i*k+k]
		y := int(m.yin[i])
		mx, arg := float64(row[0]), 0
		for j, v := range row {
			if float64(v) > mx {
				mx, arg = float64(v), j
			}
		}
		if arg == y {
			correct++
		}
		var s float64
		for j, v := range row {
			e := math.Exp(float64(v) - mx)
			ez[j] = e
			s += e
		}
		total.Add(math.Log(s) + mx - float64(row[y]))
		if grad {
			gr := g[i*k : i*k+k]
			for j, e := range ez {
				p := e / s
				if j == y {
					p--
				}
				gr[j] = T(p * inv)
			}
		}
	}
	return total.Value(), correct
}

// backward fills grads with the gradient of the mean loss of the first n rows,
// given dz[L−1] from loss. For layer l with input a (a₀ = x):
//
//	∂W = dzᵀ·a,  ∂b = Σᵢ dzᵢ,  ∂a = dz·W,  dzₗ₋₁ = ∂a ⊙ σ'(zₗ₋₁)
//
// with σ'(z) = 1{σ(z) > 0} for ReLU and 1 − σ(z)² for tanh, both from the
// stored activations. The input gradient of the first layer is not computed.
func (m *model[T]) backward(n int) {
	if n > m.bwdRows {
		panic("train: backward batch larger than workspace")
	}
	for l := len(m.w) - 1; l >= 0; l-- {
		in, o := m.sizes[l], m.sizes[l+1]
		dz := m.dz[l][:n*o]
		// ∂W (o×in) = dzᵀ (o×n) · a (n×in)
		var a []T
		switch {
		case l > 0:
			a = m.out[l-1][:n*in]
			m.mm.tn(o, in, n, dz, a, m.gw[l], false)
		case m.xrows != nil:
			m.mm.tnRows(o, in, n, dz, m.xrows[:n], m.gw[l], false)
		default:
			m.mm.tn(o, in, n, dz, m.xin[:n*in], m.gw[l], false)
		}
		// ∂b = Σᵢ dzᵢ, summed in row order (axpy8 with α = 1 adds exactly)
		gb := m.gb[l]
		clear(gb)
		o8 := 0
		if m.fast {
			o8 = o &^ 7
		}
		for i := 0; i < n; i++ {
			row := dz[i*o : i*o+o]
			if o8 > 0 {
				axpy8((*float32)(unsafe.Pointer(&gb[0])), (*float32)(unsafe.Pointer(&row[0])), o8/8, 1)
			}
			for j := o8; j < o; j++ {
				gb[j] += row[j]
			}
		}
		if l == 0 {
			break
		}
		// ∂a (n×in) = dz (n×o) · W (o×in), then through σ'.
		prev := m.dz[l-1][:n*in]
		m.mm.nn(n, in, o, dz, m.w[l], prev, false)
		switch m.act {
		case Tanh:
			for i, h := range a {
				prev[i] *= 1 - T(h*h) // rounded product: no fused multiply-subtract on any architecture
			}
		default:
			done := 0
			if m.fast && len(a) >= 8 {
				done = len(a) &^ 7
				reluMask8((*float32)(unsafe.Pointer(&prev[0])), (*float32)(unsafe.Pointer(&a[0])), done/8)
			}
			for i, h := range a[done:] {
				if h <= 0 { // as torch's threshold_backward: NaN passes
					prev[done+i] = 0
				}
			}
		}
	}
}

// shuffler draws the per-epoch permutations of the training rows from the
// PCG stream (seed, batchShuffleStream).
type shuffler struct{ r *rand.PCG }

func newShuffler(seed uint64) shuffler { return shuffler{rand.NewPCG(seed, batchShuffleStream)} }

// permute sets perm to a fresh uniformly random permutation of 0..len−1:
// the identity, then a Fisher–Yates shuffle whose index j ∈ [0, i] is the
// high word of u·(i+1) for a 64-bit PCG output u (bias ≤ (i+1)/2⁶⁴). Only
// PCG's specified output is used, so the order never depends on the Go
// version's math/rand/v2 helpers.
func (s shuffler) permute(perm []int32) {
	for i := range perm {
		perm[i] = int32(i)
	}
	for i := len(perm) - 1; i > 0; i-- {
		hi, _ := bits.Mul64(s.r.Uint64(), uint64(i+1))
		perm[i], perm[hi] = perm[hi], perm[i]
	}
}
