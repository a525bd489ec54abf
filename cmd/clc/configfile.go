package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
)

// configFile is a parsed and checked config file: one section per command,
// each mapping flag names to YAML values.
type configFile struct {
	path     string
	from     string // "--config" or "CLC_CONFIG"
	sections map[string]map[string]*configEntry
}

// configEntry is one key: value line of a section.
type configEntry struct {
	key, value *yaml.Node
}

// entry returns the file's entry for a command's flag, or nil. A nil
// *configFile has no entries.
func (c *configFile) entry(command, flag string) *configEntry {
	if c == nil {
		return nil
	}
	return c.sections[command][flag]
}

// set applies an entry to its flag: a scalar as on the command line, a
// sequence item by item for a slice flag and joined with commas for a
// string flag.
func (c *configFile) set(command string, fs *pflag.FlagSet, f *pflag.Flag, e *configEntry) error {
	v := e.value
	at := func(format string, args ...any) *inputerr.Error {
		return inputerr.At(c.path, v.Line, v.Column, "%s: %s", command, fmt.Sprintf(format, args...))
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return at("%s has no value", f.Name).WithHint("give a value (%s) or delete the line", f.Usage)
	}
	var items []string
	switch v.Kind {
	case yaml.ScalarNode:
		items = []string{v.Value}
	case yaml.SequenceNode:
		_, slice := f.Value.(pflag.SliceValue)
		if !slice && f.Value.Type() != "string" {
			return at("%s takes one value, not a list", f.Name).WithHint("--%s: %s", f.Name, f.Usage)
		}
		for _, item := range v.Content {
			item = resolveAlias(item)
			if item.Kind != yaml.ScalarNode {
				return inputerr.At(c.path, item.Line, item.Column, "%s: the list of %s holds a %s; only plain values are allowed", command, f.Name, kindName(item)).
					WithHint("write the list as [a, b] or as '- a' lines")
			}
			items = append(items, item.Value)
		}
	default:
		return at("%s takes a value or a list, not a %s", f.Name, kindName(v)).WithHint("--%s: %s", f.Name, f.Usage)
	}
	value := strings.Join(items, ",")
	if sv, ok := f.Value.(pflag.SliceValue); ok && v.Kind == yaml.SequenceNode {
		first := ""
		if len(items) > 0 {
			first = items[0]
		}
		err := fs.Set(f.Name, first) // marks the flag as changed
		if err == nil {
			err = sv.Replace(items)
		}
		if err != nil {
			return at("%s %q %s", f.Name, value, whyInvalid(f, err)).WithHint("%s takes what --%s takes: %s", f.Name, f.Name, f.Usage)
		}
		return nil
	}
	if err := fs.Set(f.Name, value); err != nil {
		return at("%s %q %s", f.Name, value, whyInvalid(f, err)).WithHint("%s takes what --%s takes: %s", f.Name, f.Name, f.Usage)
	}
	return nil
}

// loadConfigFor finds the config file of a run (--config, else
// $CLC_CONFIG), reads it and checks its sections and keys against the
// flags of every configurable command of root. It returns nil when there is
// no config file.
func loadConfigFor(root, cmd *cobra.Command, lookupEnv func(string) (string, bool)) (*configFile, error) {
	path, from := "", ""
	if f := cmd.Flags().Lookup(configFlag); f != nil && f.Changed {
		path, from = f.Value.String(), "--config"
		if path == "" {
			return nil, inputerr.New("--config is empty").WithHint("name a YAML config file, e.g. --config clc.yaml")
		}
	} else if v, ok := lookupEnv(configEnv); ok && v != "" {
		path, from = v, configEnv
	}
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		hint := "check the path given to --config"
		if from == configEnv {
			hint = "$CLC_CONFIG names it: fix the path or unset CLC_CONFIG"
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputerr.New("config file %s does not exist", path).WithHint("%s", hint)
		}
		return nil, inputerr.New("cannot read config file %s: %v", path, inputerr.PathCause(err)).WithHint("%s", hint)
	}
	file, err := parseConfig(path, data, configSchema(root))
	if file != nil {
		file.from = from
	}
	return file, err
}

