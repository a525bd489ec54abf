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
// increasing k order within one tile of k (gonum's kernels, SSE on amd64), so
// the result is deterministic for a given build.
type kernels[T float] struct {
	nt func(m, n, k int, a, b, c []T, acc bool)
	nn func(m, n, k int, a, b, c []T, acc bool)
}

// kernelsFor returns the products for T, backed by gonum's pure-Go BLAS
// (Sgemm for float32, Dgemm for float64).
func kernelsFor[T float]() kernels[T] {
	var z T
	var k any
	switch any(z).(type) {
	case float32:
		k = kernels[float32]{nt: sgemmNT, nn: sgemmNN}
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
// Choice of kernel, measured with BenchmarkMatMul (one thread, AMD EPYC,
// go1.26, gonum v0.17.0) on the products of MLP 784-128-10 at batch 64:
//
//	                                   forward 64×784·(128×784)ᵀ   weight gradient 128×64·64×784
//	gonum Sgemm, tiled (used)          ≈ 20 GFLOP/s                ≈ 16 GFLOP/s, 0 allocs
//	gonum Sgemm, whole matrix          ≈ 19 GFLOP/s                ≈ 12 GFLOP/s, 54 allocs
//	own Go loops, 2×4 register blocks  ≈ 7.5 GFLOP/s               —
//	own Go loops, 4-row axpy           ≈ 6.3 GFLOP/s               ≈ 6.4 GFLOP/s
//
// Gonum wins because its inner dot and axpy kernels are SSE assembly; the Go
// compiler does not vectorize. Tile shapes from 16×64 to 64×192 were within
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
