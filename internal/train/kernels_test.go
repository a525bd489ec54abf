package train

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// naiveNT is the reference C (+)= A·Bᵀ, accumulated in float64.
func naiveNT[T float](m, n, k int, a, b, c []T, acc bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			if acc {
				s = float64(c[i*n+j])
			}
			for l := 0; l < k; l++ {
				s += float64(a[i*k+l]) * float64(b[j*k+l])
			}
			c[i*n+j] = T(s)
		}
	}
}

// naiveNN is the reference C (+)= A·B, accumulated in float64.
func naiveNN[T float](m, n, k int, a, b, c []T, acc bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			if acc {
				s = float64(c[i*n+j])
			}
			for l := 0; l < k; l++ {
				s += float64(a[i*k+l]) * float64(b[l*n+j])
			}
			c[i*n+j] = T(s)
		}
	}
}

func randSlice[T float](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(r.NormFloat64())
	}
	return s
}

// naiveTN is the reference C (+)= Aᵀ·B (A k×m), accumulated in float64.
func naiveTN[T float](m, n, k int, a, b, c []T, acc bool) {
	at := make([]T, m*k)
	for l := 0; l < k; l++ {
		for i := 0; i < m; i++ {
			at[i*k+l] = a[l*m+i]
		}
	}
	naiveNN(m, n, k, at, b, c, acc)
}

// kernelOp is one of the three products with its float64 reference.
type kernelOp[T float] struct {
	name     string
	got, ref func(m, n, k int, a, b, c []T, acc bool)
}

func kernelOps[T float](mm kernels[T]) []kernelOp[T] {
	return []kernelOp[T]{{"nt", mm.nt, naiveNT[T]}, {"nn", mm.nn, naiveNN[T]}, {"tn", mm.tn, naiveTN[T]}}
}

// TestKernels compares the products of kernelsFor (for float32, the assembly
// kernels when the CPU has them, else the tiled gonum ones) with float64
// reference loops on shapes around the tile and block edges (gonum tiles
// 64×192; assembly blocks 4×16 and 4×32 (nn, tn), 2×4 and 4×4 with k in
// steps of 8 (nt)). Tolerance: 1e-5·(k+1) absolute for float32 (sums of k
// products of N(0,1) values), 1e-12·(k+1) for float64.
func TestKernels(t *testing.T) {
	testKernels[float32](t, 1e-5, nil)
	testKernels[float64](t, 1e-12, nil)
}

// kernelShapes are m, n, k around the blocks and tiles, and degenerate ones.
var kernelShapes = [][3]int{{1, 1, 1}, {3, 5, 7}, {32, 192, 4}, {33, 193, 9}, {70, 400, 3}, {64, 10, 128},
	{5, 3, 0}, {0, 4, 2}, {4, 16, 8}, {7, 17, 9}, {2, 4, 8}, {3, 130, 15}, {64, 128, 784}, {6, 5, 31},
	{8, 32, 16}, {9, 48, 17}, {5, 33, 8}, {4, 15, 8}, {130, 10, 40}, {67, 161, 24}, {1, 40, 16}, {13, 3, 9}}