// configSchema maps every configurable command of root to the flags its
// config section may set, in the flag set's order.
func configSchema(root *cobra.Command) map[string][]*pflag.Flag {
	schema := map[string][]*pflag.Flag{}
	for _, cmd := range root.Commands() {
		if cmd.Flags().Lookup(printConfigFlag) == nil {
			continue
		}
		var flags []*pflag.Flag
		seen := map[string]bool{}
		add := func(f *pflag.Flag) {
			if !unconfigured[f.Name] && !seen[f.Name] {
				seen[f.Name] = true
				flags = append(flags, f)
			}
		}
		cmd.Flags().VisitAll(add)
		cmd.InheritedFlags().VisitAll(add)
		schema[cmd.Name()] = flags
	}
	return schema
}

// flagNames returns the names of flags.
func flagNames(flags []*pflag.Flag) []string {
	names := make([]string, len(flags))
	for i, f := range flags {
		names[i] = f.Name
	}
	return names
}

// yamlLine matches a yaml.v3 syntax error.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseConfig parses a config file and checks it against schema (command →
// flags): the top level maps command names to sections, each section
// maps flag names to values. Unknown sections and keys, repeated keys and
// keys that make no sense in a file are errors at their line and column,
// with the nearest valid name suggested.
func parseConfig(path string, data []byte, schema map[string][]*pflag.Flag) (*configFile, error) {
	file := &configFile{path: path, sections: map[string]map[string]*configEntry{}}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return file, nil // an empty file sets nothing
		}
		return nil, yamlError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, inputerr.At(path, extra.Line, extra.Column, "a second YAML document; a config file holds one").
			WithHint("delete the '---' line and merge the sections")
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(path, err)
	}
	top := resolveAlias(&doc)
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = resolveAlias(top.Content[0])
	}
	if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return file, nil // only comments
	}
	commands := sortedKeys(schema)
	if top.Kind != yaml.MappingNode {
		return nil, inputerr.At(path, top.Line, top.Column, "a config file maps command names to sections, not a %s", kindName(top)).
			WithHint("write a section line such as 'fit:' and indented 'optimizer: adam' lines below it (sections: %s)", strings.Join(commands, ", "))
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], resolveAlias(top.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, inputerr.At(path, k.Line, k.Column, "a section name must be a command name, not a %s", kindName(k))
		}
		flags, ok := schema[k.Value]
		if !ok {
			return nil, unknownSection(path, k, schema, commands)
		}
		if _, dup := file.sections[k.Value]; dup {
			return nil, inputerr.At(path, k.Line, k.Column, "section %q repeats", k.Value).WithHint("merge the two %s: sections", k.Value)
		}
		section, err := parseSection(path, k.Value, v, flags, schema)
		if err != nil {
			return nil, err
		}
		file.sections[k.Value] = section
	}
	return file, nil
}

// parseSection checks one command's section: a mapping of its flag names
// (or empty).
func parseSection(path, command string, v *yaml.Node, flags []*pflag.Flag, schema map[string][]*pflag.Flag) (map[string]*configEntry, error) {
	section := map[string]*configEntry{}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return section, nil
	}
	if v.Kind != yaml.MappingNode {
		return nil, inputerr.At(path, v.Line, v.Column, "section %s must map flag names to values, not be a %s", command, kindName(v)).
			WithHint("indent the settings under %s:, one 'flag-name: value' per line", command)
	}
	valid := map[string]bool{}
	for _, f := range flags {
		valid[f.Name] = true
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], resolveAlias(v.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, inputerr.At(path, k.Line, k.Column, "a key of %s must be a flag name, not a %s", command, kindName(k))
		}
		if unconfigured[k.Value] {
			return nil, inputerr.At(path, k.Line, k.Column, "%s cannot be set in a config file", k.Value).
				WithHint("give --%s on the command line", k.Value)
		}
		if !valid[k.Value] {
			return nil, unknownKey(path, command, k, flags, schema)
		}
		if prev, dup := section[k.Value]; dup {
			return nil, inputerr.At(path, k.Line, k.Column, "%s: key %q repeats line %d", command, k.Value, prev.key.Line).
				WithHint("keep one of the two")
		}
		section[k.Value] = &configEntry{key: k, value: val}
	}
	return section, nil
}

