package table

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/clc-tools/clc/internal/inputerr"
)

// InterruptedError is the error of a read stopped because its context was
// done (a signal, a deadline): nothing was read into a table.
type InterruptedError struct {
	Name string // the file, or "<stdin>"
	Err  error  // the context's cause
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("reading %s stopped: %v", e.Name, e.Err)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// ioError is an I/O error of the source, named once.
type ioError struct {
	name string
	err  error
}

func (e *ioError) Error() string { return fmt.Sprintf("read %s: %v", e.name, e.err) }
func (e *ioError) Unwrap() error { return e.err }

// sourceError returns err as the reader's error: an interruption, an input
// error or an I/O error already named stays as it is; any other error is
// an I/O error of name.
func sourceError(name string, err error) error {
	var ie *InterruptedError
	var oe *ioError
	if errors.As(err, &ie) {
		return ie
	}
	if e, ok := inputerr.As(err); ok {
		return e
	}
	if errors.As(err, &oe) {
		return oe
	}
	return &ioError{name: name, err: err}
}

// interrupted returns the error of a read of name stopped by ctx.
func interrupted(ctx context.Context, name string) error {
	return &InterruptedError{Name: name, Err: context.Cause(ctx)}
}

// asyncBuffer is the size of each of asyncReader's two buffers.
const asyncBuffer = 256 << 10

// asyncReader reads its source on a goroutine of its own, one buffer ahead,
// so that a Read blocked on a pipe, a FIFO, a terminal or a network file
// system can be abandoned: once ctx is done, Read returns an
// *InterruptedError at once. The goroutine then ends when its pending read
// returns (for a stream that stays silent: when the process exits); it
// reads into buffers of its own, so an abandoned read touches no caller's
// memory.
type asyncReader struct {
	ctx  context.Context
	name string
	full chan asyncChunk // filled buffers, in order
	free chan []byte     // buffers to refill
	quit chan struct{}
	once sync.Once
	cur  asyncChunk
	off  int
	err  error // sticky
}

type asyncChunk struct {
	b   []byte
	err error
}

func newAsyncReader(ctx context.Context, src io.Reader, name string) *asyncReader {
	a := &asyncReader{ctx: ctx, name: name, full: make(chan asyncChunk, 2), free: make(chan []byte, 2),
		quit: make(chan struct{})}
	for range 2 {
		a.free <- make([]byte, asyncBuffer)
	}
	go a.loop(src)
	return a
}

func (a *asyncReader) loop(src io.Reader) {
	for {
		var b []byte
		select {
		case b = <-a.free:
		case <-a.quit:
			return
		}
		n, err := src.Read(b[:cap(b)])
		select {
		case a.full <- asyncChunk{b[:n], err}:
		case <-a.quit:
			return
		}
		if err != nil {
			return
		}
	}
}

func (a *asyncReader) Read(p []byte) (int, error) {
	if a.err != nil {
		return 0, a.err
	}
	if a.ctx.Err() != nil {
		a.err = interrupted(a.ctx, a.name)
		return 0, a.err
	}
	for a.off == len(a.cur.b) {
		if a.cur.err != nil {
			a.err = a.cur.err
			return 0, a.err
		}
		if a.cur.b != nil {
			a.free <- a.cur.b[:0]
		}
		select {
		case a.cur = <-a.full:
			a.off = 0
		case <-a.ctx.Done():
			a.cur = asyncChunk{}
			a.err = interrupted(a.ctx, a.name)
			return 0, a.err
		case <-a.quit:
			a.cur = asyncChunk{}
			a.err = errClosed
			return 0, a.err
		}
	}
	n := copy(p, a.cur.b[a.off:])
	a.off += n
	return n, nil
}

// errClosed is the error of a Read after Close.
var errClosed = errors.New("read after close")

// Close stops the goroutine (at once, or when its pending read returns).
func (a *asyncReader) Close() { a.once.Do(func() { close(a.quit) }) }

// openFile opens path for reading on a goroutine, so that an open that
// blocks (a FIFO waits in open(2) for a writer) can be abandoned when ctx
// is done; a file opened after that is closed.
func openFile(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		return o.f, o.err
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, interrupted(ctx, path)
	}
}

