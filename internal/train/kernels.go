package train

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// float is the element type of a model: float32 for training, float64 for the
// exact gradient checks in the tests. The model code is written once for both.
type float interface{ ~float32 | ~float64 }

// kernels bundles the two matrix products the model needs, for one element
// type. All matrices are dense, row-major and contiguous (leading dimension
// = number of columns).
//
// nt computes, for A m×k and B n×k,
//
//	C = A·Bᵀ        (acc false)
//	C = C + A·Bᵀ    (acc true)
//
// and nn computes, for A m×k and B k×n,
//
//	C = A·B         (acc false)
//	C = C + A·B     (acc true)
//
// with C m×n. Each element of C is accumulated in the element type, in
// increasing k order within one tile of k (gonum's kernels, SSE on amd64) or in
// 8 interleaved partial sums (the AVX2 kernels, see asmNT), so the result is
// deterministic for a given build and CPU feature set.
type kernels[T float] struct {
	nt func(m, n, k int, a, b, c []T, acc bool)
	nn func(m, n, k int, a, b, c []T, acc bool)
}

// useAsm selects the assembly float32 kernels (kernels_amd64.s) when the CPU
// has them; tests set it to false to exercise the portable kernels, which are
// also what other architectures and CPUs without AVX2/FMA run. It is read when
// a model or optimizer is built.
var useAsm = hasAsm

// kernelsFor returns the products for T: for float32 the AVX2+FMA assembly
// kernels when useAsm is set, else (and for float64) gonum's pure-Go BLAS
// (Sgemm, Dgemm) on tiles.
func kernelsFor[T float]() kernels[T] {
	var z T
	var k any
	switch any(z).(type) {
	case float32:
		if useAsm {
			k = kernels[float32]{nt: asmNT, nn: asmNN}
		} else {
			k = kernels[float32]{nt: sgemmNT, nn: sgemmNN}
		}
	case float64:
		k = kernels[float64]{nt: dgemmNT, nn: dgemmNN}
	default:
		panic("train: unsupported element type")
	}
	return k.(kernels[T])
}

// Gonum's ?gemm splits a product whose C has 4 or more 64×64 blocks over
// goroutines, which allocates on every call (54 allocations for the
// 128×784 weight gradient) and competes with the concurrent trials of a
// sweep. We therefore call it on tiles of C of at most tileRows×tileCols
// (1×3 blocks), which it computes serially without allocating. A Run is
// single-threaded; parallelism comes from running trials concurrently.
//
// These tiled gonum products are the portable kernels (float64 always;
// float32 when the assembly kernels below are unavailable). Measured with
// BenchmarkMatMul (one thread, AMD EPYC, go1.26, gonum v0.17.0) on the
// products of MLP 784-128-10 at batch 64:
//
//	                                   forward 64×784·(128×784)ᵀ   weight gradient 128×64·64×784
//	gonum Sgemm, tiled (portable)      ≈ 20 GFLOP/s                ≈ 16 GFLOP/s, 0 allocs
//	gonum Sgemm, whole matrix          ≈ 19 GFLOP/s                ≈ 12 GFLOP/s, 54 allocs
//	own Go loops, 2×4 register blocks  ≈ 7.5 GFLOP/s               —
//	own Go loops, 4-row axpy           ≈ 6.3 GFLOP/s               ≈ 6.4 GFLOP/s
//
// Gonum beats Go loops because its inner dot and axpy kernels are SSE
// assembly; the Go compiler does not vectorize. Tile shapes from 16×64 to 64×192 were within
// measurement noise of each other; 64×192 makes the fewest calls.
const (
	tileRows = 64
	tileCols = 192
)

