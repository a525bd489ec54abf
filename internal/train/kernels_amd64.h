// Steps shared by the block kernels of kernels_amd64.s (AVX2+FMA) and
// kernels_avx512_amd64.s (AVX-512), which #include this file. Each macro is
// a fixed sequence of instructions: a kernel that uses one runs exactly those
// instructions in that order, as if they were written out in its body. No
// macro reads an argument (FP): those loads stay in the kernels, where go vet
// checks their names and offsets.

// ZERO_Y0_Y7: Y0–Y7 = 0.
#define ZERO_Y0_Y7 \
	VXORPS Y0, Y0, Y0 \
	VXORPS Y1, Y1, Y1 \
	VXORPS Y2, Y2, Y2 \
	VXORPS Y3, Y3, Y3 \
	VXORPS Y4, Y4, Y4 \
	VXORPS Y5, Y5, Y5 \
	VXORPS Y6, Y6, Y6 \
	VXORPS Y7, Y7, Y7

// HSUM8X4(ya, yb, yc, yd, xa, xb): the horizontal sums of the nt kernels.
// Each of ya…yd holds the 8 partial sums s₀…s₇ of one element of C; after
// it, xa = [Σya Σyb Σyc Σyd], each Σ = ((s₀+s₁)+(s₂+s₃)) + ((s₄+s₅)+(s₆+s₇)).
// xa and xb are the low halves of ya and yb; ya, yb and yc are overwritten.
#define HSUM8X4(ya, yb, yc, yd, xa, xb) \
	VHADDPS      yb, ya, ya \
	VHADDPS      yd, yc, yc \
	VHADDPS      yc, ya, ya \
	VEXTRACTF128 $1, ya, xb \
	VADDPS       xb, xa, xa
