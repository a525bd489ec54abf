package table

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Table is a numeric CSV file as read by Read: every cell a finite number,
// the target column held apart from the features.
type Table struct {
	Name     string    // the file path, or "<stdin>": used in error messages
	Features []string  // feature column names, in file order, without the target
	Target   string    // target column name
	X        []float32 // Rows×len(Features) feature values, row-major
	Y        []float64 // the target of each row, as parsed (full float64 precision)
	Rows     int
	// Lines holds the 1-based line of each row's first byte (a quoted field
	// may span lines, so rows and lines need not correspond one to one).
	Lines []int32
	// TargetCols holds the 1-based byte column where each row's target field
	// starts (its opening quote, when quoted), on the row's first line unless
	// a quoted field before it spans lines.
	TargetCols []int32
	// SHA256 is the hex SHA-256 of the bytes read from the source (compressed
	// bytes for gzip input): a fingerprint of the data file.
	SHA256 string

	// targetLines holds the line of a row's target field when it differs from
	// the row's first line (after a quoted field that spans lines).
	targetLines map[int]int32

	headerLine  int     // 1-based line of the header row (0 when unknown)
	headerLines []int32 // 1-based line of each header field, in file order
	headerCols  []int32 // 1-based byte column of each header field, in file order
	columns     []string
}

// TargetPos returns the 1-based line and byte column of row i's target
// field (0 when unknown, as for a table built by hand).
func (t *Table) TargetPos(i int) (line, col int) {
	if l, ok := t.targetLines[i]; ok {
		line = int(l)
	} else if i >= 0 && i < len(t.Lines) {
		line = int(t.Lines[i])
	}
	if i >= 0 && i < len(t.TargetCols) {
		col = int(t.TargetCols[i])
	}
	return line, col
}

// HeaderLine returns the 1-based line of the header row (0 when unknown).
func (t *Table) HeaderLine() int { return t.headerLine }

// ColumnPos returns the 1-based line and byte column of the header field
// that names column name (col 0 when there is no such column).
func (t *Table) ColumnPos(name string) (line, col int) {
	if j := slices.Index(t.columns, name); j >= 0 && j < len(t.headerCols) {
		return int(t.headerLines[j]), int(t.headerCols[j])
	}
	return t.headerLine, 0
}

// The settings that messages of this package name; a front end spells them.
const (
	paramTarget   inputerr.Param = "target"
	paramNoHeader inputerr.Param = "no_header"
)

// ErrNoColumn is the cause (errors.Is) of the error Read returns when
// Options.Target names no column of the header.
var ErrNoColumn = errors.New("no such column")

// Options controls Read. The zero value reads a header row, takes the last
// column as the target and applies the default limits.
type Options struct {
	// Target is the name of the target column; "" means the last column.
	Target string
	// NoHeader says the file has no header row: its first record is data
	// and the columns are named c1, c2, ... cD.
	NoHeader bool
	// Limits bound line length, columns, blank lines and memory.
	Limits Limits
}

// job is one read: its context, the source's name and the options, with
// the limits' defaults applied.
type job struct {
	ctx  context.Context
	name string
	opt  Options
}

