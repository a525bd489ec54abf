// Package yamlstrict reads the YAML files clc writes and the ones users
// write for it (fit files, config files, schedule files) strictly, the same
// way for all of them:
//
//   - bounded: at most Kind.MaxSize bytes are read, from a regular file, a
//     pipe or a device alike (/dev/zero is refused at the limit);
//   - one parse into a node tree (Parse), which later checks walk and from
//     which values are decoded (Doc.Decode);
//   - no YAML anchors, aliases or merge keys: expanding them can take time
//     and memory exponential in the file's size, and no clc file needs them;
//   - one YAML document per file;
//   - keys checked against a Go struct's yaml tags before decoding
//     (Doc.CheckKeys), or by the caller's own schema through Doc.Pairs: keys
//     given twice, unknown keys (with the nearest known key suggested),
//     missing keys, values of the wrong kind;
//   - one rule for the position of a yaml.v3 syntax error (see Doc.syntax);
//   - every problem an *inputerr.Error at FILE:LINE:COL, with the hints of
//     the caller's Kind.
package yamlstrict

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Hint is the format and arguments of a hint, as inputerr's WithHint
// takes them (inputerr.Param and inputerr.Command arguments are spelled by
// the front end). The zero Hint adds no hint.
type Hint struct {
	Format string
	Args   []any
}

// H returns the Hint of format and args.
func H(format string, args ...any) Hint { return Hint{format, args} }

// Apply sets h as e's hint, unless h is zero.
func (h Hint) Apply(e *inputerr.Error) *inputerr.Error {
	if h.Format == "" {
		return e
	}
	return e.WithHint(h.Format, h.Args...)
}

// Kind describes one kind of file for a reader: its name in messages, its
// size limit and the hints of its errors.
type Kind struct {
	// Name is what the file is, in messages: "fit file".
	Name string
	// MaxSize is the largest file accepted, in bytes (at least 1).
	MaxSize int64
	// Param is the setting that names the file, if any: the errors of
	// ReadFile about the path carry it.
	Param inputerr.Param

	NotFound Hint // the path does not exist
	NotFile  Hint // the path is a directory
	TooLarge Hint // the file is larger than MaxSize
	Syntax   Hint // a YAML syntax error, an empty file, a second document
	Alias    Hint // an anchor, alias or merge key
	Missing  Hint // a missing key or value (a truncated file)
	Edited   Hint // a value of the wrong kind or type, a key that is not a plain name
	Repeated Hint // a key given twice (Edited when zero)
	Unknown  Hint // an unknown key

	// As lists types that are checked and described as another type: a
	// type with its own UnmarshalYAML that reads a stored form (the key is
	// the type, the value its stored form).
	As map[reflect.Type]reflect.Type
}

// ReadFile reads the file at path, at most k.MaxSize bytes. A missing,
// unreadable or directory path, and a file or stream larger than
// k.MaxSize, are *inputerr.Error naming path; the size of a regular file is
// checked before anything is read.
func (k *Kind) ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, k.openError(path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", k.Name, path, err)
	}
	if st.IsDir() {
		e := &inputerr.Error{File: path, Param: k.Param, Msg: "is a directory, not a " + k.Name}
		return nil, k.NotFile.Apply(e)
	}
	size := int64(-1)
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	return k.ReadAll(f, path, size)
}

// ReadAll reads r, whose size is size bytes (-1 when unknown: a pipe or a
// device), up to k.MaxSize bytes; name is used in messages. A larger
// input is an *inputerr.Error: from its size when known, else after
// k.MaxSize+1 bytes, so that an endless stream (/dev/zero) is refused
// with bounded memory.
func (k *Kind) ReadAll(r io.Reader, name string, size int64) ([]byte, error) {
	if size > k.MaxSize {
		return nil, k.tooLarge(name, size)
	}
	data, err := io.ReadAll(io.LimitReader(r, k.MaxSize+1))
	if err != nil {
		return nil, k.readError(name, err)
	}
	if int64(len(data)) > k.MaxSize {
		return nil, k.tooLarge(name, -1)
	}
	return data, nil
}

