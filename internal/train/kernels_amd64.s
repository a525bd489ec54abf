//go:build !purego

#include "textflag.h"
#include "kernels_amd64.h"

// Each block kernel below has an x variant that reads one operand's rows
// through a table of row addresses (see kernels.go). A kernel and its x
// variant run the same instructions in the same order except where they
// address that operand; the steps that do not address it are the macros of
// kernels_amd64.h and of this file, written once for both.

// The nn4x16 steps. C's block: 4 rows at DX, DX+R10, DX+2·R10, DX+BX
// (BX = 3·R10), 16 columns (Y(2r), Y(2r+1) for row r).

// NN4X16_LOADC: Y0–Y7 = the block of C.
#define NN4X16_LOADC \
	VMOVUPS (DX), Y0 \
	VMOVUPS 32(DX), Y1 \
	VMOVUPS (DX)(R10*1), Y2 \
	VMOVUPS 32(DX)(R10*1), Y3 \
	VMOVUPS (DX)(R10*2), Y4 \
	VMOVUPS 32(DX)(R10*2), Y5 \
	VMOVUPS (DX)(BX*1), Y6 \
	VMOVUPS 32(DX)(BX*1), Y7

// NN4X16_FMA: one l of the product. With row l of B in Y8, Y9, broadcasts
// the 4 values of A' at AX, AX+R8, AX+2·R8, AX+R13 (R13 = 3·R8) into
// Y10–Y13 and accumulates Y(2r) += Y(10+r)·Y8, Y(2r+1) += Y(10+r)·Y9.
#define NN4X16_FMA \
	VBROADCASTSS (AX), Y10 \
	VFMADD231PS  Y8, Y10, Y0 \
	VFMADD231PS  Y9, Y10, Y1 \
	VBROADCASTSS (AX)(R8*1), Y11 \
	VFMADD231PS  Y8, Y11, Y2 \
	VFMADD231PS  Y9, Y11, Y3 \
	VBROADCASTSS (AX)(R8*2), Y12 \
	VFMADD231PS  Y8, Y12, Y4 \
	VFMADD231PS  Y9, Y12, Y5 \
	VBROADCASTSS (AX)(R13*1), Y13 \
	VFMADD231PS  Y8, Y13, Y6 \
	VFMADD231PS  Y9, Y13, Y7

// NN4X16_STOREC: the block of C = Y0–Y7.
#define NN4X16_STOREC \
	VMOVUPS Y0, (DX) \
	VMOVUPS Y1, 32(DX) \
	VMOVUPS Y2, (DX)(R10*1) \
	VMOVUPS Y3, 32(DX)(R10*1) \
	VMOVUPS Y4, (DX)(R10*2) \
	VMOVUPS Y5, 32(DX)(R10*2) \
	VMOVUPS Y6, (DX)(BX*1) \
	VMOVUPS Y7, 32(DX)(BX*1)

// The nt2x4 steps. Element (r, j) of C's 2×4 block has its 8 partial sums
// in Y(4r+j); C's rows are at DX and DX+R10.

// NT2X4_FMA: one 8 columns of the product. With the 8 columns of A's rows
// 0 and 1 in Y8 and Y9, loads those of B's rows j at R12 + j·R8 (R13 = 3·R8)
// into Y10–Y13 and accumulates Y(j) += Y8·Y(10+j), Y(4+j) += Y9·Y(10+j).
#define NT2X4_FMA \
	VMOVUPS     (R12), Y10 \
	VFMADD231PS Y10, Y8, Y0 \
	VFMADD231PS Y10, Y9, Y4 \
	VMOVUPS     (R12)(R8*1), Y11 \
	VFMADD231PS Y11, Y8, Y1 \
	VFMADD231PS Y11, Y9, Y5 \
	VMOVUPS     (R12)(R8*2), Y12 \
	VFMADD231PS Y12, Y8, Y2 \
	VFMADD231PS Y12, Y9, Y6 \
	VMOVUPS     (R12)(R13*1), Y13 \
	VFMADD231PS Y13, Y8, Y3 \
	VFMADD231PS Y13, Y9, Y7

