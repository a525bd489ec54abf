//go:build (amd64 || arm64) && !purego

package train

// The assembly kernels both architectures implement, with the same
// contracts and the same order of operations (kernels_amd64.s with AVX2
// and FMA, kernels_arm64.s with NEON; the contracts are in the .s files).

//go:noescape
func nn4x16(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool)

//go:noescape
func nt2x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)

// nn4x16x and nt2x4x are nn4x16 and nt2x4 with one operand's rows read
// through a table of row pointers (B of nn4x16x, A of nt2x4x).

//go:noescape
func nn4x16x(a *float32, sa, sk int, b **float32, j int, c *float32, ldc, k, nb int, acc bool)

//go:noescape
func nt2x4x(a **float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)

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
