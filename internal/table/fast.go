package table

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"io/fs"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"unsafe"
)

// The fast path of Read.
//
// Most numeric CSV files are plain: no quotes, no spaces around cells, short
// decimal numbers. For them encoding/csv (a string per field) and
// strconv.ParseFloat per cell cost more than the numbers are worth. The fast
// path reads the stream in chunks of whole lines, parses the chunks on
// several goroutines with a byte-level splitter and an exact decimal parser,
// and appends the rows in order. It accepts a chunk only when every line in
// it is plain and every cell parses:
//
//   - bytes are digits, '.', 'e', 'E', '+', '-' and ',' only, and each line
//     ends with LF or CRLF (or the end of the input); empty lines are
//     skipped as encoding/csv skips them;
//   - each line has exactly as many fields as the header;
//   - each cell is a finite number that fits a float32 (the target: a
//     float64).
//
// The first chunk that breaks a rule (a quote, a space, a BOM or any other
// byte, a missing field, a cell that is not a number, ...) and everything
// after it are read by the encoding/csv path (readRows), starting at the
// chunk's first line. That path decides what the chunk means — a quoted
// number, a header-shaped error message — so accepted inputs, values, errors
// and their positions are exactly those of the encoding/csv path; the fuzz
// target FuzzReadFastSlow checks this. A header with a quote also sends
// the whole input to that path.
//
// Number values: a cell of at most 15 digits with an optional sign and
// point, and no exponent, is
//
//	m / 10^k   with m < 10^15 < 2^53 and k ≤ 15,
//
// both exact in float64, so one correctly rounded division gives exactly
// strconv.ParseFloat's result (this is its own "exact" fast path); any other
// cell goes to strconv.ParseFloat, on the bytes without a copy.
//
// Memory: chunks are recycled through a small pool, so the text is never
// held whole. For a plain file whose size is known, the matrix is allocated
// once from an estimate of the row count (the first chunk's bytes per row,
// plus 15%, capped by the most rows the remaining bytes can hold); the
// unused tail of an over-estimate is never written, so it costs address
// space, not memory.

// fastChunkSize is the default chunk size of the fast path.
const fastChunkSize = 1 << 20

// readFast reads a table from src (positioned after any BOM): the header
// with encoding/csv, the rows with the fast path. size is the number of
// bytes left in the source when known, else -1.
func readFast(src *bufio.Reader, j *job, cfg readConfig, size int64) (*Table, error) {
	// The header is the first line that is not empty ("\n" or "\r\n").
	var pre []byte
	for {
		line, err := src.ReadBytes('\n')
		pre = append(pre, line...)
		if err != nil {
			if err == io.EOF {
				break
			}
			return readSlow(io.MultiReader(bytes.NewReader(pre), errReader{err}), j)
		}
		if len(line) > 2 || len(line) == 2 && line[0] != '\r' {
			break
		}
	}
	if bytes.IndexByte(pre, '"') >= 0 {
		// A quoted header may span lines: all of it goes to encoding/csv.
		return readSlow(io.MultiReader(bytes.NewReader(pre), src), j)
	}
	// Without quotes, the first record is exactly the last line of pre.
	cr := newCSVReader(bytes.NewReader(pre))
	t, ti, first, err := readHeader(cr, j)
	if err != nil {
		return nil, err
	}
	// The rows start after the header, or with it when it is data.
	next := len(pre)
	if first != nil {
		next = bytes.LastIndexByte(bytes.TrimSuffix(pre, []byte{'\n'}), '\n') + 1
	}
	workers := cfg.workers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 8)
	}
	chunk := cfg.chunk
	if chunk <= 0 {
		chunk = fastChunkSize
	}
	p := &fastReader{
		src:     src,
		chunk:   chunk,
		ncol:    len(t.columns),
		ti:      ti,
		maxRows: j.opt.Limits.maxRows(len(t.Features)),
		job:     j,
		size:    size,
		used:    int64(next),
		free:    make(chan *fastChunk, 2*workers+2),
		jobs:    make(chan *fastChunk, 2*workers+2),
		order:   make(chan *fastChunk, 2*workers+2),
		stop:    make(chan struct{}),
	}
	for range 2*workers + 2 {
		p.free <- &fastChunk{done: make(chan bool, 1)}
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range p.jobs {
				select {
				case <-p.stop:
					c.done <- false
				default:
					c.done <- p.parse(c)
				}
			}
		}()
	}
	go p.read(bytes.Count(pre[:next], []byte{'\n'})+1, pre[next:])

	for c := range p.order {
		if !<-c.done {
			// Hand this chunk and everything after it to encoding/csv.
			close(p.stop)
			rs := []io.Reader{bytes.NewReader(c.buf)}
			for c := range p.order {
				rs = append(rs, bytes.NewReader(c.buf))
			}
			wg.Wait()
			p.flush(t)
			return t, p.slowRest(t, c.line, rs)
		}
		if err := p.commit(t, c); err != nil {
			close(p.stop) // the reader and the workers end on their own
			return nil, err
		}
		p.free <- c
	}
	wg.Wait()
	p.flush(t)
	if p.err != nil || len(p.tail) > 0 {
		return t, p.slowRest(t, p.tailLine, nil)
	}
	return t, nil
}

