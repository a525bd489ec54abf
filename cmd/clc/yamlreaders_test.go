package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/schedule"
)

// yamlReader is one of clc's three YAML readers, with a valid file of its
// kind and the line of that file where faults are placed: a "key: value"
// entry of a mapping.
type yamlReader struct {
	name   string
	file   string
	target string // the entry faults are placed at
	read   func(name string, data []byte) error
}

// yamlReaders returns the fit-file, config-file and schedule-file readers.
func yamlReaders(t *testing.T) []yamlReader {
	t.Helper()
	fit, err := clc.MarshalFit(scheduleFit(true))
	if err != nil {
		t.Fatal(err)
	}
	s, err := schedule.Design(schedule.Spec{Shape: schedule.Cosine}, 10, 1, schedule.PerStep, 0)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := schedule.Marshal(s, schedule.YAML, schedule.Header{Tool: "clc test"})
	if err != nil {
		t.Fatal(err)
	}
	schema := testSchema(testFlags())
	return []yamlReader{
		{"fit file", string(fit), "  rows: 4000", func(name string, data []byte) error {
			_, err := clc.UnmarshalFit(data, name)
			return err
		}},
		{"config file", "fit:\n  optimizer: adam\n  epochs: 2\n  json: true\n", "  epochs: 2", func(name string, data []byte) error {
			_, err := parseConfig(name, data, schema)
			return err
		}},
		{"schedule file", string(sched), "tool: clc test", func(name string, data []byte) error {
			_, _, err := schedule.Read(bytes.NewReader(resealSchedule(data)), name)
			return err
		}},
	}
}

// checksumDigits finds the 64 hex digits of a schedule file's checksum.
var checksumDigits = regexp.MustCompile(`checksum"?: "?([0-9a-f]{64})`)

// resealSchedule writes the checksum of an edited schedule file, as its
// format defines it: the SHA-256 of the file without the checksum's 64
// digits, so that the reader gets past it to the YAML.
func resealSchedule(b []byte) []byte {
	loc := checksumDigits.FindSubmatchIndex(b)
	if loc == nil {
		return b
	}
	h := sha256.New()
	h.Write(b[:loc[2]])
	h.Write(b[loc[3]:])
	out := bytes.Clone(b)
	copy(out[loc[2]:], hex.EncodeToString(h.Sum(nil)))
	return out
}

// TestYAMLReadersAgree feeds the same faults to the fit-file, config-file
// and schedule-file readers, each placed at line 20 of a valid file of the
// reader's kind (comment lines after the first line move the entry
// there), and checks that all three report each at the same line and
// column: the line of an unclosed list's '[' (no column), the line and
// column of a tab in an indentation, the key given twice or unknown, the
// anchor. Keys and values start at another column in each file (the
// entry's indentation and key differ), so columns are compared as offsets
// from the fault: the one rule of package yamlstrict.
func TestYAMLReadersAgree(t *testing.T) {
	const at = 20
	faults := []struct {
		name string
		// apply rewrites the target entry (indentation indent, key, value)
		// into the faulty lines.
		apply func(indent, key, value string) string
		line  int // the line reported
		col   func(indent, key string) int
		msg   string // a regexp the message matches
	}{
		{"unclosed flow list", func(i, k, v string) string { return i + k + ": [1, 2" }, at, nil,
			`invalid YAML: did not find expected ',' or ']'`},
		{"tab indent", func(i, k, v string) string { return i + k + ": " + v + "\n\t" + k + "x: 1" }, at + 1,
			func(string, string) int { return 1 }, `invalid YAML: found (a tab character|character that cannot start any token)`},
		{"key given twice", func(i, k, v string) string { return i + k + ": " + v + "\n" + i + k + ": " + v }, at + 1,
			func(i, _ string) int { return len(i) + 1 }, `key "\w+" is given twice .*\(first at line 20\)`},
		{"unknown key", func(i, k, v string) string { return i + "zzz_unknown: " + v }, at,
			func(i, _ string) int { return len(i) + 1 }, `unknown key "zzz_unknown"`},
		{"anchor", func(i, k, v string) string { return i + k + ": &a " + v }, at,
			func(i, k string) int { return len(i) + len(k) + 3 }, `YAML anchor &a: a \w+ file has no anchors or aliases`},
	}
	for _, f := range faults {
		type position struct{ line, col int }
		got := map[string]position{}
		for _, r := range yamlReaders(t) {
			lines := strings.Split(r.file, "\n")
			target := -1
			for i, l := range lines {
				if l == r.target {
					target = i
					break
				}
			}
			if target < 1 || target >= at {
				t.Fatalf("%s: entry %q at line %d", r.name, r.target, target+1)
			}
			indent := r.target[:len(r.target)-len(strings.TrimLeft(r.target, " "))]
			key, value, _ := strings.Cut(strings.TrimSpace(r.target), ": ")
			lines[target] = f.apply(indent, key, value)
			pad := make([]string, at-1-target)
			for i := range pad {
				pad[i] = fmt.Sprintf("# padding %d", i)
			}
			data := strings.Join(append(append([]string{lines[0]}, pad...), lines[1:]...), "\n")
			err := r.read("f.yaml", []byte(data))
			ie, ok := inputerr.As(err)
			if !ok {
				t.Errorf("%s in a %s: err = %v, want an input error\n%s", f.name, r.name, err, data)
				continue
			}
			want := position{f.line, 0}
			if f.col != nil {
				want.col = f.col(indent, key)
			}
			if ie.Line != want.line || ie.Col != want.col || !regexp.MustCompile(f.msg).MatchString(ie.Msg) {
				t.Errorf("%s in a %s: %q at %d:%d, want %s at %d:%d", f.name, r.name, ie.Msg, ie.Line, ie.Col, f.msg, want.line, want.col)
			}
			// Where the fault is at a key or value, its column depends on
			// the entry's indentation and key: compare the offset from it.
			p := position{ie.Line, ie.Col}
			if f.col != nil && f.name != "tab indent" {
				p.col -= want.col
			}
			got[r.name] = p
		}
		if got["fit file"] != got["config file"] || got["fit file"] != got["schedule file"] {
			t.Errorf("%s: the readers disagree on the position: %v", f.name, got)
		}
	}
}
