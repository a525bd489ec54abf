package schedule

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
)

var testHeader = Header{
	Tool: "clc test", FitFile: "fits/a b.yaml", FitSHA256: strings.Repeat("ab", 32),
	N: 7000, Epochs: 3, BatchSize: 32, PredictedLR: 0.0981, Constant: 64.2, ConstantFrom: "law",
}

// testSchedules covers every shape, per step and per epoch.
func testSchedules(t *testing.T) map[string]*Schedule {
	t.Helper()
	specs := map[string]Spec{
		"constant":      {},
		"linear":        {Shape: Linear, MinRatio: 0.1},
		"linear0":       {Shape: Linear},
		"cosine":        {Shape: Cosine, MinRatio: 0.05},
		"cosine0":       {Shape: Cosine},
		"exponential":   {Shape: Exponential},
		"exponentialg":  {Shape: Exponential, Gamma: 0.97},
		"step":          {Shape: Step, Milestones: []float64{0.3, 0.6, 0.9}, Gamma: 0.2},
		"warmup-cosine": {Shape: WarmupCosine, Warmup: 0.1, MinRatio: 0.01},
		"wsd":           {Shape: WSD, Warmup: 5, Decay: 0.25, DecayType: DecaySqrt},
		"wsdcos":        {Shape: WSD, DecayType: DecayCosine, MinRatio: 0.1},
		"inverse-sqrt":  {Shape: InverseSqrt, Warmup: 0.05},
		"onecycle":      {Shape: OneCycle},
		"onecycle2":     {Shape: OneCycle, PctStart: 0.25, DivFactor: 10, FinalDivFactor: 100},
	}
	out := map[string]*Schedule{}
	for name, sp := range specs {
		for _, per := range []Granularity{PerStep, PerEpoch} {
			steps, spe := 137, 0
			if per == PerEpoch {
				steps, spe = 140, 7 // 20 epochs
			}
			sc, err := Design(sp, steps, 64.2, per, spe)
			if err != nil {
				t.Fatalf("%s per %s: %v", name, per, err)
			}
			out[name+"/"+string(per)] = sc
		}
	}
	sc, err := Design(Spec{Shape: Cosine}, 1, 0.5, PerStep, 0)
	if err != nil {
		t.Fatal(err)
	}
	out["single step"] = sc
	return out
}

// sameSchedule reports whether a and b have the same exported fields, and
// notes in the same words.
func sameSchedule(a, b *Schedule) bool {
	return reflect.DeepEqual(a.Spec, b.Spec) && a.Steps == b.Steps && a.Per == b.Per && a.StepsPerEpoch == b.StepsPerEpoch &&
		slices.Equal(a.Rates, b.Rates) && a.Area == b.Area && a.Peak == b.Peak && a.Final == b.Final &&
		slices.Equal(noteTexts(a.Notes), noteTexts(b.Notes))
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestRoundTrip writes every schedule in yaml, json, csv and keras and
// reads it back: the same rates bit for bit, the same spec and header.
func TestRoundTrip(t *testing.T) {
	scheds := testSchedules(t)
	for _, name := range sortedKeys(scheds) {
		sc := scheds[name]
		for _, format := range []string{YAML, JSON, CSV, Keras} {
			var buf bytes.Buffer
			if err := Write(&buf, sc, format, testHeader); err != nil {
				t.Fatalf("%s %s: %v", name, format, err)
			}
			got, h, err := Read(bytes.NewReader(buf.Bytes()), "sched")
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", name, format, err, buf.String())
			}
			if !sameSchedule(got, sc) {
				t.Errorf("%s %s: read back\n%+v\nwant\n%+v", name, format, got, sc)
			}
			if h != testHeader {
				t.Errorf("%s %s: header %+v, want %+v", name, format, h, testHeader)
			}
		}
	}
}

