package train

import (
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// float is the element type of a model: float32 for training, float64 for the
// exact gradient checks in the tests. The model code is written once for both.
type float interface{ ~float32 | ~float64 }

// kernels bundles the three matrix products the model needs, for one element
// type. All matrices are dense, row-major and contiguous (leading dimension
// = number of columns as stored). With C m×n, acc false computes C = P and
// acc true C = C + P, where P is
//
//	nt: A·Bᵀ   for A m×k and B n×k   (forward: z = a·Wᵀ)
//	nn: A·B    for A m×k and B k×n   (input gradient: ∂a = dz·W)
//	tn: Aᵀ·B   for A k×m and B k×n   (weight gradient: ∂W = dzᵀ·a)
//
// Each element of C is accumulated in the element type in an order fixed by
// the kernel, so the result is deterministic for a given build and CPU
// feature set: gonum's tiles (portable), or the assembly kernels below, which
// all use the same order whatever the vector width (AVX2, AVX-512, NEON).
//
// ntRows and tnRows are nt and tn with the rows of the operand a layer's
// input is (A of nt, B of tn) read in place through a table of row pointers
// (rows[i] holds the row's k or n values), with the same results: the
// first layer reads a training batch's rows where they lie in the dataset,
// and no gather copies them. They are nil where there are none (portable
// kernels, float64); the model then gathers the rows into a buffer.
type kernels[T float] struct {
	nt func(m, n, k int, a, b, c []T, acc bool)
	nn func(m, n, k int, a, b, c []T, acc bool)
	tn func(m, n, k int, a, b, c []T, acc bool)

	ntRows func(m, n, k int, a []*T, b, c []T, acc bool)
	tnRows func(m, n, k int, a []T, b []*T, c []T, acc bool)
}

// useAsm selects the assembly float32 kernels (AVX2+FMA on amd64, NEON on
// arm64) when the CPU has them; tests set it to false to exercise the
// portable kernels, which are also what other architectures, CPUs without
// AVX2/FMA and -tags purego builds run. It is read when a model or optimizer
// is built.
var useAsm = hasAsm

// kernelsFor returns the products for T: for float32 the assembly kernels
// when useAsm is set, else (and for float64) gonum's pure-Go BLAS (Sgemm,
// Dgemm) on tiles. tnSize is the largest m·k of the Aᵀ·B products to come:
// the assembly tn keeps a workspace of that size (see asmTN).
func kernelsFor[T float](tnSize int) kernels[T] {
	var z T
	var k any
	switch any(z).(type) {
	case float32:
		if useAsm {
			var ws []float32
			if !useAVX512 {
				ws = make([]float32, tnSize)
			}
			tn := func(m, n, k int, a, b, c []float32, acc bool) { asmTN(m, n, k, a, b, c, acc, ws) }
			tnRows := func(m, n, k int, a []float32, b []*float32, c []float32, acc bool) {
				asmTNRows(m, n, k, a, b, c, acc, ws)
			}
			k = kernels[float32]{nt: asmNT, nn: asmNN, tn: tn, ntRows: asmNTRows, tnRows: tnRows}
		} else {
			k = kernels[float32]{nt: sgemmNT, nn: sgemmNN, tn: sgemmTN}
		}
	case float64:
		k = kernels[float64]{nt: dgemmNT, nn: dgemmNN, tn: dgemmTN}
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
// k×m) or B (k×n stored n×k) is transposed in storage.
func gemmTiled[T float](gemm func(tA, tB blas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int),
	trA, trB bool, m, n, k int, a, b, c []T, acc bool) {
	if m == 0 || n == 0 {
		return
	}
	beta := T(0)
	if acc {
		beta = 1
	}
	if k == 0 {
		if !acc {
			clear(c[:m*n])
		}
		return
	}
	tA, lda := blas.NoTrans, k
	if trA {
		tA, lda = blas.Trans, m
	}
	tB, ldb := blas.NoTrans, n
	if trB {
		tB, ldb = blas.Trans, k
	}
	for i0 := 0; i0 < m; i0 += tileRows {
		mi := min(tileRows, m-i0)
		as := a[i0*k:]
		if trA {
			as = a[i0:]
		}
		for j0 := 0; j0 < n; j0 += tileCols {
			nj := min(tileCols, n-j0)
			bs := b[j0:]
			if trB {
				bs = b[j0*k:]
			}
			gemm(tA, tB, mi, nj, k, 1, as, lda, bs, ldb, beta, c[i0*n+j0:], n)
		}
	}
}

func sgemmNT(m, n, k int, a, b, c []float32, acc bool) {
	gemmTiled(gonum.Implementation{}.Sgemm, false, true, m, n, k, a, b, c, acc)
}

func sgemmNN(m, n, k int, a, b, c []float32, acc bool) {
	gemmTiled(gonum.Implementation{}.Sgemm, false, false, m, n, k, a, b, c, acc)
}

func sgemmTN(m, n, k int, a, b, c []float32, acc bool) {
	gemmTiled(gonum.Implementation{}.Sgemm, true, false, m, n, k, a, b, c, acc)
}

func dgemmNT(m, n, k int, a, b, c []float64, acc bool) {
	gemmTiled(gonum.Implementation{}.Dgemm, false, true, m, n, k, a, b, c, acc)
}

func dgemmNN(m, n, k int, a, b, c []float64, acc bool) {
	gemmTiled(gonum.Implementation{}.Dgemm, false, false, m, n, k, a, b, c, acc)
}

func dgemmTN(m, n, k int, a, b, c []float64, acc bool) {
	gemmTiled(gonum.Implementation{}.Dgemm, true, false, m, n, k, a, b, c, acc)
}

// The assembly kernels: kernels_amd64.s (AVX2+FMA), kernels_avx512_amd64.s
// (AVX-512) and kernels_arm64.s (NEON). Each computes a register block of C;
// the Go drivers below split a product into blocks, and every path does the
// same float32 operations in the same order for each element of C, so AVX2,
// AVX-512 and NEON give identical results:
//
//   - nn and tn (asmNN, asmTN) by blocks of 4 rows × 16 columns of C
//     (nn4x16; nn4x32 with AVX-512 for pairs of them): each element is a
//     chain of fused multiply-adds c ← a·b + c in increasing k order,
//     starting from 0 (or from C when accumulating);
//   - nt (asmNT) by blocks of 2 rows × 4 columns (nt2x4; nt4x4 with
//     AVX-512): each element is 8 partial sums sⱼ (j = 0…7), sⱼ a fused
//     chain over l ≡ j (mod 8), l < 8⌊k/8⌋, reduced as
//     ((s₀+s₁)+(s₂+s₃)) + ((s₄+s₅)+(s₆+s₇)), plus C when accumulating;
//     then the k mod 8 remaining products, summed in Go (below, unfused),
//     are added to C.
//
// The x variants of the block kernels (nt2x4x, nt4x4x, nn4x16x, nn4x32x)
// are the same kernels with the rows of one operand (A of nt, B of nn) given
// by a table of their addresses instead of a stride (asmNTRows, asmTNRows:
// see kernels.ntRows).
//
// Rows and columns that do not fill a whole block are computed by a block
// that overlaps the ones before it, into a scratch block of which only the
// missing part is copied back (so every element of a matrix with at least
// one block's rows and columns is a block kernel's); only products smaller
// than one block use the Go loops goGEMM and goNT.
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
// Cache blocking: asmNN/asmTN work on panels of nnTileCols columns of B (k×128
// values, 32 KB per 64 rows) so that a panel stays in L2 while every block of
// 4 rows of A passes over it; asmNT on tiles of ntTileRows rows of A and
// ntTileCols rows of B (64×k values each, 200 KB each at k = 784).
const (
	nnTileCols = 128 // multiple of 32
	ntTileRows = 64  // multiple of 4
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

// rowMatrix is an operand of the products given by its rows, each of cols
// values: row i is a[i·cols:] (a contiguous matrix) or, when rows is set,
// the cols values at rows[i] (rows read in place, wherever they are; the
// block kernels then take the table: nt2x4x, nt4x4x, nn4x16x, nn4x32x).
type rowMatrix struct {
	a    []float32
	rows []*float32
	cols int
}

// row returns row i.
func (x rowMatrix) row(i int) []float32 {
	if x.rows != nil {
		return unsafe.Slice(x.rows[i], x.cols)
	}
	return x.a[i*x.cols : i*x.cols+x.cols]
}

// asmNN computes C (+)= A·B (A m×k, B k×n, C m×n).
func asmNN(m, n, k int, a, b, c []float32, acc bool) {
	if emptyProduct(m, n, k, c, acc) {
		return
	}
	_, _, _ = a[m*k-1], b[k*n-1], c[m*n-1]
	gemmBlocks(m, n, k, a, k, 1, rowMatrix{a: b, cols: n}, c, acc)
}

// asmTN computes C (+)= Aᵀ·B (A k×m, B k×n, C m×n). The rows of Aᵀ are
// columns of A: read in place, the values of consecutive l lie a row of A
// apart, which for power-of-two widths maps them to a few cache sets and
// slowed the 4×16 blocks by 10–25 % (BenchmarkMatMul). So unless the
// AVX-512 blocks run (which read each of those lines for twice the columns
// and measured as fast in place), Aᵀ is first written into ws when it has
// room for it (m·k values), and the product runs as A·B on it. Both compute
// each element the same way.
func asmTN(m, n, k int, a, b, c []float32, acc bool, ws []float32) {
	if emptyProduct(m, n, k, c, acc) {
		return
	}
	_, _, _ = a[k*m-1], b[k*n-1], c[m*n-1]
	tnProduct(m, n, k, a, rowMatrix{a: b, cols: n}, c, acc, ws)
}

// asmTNRows is asmTN with row l of B the n values at b[l].
func asmTNRows(m, n, k int, a []float32, b []*float32, c []float32, acc bool, ws []float32) {
	if emptyProduct(m, n, k, c, acc) {
		return
	}
	_, _, _ = a[k*m-1], b[k-1], c[m*n-1]
	tnProduct(m, n, k, a, rowMatrix{rows: b[:k], cols: n}, c, acc, ws)
}

// tnProduct is asmTN with B given by its rows.
func tnProduct(m, n, k int, a []float32, b rowMatrix, c []float32, acc bool, ws []float32) {
	if !useAVX512 && len(ws) >= m*k && m >= 4 && n >= 16 {
		transposeInto(k, m, a, ws)
		gemmBlocks(m, n, k, ws, k, 1, b, c, acc)
		return
	}
	gemmBlocks(m, n, k, a, 1, m, b, c, acc)
}

// transposeInto writes the transpose of the k×m matrix a into t (m×k), by
// blocks of 4×4 held in registers (3–4 times the speed of a loop over
// single values, which writes or reads one value per cache line), then the
// rows and columns left over.
func transposeInto(k, m int, a, t []float32) {
	a, t = a[:k*m], t[:m*k]
	k4, m4 := k&^3, m&^3
	for l := 0; l < k4; l += 4 {
		r0 := a[l*m : l*m+m]
		r1 := a[(l+1)*m : (l+1)*m+m][:len(r0)]
		r2 := a[(l+2)*m : (l+2)*m+m][:len(r0)]
		r3 := a[(l+3)*m : (l+3)*m+m][:len(r0)]
		for i := 0; i < m4; i += 4 {
			x0, x1, x2, x3 := r0[i:i+4], r1[i:i+4], r2[i:i+4], r3[i:i+4]
			s0 := t[i*k+l : i*k+l+4]
			s1 := t[(i+1)*k+l : (i+1)*k+l+4]
			s2 := t[(i+2)*k+l : (i+2)*k+l+4]
			s3 := t[(i+3)*k+l : (i+3)*k+l+4]
			s0[0], s0[1], s0[2], s0[3] = x0[0], x1[0], x2[0], x3[0]
			s1[0], s1[1], s1[2], s1[3] = x0[1], x1[1], x2[1], x3[1]
			s2[0], s2[1], s2[2], s2[3] = x0[2], x1[2], x2[2], x3[2]
			s3[0], s3[1], s3[2], s3[3] = x0[3], x1[3], x2[3], x3[3]
		}
		for i := m4; i < m; i++ {
			s := t[i*k+l : i*k+l+4]
			s[0], s[1], s[2], s[3] = r0[i], r1[i], r2[i], r3[i]
		}
	}
	for l := k4; l < k; l++ {
		for i, v := range a[l*m : l*m+m] {
			t[i*k+l] = v
		}
	}
}

// gemmBlocks computes C (+)= A'·B for the m×k matrix A' whose element (i, l)
// is a[i·sa + l·sk] (A' = A: sa = k, sk = 1; A' = Aᵀ: sa = 1, sk = m), B
// k×n and C m×n, by blocks of 4×16 (see above).
func gemmBlocks(m, n, k int, a []float32, sa, sk int, b rowMatrix, c []float32, acc bool) {
	if m < 4 || n < 16 {
		goGEMM(0, m, 0, n, n, k, a, sa, sk, b, c, acc)
		return
	}
	m4, n16 := m&^3, n&^15
	for j0 := 0; j0 < n16; j0 += nnTileCols {
		w := min(nnTileCols, n16-j0)
		for i := 0; i < m4; i += 4 {
			nnRows(a, i, sa, sk, b, j0, c[i*n+j0:], n, k, w, acc)
		}
		if m4 < m {
			// Rows m−4…m−1 into a scratch block; rows m4… are copied back.
			var t [4 * nnTileCols]float32
			scratchLoad(t[:], c, m-4, 4, j0, w, n, acc)
			nnRows(a, m-4, sa, sk, b, j0, t[:], w, k, w, acc)
			scratchStore(c, t[:], m-4, m4, 4, j0, j0, w, n)
		}
	}
	if n16 < n {
		// Columns n−16…n−1, one block of 4 rows at a time (the last one
		// overlapping when m is not a multiple of 4); columns n16… and
		// rows not done yet are copied back.
		var t [4 * 16]float32
		for i := 0; i < m; i += 4 {
			i0, from := i, i
			if i0+4 > m {
				i0 = m - 4
			}
			scratchLoad(t[:], c, i0, 4, n-16, 16, n, acc)
			nnRows(a, i0, sa, sk, b, n-16, t[:], 16, k, 16, acc)
			scratchStore(c, t[:], i0, from, 4, n-16, n16, 16, n)
		}
	}
}

// nnRows computes the 4 rows i…i+3 of C (+)= A'·B over the w columns
// (a multiple of 16) of B from column j (c starts at that column; leading
// dimension ldc).
func nnRows(a []float32, i, sa, sk int, b rowMatrix, j int, c []float32, ldc, k, w int, acc bool) {
	nnPanel(&a[i*sa], sa, sk, b, j, &c[0], ldc, k, w, acc)
}

// nnPanel runs the block kernel on 4 rows of A' and the w columns (a
// multiple of 16) of B from column j: with AVX-512, nn4x32 on pairs of 16
// columns and nn4x16 on an odd one; else nn4x16 (their x variants when B is
// a table of rows). All compute each element the same way.
func nnPanel(a *float32, sa, sk int, b rowMatrix, j int, c *float32, ldc, k, w int, acc bool) {
	if useAVX512 && w >= 32 {
		if b.rows != nil {
			nn4x32x(a, sa, sk, &b.rows[0], j, c, ldc, k, w/32, acc)
		} else {
			nn4x32(a, sa, sk, &b.a[j], b.cols, c, ldc, k, w/32, acc)
		}
		if w%32 == 0 {
			return
		}
		j, c = j+w&^31, addPtr(c, w&^31)
		w = 16
	}
	if b.rows != nil {
		nn4x16x(a, sa, sk, &b.rows[0], j, c, ldc, k, w/16, acc)
	} else {
		nn4x16(a, sa, sk, &b.a[j], b.cols, c, ldc, k, w/16, acc)
	}
}

// scratchLoad prepares the scratch block t (rows×w, leading dimension w)
// for a block kernel that computes rows [i0, i0+rows) and columns [j0, j0+w)
// of C (leading dimension n): when accumulating, t starts as that part of C.
func scratchLoad(t, c []float32, i0, rows, j0, w, n int, acc bool) {
	if !acc {
		return
	}
	for r := 0; r < rows; r++ {
		copy(t[r*w:r*w+w], c[(i0+r)*n+j0:])
	}
}

// scratchStore copies rows [from, i0+rows) and columns [jfrom, j0+w) of the
// scratch block back into C; the other rows and columns were already done
// (their scratch values, accumulated twice, are dropped).
func scratchStore(c, t []float32, i0, from, rows, j0, jfrom, w, n int) {
	for r := from - i0; r < rows; r++ {
		copy(c[(i0+r)*n+jfrom:(i0+r)*n+j0+w], t[r*w+jfrom-j0:r*w+w])
	}
}

// addPtr returns p advanced by n float32 values.
func addPtr(p *float32, n int) *float32 { return (*float32)(unsafe.Add(unsafe.Pointer(p), 4*n)) }

// goGEMM computes rows [i0, i1) and columns [j0, j1) of C (+)= A'·B (C m×n,
// A' m×k with element (i, l) at a[i·sa + l·sk], B k×n), accumulating in
// increasing k order. Each product is rounded before it is added (the
// explicit conversion keeps the compiler from fusing them), so the result
// is the same on every architecture.
func goGEMM(i0, i1, j0, j1, n, k int, a []float32, sa, sk int, b rowMatrix, c []float32, acc bool) {
	if j0 >= j1 {
		return
	}
	for i := i0; i < i1; i++ {
		row := c[i*n+j0 : i*n+j1]
		if !acc {
			clear(row)
		}
		for l := 0; l < k; l++ {
			x := a[i*sa+l*sk]
			bl := b.row(l)[j0:j1]
			bl = bl[:len(row)]
			for j, y := range bl {
				row[j] += float32(x * y)
			}
		}
	}
}

// asmNT computes C (+)= A·Bᵀ (A m×k, B n×k, C m×n).
func asmNT(m, n, k int, a, b, c []float32, acc bool) {
	if emptyProduct(m, n, k, c, acc) {
		return
	}
	_, _, _ = a[m*k-1], b[n*k-1], c[m*n-1]
	ntProduct(m, n, k, rowMatrix{a: a, cols: k}, b, c, acc)
}

// asmNTRows is asmNT with row i of A the k values at a[i].
func asmNTRows(m, n, k int, a []*float32, b, c []float32, acc bool) {
	if emptyProduct(m, n, k, c, acc) {
		return
	}
	_, _, _ = a[m-1], b[n*k-1], c[m*n-1]
	ntProduct(m, n, k, rowMatrix{rows: a[:m], cols: k}, b, c, acc)
}

// ntProduct is asmNT with A given by its rows.
func ntProduct(m, n, k int, a rowMatrix, b, c []float32, acc bool) {
	k8 := k / 8
	if k8 == 0 || m < 2 || n < 4 {
		goNT(0, m, 0, n, n, k, 0, a, b, c, acc)
		return
	}
	n4 := n &^ 3
	for i0 := 0; i0 < m; i0 += ntTileRows {
		i1 := min(i0+ntTileRows, m)
		for j0 := 0; j0 < n4; j0 += ntTileCols {
			nb := min(ntTileCols, n4-j0) / 4
			i := i0
			if useAVX512 {
				for ; i+4 <= i1; i += 4 {
					if a.rows != nil {
						nt4x4x(&a.rows[i], &b[j0*k], k, k8, &c[i*n+j0], n, nb, acc)
					} else {
						nt4x4(&a.a[i*k], &b[j0*k], k, k8, &c[i*n+j0], n, nb, acc)
					}
				}
			}
			for ; i+2 <= i1; i += 2 {
				nt2(a, i, &b[j0*k], k, k8, &c[i*n+j0], n, nb, acc)
			}
			if i < i1 {
				// The last row (m odd): rows m−2, m−1 into a scratch block.
				var t [2 * ntTileCols]float32
				w := nb * 4
				scratchLoad(t[:], c, m-2, 2, j0, w, n, acc)
				nt2(a, m-2, &b[j0*k], k, k8, &t[0], w, nb, acc)
				scratchStore(c, t[:], m-2, m-1, 2, j0, j0, w, n)
			}
		}
	}
	if n4 < n {
		// Columns n−4…n−1, two rows at a time (the last pair overlapping
		// when m is odd).
		var t [2 * 4]float32
		for i := 0; i < m; i += 2 {
			i0, from := i, i
			if i0+2 > m {
				i0 = m - 2
			}
			scratchLoad(t[:], c, i0, 2, n-4, 4, n, acc)
			nt2(a, i0, &b[(n-4)*k], k, k8, &t[0], 4, 1, acc)
			scratchStore(c, t[:], i0, from, 2, n-4, n4, 4, n)
		}
	}
	if k8*8 < k {
		goNT(0, m, 0, n, n, k, k8*8, a, b, c, true)
	}
}

// nt2 runs nt2x4 (nt2x4x when A is a table of rows) on rows i, i+1 of A.
func nt2(a rowMatrix, i int, b *float32, k, k8 int, c *float32, ldc, nb int, acc bool) {
	if a.rows != nil {
		nt2x4x(&a.rows[i], b, k, k8, c, ldc, nb, acc)
	} else {
		nt2x4(&a.a[i*k], b, k, k8, c, ldc, nb, acc)
	}
}

// goNT computes rows [i0, i1) and columns [j0, j1) of C (+)= A·Bᵀ (C m×n,
// A m×k, B n×k), summing the products over k from l0 in increasing order,
// each rounded before it is added (no fusion, as goGEMM), then adding the
// sum to C (or storing it).
func goNT(i0, i1, j0, j1, n, k, l0 int, a rowMatrix, b, c []float32, acc bool) {
	for i := i0; i < i1; i++ {
		ar := a.row(i)[l0:]
		for j := j0; j < j1; j++ {
			br := b[j*k+l0 : j*k+k]
			br = br[:len(ar)]
			var s float32
			for l, x := range ar {
				s += float32(x * br[l])
			}
			if acc {
				c[i*n+j] += s
			} else {
				c[i*n+j] = s
			}
		}
	}
}