// NT2X4_ADDC: X0, X4 (the sums of rows 0, 1) += C's rows.
#define NT2X4_ADDC \
	VMOVUPS (DX), X1 \
	VADDPS  X1, X0, X0 \
	VMOVUPS (DX)(R10*1), X5 \
	VADDPS  X5, X4, X4

// NT2X4_STOREC: C's rows = X0, X4.
#define NT2X4_STOREC \
	VMOVUPS X0, (DX) \
	VMOVUPS X4, (DX)(R10*1)

// func nn4x16(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool)
//
// For the 4 rows of A' at a (element (i, l) at a[i·sa + l·sk]) and nb blocks
// of 16 columns of B at b (row stride ldb): C[4×16·nb] (+)= A'[4×k]·B[k×16·nb],
// each element a chain of FMAs in increasing l. k ≥ 1, nb ≥ 1.
// Accumulators Y0–Y7 (row r in Y2r, Y2r+1); per l: one 16-value row of B
// (Y8, Y9) and the 4 values of A' broadcast (Y10–Y13).
TEXT ·nn4x16(SB), NOSPLIT, $0-73
	MOVQ a+0(FP), SI
	MOVQ sa+8(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R13
	MOVQ sk+16(FP), R14
	SHLQ $2, R14
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R9
	SHLQ $2, R9
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), BX
	MOVQ nb+64(FP), R11

nnblock:
	CMPB acc+72(FP), $0
	JEQ  nnzero
	NN4X16_LOADC
	JMP  nnk

nnzero:
	ZERO_Y0_Y7

nnk:
	MOVQ SI, AX
	MOVQ DI, R12
	MOVQ k+56(FP), CX

nnloop:
	VMOVUPS (R12), Y8
	VMOVUPS 32(R12), Y9
	NN4X16_FMA
	ADDQ    R14, AX
	ADDQ    R9, R12
	DECQ    CX
	JNZ     nnloop

	NN4X16_STOREC
	ADDQ $64, DX
	ADDQ $64, DI
	DECQ R11
	JNZ  nnblock
	VZEROUPPER
	RET

// func nt2x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)
//
// For the 2 rows of A at a and nb blocks of 4 rows of B at b (all rows of
// length and stride k): C[2×4·nb] (+)= A[2×8k8]·B[4nb×8k8]ᵀ, using the first
// 8·k8 columns only. k8 ≥ 1, nb ≥ 1. Element (r, j) has its 8 partial sums
// in Y(4r+j); per 8 columns the rows of A are in Y8, Y9 and the rows of B in
// Y10–Y13.
TEXT ·nt2x4(SB), NOSPLIT, $0-57
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ k+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R13
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R10
	SHLQ $2, R10
	MOVQ nb+48(FP), R11

ntblock:
	ZERO_Y0_Y7
	MOVQ SI, AX
	MOVQ DI, R12
	MOVQ k8+24(FP), CX

ntloop:
	VMOVUPS (AX), Y8
	VMOVUPS (AX)(R8*1), Y9
	NT2X4_FMA
	ADDQ    $32, AX
	ADDQ    $32, R12
	DECQ    CX
	JNZ     ntloop

	// Horizontal sums: X0 = [Σy0 Σy1 Σy2 Σy3], X4 likewise for row 1.
	HSUM8X4(Y0, Y1, Y2, Y3, X0, X1)
	HSUM8X4(Y4, Y5, Y6, Y7, X4, X5)
	CMPB acc+56(FP), $0
	JEQ  ntstore
	NT2X4_ADDC

ntstore:
	NT2X4_STOREC
	ADDQ $16, DX
	LEAQ (DI)(R8*4), DI
	DECQ R11
	JNZ  ntblock
	VZEROUPPER
	RET