// Load reads the CSV file at path as Read does; path "-" reads stdin
// (named "<stdin>" in messages). A missing, unreadable or directory path is
// an input error (*inputerr.Error); gzip input is detected by its magic bytes,
// whatever the file is called. Opening is cancellable too: a FIFO without a
// writer blocks in open(2), which Load abandons when ctx is done.
func Load(ctx context.Context, path string, stdin io.Reader, opt Options) (*Table, error) {
	f, name, err := open(ctx, path, stdin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(ctx, f, name, opt)
}

// open opens path ("-": stdin, which is not closed) for Load and CountRows.
func open(ctx context.Context, path string, stdin io.Reader) (io.ReadCloser, string, error) {
	if path == "-" {
		if stdin == nil {
			return nil, "", errors.New("no standard input to read")
		}
		return io.NopCloser(stdin), "<stdin>", nil
	}
	if path == "" {
		return nil, "", inputerr.New("no data file given").WithHint("pass a CSV file, or - to read standard input")
	}
	f, err := openFile(ctx, path)
	if err != nil {
		if ie, ok := err.(*InterruptedError); ok {
			return nil, "", ie
		}
		return nil, "", openError(path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, "", openError(path, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, "", &inputerr.Error{File: path, Msg: "is a directory, not a CSV file",
			Hint: "pass the path of a CSV file"}
	}
	return f, path, nil
}

func openError(path string, err error) error {
	e := &inputerr.Error{File: path, Err: err}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.Msg = "no such file"
		e.Hint = "check the path"
	case errors.Is(err, fs.ErrPermission):
		e.Msg = "permission denied"
		e.Hint = "check the file's permissions"
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			e.Msg = "cannot open: " + pe.Err.Error()
		} else {
			e.Msg = "cannot open: " + err.Error()
		}
	}
	return e
}

// Read reads a numeric CSV table from r. name is the file path (or
// "<stdin>") used in error messages. Read stops when ctx is done, within
// one buffer of input, even while a read from r blocks (a pipe, a terminal):
// the error is then an *InterruptedError.
//
// Format rules:
//
//   - gzip-compressed input is detected by its magic bytes (1f 8b), whatever
//     the file is called, and decompressed as it streams; concatenated
//     members are read in turn and trailing bytes after the last member are
//     ignored, as by gzip -d. UTF-16 text and zip, bzip2, xz and zstd data
//     are rejected with a hint.
//   - A UTF-8 byte order mark is skipped; byte columns of the header line
//     are counted after it. Input that starts with a NUL byte is binary
//     data, not text, and is rejected.
//   - Fields are separated by commas and records end with LF or CRLF; fields
//     may be quoted as in RFC 4180 (commas, doubled quotes and newlines
//     inside quotes). Empty lines are skipped but counted in line numbers.
//   - The first record is the header: at least 2 columns, each name non-empty,
//     valid UTF-8 and unique after trimming surrounding ASCII spaces, tabs,
//     CRs and LFs. A first record whose fields are all numbers is taken for
//     data and rejected (a headerless file would lose its first row and
//     name its columns after it), unless its names are 0, 1, ..., D-1 with
//     D ≥ 3 (as pandas writes a frame's default column labels) or
//     opt.Target names one of them. With opt.NoHeader the first record is
//     data and the columns are named c1..cD.
//   - The target is the column named opt.Target, or the last column; all
//     other columns are features, in file order.
//   - At least one data row must follow, each with exactly as many fields as
//     the header. Every cell, trimmed the same way, must be a finite number
//     in decimal notation as strconv.ParseFloat reads it (hex floats,
//     underscores, NaN and Inf are rejected, as pandas does); features must
//     also fit a float32 (|v| ≤ 3.4e38) and are rounded to it, while the
//     target keeps float64 precision. Empty cells (missing values) are
//     errors.
//   - Limits (opt.Limits): a record (a line, or the lines a quoted field
//     spans) of at most 16 MiB, at most 1,000,000 columns and 65,536 empty
//     lines in a row, and a table of at most DefaultMaxBytes (half the
//     memory available) by default. Passing one is an input error naming
//     the limit, so that no input makes the reader exhaust memory or run
//     forever.
//
// Plain rows (no quotes or spaces, short decimals) are split and parsed on
// all cores in chunks as the input streams (see fast.go); anything else
// goes through encoding/csv, with the same results and errors either way.
//
// Every problem with the data is an *inputerr.Error naming the file and,
// where it has one, the 1-based line and byte column of the offending field's
// start (or of the offending character, for quoting errors). I/O errors are
// returned wrapped, and are not input errors.
func Read(ctx context.Context, r io.Reader, name string, opt Options) (*Table, error) {
	return read(ctx, r, name, opt, readConfig{})
}

// readConfig selects the reader's strategy; the zero value is Read's.
type readConfig struct {
	slow    bool // read with encoding/csv only (the reference path)
	chunk   int  // fast path: bytes per chunk (0: fastChunkSize)
	workers int  // fast path: parsing goroutines (0: GOMAXPROCS, at most 8)
}

func read(ctx context.Context, r io.Reader, name string, opt Options, cfg readConfig) (*Table, error) {
	opt.Limits = opt.Limits.withDefaults()
	j := &job{ctx: ctx, name: name, opt: opt}
	size := sizeHint(r) // before the source is read
	hash := sha256.New()
	async := newAsyncReader(ctx, io.TeeReader(r, hash), name)
	defer async.Close()
	dec, gz, err := openStream(async, name)
	if err != nil {
		return nil, err
	}
	src := bufio.NewReaderSize(newLimitReader(dec, name, opt.Limits), 64<<10)
	var t *Table
	if cfg.slow {
		t, err = readSlow(src, j)
	} else {
		if gz {
			size = gzipSizeHint(r)
		}
		t, err = readFast(src, j, cfg, size)
	}
	if err != nil {
		return nil, err
	}
	if t.Rows == 0 {
		return nil, &inputerr.Error{File: name, Msg: "no data rows below the header",
			Hint: "the file needs a header row followed by at least one row of numbers"}
	}
	// Drain what the CSV reader left unread (trailing bytes after a gzip
	// stream), so the fingerprint covers the whole source; the hash is
	// complete once the reading goroutine reported the end.
	if _, err := io.Copy(io.Discard, async); err != nil {
		return nil, sourceError(name, err)
	}
	t.SHA256 = hex.EncodeToString(hash.Sum(nil))
	return t, nil
}

// readSlow reads the header and every row from r with encoding/csv.
func readSlow(r io.Reader, j *job) (*Table, error) {
	cr := newCSVReader(r)
	t, ti, first, err := readHeader(cr, j)
	if err != nil {
		return nil, err
	}
	rows := &rowReader{t: t, ti: ti, j: j, maxRows: j.opt.Limits.maxRows(len(t.Features))}
	if first != nil {
		if err := rows.add(first, cr.FieldPos); err != nil {
			return nil, err
		}
	}
	if err := rows.readAll(cr, 0); err != nil {
		return nil, err
	}
	return t, nil
}

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, to report expected vs got
	cr.ReuseRecord = true
	return cr
}

