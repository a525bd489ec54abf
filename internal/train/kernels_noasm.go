//go:build (!amd64 && !arm64) || purego

package train

// hasAsm is false: this architecture (or a purego build) has no assembly
// kernels, and the portable kernels are used.
const hasAsm = false

const hasAVX512, useAVX512 = false, false

func nn4x16(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool) {
	panic("train: no assembly kernels")
}

func nn4x32(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool) {
	panic("train: no assembly kernels")
}

func nt2x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool) {
	panic("train: no assembly kernels")
}

func nt4x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool) {
	panic("train: no assembly kernels")
}

func nn4x16x(a *float32, sa, sk int, b **float32, j int, c *float32, ldc, k, nb int, acc bool) {
	panic("train: no assembly kernels")
}

func nn4x32x(a *float32, sa, sk int, b **float32, j int, c *float32, ldc, k, nb int, acc bool) {
	panic("train: no assembly kernels")
}

func nt2x4x(a **float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool) {
	panic("train: no assembly kernels")
}

func nt4x4x(a **float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool) {
	panic("train: no assembly kernels")
}

func axpy8(p, gr *float32, n8 int, alpha float32) { panic("train: no assembly kernels") }

func momentum8(p, gr, b *float32, n8 int, mu, alpha float32) { panic("train: no assembly kernels") }

func adam8(p, gr, m, v *float32, n8 int, k *[7]float32) { panic("train: no assembly kernels") }

func relu8(z *float32, n8 int) { panic("train: no assembly kernels") }

func reluMask8(d, h *float32, n8 int) { panic("train: no assembly kernels") }
