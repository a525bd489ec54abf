//go:build !amd64 || purego

package train

// avx512Settings lists the values of useAVX512 this build can test.
func avx512Settings() []bool { return []bool{false} }

// setAVX512 does nothing: there are no AVX-512 kernels in this build.
func setAVX512(bool) {}