// TestKernelsRandomShapes compares the assembly kernels (when the CPU has
// them) and the portable ones with the float64 reference, and with each
// other, on 300 random shapes m, n ∈ [1, 80], k ∈ [0, 300], most of them
// not multiples of the block sizes or of the vector width 8. Tolerance as in
// TestKernels: 1e-5·(k+1) absolute against the reference, 2e-5·(k+1)
// between the two (each is within 1e-5·(k+1) of it).
func TestKernelsRandomShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var shapes [][3]int
	for range 300 {
		shapes = append(shapes, [3]int{1 + r.IntN(80), 1 + r.IntN(80), r.IntN(301)})
	}
	testKernels[float32](t, 1e-5, shapes)
	if !hasAsm {
		t.Skip("no assembly kernels on this CPU or architecture; portable kernels checked above")
	}
	portable := kernelOps(kernels[float32]{nt: sgemmNT, nn: sgemmNN, tn: sgemmTN})
	fast := kernelOps(kernelsFor[float32](80 * 300))
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		a := randSlice[float32](r, m*k)
		b := randSlice[float32](r, n*k)
		c0 := randSlice[float32](r, m*n)
		for _, acc := range []bool{false, true} {
			for o := range fast {
				got := append([]float32(nil), c0...)
				want := append([]float32(nil), c0...)
				fast[o].got(m, n, k, a, b, got, acc)
				portable[o].got(m, n, k, a, b, want, acc)
				for i := range want {
					if math.Abs(float64(got[i]-want[i])) > 2e-5*float64(k+1) {
						t.Fatalf("%s %dx%dx%d acc=%v: asm c[%d] = %v, portable %v", fast[o].name, m, n, k, acc, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// fma32 is the correctly rounded float32 fused multiply-add a·b + c
// (computed exactly in big.Float, then rounded once to nearest even).
func fma32(a, b, c float32) float32 {
	const prec = 640 // a·b + c of float32 values is exact in 600 bits
	x := new(big.Float).SetPrec(prec).SetFloat64(float64(a))
	x.Mul(x, new(big.Float).SetPrec(prec).SetFloat64(float64(b)))
	x.Add(x, new(big.Float).SetPrec(prec).SetFloat64(float64(c)))
	f, _ := x.Float32()
	return f
}

// exactNN is the operation order the assembly nn and tn kernels specify
// (kernels.go): element (i, j) is the chain c ← fma(A'[i][l], B[l][j], c),
// l = 0…k−1, from c = 0 or C. A'[i][l] is a[i·sa + l·sk].
func exactNN(m, n, k int, a []float32, sa, sk int, b, c []float32, acc bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			if acc {
				s = c[i*n+j]
			}
			for l := 0; l < k; l++ {
				s = fma32(a[i*sa+l*sk], b[l*n+j], s)
			}
			c[i*n+j] = s
		}
	}
}

// exactNT is the order the assembly nt kernels specify: 8 fused partial
// sums over l < 8⌊k/8⌋ (lane l mod 8), reduced ((s₀+s₁)+(s₂+s₃)) +
// ((s₄+s₅)+(s₆+s₇)), plus C when accumulating, then the remaining products,
// each rounded and summed in increasing l, added to C.
func exactNT(m, n, k int, a, b, c []float32, acc bool) {
	k8 := k / 8 * 8
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var p [8]float32
			for l := 0; l < k8; l++ {
				p[l%8] = fma32(a[i*k+l], b[j*k+l], p[l%8])
			}
			s := ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]))
			if acc {
				s += c[i*n+j]
			}
			if k8 < k {
				var t float32
				for l := k8; l < k; l++ {
					t += float32(a[i*k+l] * b[j*k+l])
				}
				s += t
			}
			c[i*n+j] = s
		}
	}
}

