//go:build (amd64 || arm64) && !purego

package train

// The assembly kernels both architectures implement, with the same
// contracts and the same order of operations (kernels_amd64.s with AVX2
// and FMA, kernels_arm64.s with NEON; the contracts are in the .s files).

//go:noescape
func nn4x16(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool)

//go:noescape
func nt2x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)

//go:noescape
func axpy8(p, gr *float32, n8 int, alpha float32)

//go:noescape
func momentum8(p, gr, b *float32, n8 int, mu, alpha float32)

//go:noescape
func adam8(p, gr, m, v *float32, n8 int, k *[7]float32)

//go:noescape
func relu8(z *float32, n8 int)

//go:noescape
func reluMask8(d, h *float32, n8 int)
