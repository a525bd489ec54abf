//go:build !purego

#include "textflag.h"

// NEON (ASIMD) kernels with the contracts of kernels_amd64.s: each computes
// every element of C with the same float32 operations in the same order as
// the AVX2 kernel of the same name (fused multiply-adds in the products,
// separate multiply and add in the optimizer updates), so results on arm64
// equal those on amd64.
//
// Go's assembler spells the loads, stores, VFMLA and the bitwise operations;
// the floating-point vector operations it lacks are emitted as WORD with the
// A64 encoding (Advanced SIMD, single precision, 128-bit: Q = 1, sz = 0),
// named by the macros below after the instruction they encode; `go tool
// objdump` decodes them (e.g. FADD4S(2, 1, 0) is "fadd v0.4s, v1.4s, v2.4s").
// Arguments are register numbers: m, n the sources, d the destination.

// FADD Vd.4S, Vn.4S, Vm.4S: d = n + m
#define FADD4S(m, n, d) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))
// FMUL Vd.4S, Vn.4S, Vm.4S: d = n · m
#define FMUL4S(m, n, d) WORD $(0x6E20DC00 | (m)<<16 | (n)<<5 | (d))
// FDIV Vd.4S, Vn.4S, Vm.4S: d = n / m
#define FDIV4S(m, n, d) WORD $(0x6E20FC00 | (m)<<16 | (n)<<5 | (d))
// FADDP Vd.4S, Vn.4S, Vm.4S: d = [n0+n1, n2+n3, m0+m1, m2+m3]
#define FADDP4S(m, n, d) WORD $(0x6E20D400 | (m)<<16 | (n)<<5 | (d))
// FSQRT Vd.4S, Vn.4S: d = √n
#define FSQRT4S(n, d) WORD $(0x6EA1F800 | (n)<<5 | (d))
// FCMLT Vd.4S, Vn.4S, #0: d = all ones where n < 0 (false for NaN)
#define FCMLT04S(n, d) WORD $(0x4EA0E800 | (n)<<5 | (d))
// FCMLE Vd.4S, Vn.4S, #0: d = all ones where n ≤ 0 (false for NaN)
#define FCMLE04S(n, d) WORD $(0x6EA0D800 | (n)<<5 | (d))
// BIC Vd.16B, Vn.16B, Vm.16B: d = n AND NOT m
#define BIC16B(m, n, d) WORD $(0x4E601C00 | (m)<<16 | (n)<<5 | (d))

// Each block kernel below has an x variant that reads one operand's rows
// through a table of row addresses (see kernels.go). A kernel and its x
// variant run the same instructions in the same order except where they
// address that operand; the steps that do not address it are the macros
// below, written once for both (a macro is a fixed sequence of instructions,
// run as if written out in the kernel). No macro reads an argument (FP):
// those loads stay in the kernels, where go vet checks them.

// ZERO_V0_V15: V0–V15 = 0 (the accumulators of nn4x16 and nt2x4).
#define ZERO_V0_V15 \
	VEOR V0.B16, V0.B16, V0.B16 \
	VEOR V1.B16, V1.B16, V1.B16 \
	VEOR V2.B16, V2.B16, V2.B16 \
	VEOR V3.B16, V3.B16, V3.B16 \
	VEOR V4.B16, V4.B16, V4.B16 \
	VEOR V5.B16, V5.B16, V5.B16 \
	VEOR V6.B16, V6.B16, V6.B16 \
	VEOR V7.B16, V7.B16, V7.B16 \
	VEOR V8.B16, V8.B16, V8.B16 \
	VEOR V9.B16, V9.B16, V9.B16 \
	VEOR V10.B16, V10.B16, V10.B16 \
	VEOR V11.B16, V11.B16, V11.B16 \
	VEOR V12.B16, V12.B16, V12.B16 \
	VEOR V13.B16, V13.B16, V13.B16 \
	VEOR V14.B16, V14.B16, V14.B16 \
	VEOR V15.B16, V15.B16, V15.B16