// TestKernelsExactOrder checks the assembly kernels bit for bit against the
// operation order kernels.go specifies for them, which makes every
// assembly path (AVX2, AVX-512, NEON) give the same results: on shapes where
// every element is a block kernel's (nn, tn: m ≥ 4, n ≥ 16; nt: m ≥ 2,
// n ≥ 4, k ≥ 8), with the rows and columns left over by whole blocks
// included (the overlapping scratch blocks) and the k mod 8 tail of nt.
// Where the CPU has AVX-512 the test runs with and without it.
func TestKernelsExactOrder(t *testing.T) {
	if !hasAsm {
		t.Skip("no assembly kernels on this CPU or architecture")
	}
	shapes := [][3]int{{4, 16, 1}, {4, 4, 8}, {2, 4, 8}, {5, 17, 9}, {8, 32, 16}, {10, 130, 23}, {3, 5, 12},
		{13, 47, 33}, {66, 70, 17}, {7, 160, 8}, {4, 36, 40}, {9, 20, 64}}
	defer setAVX512(useAVX512)
	for _, wide := range avx512Settings() {
		r := rand.New(rand.NewPCG(11, 12))
		setAVX512(wide)
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			a := randSlice[float32](r, m*k)
			b := randSlice[float32](r, n*k)
			c0 := randSlice[float32](r, m*n)
			for _, acc := range []bool{false, true} {
				type op struct {
					name     string
					ok       bool
					got, ref func(c []float32)
				}
				ops := []op{
					{"nn", m >= 4 && n >= 16, func(c []float32) { asmNN(m, n, k, a, b, c, acc) },
						func(c []float32) { exactNN(m, n, k, a, k, 1, b, c, acc) }},
					{"tn", m >= 4 && n >= 16, func(c []float32) { asmTN(m, n, k, a, b, c, acc, nil) },
						func(c []float32) { exactNN(m, n, k, a, 1, m, b, c, acc) }},
					{"tn (transposed)", m >= 4 && n >= 16, func(c []float32) { asmTN(m, n, k, a, b, c, acc, make([]float32, m*k)) },
						func(c []float32) { exactNN(m, n, k, a, 1, m, b, c, acc) }},
					{"nt", m >= 2 && n >= 4 && k >= 8, func(c []float32) { asmNT(m, n, k, a, b, c, acc) },
						func(c []float32) { exactNT(m, n, k, a, b, c, acc) }},
				}
				for _, o := range ops {
					if !o.ok {
						continue
					}
					got := append([]float32(nil), c0...)
					want := append([]float32(nil), c0...)
					o.got(got)
					o.ref(want)
					if i, ok := sameBits(got, want); !ok {
						t.Fatalf("avx512=%v %s %dx%dx%d acc=%v: c[%d] = %v, specified order gives %v",
							wide, o.name, m, n, k, acc, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// scatterRows copies the rows×cols matrix a into a larger buffer, row by
// row in a shuffled order with gaps (and starting at odd offsets), and
// returns the table of the rows' addresses there: the layout of a batch's
// rows in a dataset, read in place.
func scatterRows(r *rand.Rand, a []float32, rows, cols int) []*float32 {
	stride := cols + 1 + r.IntN(5)
	buf := make([]float32, 3+(2*rows+1)*stride)
	pos := r.Perm(2 * rows)
	t := make([]*float32, rows)
	for i := range t {
		at := 3 + pos[i]*stride
		copy(buf[at:at+cols], a[i*cols:i*cols+cols])
		t[i] = &buf[at]
	}
	return t
}

// TestKernelsRowTables checks the products that read one operand through a
// table of row addresses (asmNTRows, asmTNRows: the first layer on a batch
// read in place) bit for bit against the same products on the contiguous
// matrix, with and without AVX-512 and with and without asmTN's
// transposition, on TestKernelsExactOrder's shapes, the step's and random
// ones (including those below one block, done by the Go loops).
func TestKernelsRowTables(t *testing.T) {
	if !hasAsm {
		t.Skip("no assembly kernels on this CPU or architecture")
	}
	r := rand.New(rand.NewPCG(13, 14))
	shapes := [][3]int{{4, 16, 1}, {4, 4, 8}, {2, 4, 8}, {5, 17, 9}, {8, 32, 16}, {10, 130, 23}, {3, 5, 12},
		{13, 47, 33}, {66, 70, 17}, {7, 160, 8}, {4, 36, 40}, {9, 20, 64}, {64, 128, 784}, {128, 784, 64},
		{10, 784, 64}, {1, 1, 1}, {1, 40, 16}, {3, 3, 7}, {129, 33, 72}}
	for range 150 {
		shapes = append(shapes, [3]int{1 + r.IntN(80), 1 + r.IntN(80), 1 + r.IntN(300)})
	}
	defer setAVX512(useAVX512)
	for _, wide := range avx512Settings() {
		setAVX512(wide)
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			a := randSlice[float32](r, m*k)
			b := randSlice[float32](r, n*k)
			c0 := randSlice[float32](r, m*n)
			aRows := scatterRows(r, a, m, k) // A of nt: m rows of k
			bt := randSlice[float32](r, k*n) // B of tn: k rows of n
			btRows := scatterRows(r, bt, k, n)
			at := randSlice[float32](r, k*m) // A of tn: k×m
			for _, acc := range []bool{false, true} {
				type op struct {
					name      string
					got, want func(c []float32)
				}
				ops := []op{
					{"nt", func(c []float32) { asmNTRows(m, n, k, aRows, b, c, acc) },
						func(c []float32) { asmNT(m, n, k, a, b, c, acc) }},
					{"tn", func(c []float32) { asmTNRows(m, n, k, at, btRows, c, acc, nil) },
						func(c []float32) { asmTN(m, n, k, at, bt, c, acc, nil) }},
					{"tn (transposed)", func(c []float32) { asmTNRows(m, n, k, at, btRows, c, acc, make([]float32, m*k)) },
						func(c []float32) { asmTN(m, n, k, at, bt, c, acc, make([]float32, m*k)) }},
				}
				for _, o := range ops {
					got := append([]float32(nil), c0...)
					want := append([]float32(nil), c0...)
					o.got(got)
					o.want(want)
					if i, ok := sameBits(got, want); !ok {
						t.Fatalf("avx512=%v %s %dx%dx%d acc=%v: c[%d] = %v with a row table, %v contiguous",
							wide, o.name, m, n, k, acc, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestPortableFallback forces the portable kernels and optimizer loops (what
// CPUs without AVX2/FMA and other architectures run) and repeats the kernel,
// gradient and PyTorch reference tests on them.
func TestPortableFallback(t *testing.T) {
	defer func(u bool) { useAsm = u }(useAsm)
	useAsm = false
	if newOptimizer(Adam, 3).fast {
		t.Fatal("optimizer uses assembly with useAsm false")
	}
	t.Run("kernels", TestKernels)
	t.Run("grad", TestGradFloat32)
	t.Run("torchref", TestTorchReference)
}

func testKernels[T float](t *testing.T, tol float64, shapes [][3]int) {
	r := rand.New(rand.NewPCG(1, 1))
	if shapes == nil {
		shapes = kernelShapes
	}
	maxMK := 0
	for _, s := range shapes {
		maxMK = max(maxMK, s[0]*s[2])
	}
	ops := kernelOps(kernelsFor[T](maxMK))
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, acc := range []bool{false, true} {
			name := fmt.Sprintf("%T/%dx%dx%d/acc=%v", T(0), m, n, k, acc)
			a := randSlice[T](r, m*k)
			b := randSlice[T](r, n*k)
			c0 := randSlice[T](r, m*n)
			for _, p := range ops {
				got := append([]T(nil), c0...)
				want := append([]T(nil), c0...)
				p.got(m, n, k, a, b, got, acc)
				p.ref(m, n, k, a, b, want, acc)
				for i := range want {
					if math.Abs(float64(got[i]-want[i])) > tol*float64(k+1) {
						t.Fatalf("%s %s: c[%d] = %v, want %v", p.name, name, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// Own pure-Go kernels, kept here only to compare with gonum in
// BenchmarkMatMul (see kernels.go for the measured choice).

// ownNT24 computes C = A·Bᵀ with 2×4 register blocks of dot products.
func ownNT24(m, n, k int, a, b, c []float32) {
	for i := 0; i+2 <= m; i += 2 {
		a0 := a[i*k : i*k+k]
		a1 := a[(i+1)*k : (i+1)*k+k]
		a1 = a1[:len(a0)]
		for j := 0; j+4 <= n; j += 4 {
			b0 := b[j*k : j*k+k][:len(a0)]
			b1 := b[(j+1)*k : (j+1)*k+k][:len(a0)]
			b2 := b[(j+2)*k : (j+2)*k+k][:len(a0)]
			b3 := b[(j+3)*k : (j+3)*k+k][:len(a0)]
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			for l, x0 := range a0 {
				x1 := a1[l]
				y0, y1, y2, y3 := b0[l], b1[l], b2[l], b3[l]
				c00 += x0 * y0
				c01 += x0 * y1
				c02 += x0 * y2
				c03 += x0 * y3
				c10 += x1 * y0
				c11 += x1 * y1
				c12 += x1 * y2
				c13 += x1 * y3
			}
			r0 := c[i*n+j : i*n+j+4]
			r1 := c[(i+1)*n+j : (i+1)*n+j+4]
			r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
			r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
		}
	}
}

// ownNN4 computes C = A·B four rows of C at a time (axpy form).
func ownNN4(m, n, k int, a, b, c []float32) {
	clear(c[:m*n])
	for i := 0; i+4 <= m; i += 4 {
		c0 := c[i*n : i*n+n]
		c1 := c[(i+1)*n : (i+1)*n+n][:len(c0)]
		c2 := c[(i+2)*n : (i+2)*n+n][:len(c0)]
		c3 := c[(i+3)*n : (i+3)*n+n][:len(c0)]
		for l := 0; l < k; l++ {
			x0, x1, x2, x3 := a[i*k+l], a[(i+1)*k+l], a[(i+2)*k+l], a[(i+3)*k+l]
			bl := b[l*n : l*n+n][:len(c0)]
			for j, y := range bl {
				c0[j] += x0 * y
				c1[j] += x1 * y
				c2[j] += x2 * y
				c3[j] += x3 * y
			}
		}
	}
}

// BenchmarkMatMul times the products of one MLP 784-H-10 step at batch B
// (H = 128, 512 at B = 64; H = 512 at B = 256): the forward B×784·(H×784)ᵀ
// and the weight gradient H×B·B×784, with the
// assembly kernels (when the CPU has them; asm is AVX2 or NEON, asm-avx512
// the AVX-512 blocks where the CPU has them), our tiled gonum calls, gonum's
// Sgemm called on the whole matrix (which goes parallel for the gradient),
// and our own pure-Go loops (the last three at H = 128, B = 64 only).
func BenchmarkMatMul(b *testing.B) {
	for _, h := range []int{128, 512} {
		benchMatMul(b, h, 64)
	}
	benchMatMul(b, 512, 256)
}

func benchMatMul(b *testing.B, h, bs int) {
	r := rand.New(rand.NewPCG(1, 2))
	x := randSlice[float32](r, bs*784) // batch
	w := randSlice[float32](r, h*784)  // weights, out×in
	dz := randSlice[float32](r, bs*h)
	dzt := randSlice[float32](r, h*bs)
	z := make([]float32, bs*h)
	gw := make([]float32, h*784)
	report := func(b *testing.B, flops float64, tt threadTimer) {
		reportRate(b, flops*float64(b.N)/1e9, "GFLOP/s", tt.seconds())
	}
	fwd, grad := float64(2*bs*h*784), float64(2*h*bs*784)
	name := func(s string) string { return fmt.Sprintf("h%d/b%d/%s", h, bs, s) }
	for _, wide := range avx512Settings() {
		if !hasAsm {
			break
		}
		kind := "asm"
		if wide {
			kind = "asm-avx512"
		}
		b.Run(name("forward/"+kind), func(b *testing.B) {
			defer setAVX512(useAVX512)
			setAVX512(wide)
			b.ReportAllocs()
			tt := startThreadTimer()
			for b.Loop() {
				asmNT(bs, h, 784, x, w, z, false)
			}
			report(b, fwd, tt)
		})
		b.Run(name("weightgrad/"+kind), func(b *testing.B) {
			defer setAVX512(useAVX512)
			setAVX512(wide)
			mm := kernelsFor[float32](h * bs)
			b.ReportAllocs()
			tt := startThreadTimer()
			for b.Loop() {
				mm.tn(h, 784, bs, dz, x, gw, false)
			}
			report(b, grad, tt)
		})
	}
	b.Run(name("forward/gonum-tiled"), func(b *testing.B) {
		b.ReportAllocs()
		tt := startThreadTimer()
		for b.Loop() {
			sgemmNT(bs, h, 784, x, w, z, false)
		}
		report(b, fwd, tt)
	})
	b.Run(name("weightgrad/gonum-tiled"), func(b *testing.B) {
		b.ReportAllocs()
		tt := startThreadTimer()
		for b.Loop() {
			sgemmTN(h, 784, bs, dz, x, gw, false)
		}
		report(b, grad, tt)
	})
	if h != 128 || bs != 64 {
		return
	}
	b.Run(name("forward/gonum-sgemm"), func(b *testing.B) {
		tt := startThreadTimer()
		for b.Loop() {
			gonum.Implementation{}.Sgemm(blas.NoTrans, blas.Trans, 64, h, 784, 1, x, 784, w, 784, 0, z, h)
		}
		report(b, fwd, tt)
	})
	b.Run(name("forward/own-nt-2x4"), func(b *testing.B) {
		tt := startThreadTimer()
		for b.Loop() {
			ownNT24(64, h, 784, x, w, z)
		}
		report(b, fwd, tt)
	})
	b.Run(name("weightgrad/gonum-sgemm"), func(b *testing.B) {
		b.ReportAllocs()
		tt := startThreadTimer()
		for b.Loop() {
			gonum.Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, h, 784, 64, 1, dzt, 64, x, 784, 0, gw, 784)
		}
		report(b, grad, tt)
	})
	b.Run(name("weightgrad/own-nn-4row"), func(b *testing.B) {
		tt := startThreadTimer()
		for b.Loop() {
			ownNN4(h, 784, 64, dzt, x, gw)
		}
		report(b, grad, tt)
	})
}

// TestReLUAsm checks the AVX2 ReLU and its backward mask against the scalar
// loops, bit for bit, on lengths 0..40 with NaN, ±0 and ±Inf mixed in.
func TestReLUAsm(t *testing.T) {
	if !hasAsm {
		t.Skip("no assembly kernels on this CPU or architecture")
	}
	r := rand.New(rand.NewPCG(5, 5))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, float32(math.Inf(1)), float32(math.Inf(-1))}
	for n := 0; n <= 40; n++ {
		z := randSlice[float32](r, n)
		d := randSlice[float32](r, n)
		for i := range z {
			if r.IntN(4) == 0 {
				z[i] = special[r.IntN(len(special))]
			}
		}
		want := append([]float32(nil), z...)
		activate(ReLU, want)
		got := append([]float32(nil), z...)
		n8 := n / 8
		if n8 > 0 {
			relu8(&got[0], n8)
		}
		activate(ReLU, got[n8*8:])
		wantD := append([]float32(nil), d...)
		for i, h := range want {
			if h <= 0 {
				wantD[i] = 0
			}
		}
		gotD := append([]float32(nil), d...)
		if n8 > 0 {
			reluMask8(&gotD[0], &want[0], n8)
		}
		for i := n8 * 8; i < n; i++ {
			if want[i] <= 0 {
				gotD[i] = 0
			}
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) || math.Float32bits(gotD[i]) != math.Float32bits(wantD[i]) {
				t.Fatalf("n=%d i=%d: relu %v want %v; mask %v want %v", n, i, got[i], want[i], gotD[i], wantD[i])
			}
		}
	}
}

// threadTimer measures the CPU time of the benchmark goroutine's thread
// (locked to it), which leaves out the time it waited for a core shared with
// other jobs: start it before b.Loop, read it after.
type threadTimer struct{ t0 time.Duration }

func startThreadTimer() threadTimer {
	runtime.LockOSThread()
	return threadTimer{threadCPU()}
}

// seconds returns the thread's CPU seconds since start (0 where unknown)
// and unlocks the thread.
func (t threadTimer) seconds() float64 {
	d := threadCPU() - t.t0
	runtime.UnlockOSThread()
	if t.t0 == 0 {
		return 0
	}
	return d.Seconds()
}

// reportRate reports units per wall second under name and, where the
// thread's CPU time is known, per CPU second under "cpu-"+name.
func reportRate(b *testing.B, units float64, name string, cpuSeconds float64) {
	b.ReportMetric(units/b.Elapsed().Seconds(), name)
	if cpuSeconds > 0 {
		b.ReportMetric(units/cpuSeconds, "cpu-"+name)
	}
}

// TestTransposeInto checks the blocked transpose on shapes around its 4×4
// blocks.
func TestTransposeInto(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	for _, s := range [][2]int{{1, 1}, {4, 4}, {5, 7}, {8, 3}, {3, 9}, {64, 128}, {13, 6}} {
		k, m := s[0], s[1]
		a := randSlice[float32](r, k*m)
		got := make([]float32, k*m)
		transposeInto(k, m, a, got)
		for l := 0; l < k; l++ {
			for i := 0; i < m; i++ {
				if got[i*k+l] != a[l*m+i] {
					t.Fatalf("%dx%d: t[%d][%d] = %v, want a[%d][%d] = %v", k, m, i, l, got[i*k+l], l, i, a[l*m+i])
				}
			}
		}
	}
}

// sameBits reports whether got and want hold the same float32 bit patterns,
// and the first index where they differ.
func sameBits(got, want []float32) (int, bool) {
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i, false
		}
	}
	return 0, true
}
