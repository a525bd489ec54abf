//go:build !purego

package train

import "testing"

// avx512Settings lists the values of useAVX512 this CPU can test.
func avx512Settings() []bool {
	if hasAVX512 {
		return []bool{false, true}
	}
	return []bool{false}
}

// setAVX512 sets useAVX512 (only to true where hasAVX512).
func setAVX512(on bool) { useAVX512 = on && hasAVX512 }

// TestCPUIdentity: the vendor string of this CPU is 12 printable bytes and
// its family is at least 6 (every x86-64 CPU).
func TestCPUIdentity(t *testing.T) {
	v, f, _ := cpuIdentity()
	if len(v) != 12 || f < 6 {
		t.Errorf("cpuIdentity() = %q, family %#x", v, f)
	}
	for _, c := range []byte(v) {
		if c < 0x20 || c > 0x7e {
			t.Errorf("vendor %q is not printable", v)
		}
	}
}
