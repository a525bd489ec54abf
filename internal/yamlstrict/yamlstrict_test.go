package yamlstrict

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
)

var testKind = &Kind{
	Name:    "test file",
	MaxSize: 1 << 10,
	Syntax:  H("syntax hint"),
	Alias:   H("alias hint"),
	Missing: H("missing hint"),
	Edited:  H("edited hint"),
	Unknown: H("unknown hint"),
}

// TestSyntaxLine checks the one rule for the line of a yaml.v3 syntax
// error: the line of the construct that is not closed, or of the problem,
// 1-based, and never past the file's last line.
func TestSyntaxLine(t *testing.T) {
	cases := []struct {
		data string
		line int
		msg  string
	}{
		// An unclosed flow list: at its '['.
		{"a: 1\nb: [1, 2\nc: 3\n", 2, "did not find expected ',' or ']'"},
		{"a: [1\n", 1, "did not find expected ',' or ']'"},
		{"a: 1\nb: {x: 1\n", 2, "did not find expected ',' or '}'"},
		// A list cut at the end of the file: its last line.
		{"a: 1\nb: [\n", 2, "did not find expected node content"},
		{"b: [\n", 1, "did not find expected node content"},
		// A key indented less than its siblings.
		{"fit:\n  epochs: 1\n bad: 2\n", 3, "did not find expected key"},
		// A list item in a mapping, a key in a list.
		{"a: 1\n- 2\n", 2, "did not find expected key"},
		{"- 1\na: 2\n", 2, "did not find expected '-' indicator"},
		// Scanner errors: a tab indent (at the tab, line and column), an
		// unclosed quote, '@'.
		{"fit:\n\tepochs: 1\n", 2, "found character that cannot start any token"},
		{"a:\n  b: 1\n\tc: 2\n", 3, "found a tab character that violates indentation"},
		{"a:\n  b: 1\n \tc: 2\n", 3, "found a tab character that violates indentation"},
		{"a: 1\nb: \"abc\n", 2, "found unexpected end of stream"},
		{"a: 1\nb: @x\n", 2, "found character that cannot start any token"},
		// On the first line yaml.v3 names no line.
		{"a: b: c\n", 1, "mapping values are not allowed in this context"},
	}
	for _, c := range cases {
		_, err := testKind.Parse([]byte(c.data), "t.yaml")
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("%q: err = %v, want an input error", c.data, err)
			continue
		}
		col := 0
		if strings.Contains(c.data, "\t") {
			col = strings.Index(c.data[strings.LastIndexByte(c.data[:strings.IndexByte(c.data, '\t')], '\n')+1:], "\t") + 1
		}
		if ie.Line != c.line || ie.Col != col || ie.Msg != "invalid YAML: "+c.msg || ie.Hint != "syntax hint" {
			t.Errorf("%q: got %v (hint %q), want line %d, column %d, %q", c.data, ie, ie.Hint, c.line, col, c.msg)
		}
	}
}

// TestBadCharacter checks that characters YAML refuses are located at
// their line and column.
func TestBadCharacter(t *testing.T) {
	for _, c := range []struct {
		data      string
		line, col int
	}{
		{"a: 1\nb: x\x01y\n", 2, 5},
		{"a: 1\nbé: \xff\n", 2, 5},
	} {
		_, err := testKind.Parse([]byte(c.data), "t.yaml")
		ie, ok := inputerr.As(err)
		if !ok || ie.Line != c.line || ie.Col != c.col || !strings.HasPrefix(ie.Msg, "invalid YAML: ") {
			t.Errorf("%q: err = %v, want an input error at %d:%d", c.data, err, c.line, c.col)
		}
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		data, want, hint string
	}{
		{"a: &x 1\nb: *x\n", "t.yaml:1:4: YAML anchor &x: a test file has no anchors or aliases", "alias hint"},
		{"a:\n  <<: {b: 1}\n", "t.yaml:2:3: YAML merge key <<: a test file has no merge keys", "alias hint"},
		{"a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one YAML document; a test file holds one", "syntax hint"},
		{"a: 1\n---\nb: [\n", "t.yaml:3: invalid YAML: did not find expected node content", "syntax hint"},
		{strings.Repeat("#", 1025), "t.yaml: test file is larger than the 1 KiB limit (1025 bytes)", ""},
	}
	for _, c := range cases {
		_, err := testKind.Parse([]byte(c.data), "t.yaml")
		ie, ok := inputerr.As(err)
		if !ok || ie.Error() != c.want || ie.Hint != c.hint {
			t.Errorf("%q: err = %v, want %q with hint %q", c.data, err, c.want, c.hint)
		}
	}
	for _, empty := range []string{"", "# a comment\n", "\n\n"} {
		d, err := testKind.Parse([]byte(empty), "t.yaml")
		if err != nil || d.Root != nil {
			t.Errorf("%q: root %v, err %v; want no root", empty, d, err)
		}
	}
}