// readHeader reads the first record of cr and checks it as the header.
// With NoHeader the record is data: it is returned as first, to be read as
// the first row.
func readHeader(cr *csv.Reader, j *job) (t *Table, ti int, first []string, err error) {
	header, err := cr.Read()
	if err == io.EOF {
		return nil, 0, nil, &inputerr.Error{File: j.name, Msg: "file is empty; expected a header row of column names",
			Hint: "the first line must name the columns, e.g. x1,x2,y"}
	}
	if err != nil {
		return nil, 0, nil, readError(j.name, err, 0)
	}
	if t, ti, err = parseHeader(cr, header, j); err != nil {
		return nil, 0, nil, err
	}
	if j.opt.NoHeader {
		first = header
	}
	return t, ti, first, nil
}

// rowReader appends data rows to t, whose target is column ti.
type rowReader struct {
	t       *Table
	ti      int
	j       *job
	maxRows int // Limits.MaxBytes in rows
}

// readAll appends the data rows read by cr. The first byte cr reads is at
// the start of line off+1 of the file.
func (r *rowReader) readAll(cr *csv.Reader, off int) error {
	pos := func(j int) (int, int) {
		l, c := cr.FieldPos(j)
		return l + off, c
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return readError(r.j.name, err, off)
		}
		if err := r.add(rec, pos); err != nil {
			return err
		}
	}
}

