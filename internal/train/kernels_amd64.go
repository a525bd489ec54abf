//go:build !purego

package train

import "golang.org/x/sys/cpu"

// hasAsm reports whether this CPU runs the AVX2+FMA kernels of
// kernels_amd64.s (x86-64-v3: Haswell, Zen and later).
var hasAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX

// hasAVX512 reports whether this CPU runs the AVX-512 block kernels of
// kernels_avx512_amd64.s (AVX-512 F and VL, with the OS saving the state).
var hasAVX512 = hasAsm && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

// useAVX512 selects the AVX-512 block kernels (nn4x32, nt4x4) within the
// assembly path: where the CPU has them and avx512Pays for it.
var useAVX512 = hasAVX512 && avx512Pays(cpuIdentity())

// cpuIdentity returns the CPUID vendor string and the display family and
// model.
func cpuIdentity() (vendor string, family, model uint32) {
	_, b, c, d := cpuid(0, 0)
	v := make([]byte, 0, 12)
	for _, r := range []uint32{b, d, c} {
		v = append(v, byte(r), byte(r>>8), byte(r>>16), byte(r>>24))
	}
	a, _, _, _ := cpuid(1, 0)
	family = a >> 8 & 0xf
	model = a >> 4 & 0xf
	if family == 0xf {
		family += a >> 20 & 0xff
	}
	if family == 0x6 || family >= 0xf {
		model |= (a >> 16 & 0xf) << 4
	}
	return string(v), family, model
}

//go:noescape
func cpuid(leaf, sub uint32) (a, b, c, d uint32)

//go:noescape
func nn4x32(a *float32, sa, sk int, b *float32, ldb int, c *float32, ldc, k, nb int, acc bool)

//go:noescape
func nt4x4(a *float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)

//go:noescape
func nn4x32x(a *float32, sa, sk int, b **float32, j int, c *float32, ldc, k, nb int, acc bool)

//go:noescape
func nt4x4x(a **float32, b *float32, k int, k8 int, c *float32, ldc int, nb int, acc bool)
