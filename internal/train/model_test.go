package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gradCase is one model × loss × activation combination of the gradient
// checks.
type gradCase struct {
	name    string
	cfg     Config
	task    Task
	d       int
	classes int // classification only
	n       int // batch rows
}

var gradCases = []gradCase{
	{"linear/mse", Config{Model: Linear}, Regression, 4, 0, 7},
	{"linear/ce2", Config{Model: Linear}, Classification, 4, 2, 7},
	{"linear/ce5", Config{Model: Linear}, Classification, 4, 5, 9},
	{"mlp/relu/ce", Config{Model: MLP, Hidden: []int{6}, Activation: ReLU}, Classification, 4, 3, 8},
	{"mlp/tanh/ce", Config{Model: MLP, Hidden: []int{6}, Activation: Tanh}, Classification, 4, 3, 8},
	{"mlp/tanh/mse", Config{Model: MLP, Hidden: []int{6}, Activation: Tanh}, Regression, 4, 0, 8},
	{"mlp/relu/mse", Config{Model: MLP, Hidden: []int{6}, Activation: ReLU}, Regression, 4, 0, 8},
	{"mlp2/relu/ce", Config{Model: MLP, Hidden: []int{5, 4}, Activation: ReLU}, Classification, 3, 3, 6},
	{"mlp2/tanh/ce", Config{Model: MLP, Hidden: []int{5, 4}, Activation: Tanh}, Classification, 3, 4, 6},
	{"mlp2/tanh/mse", Config{Model: MLP, Hidden: []int{5, 4}, Activation: Tanh}, Regression, 3, 0, 6},
}

// gradData returns a batch of n standard-normal rows with random targets.
func gradData(c gradCase, seed uint64) *Dataset {
	r := rand.New(rand.NewPCG(seed, 7))
	ds := &Dataset{N: c.n, D: c.d, Task: c.task, Classes: c.classes,
		X: make([]float32, c.n*c.d), Y: make([]float32, c.n)}
	for i := range ds.X {
		ds.X[i] = float32(r.NormFloat64())
	}
	for i := range ds.Y {
		if c.task == Classification {
			ds.Y[i] = float32(r.IntN(c.classes))
		} else {
			ds.Y[i] = float32(r.NormFloat64())
		}
	}
	return ds
}

func allRows(n int) []int32 {
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	return idx
}

// gradModel builds a model for case c with seeded parameters and the batch
// loaded; it returns the model and a function evaluating the mean loss.
func gradModel[T float](c gradCase, ds *Dataset) (*model[T], func() float64) {
	cfg := c.cfg.withDefaults()
	m := newModel[T](cfg, c.task, c.d, outputsFor(c.task, c.classes), c.n, c.n)
	m.init(3)
	// Scale up the initialization so that hidden units and logits are far
	// from tiny, making the checks sensitive.
	for i := range m.params {
		m.params[i] *= 2
	}
	m.setInput(ds, allRows(c.n))
	f := func() float64 {
		m.forward(c.n)
		s, _ := m.loss(c.n, false)
		return s / float64(c.n)
	}
	return m, f
}

// analytic fills m.grads by forward, loss and backward passes.
func analytic[T float](m *model[T], n int) {
	m.forward(n)
	m.loss(n, true)
	m.backward(n)
}

// TestGradFiniteDifference checks the back-propagated gradient of every
// parameter against central differences
//
//	∂f/∂θᵢ ≈ (f(θ + h eᵢ) − f(θ − h eᵢ)) / 2h,  h = 1e-6
//
// on the float64 instantiation of the same generic model code, so the check
// is exact up to O(h²) truncation and O(ε/h) ≈ 1e-10 rounding. Tolerance:
// |analytic − numeric| ≤ 1e-7 + 1e-6·|numeric|. ReLU kinks are avoided by
// the seeded data (a kink within h of a pre-activation would show up as a
// failure at a fixed seed, not as flakiness).
func TestGradFiniteDifference(t *testing.T) {
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			ds := gradData(c, 11)
			m, f := gradModel[float64](c, ds)
			analytic(m, c.n)
			const h = 1e-6
			nonzero := 0
			for i := range m.params {
				p := m.params[i]
				m.params[i] = p + h
				fp := f()
				m.params[i] = p - h
				fm := f()
				m.params[i] = p
				num := (fp - fm) / (2 * h)
				got := m.grads[i]
				if math.Abs(got-num) > 1e-7+1e-6*math.Abs(num) {
					t.Errorf("param %d: analytic %.10g, numeric %.10g", i, got, num)
				}
				if math.Abs(num) > 1e-4 {
					nonzero++
				}
			}
			if nonzero < len(m.params)/2 {
				t.Errorf("only %d of %d gradients are non-negligible; the check is weak", nonzero, len(m.params))
			}
		})
	}
}