// The nn4x16 steps. C's block: 4 rows at R5, R11, R12, R13, 16 columns
// (V(4r)…V(4r+3) for row r).

// NN4X16_LOADC: V0–V15 = the block of C.
#define NN4X16_LOADC \
	VLD1 (R5), [V0.S4, V1.S4, V2.S4, V3.S4] \
	VLD1 (R11), [V4.S4, V5.S4, V6.S4, V7.S4] \
	VLD1 (R12), [V8.S4, V9.S4, V10.S4, V11.S4] \
	VLD1 (R13), [V12.S4, V13.S4, V14.S4, V15.S4]

// NN4X16_FMA: one l of the product. With row l of B in V16–V19, broadcasts
// the 4 values of A' at R14–R17 into V20–V23 (advancing R14–R17 by R2) and
// accumulates V(4r+q) += V(20+r)·V(16+q).
#define NN4X16_FMA \
	VLD1R.P (R14)(R2), [V20.S4] \
	VLD1R.P (R15)(R2), [V21.S4] \
	VLD1R.P (R16)(R2), [V22.S4] \
	VLD1R.P (R17)(R2), [V23.S4] \
	VFMLA   V16.S4, V20.S4, V0.S4 \
	VFMLA   V17.S4, V20.S4, V1.S4 \
	VFMLA   V18.S4, V20.S4, V2.S4 \
	VFMLA   V19.S4, V20.S4, V3.S4 \
	VFMLA   V16.S4, V21.S4, V4.S4 \
	VFMLA   V17.S4, V21.S4, V5.S4 \
	VFMLA   V18.S4, V21.S4, V6.S4 \
	VFMLA   V19.S4, V21.S4, V7.S4 \
	VFMLA   V16.S4, V22.S4, V8.S4 \
	VFMLA   V17.S4, V22.S4, V9.S4 \
	VFMLA   V18.S4, V22.S4, V10.S4 \
	VFMLA   V19.S4, V22.S4, V11.S4 \
	VFMLA   V16.S4, V23.S4, V12.S4 \
	VFMLA   V17.S4, V23.S4, V13.S4 \
	VFMLA   V18.S4, V23.S4, V14.S4 \
	VFMLA   V19.S4, V23.S4, V15.S4

// NN4X16_STOREC: the block of C = V0–V15.
#define NN4X16_STOREC \
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R5) \
	VST1 [V4.S4, V5.S4, V6.S4, V7.S4], (R11) \
	VST1 [V8.S4, V9.S4, V10.S4, V11.S4], (R12) \
	VST1 [V12.S4, V13.S4, V14.S4, V15.S4], (R13)

// The nt2x4 steps. Element (r, j) of C's 2×4 block has its partial sums in
// V(8r+2j) (lanes 0–3) and V(8r+2j+1) (lanes 4–7); C's rows are at R5, R11.

// NT2X4_FMA: one 8 columns of the product. Loads those of A's rows 0, 1 at
// R10, R11 into V16–V19 and of B's rows j at R12–R15 into V(20+2j),
// V(21+2j), advancing each pointer by 32, and accumulates
// V(8r+2j+h) += V(16+2r+h)·V(20+2j+h) (h = 0, 1: the lower, upper 4 columns).
#define NT2X4_FMA \
	VLD1.P 32(R10), [V16.S4, V17.S4] \
	VLD1.P 32(R11), [V18.S4, V19.S4] \
	VLD1.P 32(R12), [V20.S4, V21.S4] \
	VLD1.P 32(R13), [V22.S4, V23.S4] \
	VLD1.P 32(R14), [V24.S4, V25.S4] \
	VLD1.P 32(R15), [V26.S4, V27.S4] \
	VFMLA  V20.S4, V16.S4, V0.S4 \
	VFMLA  V21.S4, V17.S4, V1.S4 \
	VFMLA  V22.S4, V16.S4, V2.S4 \
	VFMLA  V23.S4, V17.S4, V3.S4 \
	VFMLA  V24.S4, V16.S4, V4.S4 \
	VFMLA  V25.S4, V17.S4, V5.S4 \
	VFMLA  V26.S4, V16.S4, V6.S4 \
	VFMLA  V27.S4, V17.S4, V7.S4 \
	VFMLA  V20.S4, V18.S4, V8.S4 \
	VFMLA  V21.S4, V19.S4, V9.S4 \
	VFMLA  V22.S4, V18.S4, V10.S4 \
	VFMLA  V23.S4, V19.S4, V11.S4 \
	VFMLA  V24.S4, V18.S4, V12.S4 \
	VFMLA  V25.S4, V19.S4, V13.S4 \
	VFMLA  V26.S4, V18.S4, V14.S4 \
	VFMLA  V27.S4, V19.S4, V15.S4

