package yamlstrict

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
)

// CheckKeys checks the document against t, the Go type it decodes into,
// before anything is decoded, and reports the first problem in document
// order: a node of the wrong kind (a mapping where a number belongs), a key
// that is not a plain scalar, given twice or not a field of the struct
// (with the nearest field suggested), and a field missing or present with a null
// value (a truncated file loses its last keys or values); fields tagged
// omitempty are optional. A type in the Kind's As map is checked as its
// stored form. The decoder then only meets mappings of known keys and
// values of the right kind. An empty document is the caller's to report:
// CheckKeys accepts it.
func (d *Doc) CheckKeys(t reflect.Type) error {
	if d.Root == nil {
		return nil
	}
	return d.checkKeys(d.Root, t, "")
}

func (d *Doc) checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if as, ok := d.kind.As[t]; ok {
		t = as
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return d.kindError(n, t, path)
		}
		fields := Fields(t)
		byKey := make(map[string]bool, len(fields))
		keys := make([]string, len(fields))
		for i, f := range fields {
			byKey[f.Key] = true
			keys[i] = f.Key
		}
		vals := make(map[string]*yaml.Node, len(n.Content)/2)
		err := d.Pairs(n, path, func(k, v *yaml.Node) error {
			if !byKey[k.Value] {
				return d.UnknownKey(k, path, keys)
			}
			vals[k.Value] = v
			return nil
		})
		if err != nil {
			return err
		}
		for _, f := range fields {
			v, ok := vals[f.Key]
			if !ok {
				if f.Optional {
					continue
				}
				return d.AtNode(n, d.kind.Missing, "missing key %q %s", f.Key, Where(path))
			}
			p := Join(path, f.Key)
			if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				if f.Optional {
					continue
				}
				return d.AtNode(v, d.kind.Missing, "key %q has no value", p)
			}
			if err := d.checkKeys(v, f.Type, p); err != nil {
				return err
			}
		}
	case reflect.Map:
		// A map with string keys (e.g. a trial's metrics): any plain key
		// (Pairs), each value checked against the element type.
		if n.Kind != yaml.MappingNode || t.Key().Kind() != reflect.String {
			return d.kindError(n, t, path)
		}
		return d.Pairs(n, path, func(k, v *yaml.Node) error {
			return d.checkKeys(v, t.Elem(), Join(path, k.Value))
		})
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return d.kindError(n, t, path)
		}
		if t.Kind() == reflect.Array && len(n.Content) != t.Len() {
			return d.AtNode(n, d.kind.Edited, "%s must be %s, not a list of %d", path, describeGoType(t.String()), len(n.Content))
		}
		for i, e := range n.Content {
			if err := d.checkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	default:
		if n.Kind != yaml.ScalarNode {
			return d.kindError(n, t, path)
		}
	}
	return nil
}

// UnknownKey is the error for the key k, at path, that is none of known:
// "unknown key "alfa" in law; did you mean "alpha"?", with the Kind's
// Unknown hint.
func (d *Doc) UnknownKey(k *yaml.Node, path string, known []string) *inputerr.Error {
	return d.Unknown(k, path, Suggest(k.Value, known))
}

// Unknown is UnknownKey with the suggestion given ("" for none).
func (d *Doc) Unknown(k *yaml.Node, path, suggestion string) *inputerr.Error {
	if suggestion != "" {
		return d.AtNode(k, d.kind.Unknown, "unknown key %q %s; did you mean %q?", k.Value, Where(path), suggestion)
	}
	return d.AtNode(k, d.kind.Unknown, "unknown key %q %s", k.Value, Where(path))
}

// kindError reports a node of the wrong kind for t.
func (d *Doc) kindError(n *yaml.Node, t reflect.Type, path string) error {
	what := path
	if what == "" {
		what = "the value"
	}
	// t.String() names the type as yaml.v3's type errors do ("int",
	// "[]float64", "clc.Law").
	return d.AtNode(n, d.kind.Edited, "%s must be %s, not %s", what, describeGoType(t.String()), Describe(n))
}