// slowRest reads the rest of the input with encoding/csv: the readers rs,
// then the reader goroutine's unsent bytes and its error or the rest of the
// source. The first byte is at the start of line line.
func (p *fastReader) slowRest(t *Table, line int, rs []io.Reader) error {
	rs = append(rs, bytes.NewReader(p.tail))
	if p.err != nil {
		rs = append(rs, errReader{p.err})
	} else {
		rs = append(rs, p.src)
	}
	r := &rowReader{t: t, ti: p.ti, j: p.job, maxRows: p.maxRows}
	return r.readAll(newCSVReader(io.MultiReader(rs...)), line-1)
}

// errReader returns err on every read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// fastChunk is a run of whole lines and, once parsed, its rows.
type fastChunk struct {
	buf   []byte
	line  int // line number of buf[0]
	x     []float32
	y     []float64
	lines []int32
	tcols []int32
	done  chan bool // the parse result: true when every row was accepted
}

// fastReader is the state of one fast read.
type fastReader struct {
	src      io.Reader
	chunk    int
	ncol, ti int
	maxRows  int // Limits.MaxBytes in rows
	job      *job
	size     int64 // bytes in the source after openStream, -1 when unknown
	used     int64 // bytes committed so far (header included)
	blocks   [][]float32
	blocked  int // features in blocks

	free  chan *fastChunk // recycled chunks
	jobs  chan *fastChunk // chunks to parse
	order chan *fastChunk // chunks in input order, for the collector
	stop  chan struct{}   // closed when the collector falls back

	// Set by the reader goroutine before it closes order.
	tail     []byte // bytes read but not sent in a chunk
	tailLine int    // the line of tail[0]
	err      error  // the source's error, other than io.EOF
}

// read fills chunks with whole lines from the source and sends them to the
// workers and the collector, until the end of the input, an error or stop.
func (p *fastReader) read(line int, carry []byte) {
	defer close(p.order)
	defer close(p.jobs)
	carry = slices.Clone(carry)
	for {
		var c *fastChunk
		select {
		case <-p.stop:
			p.tail, p.tailLine = carry, line
			return
		default:
		}
		select {
		case c = <-p.free:
		case <-p.stop:
			p.tail, p.tailLine = carry, line
			return
		}
		c.buf = append(c.buf[:0], carry...)
		carry = carry[:0]
		var err error
		for {
			if len(c.buf) >= p.chunk {
				if i := bytes.LastIndexByte(c.buf, '\n'); i >= 0 {
					carry = append(carry, c.buf[i+1:]...)
					c.buf = c.buf[:i+1]
					break
				}
				c.buf = slices.Grow(c.buf, len(c.buf)) // a long line
			}
			if cap(c.buf) < p.chunk {
				c.buf = slices.Grow(c.buf, p.chunk-len(c.buf))
			}
			var n int
			n, err = p.src.Read(c.buf[len(c.buf):cap(c.buf)])
			c.buf = c.buf[:len(c.buf)+n]
			if err != nil {
				break
			}
		}
		if err != nil && err != io.EOF {
			p.tail, p.tailLine, p.err = c.buf, line, err
			return
		}
		if len(c.buf) == 0 {
			return
		}
		c.line = line
		line += bytes.Count(c.buf, []byte{'\n'})
		p.order <- c
		p.jobs <- c
		if err == io.EOF {
			return
		}
	}
}