// HSUM8X4(s, d): the horizontal sums of one row of nt2x4, as the AVX2
// kernel's VHADDPS tree. With the partial sums of element j in V(s+2j)
// (lanes 0–3) and V(s+2j+1) (lanes 4–7), V(d) = [Σ₀ Σ₁ Σ₂ Σ₃], each
// Σ = ((s₀+s₁)+(s₂+s₃)) + ((s₄+s₅)+(s₆+s₇)): V(d) = [Σlow(j)]ⱼ,
// V(d+1) = [Σhigh(j)]ⱼ, V(d) = V(d) + V(d+1). V(d+1)…V(d+3) are scratch.
#define HSUM8X4(s, d) \
	FADDP4S((s)+2, (s), (d)) \
	FADDP4S((s)+6, (s)+4, (d)+1) \
	FADDP4S((d)+1, (d), (d)) \
	FADDP4S((s)+3, (s)+1, (d)+2) \
	FADDP4S((s)+7, (s)+5, (d)+3) \
	FADDP4S((d)+3, (d)+2, (d)+1) \
	FADD4S((d)+1, (d), (d))

// NT2X4_ADDC: V16, V20 (the sums of rows 0, 1) += C's rows.
#define NT2X4_ADDC \
	VLD1 (R5), [V24.S4] \
	VLD1 (R11), [V25.S4] \
	FADD4S(24, 16, 16) \
	FADD4S(25, 20, 20)

// NT2X4_STOREC: C's rows = V16, V20.
#define NT2X4_STOREC \
	VST1 [V16.S4], (R5) \
	VST1 [V20.S4], (R11)

// func nn4x16(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool)
//
// For the 4 rows of A' at a (element (i, l) at a[i·sa + l·sk]) and nb blocks
// of 16 columns of B at b (row stride ldb): C[4×16·nb] (+)= A'[4×k]·B[k×16·nb],
// each element a chain of FMAs in increasing l. k ≥ 1, nb ≥ 1.
// Accumulators V0–V15 (row r, columns 4q…4q+3 in V(4r+q)); per l: one
// 16-value row of B (V16–V19) and the 4 values of A' broadcast (V20–V23).
TEXT ·nn4x16(SB), NOSPLIT, $0-73
	MOVD  a+0(FP), R0
	MOVD  sa+8(FP), R1
	LSL   $2, R1
	MOVD  sk+16(FP), R2
	LSL   $2, R2
	MOVD  b+24(FP), R3
	MOVD  ldb+32(FP), R4
	LSL   $2, R4
	MOVD  c+40(FP), R5
	MOVD  ldc+48(FP), R6
	LSL   $2, R6
	MOVD  nb+64(FP), R8
	MOVBU acc+72(FP), R9

nnblock:
	ADD R6, R5, R11
	ADD R6, R11, R12
	ADD R6, R12, R13
	CBZ R9, nnzero
	NN4X16_LOADC
	B   nnk

nnzero:
	ZERO_V0_V15

nnk:
	MOVD R0, R14
	ADD  R1, R14, R15
	ADD  R1, R15, R16
	ADD  R1, R16, R17
	MOVD R3, R19
	MOVD k+56(FP), R7