// TestKerasExpand decodes the keras JSON independently of Read and expands
// PiecewiseConstantDecay's rule (values[i] while boundaries[i−1] < step ≤
// boundaries[i]) back to per-step rates.
func TestKerasExpand(t *testing.T) {
	scheds := testSchedules(t)
	for _, name := range sortedKeys(scheds) {
		sc := scheds[name]
		var buf bytes.Buffer
		if err := Write(&buf, sc, Keras, testHeader); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ClassName string `json:"class_name"`
			Config    struct {
				Boundaries []int     `json:"boundaries"`
				Values     []float64 `json:"values"`
				Name       string    `json:"name"`
			} `json:"config"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		c := doc.Config
		if doc.ClassName != "PiecewiseConstantDecay" || len(c.Values) != len(c.Boundaries)+1 || len(c.Boundaries) == 0 {
			t.Fatalf("%s: %s with %d boundaries and %d values", name, doc.ClassName, len(c.Boundaries), len(c.Values))
		}
		for step := range sc.Steps {
			i := 0
			for i < len(c.Boundaries) && step > c.Boundaries[i] {
				i++
			}
			if c.Values[i] != sc.Rates[step] {
				t.Fatalf("%s: step %d: keras gives %v, want %v", name, step, c.Values[i], sc.Rates[step])
			}
		}
		if sc.Per == PerEpoch && len(c.Values) > sc.Epochs()+1 {
			t.Errorf("%s: %d values for %d epochs: runs were not merged", name, len(c.Values), sc.Epochs())
		}
	}
}

// TestTamper changes every byte of small files in each format, one at a
// time, and truncates them at every length: Read must fail with an input
// error every time.
func TestTamper(t *testing.T) {
	sc, err := Design(Spec{Shape: Step, Milestones: []float64{2}}, 4, 1, PerStep, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{YAML, JSON, CSV, Keras, Torch} {
		b, err := Marshal(sc, format, testHeader)
		if err != nil {
			t.Fatal(err)
		}
		if err := verifyChecksum(b, "x"); err != nil {
			t.Fatalf("%s: the untouched file fails: %v", format, err)
		}
		for i := range b {
			c := slices.Clone(b)
			c[i] ^= 0x01
			if c[i] == '\n' || b[i] == '\n' {
				c[i] = 'x'
			}
			if err := verifyChecksum(c, "x"); err == nil {
				t.Fatalf("%s: changing byte %d (%q → %q) went undetected", format, i, b[i], c[i])
			}
			if _, _, err := Read(bytes.NewReader(c), "x"); err == nil {
				t.Fatalf("%s: Read accepted a file with byte %d changed", format, i)
			} else if _, ok := inputerr.As(err); !ok {
				t.Fatalf("%s: byte %d: %v is not an input error", format, i, err)
			}
		}
		for n := range len(b) {
			_, _, err := Read(bytes.NewReader(b[:n]), "x")
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("%s: truncated to %d of %d bytes: %v", format, n, len(b), err)
			}
		}
	}
}

func TestReadErrors(t *testing.T) {
	sc, err := Design(Spec{Shape: Cosine}, 10, 1, PerStep, 0)
	if err != nil {
		t.Fatal(err)
	}
	yamlFile, _ := Marshal(sc, YAML, testHeader)
	edited := bytes.Replace(yamlFile, []byte("area: 1\n"), []byte("area: 2\n"), 1)
	torch, _ := Marshal(sc, Torch, testHeader)
	cases := []struct {
		name string
		data []byte
		msg  string
	}{
		{"empty", nil, "f: schedule file is empty"},
		{"not ours", []byte("a,b\n1,2\n"), "f: not a schedule file"},
		{"edited", edited, "f: checksum mismatch: the file was edited or truncated"},
		{"truncated", yamlFile[:len(yamlFile)-10], "f: checksum mismatch: the file was edited or truncated"},
		{"no checksum", []byte("checksum: abc\nformat: clc-schedule\n"), "f: no checksum: not a schedule file, or truncated"},
		{"torch", torch, "f: a PyTorch snippet cannot be read back"},
		{"version 2", resealed(t, bytes.Replace(yamlFile, []byte("version: 1"), []byte("version: 2"), 1)),
			"f: unsupported schedule file version 2 (this clc reads version 1)"},
		{"unknown key", resealed(t, bytes.Replace(yamlFile, []byte("version: 1\n"), []byte("version: 1\nextra: 1\n"), 1)),
			`f:4:1: unknown key "extra" at the top level`},
		{"misspelt key", resealed(t, bytes.Replace(yamlFile, []byte("constant_from"), []byte("constant-from"), 1)),
			`f:12:1: unknown key "constant-from" at the top level; did you mean "constant_from"?`},
		{"missing key", resealed(t, bytes.Replace(yamlFile, []byte("unit: lr·steps\n"), nil, 1)),
			`f:1:1: missing key "unit" at the top level`},
		{"alias", resealed(t, bytes.Replace(bytes.Replace(yamlFile, []byte("tool: clc test"), []byte("tool: &t clc test"), 1), []byte("fit_file: fits/a b.yaml"), []byte("fit_file: *t"), 1)),
			`f:4:7: YAML anchor &t: a schedule file has no anchors or aliases`},
		{"repeated key", resealed(t, bytes.Replace(yamlFile, []byte("version: 1\n"), []byte("version: 1\nversion: 1\n"), 1)),
			`f:4:1: key "version" is given twice at the top level (first at line 3)`},
		{"bad sum", resealed(t, bytes.Replace(yamlFile, []byte("area: 1\n"), []byte("area: 2\n"), 1)),
			"f: inconsistent schedule: the rates sum to 1, not the area 2"},
	}
	for _, c := range cases {
		_, _, err := Read(bytes.NewReader(c.data), "f")
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("%s: %v is not an input error", c.name, err)
			continue
		}
		if ie.Error() != c.msg {
			t.Errorf("%s:\n got %q\nwant %q", c.name, ie.Error(), c.msg)
		}
	}
}

// resealed replaces b's checksum with a valid one for its new content.
func resealed(t *testing.T, b []byte) []byte {
	t.Helper()
	loc := checksumRE.FindSubmatchIndex(b)
	c := slices.Clone(b)
	copy(c[loc[2]:], placeholder)
	seal(c)
	return c
}

func TestWriteFileAtomic(t *testing.T) {
	sc, err := Design(Spec{Shape: Cosine}, 10, 1, PerStep, 0)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "s.csv")
	if err := WriteFile(path, sc, CSV, testHeader); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, _, err := Read(f, path); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "no", "s.csv"), sc, CSV, testHeader); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
	if err := WriteFile(filepath.Join(dir, "x.xml"), sc, "xml", testHeader); err == nil || err.Error() != `unknown format "xml"` {
		t.Errorf("unknown format: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the directory holds %d entries, want only s.csv (no temporary files)", len(entries))
	}
}

func TestRuns(t *testing.T) {
	b, v := runs([]float64{1, 1, 2, 2, 2, 3})
	if !slices.Equal(b, []int{1, 4}) || !slices.Equal(v, []float64{1, 2, 3}) {
		t.Errorf("runs = %v, %v", b, v)
	}
	b, v = runs([]float64{5, 5, 5})
	if !slices.Equal(b, []int{2}) || !slices.Equal(v, []float64{5, 5}) {
		t.Errorf("runs of a constant = %v, %v", b, v)
	}
	if got := expand([]int{1, 4}, []float64{1, 2, 3}, 6); !slices.Equal(got, []float64{1, 1, 2, 2, 2, 3}) {
		t.Errorf("expand = %v", got)
	}
}

func FuzzRead(f *testing.F) {
	sc, err := Design(Spec{Shape: WSD, Warmup: 1}, 6, 2, PerEpoch, 2)
	if err != nil {
		f.Fatal(err)
	}
	for _, format := range Formats {
		b, err := Marshal(sc, format, testHeader)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	maxKerasSteps = 100_000
	f.Fuzz(func(t *testing.T, data []byte) {
		// Reseal the checksum so that the parsers behind it are fuzzed too.
		if checksumRE.Match(data) {
			data = resealed(t, data)
		}
		s, _, err := Read(bytes.NewReader(data), "fuzz")
		if err != nil {
			if _, ok := inputerr.As(err); !ok {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		if err := s.check(); err != nil {
			t.Fatalf("Read returned an inconsistent schedule: %v", err)
		}
	})
}