// add appends the record rec, whose field j is at pos(j), as a row.
func (r *rowReader) add(rec []string, pos func(j int) (line, col int)) error {
	t, ti, name := r.t, r.ti, r.j.name
	ncol := len(t.columns)
	line, _ := pos(0)
	if len(rec) != ncol {
		e := inputerr.At(name, line, 0, "row has %d %s, expected %d like the header",
			len(rec), pluralize(len(rec), "field", "fields"), ncol)
		if len(rec) > ncol {
			_, e.Col = pos(ncol)
			e.Hint = "quote fields that contain commas, e.g. \"1,5\""
		} else if len(rec) == 1 {
			e.Hint = "check for a stray line, or a separator other than a comma"
		} else {
			e.Hint = fmt.Sprintf("every row needs %d comma-separated values; one may be missing, or the row cut short", ncol)
		}
		return e
	}
	if t.Rows >= r.maxRows {
		return memoryError(r.j, line, t.Rows, len(t.Features))
	}
	for j, f := range rec {
		v, err := parseCell(f)
		if err != nil {
			l, c := pos(j)
			e := cellError(name, l, c, f, t.columns[j], j == ti, err)
			if r.j.opt.NoHeader && t.Rows == 0 && err == errNotDigit {
				e = e.WithHint("the first row looks like a header; drop %v", paramNoHeader)
			}
			return e
		}
		if j == ti {
			t.Y = append(t.Y, v)
			continue
		}
		x := float32(v)
		if math.IsInf(float64(x), 0) {
			l, c := pos(j)
			return inputerr.At(name, l, c, "cell %s in column %q is too large for a float32 (largest magnitude 3.4e38)",
				quoteCell(f), t.columns[j]).WithHint("rescale the column, e.g. change its unit")
		}
		t.X = append(t.X, x)
	}
	tl, tc := pos(ti)
	if tl != line {
		if t.targetLines == nil {
			t.targetLines = make(map[int]int32)
		}
		t.targetLines[t.Rows] = clamp32(tl)
	}
	t.Lines = append(t.Lines, clamp32(line))
	t.TargetCols = append(t.TargetCols, clamp32(tc))
	t.Rows++
	return nil
}

// memoryError reports a table that would pass Limits.MaxBytes at line, with
// rows rows of nf features read.
func memoryError(j *job, line, rows, nf int) error {
	return inputerr.At(j.name, line, 0, "the table passes the memory limit of %s at row %d (%d features, %s a row)",
		byteSize(j.opt.Limits.MaxBytes), rows+1, nf, byteSize(rowBytes(nf))).
		WithHint("the table is held in memory; train on a sample of the rows, e.g. the first ones (head -n %d)", rows+1)
}

// parseHeader checks the header record and returns a table with its columns
// set, and the index of the target column. With NoHeader the record is the
// first row and names the columns c1..cD only by its count.
func parseHeader(cr *csv.Reader, header []string, j *job) (*Table, int, error) {
	name, opt := j.name, j.opt
	hl, _ := cr.FieldPos(0)
	t := &Table{Name: name, headerLine: hl}
	cols := make([]string, len(header))
	t.headerLines = make([]int32, len(header))
	t.headerCols = make([]int32, len(header))
	for k, h := range header {
		cols[k] = strings.Trim(h, csvSpace)
		if opt.NoHeader {
			cols[k] = "c" + strconv.Itoa(k+1)
		}
		l, c := cr.FieldPos(k)
		t.headerLines[k], t.headerCols[k] = clamp32(l), clamp32(c)
	}
	if opt.NoHeader {
		t.headerLine = 0
	}
	if len(cols) < 2 {
		e := inputerr.At(name, hl, 0, "header has 1 column; need at least one feature column and a target column")
		if opt.NoHeader {
			e = inputerr.At(name, hl, 0, "the first row has 1 field; need at least one feature column and a target column")
		}
		switch h := header[0]; {
		case strings.Contains(h, ";"):
			e.Hint = "the file seems to use ';' as separator; clc reads comma-separated values"
		case strings.Contains(h, "\t"):
			e.Hint = "the file seems to use tabs as separator; clc reads comma-separated values"
		default:
			e.Hint = "columns are separated by commas, e.g. x1,x2,y"
		}
		return nil, 0, e
	}
	seen := make(map[string]int, len(cols))
	for k, c := range cols {
		line, col := int(t.headerLines[k]), int(t.headerCols[k])
		if c == "" {
			e := inputerr.At(name, line, col, "column %d has an empty name", k+1)
			if k == len(cols)-1 {
				e.Hint = "every column needs a name; a comma at the end of each line adds an empty last column"
			} else {
				e.Hint = "every column needs a name in the header row"
			}
			return nil, 0, e
		}
		if !utf8.ValidString(c) {
			return nil, 0, inputerr.At(name, line, col, "column name %s is not UTF-8 text: the file has another encoding", quoteCell(c)).
				WithHint("convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8 for Latin-1 text")
		}
		if strings.ContainsRune(c, '\r') {
			return nil, 0, inputerr.At(name, line, col, "column name %s contains a carriage return", quoteCell(c)).
				WithHint("the file may use old Mac (CR-only) line endings; convert them to LF or CRLF")
		}
		if prev, dup := seen[c]; dup {
			return nil, 0, inputerr.At(name, line, col, "duplicate column name %q (columns %d and %d)", c, prev+1, k+1).
				WithHint("rename one of them; column names must be unique")
		}
		seen[c] = k
	}
	if _, named := seen[opt.Target]; !opt.NoHeader && !named && looksLikeData(cols) {
		return nil, 0, inputerr.At(name, hl, 0, "the first row looks like data, not a header: every field is a number").
			WithHint("if the file has no header row, pass %v (the columns are then c1..c%d)", paramNoHeader, len(cols))
	}
	ti := len(cols) - 1
	if opt.Target != "" {
		k, ok := seen[opt.Target]
		if !ok {
			e := inputerr.At(name, t.headerLine, 0, "no column named %q", opt.Target)
			e.Err = ErrNoColumn
			return nil, 0, targetHint(e, opt.Target, cols)
		}
		ti = k
	}
	t.columns = cols
	t.Target = cols[ti]
	t.Features = make([]string, 0, len(cols)-1)
	for k, c := range cols {
		if k != ti {
			t.Features = append(t.Features, c)
		}
	}
	return t, ti, nil
}