nnloop:
	VLD1 (R19), [V16.S4, V17.S4, V18.S4, V19.S4]
	ADD  R4, R19
	NN4X16_FMA
	SUBS $1, R7
	BNE  nnloop

	NN4X16_STOREC
	ADD  $64, R5
	ADD  $64, R3
	SUBS $1, R8
	BNE  nnblock
	RET

// func nt2x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)
//
// For the 2 rows of A at a and nb blocks of 4 rows of B at b (all rows of
// length and stride k): C[2×4·nb] (+)= A[2×8k8]·B[4nb×8k8]ᵀ, using the first
// 8·k8 columns only. k8 ≥ 1, nb ≥ 1. Element (r, j) has 8 partial sums, lanes
// 0–3 in V(8r+2j) and lanes 4–7 in V(8r+2j+1), reduced as the AVX2 kernel's
// VHADDPS tree: ((s₀+s₁)+(s₂+s₃)) + ((s₄+s₅)+(s₆+s₇)).
TEXT ·nt2x4(SB), NOSPLIT, $0-57
	MOVD  a+0(FP), R0
	MOVD  b+8(FP), R1
	MOVD  k+16(FP), R2
	LSL   $2, R2
	MOVD  c+32(FP), R5
	MOVD  ldc+40(FP), R6
	LSL   $2, R6
	MOVD  nb+48(FP), R8
	MOVBU acc+56(FP), R9

ntblock:
	ZERO_V0_V15
	MOVD R0, R10
	ADD  R2, R10, R11
	MOVD R1, R12
	ADD  R2, R12, R13
	ADD  R2, R13, R14
	ADD  R2, R14, R15
	MOVD k8+24(FP), R7

ntloop:
	NT2X4_FMA
	SUBS $1, R7
	BNE  ntloop

	// Horizontal sums: V16 = [Σ₀ Σ₁ Σ₂ Σ₃] for row 0, V20 for row 1.
	HSUM8X4(0, 16)
	HSUM8X4(8, 20)

	ADD R6, R5, R11
	CBZ R9, ntstore
	NT2X4_ADDC

ntstore:
	NT2X4_STOREC
	ADD  $16, R5
	ADD  R2<<2, R1
	SUBS $1, R8
	BNE  ntblock
	RET

// func nn4x16x(a *float32, sa, sk int, b **float32, j int, c *float32, ldc, k, nb int, acc bool)
//
// nn4x16 with the rows of B read through the table b: row l of B is at
// b[l], of which the columns j…j+16·nb−1 are used (R4: 4j, then the byte
// offset of the block). Same operations in the same order.
TEXT ·nn4x16x(SB), NOSPLIT, $0-73
	MOVD  a+0(FP), R0
	MOVD  sa+8(FP), R1
	LSL   $2, R1
	MOVD  sk+16(FP), R2
	LSL   $2, R2
	MOVD  b+24(FP), R3
	MOVD  j+32(FP), R4
	LSL   $2, R4
	MOVD  c+40(FP), R5
	MOVD  ldc+48(FP), R6
	LSL   $2, R6
	MOVD  nb+64(FP), R8
	MOVBU acc+72(FP), R9

nnxblock:
	ADD R6, R5, R11
	ADD R6, R11, R12
	ADD R6, R12, R13
	CBZ R9, nnxzero
	NN4X16_LOADC
	B   nnxk

nnxzero:
	ZERO_V0_V15

nnxk:
	MOVD R0, R14
	ADD  R1, R14, R15
	ADD  R1, R15, R16
	ADD  R1, R16, R17
	MOVD R3, R19
	MOVD k+56(FP), R7

nnxloop:
	MOVD.P 8(R19), R20
	ADD    R4, R20
	VLD1   (R20), [V16.S4, V17.S4, V18.S4, V19.S4]
	NN4X16_FMA
	SUBS   $1, R7
	BNE    nnxloop

	NN4X16_STOREC
	ADD  $64, R5
	ADD  $64, R4
	SUBS $1, R8
	BNE  nnxblock
	RET