// gemmTiled calls gemm on the tiles of C. trA/trB say whether A (m×k stored
// k×m) or B (k×n stored n×k) is transposed in storage; lda, ldb are the row
// lengths as stored.
func gemmTiled[T float](gemm func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int),
	trB bool, m, n, k int, a, b, c []T, acc bool) {
	if m == 0 || n == 0 {
		return
	}
	beta := T(0)
	if acc {
		beta = 1
	}
	tB, ldb := blas.NoTrans, n
	if trB {
		tB, ldb = blas.Trans, k
	}
	if k == 0 {
		if !acc {
			clear(c[:m*n])
		}
		return
	}
	for i0 := 0; i0 < m; i0 += tileRows {
		mi := min(tileRows, m-i0)
		as := a[i0*k:]
		for j0 := 0; j0 < n; j0 += tileCols {
			nj := min(tileCols, n-j0)
			var bs []T
			if trB {
				bs = b[j0*k:]
			} else {
				bs = b[j0:]
			}
			gemm(blas.NoTrans, tB, mi, nj, k, 1, as, k, bs, ldb, beta, c[i0*n+j0:], n)
		}
	}
}

func sgemmNT(m, n, k int, a, b, c []float32, acc bool) {
	gemmTiled(gonum.Implementation{}.Sgemm, true, m, n, k, a, b, c, acc)
}

func sgemmNN(m, n, k int, a, b, c []float32, acc bool) {
	gemmTiled(gonum.Implementation{}.Sgemm, false, m, n, k, a, b, c, acc)
}

func dgemmNT(m, n, k int, a, b, c []float64, acc bool) {
	gemmTiled(gonum.Implementation{}.Dgemm, true, m, n, k, a, b, c, acc)
}

func dgemmNN(m, n, k int, a, b, c []float64, acc bool) {
	gemmTiled(gonum.Implementation{}.Dgemm, false, m, n, k, a, b, c, acc)
}

// transpose writes the transpose of the r×c matrix a into t (c×r).
func transpose[T float](r, c int, a, t []T) {
	a = a[:r*c]
	t = t[:r*c]
	for i := 0; i < r; i++ {
		row := a[i*c : i*c+c]
		for j, v := range row {
			t[j*r+i] = v
		}
	}
}

// The assembly kernels (amd64 with AVX2 and FMA; see kernels_amd64.s).
//
// asmNN computes C (+)= A·B with register blocks of 4 rows × 16 columns of C
// (eight 8-wide accumulators, one broadcast of A per row and k): each element
// of C is accumulated with fused multiply-adds in increasing k order, starting
// from C when acc is set. asmNT computes C (+)= A·Bᵀ as dot products with
// blocks of 2 rows × 4 columns of C: eight lanes of partial sums per element
// over k in steps of 8, summed pairwise at the end, then the k mod 8 tail
// added in Go. Rows and columns outside whole blocks are done by the Go loops
// below in float32. Results differ from gonum's (no FMA, other order) only by
// float32 rounding; TestKernels bounds the difference.
//
// Measured with BenchmarkMatMul (one thread, AMD EPYC, go1.26), MLP
// 784-128-10 at batch 64, see BENCHMARKS.md for the runs:
//
//	                       forward 64×784·(128×784)ᵀ   weight gradient 128×64·64×784
//	asm AVX2+FMA (used)    ≈ 100 GFLOP/s                ≈ 105 GFLOP/s, 0 allocs
//	gonum Sgemm, tiled     ≈ 21 GFLOP/s                 ≈ 18 GFLOP/s, 0 allocs
//	vek32.MatMul_Into      ≈ 16–26 GFLOP/s (Wᵀ given)   ≈ 10–14 GFLOP/s, 3 allocs
//
// (github.com/viterin/vek v0.4.3 has AVX2 assembly but only the A·B form,
// always zeroes C, and splits every product of these sizes over goroutines on
// all cores, which allocates and competes with a sweep's concurrent trials;
// its kernel is in an internal package, so it cannot be called per tile.)
// At hidden 512 (batch 64 and 256) the assembly kernels measured ≈ 100 GFLOP/s
// with the cache blocking below (57–66 without it), gonum 16–21.
//
// Cache blocking: asmNN works on panels of nnTileCols columns of B (k×128
// values, 32 KB per 64 rows) so that a panel stays in L2 while every block of
// 4 rows of A passes over it; asmNT on tiles of ntTileRows rows of A and
// ntTileCols rows of B (64×k values each, 200 KB each at k = 784).
const (
	nnTileCols = 128 // multiple of 16
	ntTileRows = 64  // multiple of 2
	ntTileCols = 64  // multiple of 4
)

