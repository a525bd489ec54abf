//go:build !purego

#include "textflag.h"
#include "kernels_amd64.h"

// AVX-512 (F, VL) block kernels. They compute every element of C with the
// same float32 operations in the same order as the AVX2 kernels of
// kernels_amd64.s (see kernels.go), with wider blocks: nn4x32 uses 512-bit
// registers (16 lanes, twice the columns of nn4x16 per instruction), nt4x4
// keeps the 8-lane partial sums of nt2x4 (so the reduction order is the
// same) but uses AVX-512's 32 vector registers for a 4×4 block, which loads
// each row of B once for 4 rows of A instead of 2.
//
// As in kernels_amd64.s, a kernel and its x variant (one operand's rows read
// through a table of row addresses) run the same instructions in the same
// order except where they address that operand; the other steps are the
// macros of kernels_amd64.h and of this file.

// The nn4x32 steps. C's block: 4 rows at DX, DX+R10, DX+2·R10, DX+BX
// (BX = 3·R10), 32 columns (Z(2r), Z(2r+1) for row r).

// NN4X32_LOADC: Z0–Z7 = the block of C.
#define NN4X32_LOADC \
	VMOVUPS (DX), Z0 \
	VMOVUPS 64(DX), Z1 \
	VMOVUPS (DX)(R10*1), Z2 \
	VMOVUPS 64(DX)(R10*1), Z3 \
	VMOVUPS (DX)(R10*2), Z4 \
	VMOVUPS 64(DX)(R10*2), Z5 \
	VMOVUPS (DX)(BX*1), Z6 \
	VMOVUPS 64(DX)(BX*1), Z7

// ZERO_Z0_Z7: Z0–Z7 = 0.
#define ZERO_Z0_Z7 \
	VPXORD Z0, Z0, Z0 \
	VPXORD Z1, Z1, Z1 \
	VPXORD Z2, Z2, Z2 \
	VPXORD Z3, Z3, Z3 \
	VPXORD Z4, Z4, Z4 \
	VPXORD Z5, Z5, Z5 \
	VPXORD Z6, Z6, Z6 \
	VPXORD Z7, Z7, Z7

// NN4X32_FMA: one l of the product. With row l of B in Z8, Z9, broadcasts
// the 4 values of A' at AX, AX+R8, AX+2·R8, AX+R13 (R13 = 3·R8) into
// Z10–Z13 and accumulates Z(2r) += Z(10+r)·Z8, Z(2r+1) += Z(10+r)·Z9.
#define NN4X32_FMA \
	VBROADCASTSS (AX), Z10 \
	VFMADD231PS  Z8, Z10, Z0 \
	VFMADD231PS  Z9, Z10, Z1 \
	VBROADCASTSS (AX)(R8*1), Z11 \
	VFMADD231PS  Z8, Z11, Z2 \
	VFMADD231PS  Z9, Z11, Z3 \
	VBROADCASTSS (AX)(R8*2), Z12 \
	VFMADD231PS  Z8, Z12, Z4 \
	VFMADD231PS  Z9, Z12, Z5 \
	VBROADCASTSS (AX)(R13*1), Z13 \
	VFMADD231PS  Z8, Z13, Z6 \
	VFMADD231PS  Z9, Z13, Z7

// NN4X32_STOREC: the block of C = Z0–Z7.
#define NN4X32_STOREC \
	VMOVUPS Z0, (DX) \
	VMOVUPS Z1, 64(DX) \
	VMOVUPS Z2, (DX)(R10*1) \
	VMOVUPS Z3, 64(DX)(R10*1) \
	VMOVUPS Z4, (DX)(R10*2) \
	VMOVUPS Z5, 64(DX)(R10*2) \
	VMOVUPS Z6, (DX)(BX*1) \
	VMOVUPS Z7, 64(DX)(BX*1)

// The nt4x4 steps. Element (r, j) of C's 4×4 block has its 8 partial sums
// in Y(4r+j); C's rows are at DX, DX+R10, DX+2·R10, DX+BX (BX = 3·R10).

// ZERO_Y8_Y15: Y8–Y15 = 0 (with ZERO_Y0_Y7, the 16 accumulators).
#define ZERO_Y8_Y15 \
	VXORPS Y8, Y8, Y8 \
	VXORPS Y9, Y9, Y9 \
	VXORPS Y10, Y10, Y10 \
	VXORPS Y11, Y11, Y11 \
	VXORPS Y12, Y12, Y12 \
	VXORPS Y13, Y13, Y13 \
	VXORPS Y14, Y14, Y14 \
	VXORPS Y15, Y15, Y15