// func nt2x4x(a **float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)
//
// nt2x4 with its 2 rows of A at a[0] and a[1] (R20, R21, copied to R10,
// R11 per block) instead of a stride k apart. Same operations in the same
// order.
TEXT ·nt2x4x(SB), NOSPLIT, $0-57
	MOVD  a+0(FP), R0
	MOVD  (R0), R20
	MOVD  8(R0), R21
	MOVD  b+8(FP), R1
	MOVD  k+16(FP), R2
	LSL   $2, R2
	MOVD  c+32(FP), R5
	MOVD  ldc+40(FP), R6
	LSL   $2, R6
	MOVD  nb+48(FP), R8
	MOVBU acc+56(FP), R9

ntxblock:
	ZERO_V0_V15
	MOVD R20, R10
	MOVD R21, R11
	MOVD R1, R12
	ADD  R2, R12, R13
	ADD  R2, R13, R14
	ADD  R2, R14, R15
	MOVD k8+24(FP), R7

ntxloop:
	NT2X4_FMA
	SUBS $1, R7
	BNE  ntxloop

	HSUM8X4(0, 16)
	HSUM8X4(8, 20)

	ADD R6, R5, R11
	CBZ R9, ntxstore
	NT2X4_ADDC

ntxstore:
	NT2X4_STOREC
	ADD  $16, R5
	ADD  R2<<2, R1
	SUBS $1, R8
	BNE  ntxblock
	RET

// func axpy8(p, gr *float32, n8 int, alpha float32)
//
// p[i] = p[i] + alpha·g[i] for i < 8·n8, multiply then add (no FMA), as the
// scalar loop rounds.
TEXT ·axpy8(SB), NOSPLIT, $0-28
	MOVD  p+0(FP), R0
	MOVD  gr+8(FP), R1
	MOVD  n8+16(FP), R2
	MOVD  $alpha+24(FP), R3
	VLD1R (R3), [V31.S4]

axloop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1   (R0), [V2.S4, V3.S4]
	FMUL4S(31, 0, 0)
	FMUL4S(31, 1, 1)
	FADD4S(0, 2, 2)
	FADD4S(1, 3, 3)
	VST1.P [V2.S4, V3.S4], 32(R0)
	SUBS   $1, R2
	BNE    axloop
	RET

// func adam8(p, gr, m, v *float32, n8 int, k *[7]float32)
//
// One Adam update of 8·n8 parameters with k = {β₁, 1−β₁, β₂, 1−β₂,
// √bc₂, ε, −step}, in the scalar loop's order and rounding:
//
//	m = m·β₁ + (1−β₁)·g;  v = v·β₂ + ((1−β₂)·g)·g
//	p = p + (−step·m) / (√v / √bc₂ + ε)
//
// Constants in V24–V30; per half (4 lanes): g V0, m V2, v V4, p V6.
TEXT ·adam8(SB), NOSPLIT, $0-48
	MOVD    p+0(FP), R0
	MOVD    gr+8(FP), R1
	MOVD    m+16(FP), R2
	MOVD    v+24(FP), R3
	MOVD    n8+32(FP), R4
	MOVD    k+40(FP), R5
	VLD1R.P 4(R5), [V24.S4]
	VLD1R.P 4(R5), [V25.S4]
	VLD1R.P 4(R5), [V26.S4]
	VLD1R.P 4(R5), [V27.S4]
	VLD1R.P 4(R5), [V28.S4]
	VLD1R.P 4(R5), [V29.S4]
	VLD1R   (R5), [V30.S4]