type inner struct {
	X int       `yaml:"x"`
	Y []float64 `yaml:"y,flow,omitempty"`
}

type outer struct {
	Name     string  `yaml:"name"`
	Inner    inner   `yaml:"inner"`
	List     []inner `yaml:"list,omitempty"`
	embedded `yaml:",inline"`
}

type embedded struct {
	MinRatio float64 `yaml:"min_ratio,omitempty"`
}

func TestCheckKeys(t *testing.T) {
	cases := []struct {
		data, want, hint string
	}{
		{"name: a\ninner: {x: 1}\ncolour: red\n", `t.yaml:3:1: unknown key "colour" at the top level`, "unknown hint"},
		{"name: a\ninner: {x: 1}\nmin-ratio: 0.1\n", `t.yaml:3:1: unknown key "min-ratio" at the top level; did you mean "min_ratio"?`, "unknown hint"},
		{"name: a\ninner:\n  x: 1\n  x: 2\n", `t.yaml:4:3: key "x" is given twice in inner (first at line 3)`, "edited hint"},
		{"name: a\n", `t.yaml:1:1: missing key "inner" at the top level`, "missing hint"},
		{"name: a\ninner:\n", `t.yaml:2:7: key "inner" has no value`, "missing hint"},
		{"name: a\ninner: [1]\n", `t.yaml:2:8: inner must be a mapping of keys, not a list`, "edited hint"},
		{"name: a\ninner: {x: 1}\nlist: [{x: 1}, {x: {}}]\n", `t.yaml:3:20: list[1].x must be an integer, not a mapping`, "edited hint"},
		{"name: a\ninner: {x: 1, y: 3}\n", `t.yaml:2:18: inner.y must be a list of numbers, not "3"`, "edited hint"},
		{"name: a\ninner: {[x]: 1}\n", `t.yaml:2:9: a key in inner must be a plain name`, "edited hint"},
	}
	for _, c := range cases {
		d, err := testKind.Parse([]byte(c.data), "t.yaml")
		if err != nil {
			t.Fatalf("%q: %v", c.data, err)
		}
		err = d.CheckKeys(reflect.TypeFor[outer]())
		ie, ok := inputerr.As(err)
		if !ok || ie.Error() != c.want || ie.Hint != c.hint {
			t.Errorf("%q: err = %v, want %q with hint %q", c.data, err, c.want, c.hint)
		}
	}
	// A value of the wrong type is found by the decoder, at the value.
	d, err := testKind.Parse([]byte("name: a\ninner:\n  x: many\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := d.CheckKeys(reflect.TypeFor[outer]()); err != nil {
		t.Fatal(err)
	}
	var o outer
	err = d.Decode(&o)
	if ie, ok := inputerr.As(err); !ok || ie.Error() != `t.yaml:3:6: inner.x must be an integer, not "many"` || ie.Hint != "edited hint" {
		t.Errorf("decoding a word as an integer: %v", err)
	}
}

func TestEditDistance(t *testing.T) {
	// Expected values by hand: each is the number of single-character edits
	// (adjacent swaps count as one) listed in the comment.
	cases := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},          // 3 insertions
		{"epoch", "epochs", 1},  // insert s
		{"lr_min", "lr-min", 1}, // substitute
		{"optimiser", "optimizer", 1},
		{"epcohs", "epochs", 1}, // swap c and o
		{"kitten", "sitting", 3},
		{"η", "n", 1}, // runes, not bytes
	}
	for _, c := range cases {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := editDistance(c.b, c.a); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetry)", c.b, c.a, got, c.want)
		}
	}
}

