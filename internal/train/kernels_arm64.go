//go:build !purego

package train

import "golang.org/x/sys/cpu"

// hasAsm reports whether this CPU runs the NEON kernels of kernels_arm64.s
// (Advanced SIMD and floating point, present on every ARMv8-A core that Go
// supports; checked nevertheless).
var hasAsm = cpu.ARM64.HasASIMD && cpu.ARM64.HasFP

// hasAVX512 and useAVX512 are false on arm64: there are no wider block
// kernels.
const hasAVX512, useAVX512 = false, false

func nn4x32(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool) {
	panic("train: no AVX-512 kernels on arm64")
}

func nt4x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool) {
	panic("train: no AVX-512 kernels on arm64")
}

func nn4x32x(a *float32, sa, sk int, b **float32, j int, c *float32, ldc, k, nb int, acc bool) {
	panic("train: no AVX-512 kernels on arm64")
}

func nt4x4x(a **float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool) {
	panic("train: no AVX-512 kernels on arm64")
}