// openError turns an error of os.Open into an input error where the path
// is at fault.
func (k *Kind) openError(path string, err error) error {
	e := &inputerr.Error{File: path, Param: k.Param, Err: err}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		e.Msg = k.Name + " not found"
		return k.NotFound.Apply(e)
	case errors.Is(err, fs.ErrPermission):
		e.Msg = "permission denied"
		return e.WithHint("check the file's permissions")
	case errors.Is(err, syscall.ENOTDIR):
		e.Msg = k.Name + " not found: a component of the path is not a directory"
		return e.WithHint("check the path")
	}
	return fmt.Errorf("reading %s %s: %w", k.Name, path, err)
}

// readError reports a failed read; reading a directory (on systems where
// opening one succeeds) is an input error.
func (k *Kind) readError(name string, err error) error {
	if errors.Is(err, syscall.EISDIR) {
		return k.NotFile.Apply(&inputerr.Error{File: name, Param: k.Param, Msg: "is a directory, not a " + k.Name, Err: err})
	}
	return fmt.Errorf("reading %s %s: %w", k.Name, name, err)
}

// tooLarge reports a file above k.MaxSize; size is its size in bytes, or
// -1 when only a prefix of a stream was read.
func (k *Kind) tooLarge(name string, size int64) error {
	msg := fmt.Sprintf("%s is larger than the %s limit", k.Name, formatSize(k.MaxSize))
	if size >= 0 {
		msg += fmt.Sprintf(" (%d bytes)", size)
	}
	return k.TooLarge.Apply(&inputerr.Error{File: name, Param: k.Param, Msg: msg})
}

// formatSize writes a limit in MiB or KiB when it is a whole number of
// them, else in bytes.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d-byte", n)
}

// Doc is a parsed YAML file: its one document's top node and what is
// needed to report problems in it.
type Doc struct {
	// Name is the file's name in messages.
	Name string
	// Root is the document's top node, nil for a file without content
	// (empty, or only comments).
	Root *yaml.Node
	kind *Kind
	data []byte
}

// Parse parses data, the contents of a file of kind k called name, into
// its node tree and checks what any clc file must be: at most k.MaxSize
// bytes, valid YAML, one document, no anchors, aliases or merge keys. An empty file (or one with only
// comments) gives a Doc with a nil Root. Every problem is an
// *inputerr.Error at its line and column.
func (k *Kind) Parse(data []byte, name string) (*Doc, error) {
	d := &Doc{Name: name, kind: k, data: data}
	if int64(len(data)) > k.MaxSize {
		return nil, k.tooLarge(name, int64(len(data)))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return d, nil
		}
		return nil, d.syntax(err)
	}
	// The node tree keeps aliases unexpanded: reject them before anything
	// expands them (a "billion laughs" bomb).
	if err := d.checkNoAliases(&doc); err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, d.syntax(err)
		}
		return nil, d.At(extra.Line, extra.Column, d.kind.Syntax, "more than one YAML document; a %s holds one", k.Name)
	}
	if len(doc.Content) == 0 {
		return d, nil
	}
	d.Root = doc.Content[0]
	if d.Root.Kind == yaml.ScalarNode && d.Root.ShortTag() == "!!null" && d.Root.Value == "" {
		d.Root = nil // only comments
	}
	return d, nil
}

// At returns an input error at line and column of the file with hint h.
func (d *Doc) At(line, col int, h Hint, format string, args ...any) *inputerr.Error {
	return h.Apply(inputerr.At(d.Name, line, col, format, args...))
}

// AtNode returns an input error at n's position with hint h.
func (d *Doc) AtNode(n *yaml.Node, h Hint, format string, args ...any) *inputerr.Error {
	return d.At(n.Line, n.Column, h, format, args...)
}

// checkNoAliases rejects the first anchor (&a), alias (*a) or merge key
// (<<) under n, in document order.
func (d *Doc) checkNoAliases(n *yaml.Node) error {
	k := d.kind
	switch {
	case n.Kind == yaml.AliasNode:
		return d.AtNode(n, k.Alias, "YAML alias *%s: a %s has no anchors or aliases", n.Value, k.Name)
	case n.Anchor != "":
		return d.AtNode(n, k.Alias, "YAML anchor &%s: a %s has no anchors or aliases", n.Anchor, k.Name)
	case n.Kind == yaml.ScalarNode && n.Tag == "!!merge":
		return d.AtNode(n, k.Alias, "YAML merge key <<: a %s has no merge keys", k.Name)
	}
	for _, c := range n.Content {
		if err := d.checkNoAliases(c); err != nil {
			return err
		}
	}
	return nil
}

