package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/yamlstrict"
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
	setPhase(cmd.Context(), "reading "+path, "")
	data, err := readConfig(path, from)
	if err != nil {
		return nil, err
	}
	file, err := parseConfig(path, data, configSchema(root))
	if file != nil {
		file.from = from
	}
	return file, err
}

// maxConfigSize is the largest config file read: 1 MiB, some 30,000
// settings. It bounds what a wrong path (a dataset, /dev/zero) costs.
const maxConfigSize = 1 << 20

// configKind is how config files are read (see package yamlstrict).
var configKind = &yamlstrict.Kind{
	Name:     "config file",
	MaxSize:  maxConfigSize,
	TooLarge: yamlstrict.H("check the path given to --config: a config file holds a few settings"),
	Syntax:   yamlstrict.H("a config file is YAML: a 'fit:' or 'schedule:' line, then indented 'flag-name: value' lines"),
	Alias:    yamlstrict.H("write the values out in full"),
	Edited:   yamlstrict.H("a key is a command name, or a flag name without the dashes"),
	Repeated: yamlstrict.H("keep one of the two; the settings of one command go in one section"),
}

// readConfig reads the config file at path, named by from ("--config" or
// CLC_CONFIG), at most maxConfigSize bytes, so that /dev/zero or a pipe
// that never ends is refused at the limit.
func readConfig(path, from string) ([]byte, error) {
	hint := "check the path given to --config"
	if from == configEnv {
		hint = "$CLC_CONFIG names it: fix the path or unset CLC_CONFIG"
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, inputerr.New("config file %s does not exist", path).WithHint("%s", hint)
		}
		return nil, inputerr.New("cannot read config file %s: %v", path, inputerr.PathCause(err)).WithHint("%s", hint)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, inputerr.New("cannot read config file %s: %v", path, inputerr.PathCause(err)).WithHint("%s", hint)
	}
	if st.IsDir() {
		return nil, inputerr.New("cannot read config file %s: is a directory", path).WithHint("%s", hint)
	}
	size := int64(-1)
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	data, err := configKind.ReadAll(f, path, size)
	if err != nil {
		if _, ok := inputerr.As(err); ok {
			return nil, err
		}
		return nil, inputerr.New("cannot read config file %s: %v", path, inputerr.PathCause(err)).WithHint("%s", hint)
	}
	return data, nil
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

// parseConfig parses a config file and checks it against schema (command →
// flags): the top level maps command names to sections, each section
// maps flag names to values. Unknown sections and keys, repeated keys and
// keys that make no sense in a file are errors at their line and column,
// with the nearest valid name suggested; the YAML itself is read by the
// rules of package yamlstrict (no anchors or aliases, one document).
func parseConfig(path string, data []byte, schema map[string][]*pflag.Flag) (*configFile, error) {
	file := &configFile{path: path, sections: map[string]map[string]*configEntry{}}
	doc, err := configKind.Parse(data, path)
	if err != nil {
		return nil, err
	}
	top := doc.Root
	if top == nil || top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
		return file, nil // empty, or only comments
	}
	commands := sortedKeys(schema)
	if top.Kind != yaml.MappingNode {
		return nil, inputerr.At(path, top.Line, top.Column, "a config file maps command names to sections, not a %s", kindName(top)).
			WithHint("write a section line such as 'fit:' and indented 'optimizer: adam' lines below it (sections: %s)", strings.Join(commands, ", "))
	}
	err = doc.Pairs(top, "", func(k, v *yaml.Node) error {
		flags, ok := schema[k.Value]
		if !ok {
			return unknownSection(path, k, schema, commands)
		}
		section, err := parseSection(doc, k.Value, v, flags, schema)
		if err != nil {
			return err
		}
		file.sections[k.Value] = section
		return nil
	})
	if err != nil {
		return nil, err
	}
	return file, nil
}

// parseSection checks one command's section: a mapping of its flag names
// (or empty).
func parseSection(doc *yamlstrict.Doc, command string, v *yaml.Node, flags []*pflag.Flag, schema map[string][]*pflag.Flag) (map[string]*configEntry, error) {
	path := doc.Name
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
	err := doc.Pairs(v, command, func(k, val *yaml.Node) error {
		if unconfigured[k.Value] {
			return inputerr.At(path, k.Line, k.Column, "%s cannot be set in a config file", k.Value).
				WithHint("give --%s on the command line", k.Value)
		}
		if !valid[k.Value] {
			return unknownKey(doc, command, k, flags, schema)
		}
		section[k.Value] = &configEntry{key: k, value: val}
		return nil
	})
	if err != nil {
		return nil, err
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
	if s := yamlstrict.Suggest(k.Value, commands); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return inputerr.At(path, k.Line, k.Column, "%s", msg).WithHint("the sections are the commands: %s", strings.Join(commands, ", "))
}

// unknownKey is the error for a key that is not a flag of the section's
// command.
func unknownKey(doc *yamlstrict.Doc, command string, k *yaml.Node, flags []*pflag.Flag, schema map[string][]*pflag.Flag) error {
	s := yamlstrict.Suggest(k.Value, flagNames(flags))
	for _, f := range flags {
		if f.Shorthand != "" && f.Shorthand == strings.TrimLeft(k.Value, "-") {
			s = f.Name // -o: a file names flags in full
		}
	}
	e := doc.Unknown(k, command, s)
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