// TestGradFloat32 checks the float32 training path (gonum Sgemm tiles,
// float32 storage) against the float64 gradient validated above, from the
// same float32-representable parameters and data. Tolerance: 1e-5 of the
// largest gradient magnitude plus 1e-4 relative, a few float32 ulps
// (ε₃₂ ≈ 6e-8) accumulated over sums of ≤ 10 terms.
func TestGradFloat32(t *testing.T) {
	for _, c := range gradCases {
		t.Run(c.name, func(t *testing.T) {
			ds := gradData(c, 12)
			m32, _ := gradModel[float32](c, ds)
			m64, _ := gradModel[float64](c, ds)
			for i, p := range m32.params {
				m64.params[i] = float64(p)
			}
			analytic(m32, c.n)
			analytic(m64, c.n)
			scale := 0.0
			for _, g := range m64.grads {
				scale = max(scale, math.Abs(g))
			}
			for i, g := range m64.grads {
				if d := math.Abs(float64(m32.grads[i]) - g); d > 1e-5*scale+1e-4*math.Abs(g) {
					t.Errorf("param %d: float32 %.8g, float64 %.8g", i, m32.grads[i], g)
				}
			}
		})
	}
}

// TestLossValues checks the loss against closed forms on hand-set outputs.
func TestLossValues(t *testing.T) {
	// Two rows of logits (0, 0, 0) and (1, 2, 3) with labels 0 and 2:
	//   ℓ₁ = log 3,  ℓ₂ = log(e + e² + e³) − 3 = log(1 + e⁻¹ + e⁻²),
	// mean 0.7938... (math.Log of the closed forms).
	cfg := Config{Model: Linear}.withDefaults()
	m := newModel[float64](cfg, Classification, 1, 3, 2, 2)
	copy(m.out[0], []float64{0, 0, 0, 1, 2, 3})
	m.y[0], m.y[1] = 0, 2
	sum, correct := m.loss(2, true)
	want := (math.Log(3) + math.Log(1+math.Exp(-1)+math.Exp(-2))) / 2
	if math.Abs(sum/2-want) > 1e-15 {
		t.Errorf("cross-entropy %v, want %v", sum/2, want)
	}
	// Row 1's argmax is class 0 (first of ties): correct; row 2's is 2: correct.
	if correct != 2 {
		t.Errorf("correct %d, want 2", correct)
	}
	// ∂(mean)/∂z for row 1: (1/3 − 1, 1/3, 1/3)/2.
	if g := m.dz[0][0]; math.Abs(g-(1.0/3-1)/2) > 1e-15 {
		t.Errorf("gradient %v, want %v", g, (1.0/3-1)/2)
	}
	// Large logits must not overflow: (1000, 0) with label 1 has loss 1000.
	copy(m.out[0], []float64{1000, 0, -1000})
	m.y[0] = 1
	if s, _ := m.loss(1, false); math.Abs(s-1000) > 1e-9 {
		t.Errorf("stable log-softmax gave %v, want 1000", s)
	}

	// Mean squared error of outputs (1, −2) against targets (0, 1): (1 + 9)/2 = 5.
	r := newModel[float32](cfg, Regression, 1, 1, 2, 2)
	copy(r.out[0], []float32{1, -2})
	r.y[0], r.y[1] = 0, 1
	if s, _ := r.loss(2, true); s/2 != 5 {
		t.Errorf("mse %v, want 5", s/2)
	}
	// ∂/∂z = 2(z − y)/n = (1, −3).
	if r.dz[0][0] != 1 || r.dz[0][1] != -3 {
		t.Errorf("mse gradient %v, want [1 -3]", r.dz[0][:2])
	}
}

// TestInitDistribution checks PyTorch's nn.Linear bounds U(−1/√fan_in,
// 1/√fan_in) per layer, and on the 784×128 layer (100 352 draws) that the
// mean is within 5 standard errors of 0 (σ/√n with σ = bound/√3), the
// variance within 2% of bound²/3, and the extremes within 0.1% of the bound.
func TestInitDistribution(t *testing.T) {
	cfg := Config{Model: MLP, Hidden: []int{128}}.withDefaults()
	m := newModel[float32](cfg, Classification, 784, 10, 1, 1)
	m.init(42)
	for l := range m.w {
		bound := 1 / math.Sqrt(float64(m.sizes[l]))
		for _, p := range [][]float32{m.w[l], m.b[l]} {
			for _, v := range p {
				if math.Abs(float64(v)) > bound {
					t.Fatalf("layer %d value %v outside ±%v", l, v, bound)
				}
			}
		}
	}
	w := m.w[0]
	bound := 1 / math.Sqrt(784)
	var s, s2 float64
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range w {
		s += float64(v)
		s2 += float64(v) * float64(v)
		lo, hi = min(lo, float64(v)), max(hi, float64(v))
	}
	n := float64(len(w))
	mean, variance := s/n, s2/n-(s/n)*(s/n)
	if se := bound / math.Sqrt(3) / math.Sqrt(n); math.Abs(mean) > 5*se {
		t.Errorf("mean %v, want |mean| < %v", mean, 5*se)
	}
	if want := bound * bound / 3; math.Abs(variance/want-1) > 0.02 {
		t.Errorf("variance %v, want %v ± 2%%", variance, want)
	}
	if lo > -0.999*bound || hi < 0.999*bound {
		t.Errorf("range [%v, %v], want close to ±%v", lo, hi, bound)
	}
}