// looksLikeData reports whether a header's names are all numbers, other
// than 0, 1, ..., D-1 for D ≥ 3 (pandas' default column labels).
func looksLikeData(cols []string) bool {
	labels := len(cols) >= 3
	for k, c := range cols {
		if _, err := parseCell(c); err != nil {
			return false
		}
		labels = labels && c == strconv.Itoa(k)
	}
	return !labels
}

// targetHint suggests a close name and lists the columns (at most 8 names).
func targetHint(e *inputerr.Error, target string, cols []string) *inputerr.Error {
	mean := ""
	for _, c := range cols {
		if strings.EqualFold(c, target) || strings.EqualFold(strings.TrimSpace(c), strings.TrimSpace(target)) {
			mean = fmt.Sprintf("did you mean %q? ", c)
			break
		}
	}
	return e.WithHint("%s%v must name a column; the columns are %s", mean, paramTarget, listNames(cols, 8))
}

// listNames quotes up to max names: all of them when they fit, else the first
// max-3, an ellipsis and the last 3 (targets are often last), and the count.
func listNames(names []string, max int) string {
	q := func(s []string) string {
		p := make([]string, len(s))
		for i, n := range s {
			p[i] = strconv.Quote(n)
		}
		return strings.Join(p, ", ")
	}
	if len(names) <= max {
		return q(names)
	}
	return fmt.Sprintf("%s, ..., %s (%d in all)", q(names[:max-3]), q(names[len(names)-3:]), len(names))
}

// csvSpace is the set of bytes trimmed from both ends of names and cells.
const csvSpace = " \t\r\n"

func isCSVSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// Cell parse failures.
var (
	errEmpty    = errors.New("empty")
	errNaN      = errors.New("nan")
	errInf      = errors.New("inf")
	errRange    = errors.New("range")
	errNotDigit = errors.New("syntax")
)

// parseCell parses one cell as a finite float64 in decimal notation.
func parseCell(f string) (float64, error) {
	s := f
	if s != "" && (isCSVSpace(s[0]) || isCSVSpace(s[len(s)-1])) {
		s = strings.Trim(s, csvSpace)
	}
	if s == "" {
		return 0, errEmpty
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) && math.IsInf(v, 0) {
			return 0, errRange
		}
		return 0, errNotDigit
	}
	if math.IsNaN(v) {
		return 0, errNaN
	}
	if math.IsInf(v, 0) {
		return 0, errInf
	}
	// ParseFloat also takes hex floats and underscores ("0x1p3", "0x_1p3");
	// pandas and numpy do not, so neither does clc.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			return 0, errNotDigit
		}
	}
	return v, nil
}