func TestSuggestFlags(t *testing.T) {
	fit := []string{"demo", "target", "task", "optimizer", "epochs", "batch-size", "fractions",
		"lr-min", "lr-max", "lr-points", "lrs", "seeds", "shape", "warmup", "out", "json", "workers"}
	cases := []struct{ key, want string }{
		{"lr_min", "lr-min"},       // underscore for dash
		{"LR_MAX", "lr-max"},       // upper case, as in CLC_LR_MAX
		{"--epochs", "epochs"},     // written as a flag
		{"optimiser", "optimizer"}, // British spelling
		{"epoch", "epochs"},
		{"epcohs", "epochs"}, // transposition
		{"seed", "seeds"},
		{"fraction", "fractions"},
		{"batch", "batch-size"}, // the only flag that starts with it
		{"batchsize", "batch-size"},
		{"learning-rate", ""}, // nothing near
		{"model-name", ""},
		{"x", ""},
		{"lr", "lrs"},
	}
	for _, c := range cases {
		if got := Suggest(c.key, fit); got != c.want {
			t.Errorf("Suggest(%q) = %q, want %q", c.key, got, c.want)
		}
	}
	if got := Suggest("anything", nil); got != "" {
		t.Errorf("suggest with no candidates = %q", got)
	}
	if got := Suggest("schedul", []string{"fit", "merge", "predict", "schedule", "train"}); got != "schedule" {
		t.Errorf("Suggest(schedul) = %q, want schedule", got)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"lr-min", "lr-max", "batch-size", "epochs"}
	for in, want := range map[string]string{
		"lr_min": "lr-min", "--lr-min": "lr-min", "LR-MAX": "lr-max", "batch": "batch-size",
		"epoch": "epochs", "learning-rate": "", "lr": "",
	} {
		if got := Suggest(in, keys); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Suggest("decay-type", []string{"decay_type", "decay"}); got != "decay_type" {
		t.Errorf("Suggest(decay-type) = %q", got)
	}
}

// TestReadFileBounded feeds ReadFile endless inputs: a device and a named
// pipe with a writer that never stops. Both must be refused at the limit,
// quickly and with bounded memory.
func TestReadFileBounded(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no /dev/zero or named pipes")
	}
	want := func(name string) string { return name + ": test file is larger than the 1 KiB limit" }
	if _, err := os.Stat("/dev/zero"); err == nil {
		start := time.Now()
		_, err := testKind.ReadFile("/dev/zero")
		if ie, ok := inputerr.As(err); !ok || ie.Error() != want("/dev/zero") {
			t.Errorf("/dev/zero: err = %v", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("/dev/zero: took %v", d)
		}
	}
	fifo := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		chunk := bytes.Repeat([]byte("# endless\n"), 100)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}()
	_, err := testKind.ReadFile(fifo)
	if ie, ok := inputerr.As(err); !ok || ie.Error() != want(fifo) {
		t.Errorf("endless pipe: err = %v", err)
	}
}

func TestReadFilePathErrors(t *testing.T) {
	k := *testKind
	k.Param = "test_file"
	k.NotFound = H("create it with %v", inputerr.Command("make"))
	k.NotFile = H("pass a file")
	dir := t.TempDir()
	for _, c := range []struct{ path, want, hint string }{
		{filepath.Join(dir, "none.yaml"), filepath.Join(dir, "none.yaml") + ": test file not found", "create it with the make command"},
		{dir, dir + ": is a directory, not a test file", "pass a file"},
	} {
		_, err := k.ReadFile(c.path)
		ie, ok := inputerr.As(err)
		if !ok || ie.Error() != c.want || ie.Hint != c.hint || ie.Param != "test_file" {
			t.Errorf("%s: err = %v, want %q with hint %q", c.path, err, c.want, c.hint)
		}
	}
}

func TestPairs(t *testing.T) {
	d, err := testKind.Parse([]byte("a: 1\nb: 2\na: 3\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	err = d.Pairs(d.Root, "", func(k, _ *yaml.Node) error {
		seen = append(seen, k.Value)
		return nil
	})
	if ie, ok := inputerr.As(err); !ok || ie.Error() != `t.yaml:3:1: key "a" is given twice at the top level (first at line 1)` {
		t.Errorf("err = %v", err)
	}
	if strings.Join(seen, ",") != "a,b" {
		t.Errorf("visited %v before the repeated key", seen)
	}
}