// unknownSection is the error for a top-level key that names no command.
func unknownSection(path string, k *yaml.Node, schema map[string][]*pflag.Flag, commands []string) error {
	if owners := flagOwners(k.Value, schema); len(owners) > 0 {
		return inputerr.At(path, k.Line, k.Column, "%q is a flag, not a section", k.Value).
			WithHint("indent it under a '%s:' section", strings.Join(owners, ":' or '"))
	}
	msg := fmt.Sprintf("unknown section %q", k.Value)
	if s := suggest(k.Value, commands); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return inputerr.At(path, k.Line, k.Column, "%s", msg).WithHint("the sections are the commands: %s", strings.Join(commands, ", "))
}

// unknownKey is the error for a key that is not a flag of the section's
// command.
func unknownKey(path, command string, k *yaml.Node, flags []*pflag.Flag, schema map[string][]*pflag.Flag) error {
	msg := fmt.Sprintf("unknown key %q in %s", k.Value, command)
	s := suggest(k.Value, flagNames(flags))
	for _, f := range flags {
		if f.Shorthand != "" && f.Shorthand == strings.TrimLeft(k.Value, "-") {
			s = f.Name // -o: a file names flags in full
		}
	}
	if s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	e := inputerr.At(path, k.Line, k.Column, "%s", msg)
	if owners := flagOwners(k.Value, schema); len(owners) > 0 {
		return e.WithHint("%s is a flag of clc %s, not of clc %s", k.Value, strings.Join(owners, ", clc "), command)
	}
	return e.WithHint("the keys are the flag names of 'clc %s --help', without the dashes", command)
}

// flagOwners returns the commands that have a flag called name.
func flagOwners(name string, schema map[string][]*pflag.Flag) []string {
	var owners []string
	for _, c := range sortedKeys(schema) {
		for _, f := range schema[c] {
			if f.Name == name {
				owners = append(owners, c)
			}
		}
	}
	return owners
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// yamlError turns a yaml.v3 syntax error into an input error at its line.
func yamlError(path string, err error) error {
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		if strings.HasPrefix(m[2], "did not find expected") {
			line++ // yaml.v3 counts the lines of parser (not scanner) errors from 0
		}
		return &inputerr.Error{File: path, Line: line, Msg: "not valid YAML: " + m[2], Err: err,
			Hint: "a config file is YAML: a 'fit:' or 'schedule:' line, then indented 'flag-name: value' lines"}
	}
	return &inputerr.Error{File: path, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
}

// resolveAlias follows YAML aliases (*name) to the anchored node.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// kindName names a YAML node's kind for error messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "plain value"
	}
	return "document"
}

// suggest returns the candidate nearest to s, or "" when none is near
// enough to be a likely typo. Names are compared in lower case with '_' as
// '-' and leading dashes dropped (so "lr_min" and "--lr-min" find
// "lr-min"); a candidate that starts with s ("batch" → "batch-size")
// counts as near when it is the only one.
func suggest(s string, candidates []string) string {
	norm := strings.TrimLeft(strings.ToLower(strings.ReplaceAll(s, "_", "-")), "-")
	best, bestDist := "", -1
	var prefixed []string
	for _, c := range candidates {
		d := editDistance(norm, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
		if len(norm) >= 3 && strings.HasPrefix(c, norm) {
			prefixed = append(prefixed, c)
		}
	}
	switch {
	case bestDist >= 0 && bestDist*3 <= len(norm)+2:
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