// Describe names a node in a message: "a mapping", "a list", or a scalar's
// text, quoted and shortened.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return quoteValue(n.Value)
	}
	return "a mapping"
}

// quoteValue quotes a scalar for a message, shortening a long one.
func quoteValue(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:37] + "...")
	}
	return strconv.Quote(s)
}

// Field is a YAML key of a struct type.
type Field struct {
	Key      string
	Type     reflect.Type
	Optional bool // tagged omitempty
}

// Fields lists the keys of the struct type t in declaration order, with
// the fields of inline structs in place; a field without a yaml tag has
// its lower-cased name as key, as yaml.v3 does.
func Fields(t reflect.Type) []Field {
	var out []Field
	for i := range t.NumField() {
		sf := t.Field(i)
		key, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		switch {
		case key == "-":
		case strings.Contains(opts, "inline"):
			out = append(out, Fields(sf.Type)...)
		case !sf.IsExported():
		default:
			if key == "" {
				key = strings.ToLower(sf.Name)
			}
			out = append(out, Field{Key: key, Type: sf.Type, Optional: strings.Contains(opts, "omitempty")})
		}
	}
	return out
}

// Decode decodes the document into v, after CheckKeys. A yaml.v3 type
// error (a word where a number belongs) is an input error at the value,
// naming its path ("config.lrs[1] must be a number, not "fast"").
func (d *Doc) Decode(v any) error {
	if d.Root == nil {
		return nil
	}
	if err := d.Root.Decode(v); err != nil {
		return d.typeError(err)
	}
	return nil
}

var (
	typeErrRE    = regexp.MustCompile(`^line (\d+): (.*)$`)
	unmarshalRE  = regexp.MustCompile("^cannot unmarshal !!(\\w+) (?:`(.*)` )?into (.+)$")
	unknownKeyRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// typeError turns an error of yaml.v3's decoder into an input error at the
// line it names, and names the key whose value is at that line.
func (d *Doc) typeError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		e := d.At(0, 0, d.kind.Edited, "%s", msg)
		e.Err = err
		return e
	}
	line, col, msg, hint := 0, 0, te.Errors[0], d.kind.Missing
	if m := typeErrRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if m := unknownKeyRE.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("unknown key %q", m[1])
	}
	if m := unmarshalRE.FindStringSubmatch(msg); m != nil && line > 0 {
		if path, v := valueAtLine(d.Root, line, m[1], m[2], ""); v != nil {
			col = v.Column
			msg = fmt.Sprintf("%s must be %s, not %s", path, describeGoType(m[3]), describeYAML(m[1], m[2]))
			hint = d.kind.Edited
		}
	}
	if k := len(te.Errors) - 1; k == 1 {
		msg += " (and 1 more problem)"
	} else if k > 1 {
		msg += fmt.Sprintf(" (and %d more problems)", k)
	}
	e := d.At(line, col, hint, "%s", msg)
	e.Err = err
	return e
}

// valueAtLine returns the path ("config.lrs[2]", "trials[3].lr") and the
// node of the first value under n that starts at line and matches what a
// yaml.v3 type error says of it: its tag ("seq", "map") for a collection,
// else its text (shortened by yaml.v3 to 7 bytes and "..." when longer
// than 10).
func valueAtLine(n *yaml.Node, line int, tag, text, path string) (string, *yaml.Node) {
	var children []*yaml.Node
	var paths []string
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			children = append(children, n.Content[i+1])
			paths = append(paths, Join(path, n.Content[i].Value))
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			children = append(children, c)
			paths = append(paths, fmt.Sprintf("%s[%d]", path, i))
		}
	}
	for i, c := range children {
		if c.Line > line {
			break
		}
		if c.Line == line && matchesTypeError(c, tag, text) {
			return paths[i], c
		}
		if p, v := valueAtLine(c, line, tag, text, paths[i]); v != nil {
			return p, v
		}
	}
	return "", nil
}