// NT4X4_FMA: one 8 columns of the product. With the 8 columns of A's rows
// r in Y(16+r), loads those of B's rows j at R12 + j·R8 (R13 = 3·R8) into
// Y20–Y23 and accumulates Y(4r+j) += Y(16+r)·Y(20+j).
#define NT4X4_FMA \
	VMOVUPS     (R12), Y20 \
	VMOVUPS     (R12)(R8*1), Y21 \
	VMOVUPS     (R12)(R8*2), Y22 \
	VMOVUPS     (R12)(R13*1), Y23 \
	VFMADD231PS Y20, Y16, Y0 \
	VFMADD231PS Y21, Y16, Y1 \
	VFMADD231PS Y22, Y16, Y2 \
	VFMADD231PS Y23, Y16, Y3 \
	VFMADD231PS Y20, Y17, Y4 \
	VFMADD231PS Y21, Y17, Y5 \
	VFMADD231PS Y22, Y17, Y6 \
	VFMADD231PS Y23, Y17, Y7 \
	VFMADD231PS Y20, Y18, Y8 \
	VFMADD231PS Y21, Y18, Y9 \
	VFMADD231PS Y22, Y18, Y10 \
	VFMADD231PS Y23, Y18, Y11 \
	VFMADD231PS Y20, Y19, Y12 \
	VFMADD231PS Y21, Y19, Y13 \
	VFMADD231PS Y22, Y19, Y14 \
	VFMADD231PS Y23, Y19, Y15

// NT4X4_ADDC: X0, X4, X8, X12 (the sums of rows 0–3) += C's rows.
#define NT4X4_ADDC \
	VMOVUPS (DX), X1 \
	VADDPS  X1, X0, X0 \
	VMOVUPS (DX)(R10*1), X5 \
	VADDPS  X5, X4, X4 \
	VMOVUPS (DX)(R10*2), X9 \
	VADDPS  X9, X8, X8 \
	VMOVUPS (DX)(BX*1), X13 \
	VADDPS  X13, X12, X12

// NT4X4_STOREC: C's rows = X0, X4, X8, X12.
#define NT4X4_STOREC \
	VMOVUPS X0, (DX) \
	VMOVUPS X4, (DX)(R10*1) \
	VMOVUPS X8, (DX)(R10*2) \
	VMOVUPS X12, (DX)(BX*1)

// func nn4x32(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool)
//
// For the 4 rows of A' at a (element (i, l) at a[i·sa + l·sk]) and nb blocks
// of 32 columns of B at b (row stride ldb): C[4×32·nb] (+)= A'[4×k]·B[k×32·nb],
// each element a chain of FMAs in increasing l. k ≥ 1, nb ≥ 1.
// Accumulators Z0–Z7 (row r in Z2r, Z2r+1); per l: one 32-value row of B
// (Z8, Z9) and the 4 values of A' broadcast (Z10–Z13).
TEXT ·nn4x32(SB), NOSPLIT, $0-73
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
	NN4X32_LOADC
	JMP  nnk

nnzero:
	ZERO_Z0_Z7

nnk:
	MOVQ SI, AX
	MOVQ DI, R12
	MOVQ k+56(FP), CX

nnloop:
	VMOVUPS (R12), Z8
	VMOVUPS 64(R12), Z9
	NN4X32_FMA
	ADDQ    R14, AX
	ADDQ    R9, R12
	DECQ    CX
	JNZ     nnloop

	NN4X32_STOREC
	ADDQ $128, DX
	ADDQ $128, DI
	DECQ R11
	JNZ  nnblock
	VZEROUPPER
	RET

// func nt4x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)
//
// For the 4 rows of A at a and nb blocks of 4 rows of B at b (all rows of
// length and stride k): C[4×4·nb] (+)= A[4×8k8]·B[4nb×8k8]ᵀ, using the first
// 8·k8 columns only. k8 ≥ 1, nb ≥ 1. Element (r, j) has its 8 partial sums in
// Y(4r+j), reduced as nt2x4's; per 8 columns the rows of A are in Y16–Y19
// and the rows of B in Y20–Y23.
TEXT ·nt4x4(SB), NOSPLIT, $0-57
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ k+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R13
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), BX
	MOVQ nb+48(FP), R11