// parse parses the rows of c; false means c needs the encoding/csv path.
func (p *fastReader) parse(c *fastChunk) bool {
	c.x, c.y, c.lines, c.tcols = c.x[:0], c.y[:0], c.lines[:0], c.tcols[:0]
	b := c.buf
	n := len(b)
	line := c.line
	last, ti := p.ncol-1, p.ti
	i := 0
	for i < n {
		// The start of a line. Empty lines are skipped.
		if b[i] == '\n' {
			i++
			line++
			continue
		}
		if b[i] == '\r' && i+1 < n && b[i+1] == '\n' {
			i += 2
			line++
			continue
		}
		start := i
		for j := 0; ; j++ {
			fs := i
			var v float64
			big := false // |v| may not fit a float32
			if i+1 < n && b[i]-'0' <= 9 && b[i+1] == ',' {
				// One digit: the most common cell of image data.
				v = float64(b[i] - '0')
				i++
			} else {
				// A plain decimal: [+-]digits[.digits], at most 15 digits.
				neg := false
				if i < n && (b[i] == '-' || b[i] == '+') {
					neg = b[i] == '-'
					i++
				}
				var m uint64
				nd, frac := 0, 0
				for i < n {
					d := b[i] - '0'
					if d > 9 {
						break
					}
					m = m*10 + uint64(d)
					nd++
					i++
				}
				if i < n && b[i] == '.' {
					i++
					for i < n {
						d := b[i] - '0'
						if d > 9 {
							break
						}
						m = m*10 + uint64(d)
						nd++
						frac++
						i++
					}
				}
				if nd > 0 && nd <= 15 && (i == n || b[i] == ',' || b[i] == '\n' || b[i] == '\r') {
					// m < 10^15 < 2^53 and 10^frac are exact: one rounding,
					// as strconv.ParseFloat's own exact path.
					v = float64(m)
					if frac > 0 {
						v /= pow10[frac]
					}
					if neg {
						v = -v
					}
				} else {
					var ok bool
					if v, i, ok = otherField(b, fs); !ok {
						return false
					}
					big = v > math.MaxFloat32 || v < -math.MaxFloat32
				}
			}
			if j == ti {
				c.y = append(c.y, v)
				c.tcols = append(c.tcols, clamp32(fs-start+1))
			} else {
				if big && math.IsInf(float64(float32(v)), 0) {
					return false
				}
				c.x = append(c.x, float32(v))
			}
			// The field's end: a comma, or the line's.
			if i < n && b[i] == ',' {
				if j == last {
					return false // more fields than the header
				}
				i++
				continue
			}
			if j != last {
				return false // fewer fields than the header
			}
			switch {
			case i == n: // the last line, without a line end
			case b[i] == '\n':
				i++
			case b[i] == '\r' && i+1 < n && b[i+1] == '\n':
				i += 2
			default:
				return false
			}
			break
		}
		c.lines = append(c.lines, clamp32(line))
		line++
	}
	return true
}