// emptyProduct handles the products with nothing to multiply: C is m×n
// with m or n zero (nothing to do), or k is zero (C = 0, or unchanged when
// accumulating). It reports whether the product is done.
func emptyProduct(m, n, k int, c []float32, acc bool) bool {
	if m == 0 || n == 0 {
		return true
	}
	if k == 0 {
		if !acc {
			clear(c[:m*n])
		}
		return true
	}
	return false
}

func asmNN(m, n, k int, a, b, c []float32, acc bool) {
	if emptyProduct(m, n, k, c, acc) {
		return
	}
	_, _, _ = a[m*k-1], b[k*n-1], c[m*n-1]
	m4, n16 := m&^3, n&^15
	if n16 > 0 {
		for j0 := 0; j0 < n16; j0 += nnTileCols {
			nb := min(nnTileCols, n16-j0) / 16
			for i := 0; i < m4; i += 4 {
				nn4x16(&a[i*k], k, &b[j0], n, &c[i*n+j0], n, k, nb, acc)
			}
		}
	} else {
		m4 = 0
	}
	goNN(0, m4, n16, n, n, k, a, b, c, acc)
	goNN(m4, m, 0, n, n, k, a, b, c, acc)
}

// goNN computes rows [i0, i1) and columns [j0, j1) of C (+)= A·B (C m×n,
// A m×k, B k×n), accumulating in increasing k order.
func goNN(i0, i1, j0, j1, n, k int, a, b, c []float32, acc bool) {
	if j0 >= j1 {
		return
	}
	for i := i0; i < i1; i++ {
		row := c[i*n+j0 : i*n+j1]
		if !acc {
			clear(row)
		}
		for l, x := range a[i*k : i*k+k] {
			bl := b[l*n+j0 : l*n+j1]
			bl = bl[:len(row)]
			for j, y := range bl {
				row[j] += x * y
			}
		}
	}
}

func asmNT(m, n, k int, a, b, c []float32, acc bool) {
	if emptyProduct(m, n, k, c, acc) {
		return
	}
	_, _, _ = a[m*k-1], b[n*k-1], c[m*n-1]
	k8 := k / 8
	m2, n4 := m&^1, n&^3
	if k8 == 0 || n4 == 0 {
		m2, n4 = 0, 0
	}
	for i0 := 0; i0 < m2; i0 += ntTileRows {
		i1 := min(i0+ntTileRows, m2)
		for j0 := 0; j0 < n4; j0 += ntTileCols {
			nb := min(ntTileCols, n4-j0) / 4
			for i := i0; i < i1; i += 2 {
				nt2x4(&a[i*k], &b[j0*k], k, k8, &c[i*n+j0], n, nb, acc)
			}
		}
	}
	if k8*8 < k {
		goNT(0, m2, 0, n4, n, k, k8*8, a, b, c, true)
	}
	goNT(0, m2, n4, n, n, k, 0, a, b, c, acc)
	goNT(m2, m, 0, n, n, k, 0, a, b, c, acc)
}

// goNT computes rows [i0, i1) and columns [j0, j1) of C (+)= A·Bᵀ (C m×n,
// A m×k, B n×k), summing over k from l0.
func goNT(i0, i1, j0, j1, n, k, l0 int, a, b, c []float32, acc bool) {
	for i := i0; i < i1; i++ {
		ar := a[i*k+l0 : i*k+k]
		for j := j0; j < j1; j++ {
			br := b[j*k+l0 : j*k+k]
			br = br[:len(ar)]
			var s float32
			for l, x := range ar {
				s += x * br[l]
			}
			if acc {
				c[i*n+j] += s
			} else {
				c[i*n+j] = s
			}
		}
	}
}
