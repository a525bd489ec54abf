package table

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
)

// Limits bound what a read may hold, so that no input (a device such as
// /dev/zero, a stream that never ends, a file that is not CSV) can exhaust
// memory: a read that would pass one stops with an *inputerr.Error naming
// the limit. A zero field takes its default.
type Limits struct {
	// MaxLineBytes bounds a record: the bytes of a line, or of the lines a
	// quoted field spans. Default 16 MiB (a row of a million numbers of 15
	// characters).
	MaxLineBytes int
	// MaxColumns bounds the fields of the header (and so of every row).
	// Default 1,000,000.
	MaxColumns int
	// MaxBlankLines bounds a run of consecutive empty lines. Default 65,536.
	MaxBlankLines int
	// MaxBytes bounds the memory of the table's arrays, 4·F + 16 bytes a row
	// for F features (the float32 features, the float64 target and two
	// int32 positions). Default: DefaultMaxBytes().
	MaxBytes int64
}

// Default limits (see Limits).
const (
	DefaultMaxLineBytes  = 16 << 20
	DefaultMaxColumns    = 1_000_000
	DefaultMaxBlankLines = 1 << 16
)

// withDefaults returns l with zero fields set to their defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = DefaultMaxLineBytes
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = DefaultMaxColumns
	}
	if l.MaxBlankLines <= 0 {
		l.MaxBlankLines = DefaultMaxBlankLines
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes()
	}
	return l
}

// rowBytes is the memory a row of nf features takes in a Table.
func rowBytes(nf int) int64 { return 4*int64(nf) + 16 }

// maxRows is the most rows of nf features that fit l.MaxBytes.
func (l Limits) maxRows(nf int) int {
	return int(min(l.MaxBytes/rowBytes(nf), math.MaxInt32))
}

// DefaultMaxBytes is the default bound of a table's memory: half of the
// memory available to the process, which is the machine's physical memory
// or, when lower, the limit of its control group (a container's memory
// limit, cgroup v2 memory.max or v1 memory.limit_in_bytes); 8 GiB when
// neither can be read. Half, because the trainer's copies (the validation
// split, the fraction sizes) and the Go runtime need room too.
func DefaultMaxBytes() int64 {
	memOnce.Do(func() {
		m := physicalMemory()
		for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
			if b, err := os.ReadFile(p); err == nil {
				if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && (m <= 0 || v < m) {
					m = v
				}
			}
		}
		if m <= 0 {
			m = 16 << 30
		}
		memDefault = m / 2
	})
	return memDefault
}

var (
	memOnce    sync.Once
	memDefault int64
)

// byteSize formats n bytes in binary units: "16 MiB", "7.8 GiB".
func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[i]
}
