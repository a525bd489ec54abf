//go:build !purego

package train

// avx512Settings lists the values of useAVX512 this CPU can test.
func avx512Settings() []bool {
	if hasAVX512 {
		return []bool{false, true}
	}
	return []bool{false}
}

// setAVX512 sets useAVX512 (only to true where hasAVX512).
func setAVX512(on bool) { useAVX512 = on && hasAVX512 }