func matchesTypeError(n *yaml.Node, tag, text string) bool {
	switch tag {
	case "seq":
		return n.Kind == yaml.SequenceNode
	case "map":
		return n.Kind == yaml.MappingNode
	}
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if len(text) == 10 && strings.HasSuffix(text, "...") {
		return len(n.Value) > 10 && strings.HasPrefix(n.Value, text[:7])
	}
	return n.Value == text
}

// describeGoType names a Go type in words, as yaml.v3 writes it
// ("[]float64").
func describeGoType(t string) string {
	switch t {
	case "int":
		return "an integer"
	case "uint64":
		return "a non-negative integer"
	case "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	case "[]int":
		return "a list of integers"
	case "[]float64":
		return "a list of numbers"
	case "[]string":
		return "a list of strings"
	case "[2]float64":
		return "a list of 2 numbers"
	}
	if strings.HasPrefix(t, "[]") {
		return "a list"
	}
	if strings.HasPrefix(t, "map[string]float64") {
		return "a mapping of names to numbers"
	}
	return "a mapping of keys"
}

// describeYAML names a YAML value in an error message: a scalar by its
// text (as yaml.v3 shortened it), a collection by its kind.
func describeYAML(tag, value string) string {
	switch tag {
	case "seq":
		return "a list"
	case "map":
		return "a mapping"
	case "null":
		return "empty"
	}
	return strconv.Quote(value)
}

// Lookup returns the node at path (mapping keys and sequence indexes)
// under the document's root, or the deepest node on the way when a key is
// absent, and the path in dotted form ("trials[3].lr").
func (d *Doc) Lookup(path ...any) (*yaml.Node, string) {
	n := d.Root
	if n == nil {
		n = &yaml.Node{}
	}
	var b strings.Builder
	found := true
	for _, p := range path {
		switch p := p.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
			if found && n.Kind == yaml.MappingNode {
				found = false
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == p {
						n, found = n.Content[i+1], true
						break
					}
				}
			} else {
				found = false
			}
		case int:
			fmt.Fprintf(&b, "[%d]", p)
			if found && n.Kind == yaml.SequenceNode && p < len(n.Content) {
				n = n.Content[p]
			} else {
				found = false
			}
		}
	}
	return n, b.String()
}

// SplitPath splits a dotted path (".law.alpha_ci[1]", "config.lrs[0]")
// into the keys and indexes of Lookup.
func SplitPath(p string) []any {
	var out []any
	for _, part := range strings.Split(strings.TrimPrefix(p, "."), ".") {
		key, rest, _ := strings.Cut(part, "[")
		out = append(out, key)
		for rest != "" {
			idx, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(idx)
			if err != nil {
				break
			}
			out = append(out, i)
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out
}

// Suggest returns the candidate nearest to s, or "" when none is near
// enough to be a likely typo. Names are compared in lower case with '_'
// as '-' and leading dashes dropped (so "lr_min" finds "lr-min", and
// "min-ratio" finds "min_ratio"); a candidate that starts
// with s ("batch" → "batch-size") counts as near when it is the only one.
func Suggest(s string, candidates []string) string {
	norm := func(s string) string {
		return strings.TrimLeft(strings.ToLower(strings.ReplaceAll(s, "_", "-")), "-")
	}
	ns := norm(s)
	best, bestDist := "", -1
	var prefixed []string
	for _, c := range candidates {
		nc := norm(c)
		d := editDistance(ns, nc)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
		if len(ns) >= 3 && strings.HasPrefix(nc, ns) {
			prefixed = append(prefixed, c)
		}
	}
	switch {
	case bestDist >= 0 && bestDist*3 <= len(ns)+2:
		return best
	case len(prefixed) == 1:
		return prefixed[0]
	}
	return ""
}

// editDistance is the optimal-string-alignment distance between a and b:
// the fewest insertions, deletions, substitutions and transpositions of
// adjacent characters that turn a into b.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
