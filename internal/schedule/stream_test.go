package schedule

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// reference encodes s as the yaml, json and keras encoders of the standard
// library and yaml.v3 write the whole document at once, checksummed: what
// the streaming writers must reproduce byte for byte.
func reference(t *testing.T, s *Schedule, format string, h Header) []byte {
	t.Helper()
	rates := slices.Collect(func(yield func(float64) bool) {
		for _, v := range s.All() {
			if !yield(v) {
				return
			}
		}
	})
	var b []byte
	switch format {
	case YAML:
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(&document{Checksum: placeholder, meta: newMeta(s, h), Rates: rates}); err != nil {
			t.Fatal(err)
		}
		enc.Close()
		out := buf.Bytes()
		first := bytes.IndexByte(out, '\n')
		b = slices.Concat(out[:first], []byte("  # SHA-256 of this file without these 64 digits"), out[first:])
	case JSON:
		out, err := json.MarshalIndent(&document{Checksum: placeholder, meta: newMeta(s, h), Rates: rates}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b = append(out, '\n')
	case Keras:
		bs, vs := runs(rates)
		out, err := json.MarshalIndent(&kerasDocument{Checksum: placeholder, CLC: newMeta(s, h), ClassName: "PiecewiseConstantDecay",
			Config: kerasConfig{Boundaries: bs, Values: vs, Name: "clc_" + strings.ReplaceAll(s.Spec.Shape, "-", "_")}}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		b = append(out, '\n')
	}
	seal(b)
	return b
}

// TestStreamingWriters checks that the three ways of writing a schedule
// give the same bytes (Marshal in memory, Write in two streaming passes,
// WriteFile in one pass with the checksum written in place), whether the
// rates are held in memory (Design) or computed as they are written (New),
// and that yaml, json and keras are what yaml.v3 and encoding/json write.
func TestStreamingWriters(t *testing.T) {
	dir := t.TempDir()
	scheds := testSchedules(t)
	for _, name := range sortedKeys(scheds) {
		sc := scheds[name]
		lazy, err := New(sc.Spec, sc.Steps, sc.Area, sc.Per, sc.StepsPerEpoch)
		if err != nil {
			t.Fatal(err)
		}
		if lazy.Rates != nil || lazy.Peak != sc.Peak || lazy.Final != sc.Final {
			t.Errorf("%s: New holds %d rates, peak %v final %v; Design peak %v final %v",
				name, len(lazy.Rates), lazy.Peak, lazy.Final, sc.Peak, sc.Final)
		}
		for _, format := range Formats {
			want, err := Marshal(sc, format, testHeader)
			if err != nil {
				t.Fatal(err)
			}
			if format == YAML || format == JSON || format == Keras {
				if ref := reference(t, sc, format, testHeader); !bytes.Equal(want, ref) {
					t.Errorf("%s %s: Marshal differs from the whole-document encoder:\n%s\nwant\n%s", name, format, want, ref)
				}
			}
			for _, s := range []*Schedule{sc, lazy} {
				var buf bytes.Buffer
				if err := Write(&buf, s, format, testHeader); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s %s: Write (rates held: %v) differs from Marshal", name, format, s.Rates != nil)
				}
				path := filepath.Join(dir, "s."+format)
				if err := WriteFile(path, s, format, testHeader); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s %s: WriteFile (rates held: %v) differs from Marshal", name, format, s.Rates != nil)
				}
			}
		}
	}
}

// TestAppendJSONFloat compares the streaming writers' float format with
// encoding/json's over floats of every magnitude.
func TestAppendJSONFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := []float64{0, 1, 0.1, 1e-6, 9.99e-7, 1e-7, 1.5e-10, 1e20, 1e21, 1.7976931348623157e308, 5e-324, 123456789.125}
	for range 100000 {
		vals = append(vals, math.Float64frombits(r.Uint64()&^(1<<63)))
	}
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		want, _ := json.Marshal(v)
		if got := appendJSONFloat(nil, v); !bytes.Equal(got, want) {
			t.Fatalf("%v: %s, want %s", v, got, want)
		}
		if got := appendYAMLFloat(nil, v); string(got) != strconv.FormatFloat(v, 'g', -1, 64) {
			t.Fatalf("%v: yaml %s", v, got)
		}
	}
}

// BenchmarkWriteStreaming writes a cosine schedule of 10^6 steps in each
// text format to io.Discard from New (rates computed as written): the
// memory allocated per write does not grow with the steps.
func BenchmarkWriteStreaming(b *testing.B) {
	s, err := New(Spec{Shape: Cosine}, 1_000_000, 100, PerStep, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, format := range []string{CSV, YAML, JSON} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := Write(io.Discard, s, format, testHeader); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