// missingMarkers are cell texts that usually stand for a missing value.
var missingMarkers = map[string]bool{
	"na": true, "n/a": true, "nan": true, "null": true, "none": true, "nil": true,
	"?": true, "-": true, "missing": true, "#n/a": true, ".": true,
}

func cellError(name string, line, col int, f, column string, target bool, err error) *inputerr.Error {
	var e *inputerr.Error
	switch err {
	case errEmpty:
		e = inputerr.At(name, line, col, "empty cell in column %q", column).
			WithHint("missing values are not supported; drop or impute the rows that have them")
	case errNaN:
		e = inputerr.At(name, line, col, "cell %s in column %q is NaN", quoteCell(f), column).
			WithHint("missing values are not supported; drop or impute the rows that have them")
	case errInf:
		e = inputerr.At(name, line, col, "cell %s in column %q is infinite", quoteCell(f), column).
			WithHint("every cell must be a finite number")
	case errRange:
		e = inputerr.At(name, line, col, "cell %s in column %q is out of range (overflows a float64)", quoteCell(f), column).
			WithHint("rescale the column, e.g. change its unit")
	default:
		e = inputerr.At(name, line, col, "cell %s in column %q is not a number", quoteCell(f), column)
		e.Hint = notNumberHint(f, target)
	}
	return e
}

// notNumberHint says what to do about a cell f that is not a number.
func notNumberHint(f string, target bool) string {
	trimmed := strings.Trim(f, csvSpace)
	switch {
	case strings.ContainsAny(trimmed, "\n\r"):
		return fmt.Sprintf("the quoted cell spans %d lines, and a number has no line break; check for a misplaced quote",
			strings.Count(f, "\n")+1)
	case missingMarkers[strings.ToLower(trimmed)]:
		return "missing values are not supported; drop or impute the rows that have them"
	}
	if strings.Count(trimmed, ",") == 1 && !strings.Contains(trimmed, ".") && len(trimmed) <= 24 {
		dot := strings.Replace(trimmed, ",", ".", 1)
		if _, err := parseCell(dot); err == nil {
			return "decimal commas are not supported; write the number with a point, e.g. " + dot
		}
	}
	if target {
		return "class labels must be numbers: encode them as integers 0..K-1"
	}
	return "every column must be numeric (decimal notation); encode categorical columns as numbers (e.g. one-hot) or drop them"
}

// readError converts an error from csv.Reader.Read; the reader started at
// the beginning of line off+1 of the file.
func readError(name string, err error, off int) error {
	if ie, ok := inputerr.As(err); ok {
		return ie
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		pe.StartLine += off
		pe.Line += off
		e := &inputerr.Error{File: name, Line: pe.Line, Col: pe.Column, Err: err}
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			e.Msg = `bare " in an unquoted field`
			e.Hint = `quote the whole field ("...") and double each " inside it`
		case errors.Is(pe.Err, csv.ErrQuote):
			e.Msg = `extraneous or missing " in a quoted field`
			e.Hint = `a quoted field must end with " followed by a comma or the end of the line; double each " inside it`
			if pe.StartLine != pe.Line {
				e.Hint = fmt.Sprintf(`the record starts at line %d; a quoted field there may lack its closing "`, pe.StartLine)
			}
		default:
			e.Msg = pe.Err.Error()
		}
		return e
	}
	return sourceError(name, err)
}