// Pairs calls each for the keys and values of the mapping n, the value at
// path (see Where), in document order, and reports the first key that is
// not a plain scalar or is given twice (at its second occurrence), or the
// first error of each. A schema check uses it for every mapping, so that
// the first problem in the file is the one reported.
func (d *Doc) Pairs(n *yaml.Node, path string, each func(k, v *yaml.Node) error) error {
	first := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			return d.AtNode(k, d.kind.Edited, "a key %s must be a plain name", Where(path))
		}
		if line, dup := first[k.Value]; dup {
			h := d.kind.Repeated
			if h.Format == "" {
				h = d.kind.Edited
			}
			return d.AtNode(k, h, "key %q is given twice %s (first at line %d)", k.Value, Where(path), line)
		}
		first[k.Value] = k.Line
		if err := each(k, n.Content[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// Where names the place of a key at path in a message: "at the top level"
// or "in config.hidden".
func Where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}

// Join appends a key to a dotted path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// syntaxErrRE matches a yaml.v3 syntax error.
var syntaxErrRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// parserProblems are the problems yaml.v3's parser reports (parserc.go);
// every other syntax error comes from its scanner or reader.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected key":              true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
	"found undefined tag handle":             true,
}

// syntax turns a yaml.v3 syntax error into an input error at its line,
// by one rule for every reader. yaml.v3 names the line of the construct
// being parsed (the '[' of an unclosed list) or, when that is the first
// line, of the problem; its scanner counts lines from 1 but its parser from
// 0, and it names no line when both are on the first. So the line is
// yaml.v3's, plus 1 for a parser error, 1 when none is named, and at most
// the file's last line (a problem found at the end of the file is on its
// last line). A character the reader refuses (a control character, bad
// UTF-8) and a tab in an indentation are located at their line and
// column.
func (d *Doc) syntax(err error) error {
	msg := err.Error()
	line := 1
	if m := syntaxErrRE.FindStringSubmatch(msg); m != nil {
		msg = m[2]
		if m[1] != "" {
			line, _ = strconv.Atoi(m[1])
			if parserProblems[msg] {
				line++
			}
		}
	}
	col := 0
	if l, c, ok := badCharacter(d.data); ok && readerProblem(msg) {
		line, col = l, c
	}
	line = min(line, max(1, lineCount(d.data)))
	if strings.Contains(msg, "tab character") || msg == "found character that cannot start any token" {
		// yaml.v3 names the line of the scalar before a tab that breaks
		// the indentation: locate the tab itself.
		last := line
		if strings.Contains(msg, "tab character") {
			last = lineCount(d.data)
		}
		if l, c, ok := indentTab(d.data, line, last); ok {
			line, col = l, c
		}
	}
	e := d.At(line, col, d.kind.Syntax, "invalid YAML: %s", msg)
	e.Err = err
	return e
}

// indentTab returns the line and column of the first tab in the
// indentation of lines first … last of b.
func indentTab(b []byte, first, last int) (line, col int, ok bool) {
	for i, l := range bytes.Split(b, []byte("\n")) {
		if i+1 < first {
			continue
		}
		if i+1 > last {
			break
		}
		indent := len(l) - len(bytes.TrimLeft(l, " \t"))
		if j := bytes.IndexByte(l[:indent], '\t'); j >= 0 {
			return i + 1, j + 1, true
		}
	}
	return 0, 0, false
}

// readerProblem reports whether msg is one of the yaml.v3 reader's
// problems with the input's characters.
func readerProblem(msg string) bool {
	return strings.Contains(msg, "control characters are not allowed") || strings.Contains(msg, "UTF-8") ||
		strings.Contains(msg, "invalid Unicode character")
}

// badCharacter returns the line and column (in characters) of the first
// byte the YAML reader refuses: invalid UTF-8, or a control character
// other than tab, line feed and carriage return.
func badCharacter(b []byte) (line, col int, ok bool) {
	line, col = 1, 1
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, true
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f, r >= 0x80 && r < 0xa0 && r != 0x85,
			r == 0xfffe, r == 0xffff:
			return line, col, true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		b = b[size:]
	}
	return 0, 0, false
}

// lineCount is the number of lines of b (a last line without a newline
// counts).
func lineCount(b []byte) int {
	n := bytes.Count(b, []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}