adloop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1   (R2), [V2.S4, V3.S4]
	VLD1   (R3), [V4.S4, V5.S4]
	VLD1   (R0), [V6.S4, V7.S4]

	// m = m·β₁ + (1−β₁)·g
	FMUL4S(24, 2, 2)
	FMUL4S(24, 3, 3)
	FMUL4S(25, 0, 8)
	FMUL4S(25, 1, 9)
	FADD4S(8, 2, 2)
	FADD4S(9, 3, 3)
	VST1.P [V2.S4, V3.S4], 32(R2)

	// v = v·β₂ + ((1−β₂)·g)·g
	FMUL4S(26, 4, 4)
	FMUL4S(26, 5, 5)
	FMUL4S(27, 0, 10)
	FMUL4S(27, 1, 11)
	FMUL4S(0, 10, 10)
	FMUL4S(1, 11, 11)
	FADD4S(10, 4, 4)
	FADD4S(11, 5, 5)
	VST1.P [V4.S4, V5.S4], 32(R3)

	// den = √v / √bc₂ + ε
	FSQRT4S(4, 4)
	FSQRT4S(5, 5)
	FDIV4S(28, 4, 4)
	FDIV4S(28, 5, 5)
	FADD4S(29, 4, 4)
	FADD4S(29, 5, 5)

	// p = p + (−step·m) / den
	FMUL4S(2, 30, 2)
	FMUL4S(3, 30, 3)
	FDIV4S(4, 2, 2)
	FDIV4S(5, 3, 3)
	FADD4S(2, 6, 6)
	FADD4S(3, 7, 7)
	VST1.P [V6.S4, V7.S4], 32(R0)

	SUBS $1, R4
	BNE  adloop
	RET

// func relu8(z *float32, n8 int)
//
// z[i] = 0 where z[i] < 0, for i < 8·n8 (NaN and −0 stay as they are), as
// the scalar loop's "if z < 0 { z = 0 }".
TEXT ·relu8(SB), NOSPLIT, $0-16
	MOVD z+0(FP), R0
	MOVD n8+8(FP), R1

reloop:
	VLD1 (R0), [V0.S4, V1.S4]
	FCMLT04S(0, 2)
	FCMLT04S(1, 3)
	BIC16B(2, 0, 0)
	BIC16B(3, 1, 1)
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUBS   $1, R1
	BNE    reloop
	RET

// func reluMask8(d, h *float32, n8 int)
//
// d[i] = 0 where h[i] ≤ 0, for i < 8·n8; NaN h passes d through, as the
// scalar loop.
TEXT ·reluMask8(SB), NOSPLIT, $0-24
	MOVD d+0(FP), R0
	MOVD h+8(FP), R1
	MOVD n8+16(FP), R2

rmloop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1   (R0), [V2.S4, V3.S4]
	FCMLE04S(0, 4)
	FCMLE04S(1, 5)
	BIC16B(4, 2, 2)
	BIC16B(5, 3, 3)
	VST1.P [V2.S4, V3.S4], 32(R0)
	SUBS   $1, R2
	BNE    rmloop
	RET

// func momentum8(p, gr, b *float32, n8 int, mu, alpha float32)
//
// One momentum step for i < 8·n8, multiply then add (no FMA), as the scalar
// loop rounds: b[i] = b[i]·μ + g[i]; p[i] = p[i] + alpha·b[i].
TEXT ·momentum8(SB), NOSPLIT, $0-40
	MOVD  p+0(FP), R0
	MOVD  gr+8(FP), R1
	MOVD  b+16(FP), R2
	MOVD  n8+24(FP), R3
	MOVD  $mu+32(FP), R4
	VLD1R (R4), [V30.S4]
	MOVD  $alpha+36(FP), R4
	VLD1R (R4), [V31.S4]

moloop:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1   (R2), [V2.S4, V3.S4]
	VLD1   (R0), [V4.S4, V5.S4]
	FMUL4S(30, 2, 2)
	FMUL4S(30, 3, 3)
	FADD4S(0, 2, 2)
	FADD4S(1, 3, 3)
	VST1.P [V2.S4, V3.S4], 32(R2)
	FMUL4S(31, 2, 6)
	FMUL4S(31, 3, 7)
	FADD4S(6, 4, 4)
	FADD4S(7, 5, 5)
	VST1.P [V4.S4, V5.S4], 32(R0)
	SUBS   $1, R3
	BNE    moloop
	RET