// openStream sniffs the first bytes of r: it decompresses gzip (and says
// so), skips a UTF-8 byte order mark and rejects formats that are not CSV
// text.
func openStream(r io.Reader, name string) (*bufio.Reader, bool, error) {
	raw := &errRecorder{r: r}
	br := bufio.NewReaderSize(raw, 64<<10)
	head, err := br.Peek(10)
	if err != nil && err != io.EOF {
		return nil, false, sourceError(name, err)
	}
	var fmtName, tool string
	gz := false
	switch {
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, false, gzipError(name, raw, err)
		}
		z.Multistream(false)
		gz = true
		br = bufio.NewReaderSize(&gzipReader{z: z, src: br, raw: raw, name: name}, 64<<10)
		head, err = br.Peek(3)
		if err != nil && err != io.EOF {
			return nil, false, readError(name, err, 0)
		}
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		fmtName, tool = "a zip archive", "unzip"
	case bytes.HasPrefix(head, []byte("\xfd7zXZ\x00")):
		fmtName, tool = "xz-compressed", "xz -d"
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		fmtName, tool = "zstd-compressed", "zstd -d"
	case len(head) == 10 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9' &&
		string(head[4:]) == "1AY&SY":
		fmtName, tool = "bzip2-compressed", "bzip2 -d"
	}
	if fmtName != "" {
		return nil, false, &inputerr.Error{File: name, Msg: "file is " + fmtName + ", not CSV text",
			Hint: fmt.Sprintf("decompress it first (%s); clc reads plain or gzip-compressed CSV", tool)}
	}
	switch {
	case bytes.HasPrefix(head, []byte("\xef\xbb\xbf")):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return nil, false, &inputerr.Error{File: name, Msg: "file is UTF-16 text",
			Hint: "save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8"}
	case bytes.IndexByte(head, 0) >= 0:
		return nil, false, &inputerr.Error{File: name, Msg: "file holds NUL bytes: it is binary data or UTF-16 text, not CSV text",
			Hint: "clc reads UTF-8 CSV text, plain or gzip-compressed; save UTF-16 text as UTF-8, e.g. iconv -f UTF-16 -t UTF-8"}
	}
	return br, gz, nil
}

// errRecorder remembers the last non-EOF error of the underlying reader, so
// that gzipReader can tell I/O failures from corrupt compressed data.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// gzipReader decompresses a sequence of gzip members, as gzip -d does: a
// member that ends where another starts (magic bytes 1f 8b) continues the
// stream, and bytes after the last member that do not start another are
// ignored (gzip -d warns "trailing garbage ignored"). Decompression failures
// become input errors.
type gzipReader struct {
	z    *gzip.Reader // in single-member mode
	src  *bufio.Reader
	raw  *errRecorder
	name string
}

func (g *gzipReader) Read(p []byte) (int, error) {
	for {
		n, err := g.z.Read(p)
		if err == io.EOF {
			head, perr := g.src.Peek(2)
			if perr != nil && perr != io.EOF {
				return n, sourceError(g.name, perr)
			}
			if len(head) < 2 || head[0] != 0x1f || head[1] != 0x8b {
				return n, io.EOF
			}
			if err := g.z.Reset(g.src); err != nil {
				return n, gzipError(g.name, g.raw, err)
			}
			g.z.Multistream(false)
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			err = gzipError(g.name, g.raw, err)
		}
		return n, err
	}
}

// gzipError classifies an error from the gzip reader: an error of the
// underlying reader is an I/O error; anything else means corrupt data.
func gzipError(name string, raw *errRecorder, err error) error {
	if raw.err != nil && errors.Is(err, raw.err) {
		return sourceError(name, err)
	}
	e := &inputerr.Error{File: name, Err: err,
		Hint: "check the file with gzip -t; it may be truncated or damaged"}
	var ce flate.CorruptInputError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		e.Msg = "gzip data is truncated"
	case errors.Is(err, gzip.ErrChecksum):
		e.Msg = "corrupt gzip data (checksum mismatch)"
	case errors.Is(err, gzip.ErrHeader):
		e.Msg = "corrupt gzip data (invalid header)"
	case errors.As(err, &ce):
		e.Msg = fmt.Sprintf("corrupt gzip data (bad deflate stream before compressed byte %d)", int64(ce))
	default:
		e.Msg = "corrupt gzip data (" + err.Error() + ")"
	}
	return e
}

// quoteCell quotes a cell for a message, shortening a long one.
func quoteCell(f string) string {
	const max = 40
	if len(f) <= max {
		return strconv.Quote(f)
	}
	i := max
	for i > 0 && !utf8.RuneStart(f[i]) {
		i--
	}
	return strconv.Quote(f[:i]) + fmt.Sprintf("... (%d bytes)", len(f))
}

func clamp32(v int) int32 {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	return int32(v)
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