// func nn4x16x(a *float32, sa, sk int, b **float32, j int, c *float32, ldc, k, nb int, acc bool)
//
// nn4x16 with the rows of B read through the table b: row l of B is at
// b[l], of which the columns j…j+16·nb−1 are used (R9: 4j, then the byte
// offset of the block). Same operations in the same order; the row pointer
// is loaded per l (R15).
TEXT ·nn4x16x(SB), NOSPLIT, $0-73
	MOVQ a+0(FP), SI
	MOVQ sa+8(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R13
	MOVQ sk+16(FP), R14
	SHLQ $2, R14
	MOVQ b+24(FP), DI
	MOVQ j+32(FP), R9
	SHLQ $2, R9
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), BX
	MOVQ nb+64(FP), R11

nnxblock:
	CMPB acc+72(FP), $0
	JEQ  nnxzero
	NN4X16_LOADC
	JMP  nnxk

nnxzero:
	ZERO_Y0_Y7

nnxk:
	MOVQ SI, AX
	MOVQ DI, R12
	MOVQ k+56(FP), CX

nnxloop:
	MOVQ    (R12), R15
	VMOVUPS (R15)(R9*1), Y8
	VMOVUPS 32(R15)(R9*1), Y9
	NN4X16_FMA
	ADDQ    R14, AX
	ADDQ    $8, R12
	DECQ    CX
	JNZ     nnxloop

	NN4X16_STOREC
	ADDQ $64, DX
	ADDQ $64, R9
	DECQ R11
	JNZ  nnxblock
	VZEROUPPER
	RET

// func nt2x4x(a **float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)
//
// nt2x4 with its 2 rows of A at a[0] and a[1] (SI, R9) instead of a stride
// k apart, both read at the offset AX. Same operations in the same order.
TEXT ·nt2x4x(SB), NOSPLIT, $0-57
	MOVQ a+0(FP), AX
	MOVQ (AX), SI
	MOVQ 8(AX), R9
	MOVQ b+8(FP), DI
	MOVQ k+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R13
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R10
	SHLQ $2, R10
	MOVQ nb+48(FP), R11

ntxblock:
	ZERO_Y0_Y7
	XORQ AX, AX
	MOVQ DI, R12
	MOVQ k8+24(FP), CX

ntxloop:
	VMOVUPS (SI)(AX*1), Y8
	VMOVUPS (R9)(AX*1), Y9
	NT2X4_FMA
	ADDQ    $32, AX
	ADDQ    $32, R12
	DECQ    CX
	JNZ     ntxloop

	HSUM8X4(Y0, Y1, Y2, Y3, X0, X1)
	HSUM8X4(Y4, Y5, Y6, Y7, X4, X5)
	CMPB acc+56(FP), $0
	JEQ  ntxstore
	NT2X4_ADDC

ntxstore:
	NT2X4_STOREC
	ADDQ $16, DX
	LEAQ (DI)(R8*4), DI
	DECQ R11
	JNZ  ntxblock
	VZEROUPPER
	RET

// func axpy8(p, gr *float32, n8 int, alpha float32)
//
// p[i] = p[i] + alpha·g[i] for i < 8·n8, multiply then add (no FMA), as the
// scalar loop rounds.
TEXT ·axpy8(SB), NOSPLIT, $0-28
	MOVQ         p+0(FP), DI
	MOVQ         gr+8(FP), SI
	MOVQ         n8+16(FP), CX
	VBROADCASTSS alpha+24(FP), Y15

axloop:
	VMULPS  (SI), Y15, Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     axloop
	VZEROUPPER
	RET

