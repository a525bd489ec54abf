package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/inputerr"
)

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{
		"lr-min": "CLC_LR_MIN", "optimizer": "CLC_OPTIMIZER", "json": "CLC_JSON",
		"batch-size": "CLC_BATCH_SIZE", "final-div-factor": "CLC_FINAL_DIV_FACTOR", "config": "CLC_CONFIG",
	} {
		if got := envName(flag); got != want {
			t.Errorf("envName(%q) = %q, want %q", flag, got, want)
		}
	}
}

// testFlags is a flag set with one flag of each kind.
func testFlags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("fit", pflag.ContinueOnError)
	fs.Int("epochs", 3, "epochs per run")
	fs.Float64("lr-min", 0, "smallest rate")
	fs.String("optimizer", "sgd", "optimizer")
	fs.String("fractions", "1/2,1", "fractions")
	fs.Bool("json", false, "print JSON")
	fs.StringSlice("tags", nil, "tags")
	fs.String(configFlag, "", "config file")
	return fs
}

func testSchema(fs *pflag.FlagSet) map[string][]*pflag.Flag {
	var flags []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if !unconfigured[f.Name] {
			flags = append(flags, f)
		}
	})
	return map[string][]*pflag.Flag{"fit": flags, "schedule": nil}
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

// TestApplyConfigPrecedence checks flag > environment > file > default on
// a flag set of each kind of flag, and that applied values count as
// changed.
func TestApplyConfigPrecedence(t *testing.T) {
	fs := testFlags()
	if err := fs.Parse([]string{"--optimizer", "adam"}); err != nil {
		t.Fatal(err)
	}
	data := "fit:\n  optimizer: momentum\n  epochs: 5\n  lr-min: 1e-5\n  fractions: [1/8, 1/4]\n  tags: [a, 'b,c']\n"
	file, err := parseConfig("clc.yaml", []byte(data), testSchema(fs))
	if err != nil {
		t.Fatal(err)
	}
	settings, err := applyConfig("fit", fs, file, env(map[string]string{"CLC_EPOCHS": "7", "CLC_OPTIMIZER": "sgd", "CLC_JSON": ""}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ value, source string }{
		"optimizer": {"adam", "flag --optimizer"},   // over env and file
		"epochs":    {"7", "env CLC_EPOCHS"},        // over file
		"lr-min":    {"1e-05", "file clc.yaml:4"},   // over default
		"fractions": {"1/8,1/4", "file clc.yaml:5"}, // a list for a string flag
		"tags":      {"[a,\"b,c\"]", "file clc.yaml:6"},
		"json":      {"false", "default"}, // an empty variable is unset
	}
	for _, s := range settings {
		w, ok := want[s.flag.Name]
		if !ok {
			t.Errorf("unexpected setting %s", s.flag.Name)
			continue
		}
		if s.value != w.value || s.src.String() != w.source {
			t.Errorf("%s = %q from %s, want %q from %s", s.flag.Name, s.value, s.src, w.value, w.source)
		}
		if changed := s.src.kind != fromDefault; fs.Changed(s.flag.Name) != changed {
			t.Errorf("%s: Changed = %v, want %v", s.flag.Name, !changed, changed)
		}
	}
	if got, _ := fs.GetStringSlice("tags"); len(got) != 2 || got[1] != "b,c" {
		t.Errorf("tags = %q, want [a b,c]", got)
	}
	if got := valueSource(fs, "epochs"); got != "env CLC_EPOCHS" {
		t.Errorf("valueSource(epochs) = %q", got)
	}
	if got := valueSource(fs, "optimizer"); got != "" {
		t.Errorf("valueSource(optimizer) = %q, want \"\" for a command-line flag", got)
	}
}

// TestParseConfigErrors checks that every malformed file is an input error
// at the right line and column.
func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		data, want string
	}{
		{"fit:\n  lr_min: 1\n", `clc.yaml:2:3: unknown key "lr_min" in fit; did you mean "lr-min"?`},
		{"fit:\n  learning-rate: 1\n", `clc.yaml:2:3: unknown key "learning-rate" in fit`},
		{"fitt:\n  epochs: 1\n", `clc.yaml:1:1: unknown section "fitt"; did you mean "fit"?`},
		{"epochs: 1\n", `clc.yaml:1:1: "epochs" is a flag, not a section`},
		{"fit:\n  config: other.yaml\n", `clc.yaml:2:3: config cannot be set in a config file`},
		{"fit:\n  print-config: true\n", `clc.yaml:2:3: print-config cannot be set in a config file`},
		{"fit:\n  help: true\n", `clc.yaml:2:3: help cannot be set in a config file`},
		{"fit:\n  epochs: 1\n  epochs: 2\n", `clc.yaml:3:3: key "epochs" is given twice in fit (first at line 2)`},
		{"fit:\n  epochs: 1\nfit:\n  json: true\n", `clc.yaml:3:1: key "fit" is given twice at the top level (first at line 1)`},
		{"fit: 3\n", `clc.yaml:1:6: section fit must map flag names to values, not be a plain value`},
		{"- fit\n", `clc.yaml:1:1: a config file maps command names to sections, not a list`},
		{"fit:\n  epochs: 1\n bad: 2\n", `clc.yaml:3: invalid YAML: did not find expected key`},
		{"fit:\n  epochs: [1\n", `clc.yaml:2: invalid YAML: did not find expected ',' or ']'`},
		{"fit:\n\tepochs: 1\n", `clc.yaml:2:1: invalid YAML: found character that cannot start any token`},
		{"fit: {}\n---\nfit: {}\n", `clc.yaml:2:1: more than one YAML document; a config file holds one`},
		{"fit:\n  optimizer: &o adam\ntrain:\n  optimizer: *o\n", `clc.yaml:2:14: YAML anchor &o: a config file has no anchors or aliases`},
		{"fit:\n  <<: {epochs: 2}\n", `clc.yaml:2:3: YAML merge key <<: a config file has no merge keys`},
		{"fit:\n  [epochs]: 2\n", `clc.yaml:2:3: a key in fit must be a plain name`},
	}
	schema := testSchema(testFlags())
	for _, c := range cases {
		_, err := parseConfig("clc.yaml", []byte(c.data), schema)
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("%q: error %v is not an input error", c.data, err)
			continue
		}
		if ie.Error() != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.data, ie.Error(), c.want)
		}
	}
	for _, ok := range []string{"", "# only a comment\n", "fit:\n", "schedule: {}\nfit:\n  epochs: 2\n"} {
		if _, err := parseConfig("clc.yaml", []byte(ok), schema); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// TestApplyConfigValueErrors checks values that do not parse, from the file
// (at the value's line and column) and from the environment.
func TestApplyConfigValueErrors(t *testing.T) {
	cases := []struct {
		data string
		env  map[string]string
		want string
	}{
		{"fit:\n  epochs: three\n", nil, `clc.yaml:2:11: fit: epochs "three" is not a whole number`},
		{"fit:\n  lr-min: small\n", nil, `clc.yaml:2:11: fit: lr-min "small" is not a number`},
		{"fit:\n  json: yes\n", nil, `clc.yaml:2:9: fit: json "yes" is not true or false`},
		{"fit:\n  epochs: [1, 2]\n", nil, `clc.yaml:2:11: fit: epochs takes one value, not a list`},
		{"fit:\n  epochs:\n", nil, `clc.yaml:2:10: fit: epochs has no value`},
		{"fit:\n  optimizer: {name: adam}\n", nil, `clc.yaml:2:14: fit: optimizer takes a value or a list, not a mapping`},
		{"fit:\n  fractions: [[1, 2]]\n", nil, `clc.yaml:2:15: fit: the list of fractions holds a list; only plain values are allowed`},
		{"", map[string]string{"CLC_EPOCHS": "many"}, `CLC_EPOCHS "many" is not a whole number`},
		{"", map[string]string{"CLC_LR_MIN": "1e999"}, `CLC_LR_MIN "1e999" is out of range`},
	}
	for _, c := range cases {
		fs := testFlags()
		file, err := parseConfig("clc.yaml", []byte(c.data), testSchema(fs))
		if err != nil {
			t.Fatalf("%q: %v", c.data, err)
		}
		_, err = applyConfig("fit", fs, file, env(c.env))
		ie, ok := inputerr.As(err)
		if !ok {
			t.Errorf("%q %v: error %v is not an input error", c.data, c.env, err)
			continue
		}
		if ie.Error() != c.want || ie.Hint == "" {
			t.Errorf("%q %v:\n got %s (hint %q)\nwant %s", c.data, c.env, ie.Error(), ie.Hint, c.want)
		}
	}
}

func TestYAMLValue(t *testing.T) {
	fs := testFlags()
	for _, c := range []struct{ flag, value, want string }{
		{"optimizer", "adam", "adam"},
		{"optimizer", "", `""`},
		{"optimizer", "true", `"true"`}, // would read as a boolean
		{"optimizer", "64", `"64"`},     // would read as a number
		{"optimizer", "a: b", `'a: b'`},
		{"optimizer", "line\nbreak", `"line\nbreak"`},
		{"epochs", "3", "3"},
		{"json", "true", "true"},
	} {
		s := setting{flag: fs.Lookup(c.flag), value: c.value}
		if got := yamlValue(s); got != c.want {
			t.Errorf("yamlValue(%s %q) = %s, want %s", c.flag, c.value, got, c.want)
		}
	}
}

// TestConfigExitCodes runs clc in-process on bad config files and
// variables: every case exits 2 with one "clc: error:" line and one hint.
func TestConfigExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	unknown := write("unknown.yaml", "fit:\n  lr_min: 1e-3\n")
	bad := write("bad.yaml", "fit:\n  epochs: three\n")
	semantic := write("semantic.yaml", "fit:\n  optimizer: adamw\n")
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown key", []string{"fit", "--config", unknown, "--demo"}, nil, unknown + `:2:3: unknown key "lr_min" in fit; did you mean "lr-min"?`},
		{"bad value", []string{"fit", "--config", bad, "--print-config"}, nil, bad + `:2:11: fit: epochs "three" is not a whole number`},
		{"checked later", []string{"fit", "--config", semantic, "--demo"}, nil, semantic + `:2:14: unknown optimizer "adamw"`},
		{"missing file", []string{"schedule", "--config", filepath.Join(dir, "nope.yaml")}, nil, "config file " + filepath.Join(dir, "nope.yaml") + " does not exist"},
		{"missing CLC_CONFIG", []string{"predict"}, map[string]string{"CLC_CONFIG": filepath.Join(dir, "nope.yaml")}, "config file " + filepath.Join(dir, "nope.yaml") + " does not exist"},
		{"bad variable", []string{"fit", "--demo"}, map[string]string{"CLC_BATCH_SIZE": "big"}, `CLC_BATCH_SIZE "big" is not a whole number`},
		{"variable checked later", []string{"fit", "--demo"}, map[string]string{"CLC_TASK": "ranking"}, `unknown task "ranking" (--task from env CLC_TASK)`},
		{"empty --config", []string{"train", "--config", ""}, nil, "--config is empty"},
		{"endless file", []string{"fit", "--config", "/dev/zero", "--print-config"}, nil, "/dev/zero: config file is larger than the 1 MiB limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			t.Chdir(dir)
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), c.args, strings.NewReader(""), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr:\n%s", code, exitUsage, stderr.String())
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(lines) != 2 || lines[0] != "clc: error: "+c.want || !strings.HasPrefix(lines[1], "clc: hint: ") {
				t.Errorf("stderr:\n%s\nwant the line\nclc: error: %s\nand one hint", stderr.String(), c.want)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
		})
	}
}

