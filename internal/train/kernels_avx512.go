package train

// avx512Pays reports whether the AVX-512 block kernels are worth using on a
// CPU that has them (AVX-512 F and VL), identified by its CPUID vendor,
// family and model. They compute the same results as the AVX2 kernels; the
// choice is about speed only:
//
//   - AMD (Zen 4, family 0x19; Zen 5, 0x1a): yes. Measured on Zen 4 (2
//     cores of an AMD EPYC, BenchmarkStep, per-thread CPU time): the
//     training step of MLP 784-H-10 is 10–20 % faster at H = 128 and 512,
//     batch 64 and 256 (BENCHMARKS.md). Zen 4 executes a 512-bit FMA as two
//     256-bit halves, so the peak is that of AVX2; the gain comes from
//     32 registers (4×4 dot-product blocks that load each row of B once for
//     4 rows of A) and 16 lanes per broadcast of A (half the loads per FMA).
//     Zen 5 has full 512-bit FMA units, which can only add to that.
//   - Intel Skylake-SP, Cascade Lake and Cooper Lake (family 6, model 0x55)
//     and Xeon Phi (0x57, 0x85): no. Heavy 512-bit FMA lowers those cores'
//     clock (by 10–20 % on Skylake-SP), and Xeon Bronze, Silver and some
//     Gold parts have a single 512-bit FMA unit, so 512-bit code has the
//     AVX2 peak at a lower clock; which part one runs on cannot be told
//     from CPUID. Not measured here.
//   - Other Intel cores with AVX-512 (Ice Lake, Tiger Lake, Rocket Lake,
//     Sapphire Rapids and later): yes. Their 512-bit clock penalty is small
//     and the server parts have two 512-bit FMA units (twice the AVX2 peak).
//     Not measured here.
//   - Anything else: no (unknown).
//
// GODEBUG=cpu.avx512f=off (read by golang.org/x/sys/cpu) turns the AVX-512
// kernels off on any CPU.
func avx512Pays(vendor string, family, model uint32) bool {
	switch vendor {
	case "AuthenticAMD":
		return family >= 0x19
	case "GenuineIntel":
		if family != 6 {
			return false
		}
		switch model {
		case 0x55, 0x57, 0x85:
			return false
		}
		return true
	}
	return false
}
