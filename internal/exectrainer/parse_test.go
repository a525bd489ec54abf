package exectrainer

import (
	"math"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"a b\tc\n d", []string{"a", "b", "c", "d"}},
		{`'a b' "c d" e\ f`, []string{"a b", "c d", "e f"}},
		{`'it'\''s' "a \"b\" \$x \\ \n"`, []string{"it's", `a "b" $x \ \n`}},
		{`x'y'"z"`, []string{"xyz"}},
		{`'' ""`, []string{"", ""}},
		{`a;b $(c) ` + "`d`" + ` e|f>g&`, []string{"a;b", "$(c)", "`d`", "e|f>g&"}},
		{"a\\\nb", []string{"ab"}},
		{`*.go ~ $HOME`, []string{"*.go", "~", "$HOME"}},
	} {
		got, err := splitArgs(c.in)
		if err != nil || strings.Join(got, "\x00") != strings.Join(c.want, "\x00") || len(got) != len(c.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestParseTemplate(t *testing.T) {
	tpl, err := parseTemplate("a{lr}b{n}{}{1x}{ lr}${seed}{seed", paramExec)
	if err != nil {
		t.Fatal(err)
	}
	got := tpl.expand(map[string]string{"lr": "0.1", "n": "7"}, nil)
	if want := "a0.1b7{}{1x}{ lr}${seed}{seed"; got != want {
		t.Errorf("expand = %q, want %q", got, want)
	}
}

func TestParseOutput(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		line      string
		loss, acc float64
		steps     int
		diverged  bool
	}{
		{`{"loss": 0.5}`, 0.5, nan, -1, false},
		{`{"loss": 0.5, "accuracy": 0.9, "steps": 12, "diverged": false, "extra": "x"}`, 0.5, 0.9, 12, false},
		{`{"loss": 1e-3, "steps": 12.0}`, 0.001, nan, 12, false},
		{`{"loss": NaN}`, nan, nan, -1, false},
		{`{"loss": Infinity, "note": "NaN Infinity"}`, math.Inf(1), nan, -1, false},
		{`{"loss": "inf"}`, math.Inf(1), nan, -1, false},
		{`{"loss": 2, "diverged": true}`, 2, nan, -1, true},
		{`loss=0.25`, 0.25, nan, -1, false},
		{`loss=0.25 accuracy=0.5 diverged=true steps=3 other=1`, 0.25, 0.5, 3, true},
		{`loss=nan`, nan, nan, -1, false},
	} {
		o, err := parseOutput(c.line)
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if !same(o.loss, c.loss) || !same(o.accuracy, c.acc) || o.steps != c.steps || o.diverged != c.diverged {
			t.Errorf("%s: got %+v", c.line, o)
		}
	}
	for _, bad := range []string{
		"", "done", "0.5", "{", `{"accuracy": 0.5}`, `{"loss": "x"}`, `{"loss": null}`, `{"loss": 1, "steps": 1.5}`,
		`{"loss": 1, "accuracy": 87}`, `{"loss": 1, "diverged": "yes"}`, "loss=", "loss=x", "loss=1 accuracy=y",
		"loss=1 junk", "accuracy=1 loss=1", "[1]",
	} {
		if _, err := parseOutput(bad); err == nil {
			t.Errorf("parseOutput(%q) succeeded, want an error", bad)
		}
	}
}

func TestLastLine(t *testing.T) {
	for in, want := range map[string]string{
		"a\nb\n\n  \r\n": "b", "only": "only", "": "", "\n\n": "", "x\r\ny\r\n": "y",
	} {
		if got := lastLine([]byte(in)); got != want {
			t.Errorf("lastLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTail(t *testing.T) {
	w := &tail{max: 4}
	for _, s := range []string{"ab", "cd", "e", "fghij", "k"} {
		w.Write([]byte(s))
	}
	if string(w.buf) != "hijk" {
		t.Errorf("tail = %q", w.buf)
	}
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`a 'b c' "d \"e\"" f\ g`, `'`, `"\`, "a\\\nb", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		args, err := splitArgs(s)
		if err != nil {
			return
		}
		// Re-quoting every word and splitting again gives the same words.
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = shellQuote(a)
		}
		again, err := splitArgs(strings.Join(quoted, " "))
		if err != nil || strings.Join(again, "\x00") != strings.Join(args, "\x00") || len(again) != len(args) {
			t.Fatalf("%q: %q → %q (%v)", s, args, again, err)
		}
	})
}

func FuzzParseOutput(f *testing.F) {
	for _, s := range []string{`{"loss": 0.5, "accuracy": 0.9}`, "loss=1 diverged=true", `{"loss": NaN}`, "garbage"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseOutput(s)
		if err == nil && !math.IsNaN(o.accuracy) && (o.accuracy < 0 || o.accuracy > 1) {
			t.Fatalf("%q: accuracy %v accepted", s, o.accuracy)
		}
	})
}

func FuzzParseTemplate(f *testing.F) {
	f.Add("a{lr}b{n}{}{x")
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := parseTemplate(s, paramExec)
		if err != nil {
			return
		}
		var names []string
		for _, seg := range tpl {
			if seg.ph != "" {
				names = append(names, seg.ph)
			}
		}
		// Substituting each placeholder by itself in braces is the identity.
		vals := map[string]string{}
		for _, n := range placeholderNames {
			vals[n] = "{" + n + "}"
		}
		if got := tpl.expand(vals, nil); got != s {
			t.Fatalf("%q: round trip gave %q (placeholders %q)", s, got, names)
		}
	})
}

// Every numeric value of a result is a metric; a curve is one report per
// epoch.
func TestParseOutputMetrics(t *testing.T) {
	o, err := parseOutput(`{"loss": 0.5, "accuracy": 0.9, "f1": "0.7", "name": "x", "ok": true, "steps": 3, ` +
		`"metrics": {"auc": 0.8}, "curve": [{"epoch": 1, "loss": 0.9, "acc": NaN}, {"epoch": 2, "values": {"loss": 0.6}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"accuracy": 0.9, "f1": 0.7, "auc": 0.8}
	if len(o.metrics) != len(want) {
		t.Errorf("metrics %v, want %v", o.metrics, want)
	}
	for k, v := range want {
		if o.metrics[k] != v {
			t.Errorf("metrics %v, want %v", o.metrics, want)
		}
	}
	if len(o.curve) != 2 || o.curve[0].Epoch != 1 || o.curve[0].Values["loss"] != 0.9 || !math.IsNaN(o.curve[0].Values["acc"]) ||
		o.curve[1].Epoch != 2 || o.curve[1].Values["loss"] != 0.6 || len(o.curve[1].Values) != 1 {
		t.Errorf("curve %+v", o.curve)
	}
	kv, err := parseOutput("loss=0.5 rmse=1.5 train_loss=0.25 note=x")
	if err != nil || kv.metrics["rmse"] != 1.5 || kv.metrics["train_loss"] != 0.25 || len(kv.metrics) != 2 {
		t.Errorf("key=value metrics %v, %v", kv.metrics, err)
	}
	for _, bad := range []string{
		`{"loss": 1, "curve": {"epoch": 1}}`, `{"loss": 1, "curve": [{"loss": 1}]}`, `{"loss": 1, "curve": [{"epoch": 0}]}`,
		`{"loss": 1, "curve": [{"epoch": 1.5}]}`, `{"loss": 1, "metrics": [1]}`, `{"loss": 1, "metrics": {"a": "x"}}`,
		`{"stopped": "yes"}`,
	} {
		if _, err := parseOutput(bad); err == nil {
			t.Errorf("parseOutput(%s) succeeded, want an error", bad)
		}
	}
}