// limitReader passes its source through and enforces the record, field and
// blank-line limits on the way: it follows lines and CSV quoting (a quote
// toggles the quoted state, which a doubled quote inside a quoted field
// leaves as it was), and fails once a record runs past maxLine bytes or
// maxFields fields, or more than maxBlank empty lines follow each other.
// So encoding/csv never holds more than one record of bounded size. The bytes before the
// failure are delivered first, so that an earlier problem in them is
// reported rather than the limit. Lines are counted from 1 at the start of
// the source.
type limitReader struct {
	r         io.Reader
	name      string
	maxLine   int
	maxFields int
	maxBlank  int

	line     int   // the current line
	recStart int   // the line where the current record started
	recBytes int   // bytes of the current record so far
	commas   int   // separators of the current record so far
	lineLen  int   // bytes of the current line so far, its LF excluded
	lineCR   bool  // the current line so far is exactly "\r"
	quoted   bool  // inside a quoted field
	blank    int   // empty lines in a row
	blankAt  int   // the line of the first of them
	err      error // the limit passed, returned by the next Read
}

func newLimitReader(r io.Reader, name string, lim Limits) *limitReader {
	return &limitReader{r: r, name: name, maxLine: lim.MaxLineBytes, maxFields: lim.MaxColumns, maxBlank: lim.MaxBlankLines,
		line: 1, recStart: 1}
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	l.scan(p[:n])
	return n, err
}

// scan follows b and sets l.err at the first limit passed.
func (l *limitReader) scan(b []byte) {
	if !l.quoted && bytes.IndexByte(b, '"') < 0 {
		// No quote: a record is a line.
		for len(b) > 0 && l.err == nil {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				l.text(b)
				l.fields(bytes.Count(b, []byte{','}))
				return
			}
			l.text(b[:i])
			l.fields(bytes.Count(b[:i], []byte{','}))
			if l.err == nil {
				l.newline()
			}
			b = b[i+1:]
		}
		return
	}
	for len(b) > 0 && l.err == nil {
		c := b[0]
		b = b[1:]
		switch {
		case c == '"':
			l.quoted = !l.quoted
			l.text([]byte{c})
		case c == '\n':
			l.newline()
		case c == ',' && !l.quoted:
			l.text([]byte{c})
			l.fields(1)
		default:
			l.text([]byte{c})
		}
	}
}

// text counts bytes of the current line other than its LF.
func (l *limitReader) text(b []byte) {
	if len(b) == 0 {
		return
	}
	l.lineCR = l.lineLen == 0 && len(b) == 1 && b[0] == '\r'
	l.lineLen += len(b)
	l.recBytes += len(b)
	if l.recBytes > l.maxLine {
		if l.quoted || l.recStart < l.line {
			l.fail(l.recStart, "a quoted field makes a record longer than %s, the limit; it started here", byteSize(int64(l.maxLine))).
				WithHint(`a quoted field probably lacks its closing "`)
			return
		}
		l.fail(l.line, "line longer than %s, the limit of a line", byteSize(int64(l.maxLine))).
			WithHint("a row of numbers is far shorter: check that the input is CSV text (a device such as /dev/zero never ends a line)")
	}
}

// fields counts n separators of the current record.
func (l *limitReader) fields(n int) {
	l.commas += n
	if l.err == nil && l.commas >= l.maxFields {
		l.fail(l.recStart, "row has more than %d fields, the limit of columns", l.maxFields).
			WithHint("check that the input is a CSV table of numbers")
	}
}

// newline ends the current line: the record too, unless a quoted field
// goes on.
func (l *limitReader) newline() {
	empty := l.lineLen == 0 || l.lineCR
	l.line++
	l.lineLen, l.lineCR = 0, false
	if l.quoted {
		l.recBytes++
		l.blank = 0
		return
	}
	if empty {
		if l.blank == 0 {
			l.blankAt = l.line - 1
		}
		l.blank++
		if l.blank > l.maxBlank {
			l.fail(l.blankAt, "more than %d empty lines in a row, the limit", l.maxBlank).
				WithHint("check that the input is CSV text")
		}
	} else {
		l.blank = 0
	}
	l.recStart, l.recBytes, l.commas = l.line, 0, 0
}

func (l *limitReader) fail(line int, format string, args ...any) *inputerr.Error {
	e := inputerr.At(l.name, line, 0, format, args...)
	l.err = e
	return e
}