func TestInitDeterminism(t *testing.T) {
	cfg := Config{Model: MLP, Hidden: []int{16, 8}}.withDefaults()
	params := func(seed uint64) []float32 {
		m := newModel[float32](cfg, Classification, 10, 3, 1, 1)
		m.init(seed)
		return m.params
	}
	a, b, c := params(1), params(1), params(2)
	same := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed: param %d differs: %v vs %v", i, a[i], b[i])
		}
		if a[i] == c[i] {
			same++
		}
	}
	if same > len(a)/100 {
		t.Errorf("seeds 1 and 2 share %d of %d parameters", same, len(a))
	}
}

func TestShufflePermutation(t *testing.T) {
	for _, n := range []int{1, 2, 10, 1000} {
		s := newShuffler(5)
		perm := make([]int32, n)
		first := make([]int32, n)
		for epoch := 0; epoch < 3; epoch++ {
			s.permute(perm)
			seen := make([]bool, n)
			for _, v := range perm {
				if v < 0 || int(v) >= n || seen[v] {
					t.Fatalf("n=%d epoch %d: not a permutation: %v", n, epoch, perm)
				}
				seen[v] = true
			}
			if epoch == 0 {
				copy(first, perm)
			} else if n >= 10 && fmt.Sprint(first) == fmt.Sprint(perm) {
				t.Errorf("n=%d: epoch %d repeats epoch 0's order", n, epoch)
			}
		}
	}
	// Same seed, same orders.
	a, b := make([]int32, 50), make([]int32, 50)
	newShuffler(9).permute(a)
	newShuffler(9).permute(b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("same seed gave different permutations")
	}
}

// TestGradRowsInPlace: a training batch read in place (setInput's row
// table, where the assembly kernels run) gives bit for bit the outputs,
// loss and gradient of the same rows gathered into a contiguous matrix
// (read through setRange), for MLP 784-64-10 at batch 37 and 64, with and
// without AVX-512.
func TestGradRowsInPlace(t *testing.T) {
	ds := synthClassification(300, 784, 10, 5)
	defer setAVX512(useAVX512)
	for _, wide := range avx512Settings() {
		setAVX512(wide)
		for _, n := range []int{37, 64} {
			idx := make([]int32, n)
			r := rand.New(rand.NewPCG(uint64(n), 1))
			for i := range idx {
				idx[i] = int32(r.IntN(ds.N))
			}
			gathered := &Dataset{N: n, D: ds.D, Task: ds.Task, Classes: ds.Classes,
				X: make([]float32, n*ds.D), Y: make([]float32, n)}
			for i, j := range idx {
				copy(gathered.X[i*ds.D:], ds.Row(int(j)))
				gathered.Y[i] = ds.Y[j]
			}
			cfg := Config{Model: MLP, Hidden: []int{64}}.withDefaults()
			run := func(set func(m *model[float32])) (*model[float32], []float32, float64) {
				m := newModel[float32](cfg, Classification, ds.D, 10, n, n)
				m.init(9)
				set(m)
				out := append([]float32(nil), m.forward(n)...)
				loss, _ := m.loss(n, true)
				m.backward(n)
				return m, out, loss
			}
			m1, out1, loss1 := run(func(m *model[float32]) { m.setInput(ds, idx) })
			if hasAsm && m1.xrows == nil {
				t.Fatal("setInput gathered the rows although the assembly kernels run")
			}
			m2, out2, loss2 := run(func(m *model[float32]) { m.setRange(gathered, 0, n) })
			if loss1 != loss2 {
				t.Errorf("avx512=%v n=%d: loss %v in place, %v gathered", wide, n, loss1, loss2)
			}
			for i := range out2 {
				if math.Float32bits(out1[i]) != math.Float32bits(out2[i]) {
					t.Fatalf("avx512=%v n=%d: output %d = %v in place, %v gathered", wide, n, i, out1[i], out2[i])
				}
			}
			for i := range m2.grads {
				if math.Float32bits(m1.grads[i]) != math.Float32bits(m2.grads[i]) {
					t.Fatalf("avx512=%v n=%d: gradient %d = %v in place, %v gathered", wide, n, i, m1.grads[i], m2.grads[i])
				}
			}
		}
	}
}