ntblock:
	ZERO_Y0_Y7
	ZERO_Y8_Y15
	MOVQ SI, AX
	MOVQ DI, R12
	MOVQ k8+24(FP), CX

ntloop:
	VMOVUPS (AX), Y16
	VMOVUPS (AX)(R8*1), Y17
	VMOVUPS (AX)(R8*2), Y18
	VMOVUPS (AX)(R13*1), Y19
	NT4X4_FMA
	ADDQ    $32, AX
	ADDQ    $32, R12
	DECQ    CX
	JNZ     ntloop

	// Horizontal sums, row by row: X0 = [Σy0 Σy1 Σy2 Σy3] for row 0, etc.
	HSUM8X4(Y0, Y1, Y2, Y3, X0, X1)
	HSUM8X4(Y4, Y5, Y6, Y7, X4, X5)
	HSUM8X4(Y8, Y9, Y10, Y11, X8, X9)
	HSUM8X4(Y12, Y13, Y14, Y15, X12, X13)
	CMPB acc+56(FP), $0
	JEQ  ntstore
	NT4X4_ADDC

ntstore:
	NT4X4_STOREC
	ADDQ $16, DX
	LEAQ (DI)(R8*4), DI
	DECQ R11
	JNZ  ntblock
	VZEROUPPER
	RET

// func nn4x32x(a *float32, sa, sk int, b **float32, j int, c *float32, ldc, k, nb int, acc bool)
//
// nn4x32 with the rows of B read through the table b: row l of B is at
// b[l], of which the columns j…j+32·nb−1 are used (R9: 4j, then the byte
// offset of the block). Same operations in the same order; the row pointer
// is loaded per l (R15).
TEXT ·nn4x32x(SB), NOSPLIT, $0-73
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
	NN4X32_LOADC
	JMP  nnxk

nnxzero:
	ZERO_Z0_Z7

nnxk:
	MOVQ SI, AX
	MOVQ DI, R12
	MOVQ k+56(FP), CX

nnxloop:
	MOVQ    (R12), R15
	VMOVUPS (R15)(R9*1), Z8
	VMOVUPS 64(R15)(R9*1), Z9
	NN4X32_FMA
	ADDQ    R14, AX
	ADDQ    $8, R12
	DECQ    CX
	JNZ     nnxloop

	NN4X32_STOREC
	ADDQ $128, DX
	ADDQ $128, R9
	DECQ R11
	JNZ  nnxblock
	VZEROUPPER
	RET

// func nt4x4x(a **float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)
//
// nt4x4 with its 4 rows of A at a[0]…a[3] (SI, R9, R14, R15) instead of a
// stride k apart, all read at the offset AX. Same operations in the same
// order.
TEXT ·nt4x4x(SB), NOSPLIT, $0-57
	MOVQ a+0(FP), AX
	MOVQ (AX), SI
	MOVQ 8(AX), R9
	MOVQ 16(AX), R14
	MOVQ 24(AX), R15
	MOVQ b+8(FP), DI
	MOVQ k+16(FP), R8
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R13
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), BX
	MOVQ nb+48(FP), R11

ntxblock:
	ZERO_Y0_Y7
	ZERO_Y8_Y15
	XORQ AX, AX
	MOVQ DI, R12
	MOVQ k8+24(FP), CX

ntxloop:
	VMOVUPS (SI)(AX*1), Y16
	VMOVUPS (R9)(AX*1), Y17
	VMOVUPS (R14)(AX*1), Y18
	VMOVUPS (R15)(AX*1), Y19
	NT4X4_FMA
	ADDQ    $32, AX
	ADDQ    $32, R12
	DECQ    CX
	JNZ     ntxloop

	HSUM8X4(Y0, Y1, Y2, Y3, X0, X1)
	HSUM8X4(Y4, Y5, Y6, Y7, X4, X5)
	HSUM8X4(Y8, Y9, Y10, Y11, X8, X9)
	HSUM8X4(Y12, Y13, Y14, Y15, X12, X13)
	CMPB acc+56(FP), $0
	JEQ  ntxstore
	NT4X4_ADDC

ntxstore:
	NT4X4_STOREC
	ADDQ $16, DX
	LEAQ (DI)(R8*4), DI
	DECQ R11
	JNZ  ntxblock
	VZEROUPPER
	RET