// pow10 holds the exact powers of ten that parse divides by.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// otherField parses the field of b that starts at fs and ends at the next
// comma or line end with strconv.ParseFloat, and returns its value and end.
// ok is false when it is not a finite number in decimal notation (without
// spaces: then the encoding/csv path decides).
func otherField(b []byte, fs int) (v float64, end int, ok bool) {
	end = fs
	for end < len(b) && b[end] != ',' && b[end] != '\n' {
		end++
	}
	if end < len(b) && b[end] == '\n' && end > fs && b[end-1] == '\r' {
		end--
	}
	f := b[fs:end]
	if len(f) == 0 {
		return 0, end, false
	}
	for _, c := range f {
		if (c < '0' || c > '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			return 0, end, false
		}
	}
	v, err := strconv.ParseFloat(unsafe.String(&f[0], len(f)), 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, end, false
	}
	return v, end, true
}

// commit appends the rows of c to t. When the source's size is known, t's
// arrays are allocated once, from an estimate of the row count; features of
// rows beyond the estimate, or of every row when the size is unknown, are
// kept in blocks until flush makes t.X of them, so that the matrix is copied
// at most once.
func (p *fastReader) commit(t *Table, c *fastChunk) error {
	rows := len(c.y)
	p.used += int64(len(c.buf))
	if rows == 0 {
		return nil
	}
	if t.Rows+rows > p.maxRows {
		k := p.maxRows - t.Rows
		return memoryError(p.job, int(c.lines[k]), p.maxRows, p.ncol-1)
	}
	nf := p.ncol - 1
	if t.Rows == 0 && p.size > 0 {
		perRow := float64(p.used) / float64(rows) // bytes per row so far
		left := max(p.size-p.used, 0)
		more := int64(float64(left)/perRow*1.15) + 64
		// A row takes at least one byte per field and a separator each.
		more = min(more, left/int64(2*p.ncol)+1)
		est := min(rows+int(more), p.maxRows)
		t.X = make([]float32, 0, est*nf)
		t.Y = make([]float64, 0, est)
		t.Lines = make([]int32, 0, est)
		t.TargetCols = make([]int32, 0, est)
	}
	if p.blocks == nil && cap(t.X)-len(t.X) >= len(c.x) {
		t.X = append(t.X, c.x...)
	} else {
		p.blocks = append(p.blocks, c.x)
		p.blocked += len(c.x)
		c.x = make([]float32, 0, cap(c.x))
	}
	t.Y = append(t.Y, c.y...)
	t.Lines = append(t.Lines, c.lines...)
	t.TargetCols = append(t.TargetCols, c.tcols...)
	t.Rows += rows
	return nil
}

// flush moves the features held in blocks to t.X.
func (p *fastReader) flush(t *Table) {
	if p.blocks == nil {
		return
	}
	x := make([]float32, len(t.X), len(t.X)+p.blocked)
	copy(x, t.X)
	t.X = nil
	for i, b := range p.blocks {
		x = append(x, b...)
		p.blocks[i] = nil
	}
	t.X, p.blocks, p.blocked = x, nil, 0
}

// gzipSizeHint returns the uncompressed size that the trailer of a gzip
// file r records (ISIZE, the size mod 2^32 of its last member) when r can
// be read at an offset and the ratio is plausible, else -1: an estimate,
// right for files of one member below 4 GiB.
func gzipSizeHint(r io.Reader) int64 {
	ra, ok := r.(io.ReaderAt)
	if !ok {
		return -1
	}
	var size int64
	switch r := r.(type) {
	case interface{ Size() int64 }:
		size = r.Size()
	case interface{ Stat() (fs.FileInfo, error) }:
		st, err := r.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		size = st.Size()
	default:
		return -1
	}
	var b [4]byte
	if size < 18 {
		return -1
	}
	if _, err := ra.ReadAt(b[:], size-4); err != nil {
		return -1
	}
	// Trust it only at a compression ratio CSV text reaches (the trailer may
	// be trailing garbage, or a damaged file's): a wrong hint costs memory.
	if isize := int64(binary.LittleEndian.Uint32(b[:])); isize >= size && isize <= 100*size {
		return isize
	}
	return -1
}

// sizeHint returns the number of bytes left to read from r when r can tell
// (a regular file, a bytes or strings reader), else -1.
func sizeHint(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Len() int }:
		return int64(r.Len())
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}:
		st, err := r.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		off, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return st.Size() - off
	}
	return -1
}