// TestConfigCoversEveryFlag checks that every flag of fit and schedule is a
// valid config key and has a CLC_ variable (no flag is left out).
func TestConfigCoversEveryFlag(t *testing.T) {
	root := newRootCmd(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{})
	schema := configSchema(root)
	for _, name := range []string{"fit", "schedule", "predict", "train"} {
		cmd, _, err := root.Find([]string{name})
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		for _, f := range schema[name] {
			keys[f.Name] = true
		}
		cmd.Flags().VisitAll(func(f *pflag.Flag) {
			if !keys[f.Name] && !unconfigured[f.Name] {
				t.Errorf("clc %s --%s is not a config key", name, f.Name)
			}
		})
		if keys[configFlag] || keys[printConfigFlag] {
			t.Errorf("clc %s: --config or --print-config is a config key", name)
		}
	}
	for _, name := range []string{"help", "completion", "version"} {
		if _, ok := schema[name]; ok {
			t.Errorf("clc %s takes a config section", name)
		}
	}
}

// FuzzParseConfig checks that no config file makes the parser or the
// applier panic, and that every error is an input error.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		"fit:\n  epochs: 3\n  fractions: [1/8, 1/4]\n",
		"fit:\n  tags: &a [x, y]\nschedule: {}\n",
		"fit: *a\n", "fit:\n  lr_min: 1\n", "- 1\n", "fit:\n  json: yes\n", "a: b: c\n", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		fs := testFlags()
		file, err := parseConfig("clc.yaml", []byte(data), testSchema(fs))
		if err == nil {
			_, err = applyConfig("fit", fs, file, env(nil))
		}
		if _, ok := inputerr.As(err); err != nil && !ok {
			t.Fatalf("%q: error %v is not an input error", data, err)
		}
	})
}
