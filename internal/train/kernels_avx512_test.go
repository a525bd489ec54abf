package train

import "testing"

// TestAVX512Pays pins the run-time choice of the AVX-512 kernels to the CPUs
// avx512Pays documents.
func TestAVX512Pays(t *testing.T) {
	for _, c := range []struct {
		vendor        string
		family, model uint32
		want          bool
	}{
		{"AuthenticAMD", 0x19, 0x11, true},  // Zen 4 (EPYC Genoa)
		{"AuthenticAMD", 0x1a, 0x02, true},  // Zen 5
		{"AuthenticAMD", 0x17, 0x31, false}, // Zen 2 (no AVX-512 anyway)
		{"GenuineIntel", 6, 0x55, false},    // Skylake-SP, Cascade Lake
		{"GenuineIntel", 6, 0x85, false},    // Xeon Phi (Knights Mill)
		{"GenuineIntel", 6, 0x6a, true},     // Ice Lake-SP
		{"GenuineIntel", 6, 0x8f, true},     // Sapphire Rapids
		{"GenuineIntel", 6, 0x8c, true},     // Tiger Lake
		{"CentaurHauls", 6, 0x0f, false},
	} {
		if got := avx512Pays(c.vendor, c.family, c.model); got != c.want {
			t.Errorf("avx512Pays(%q, %#x, %#x) = %v, want %v", c.vendor, c.family, c.model, got, c.want)
		}
	}
}
