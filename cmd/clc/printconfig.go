package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"
)

// printConfig writes the effective configuration of a command: as JSON
// when the command's --json is set, otherwise as YAML that is itself a
// valid config file (defaults commented out, each value's source in a
// comment).
func printConfig(w io.Writer, command string, fs *pflag.FlagSet, file *configFile, settings []setting) error {
	settings = withDerivedDefaults(fs, withDemoDefaults(fs, withoutDeprecated(settings)))
	if j, err := fs.GetBool("json"); err == nil && j {
		return printConfigJSON(w, command, file, settings)
	}
	return printConfigYAML(w, command, file, settings)
}

// withoutDeprecated drops the settings of hidden flags (kept for old
// command lines, with no effect) unless something other than the default
// set them.
func withoutDeprecated(settings []setting) []setting {
	var out []setting
	for _, s := range settings {
		if !s.flag.Hidden || s.src.kind != fromDefault {
			out = append(out, s)
		}
	}
	return out
}

// derivedDefaults holds, per flag, the value a flag takes when nothing sets
// it and its registered default (0) stands for "derived from other flags"
// (e.g. the grid's range from the optimizer); --print-config shows that
// value. The key is the flag's pflag.Flag, unique per command.
var derivedDefaults = map[*pflag.Flag]func(*pflag.FlagSet) string{}

// derivedDefault registers how flag name's effective default follows from
// the other flags of fs.
func derivedDefault(fs *pflag.FlagSet, name string, value func(*pflag.FlagSet) string) {
	derivedDefaults[fs.Lookup(name)] = value
}

// withDerivedDefaults shows the effective values of derived defaults.
func withDerivedDefaults(fs *pflag.FlagSet, settings []setting) []setting {
	out := make([]setting, len(settings))
	for i, s := range settings {
		if d, ok := derivedDefaults[s.flag]; ok && s.src.kind == fromDefault {
			s.value = d(fs)
		}
		out[i] = s
	}
	return out
}

// withDemoDefaults shows the values --demo will give the flags that nothing
// else sets (they are applied when the command runs, after the config).
func withDemoDefaults(fs *pflag.FlagSet, settings []setting) []setting {
	if demo, err := fs.GetBool("demo"); err != nil || !demo {
		return settings
	}
	out := make([]setting, len(settings))
	for i, s := range settings {
		if v, ok := demoDefaults[s.flag.Name]; ok && s.src.kind == fromDefault {
			s.value, s.src = v, source{kind: fromDemo}
		}
		out[i] = s
	}
	return out
}

// printConfigYAML writes the settings as a config file section with the
// sources as aligned comments. Defaults (and --demo defaults) are commented
// out: a config file that sets them would mark them as given by the user.
func printConfigYAML(w io.Writer, command string, file *configFile, settings []setting) error {
	bw := &errWriter{w: w}
	fmt.Fprintf(bw, "# clc %s: effective configuration, a valid --config file\n", command)
	if file != nil {
		fmt.Fprintf(bw, "# config file: %s (from %s)\n", file.path, file.from)
	} else {
		fmt.Fprintf(bw, "# config file: none (--config FILE or $%s)\n", configEnv)
	}
	fmt.Fprintf(bw, "# precedence: flag > env CLC_<FLAG> > file > default; defaults are commented out\n")
	fmt.Fprintf(bw, "%s:\n", command)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	for _, s := range settings {
		prefix := ""
		if s.src.kind == fromDefault || s.src.kind == fromDemo {
			prefix = "# "
		}
		comment := s.src.String()
		if len(s.overrides) > 0 {
			var over []string
			for _, o := range s.overrides {
				over = append(over, o.String())
			}
			comment += "; overrides " + strings.Join(over, ", ")
		}
		fmt.Fprintf(tw, "  %s%s: %s\t# %s\n", prefix, s.flag.Name, yamlValue(s), comment)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.err
}

// errWriter remembers the first write error.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// yamlValue renders a setting's value as a YAML value: numbers and
// booleans as they are, strings quoted where YAML needs it, slices as a
// flow sequence.
func yamlValue(s setting) string {
	if _, ok := s.flag.Value.(*intList); ok {
		return s.value // "3" or "3,1,6": read back as the flag reads it
	}
	if sv, ok := s.flag.Value.(pflag.SliceValue); ok && s.src.kind != fromDemo {
		items := sv.GetSlice()
		quoted := make([]string, len(items))
		for i, item := range items {
			quoted[i] = yamlString(item)
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	}
	switch typ := s.flag.Value.Type(); {
	case typ == "bool", strings.HasPrefix(typ, "int"), strings.HasPrefix(typ, "uint"), strings.HasPrefix(typ, "float"):
		return s.value
	}
	return yamlString(s.value)
}

// yamlString quotes s as YAML does when s would otherwise read as something
// else (a number, a boolean, null, ...).
func yamlString(s string) string {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.ContainsAny(s, "\n\r\t") {
		n.Style = yaml.DoubleQuotedStyle
	}
	out, err := yaml.Marshal(n)
	if err != nil {
		return strconv.Quote(s)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// configJSON is --print-config --json: the command, the config file and
// every flag's value and source.
type configJSON struct {
	Command    string        `json:"command"`
	ConfigFile string        `json:"config_file"`
	ConfigFrom string        `json:"config_from"`
	Settings   []settingJSON `json:"settings"`
}

// settingJSON is one flag: value typed as JSON (booleans, numbers, lists,
// strings); source one of flag, env, file, demo, default; where the flag,
// variable or file:line.
type settingJSON struct {
	Name      string   `json:"name"`
	Value     any      `json:"value"`
	Source    string   `json:"source"`
	Where     string   `json:"where,omitempty"`
	Overrides []string `json:"overrides,omitempty"`
}

func printConfigJSON(w io.Writer, command string, file *configFile, settings []setting) error {
	out := configJSON{Command: command, Settings: []settingJSON{}}
	if file != nil {
		out.ConfigFile, out.ConfigFrom = file.path, file.from
	}
	for _, s := range settings {
		js := settingJSON{Name: s.flag.Name, Value: jsonValue(s), Source: s.src.kind, Where: s.src.where}
		for _, o := range s.overrides {
			js.Overrides = append(js.Overrides, o.String())
		}
		out.Settings = append(out.Settings, js)
	}
	return writeJSON(w, out)
}

// jsonValue types a setting's value for JSON; what does not parse as its
// flag's type (NaN, ...) stays a string.
func jsonValue(s setting) any {
	if l, ok := s.flag.Value.(*intList); ok {
		if len(*l) == 1 {
			return (*l)[0]
		}
		return []int(*l)
	}
	if sv, ok := s.flag.Value.(pflag.SliceValue); ok && s.src.kind != fromDemo {
		return sv.GetSlice()
	}
	switch typ := s.flag.Value.Type(); {
	case typ == "bool":
		if b, err := strconv.ParseBool(s.value); err == nil {
			return b
		}
	case strings.HasPrefix(typ, "int"), strings.HasPrefix(typ, "uint"), strings.HasPrefix(typ, "float"):
		if json.Valid([]byte(s.value)) {
			return json.Number(s.value)
		}
	}
	return s.value
}