// func adam8(p, gr, m, v *float32, n8 int, k *[7]float32)
//
// One Adam update of 8·n8 parameters with k = {β₁, 1−β₁, β₂, 1−β₂,
// √bc₂, ε, −step}, in the scalar loop's order and rounding:
//
//	m = m·β₁ + (1−β₁)·g;  v = v·β₂ + ((1−β₂)·g)·g
//	p = p + (−step·m) / (√v / √bc₂ + ε)
TEXT ·adam8(SB), NOSPLIT, $0-48
	MOVQ         p+0(FP), DI
	MOVQ         gr+8(FP), SI
	MOVQ         m+16(FP), R8
	MOVQ         v+24(FP), R9
	MOVQ         n8+32(FP), CX
	MOVQ         k+40(FP), AX
	VBROADCASTSS 0(AX), Y8
	VBROADCASTSS 4(AX), Y9
	VBROADCASTSS 8(AX), Y10
	VBROADCASTSS 12(AX), Y11
	VBROADCASTSS 16(AX), Y12
	VBROADCASTSS 20(AX), Y13
	VBROADCASTSS 24(AX), Y14

adloop:
	VMOVUPS (SI), Y0
	VMULPS  (R8), Y8, Y1
	VMULPS  Y0, Y9, Y2
	VADDPS  Y2, Y1, Y1
	VMOVUPS Y1, (R8)
	VMULPS  (R9), Y10, Y3
	VMULPS  Y0, Y11, Y4
	VMULPS  Y0, Y4, Y4
	VADDPS  Y4, Y3, Y3
	VMOVUPS Y3, (R9)
	VSQRTPS Y3, Y3
	VDIVPS  Y12, Y3, Y3
	VADDPS  Y13, Y3, Y3
	VMULPS  Y1, Y14, Y1
	VDIVPS  Y3, Y1, Y1
	VADDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     adloop
	VZEROUPPER
	RET

// func relu8(z *float32, n8 int)
//
// z[i] = max(0, z[i]) for i < 8·n8; NaN and −0 stay as they are (VMAXPS
// returns its second source when the operands compare equal or unordered),
// as the scalar loop's "if z < 0 { z = 0 }".
TEXT ·relu8(SB), NOSPLIT, $0-16
	MOVQ   z+0(FP), DI
	MOVQ   n8+8(FP), CX
	VXORPS Y15, Y15, Y15

reloop:
	VMOVUPS (DI), Y0
	VMAXPS  Y0, Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	DECQ    CX
	JNZ     reloop
	VZEROUPPER
	RET

// func reluMask8(d, h *float32, n8 int)
//
// d[i] = 0 where h[i] ≤ 0, for i < 8·n8; NaN h passes d through, as the
// scalar loop (predicate NLE_US: keep where !(h ≤ 0)).
TEXT ·reluMask8(SB), NOSPLIT, $0-24
	MOVQ   d+0(FP), DI
	MOVQ   h+8(FP), SI
	MOVQ   n8+16(FP), CX
	VXORPS Y15, Y15, Y15

rmloop:
	VMOVUPS (SI), Y0
	VCMPPS  $6, Y15, Y0, Y1
	VANDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     rmloop
	VZEROUPPER
	RET

// func momentum8(p, gr, b *float32, n8 int, mu, alpha float32)
//
// One momentum step for i < 8·n8, multiply then add (no FMA), as the scalar
// loop rounds: b[i] = b[i]·μ + g[i]; p[i] = p[i] + alpha·b[i].
TEXT ·momentum8(SB), NOSPLIT, $0-40
	MOVQ         p+0(FP), DI
	MOVQ         gr+8(FP), SI
	MOVQ         b+16(FP), R8
	MOVQ         n8+24(FP), CX
	VBROADCASTSS mu+32(FP), Y14
	VBROADCASTSS alpha+36(FP), Y15

moloop:
	VMULPS  (R8), Y14, Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (R8)
	VMULPS  Y0, Y15, Y1
	VADDPS  (DI), Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	DECQ    CX
	JNZ     moloop
	VZEROUPPER
	RET

// func cpuid(leaf, sub uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET
