package main

// Configuration files and CLC_* environment variables.
//
// Every flag of a configurable command (fit, schedule, predict, train and
// any command added later, except help, completion and version) can also be
// set in a YAML config file (--config FILE or CLC_CONFIG) and by an
// environment variable CLC_<FLAG> (upper case, '-' → '_'). Precedence, from
// strongest to weakest:
//
//	command-line flag > CLC_<FLAG> > config file > --demo default > default
//
// Values from the environment and the file are applied with
// pflag.FlagSet.Set before the command runs, so they are parsed exactly as
// on the command line and count as set by the user wherever a command asks
// flags.Changed (the --demo defaults, for one, fill only unchanged flags).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/clc-tools/clc/internal/inputerr"
)

const (
	configFlag      = "config"
	printConfigFlag = "print-config"
	configEnv       = "CLC_CONFIG"
	envPrefix       = "CLC_"
	// sourceAnnotation is the flag annotation that records where a value
	// set from the environment or a config file came from.
	sourceAnnotation = "clc-config-source"
)

// unconfigured are the flags no config file or environment variable sets.
var unconfigured = map[string]bool{configFlag: true, printConfigFlag: true, "help": true, "version": true}

// unconfiguredCommands are the subcommands that take no config.
var unconfiguredCommands = map[string]bool{"help": true, "completion": true, "version": true}

// Sources of a flag's value, strongest first.
const (
	fromFlag    = "flag"
	fromEnv     = "env"
	fromFile    = "file"
	fromDemo    = "demo"
	fromDefault = "default"
)

// source says where one value comes from: kind is fromFlag, fromEnv, ...;
// where names the flag, the variable or the file and line; file, line and
// col locate a file value.
type source struct {
	kind, where string
	file        string
	line, col   int
}

func (s source) String() string {
	switch s.kind {
	case fromDefault:
		return "default"
	case fromDemo:
		return "--demo default"
	}
	return s.kind + " " + s.where
}

// setting is one flag's effective value and its source, plus the weaker
// sources it overrides.
type setting struct {
	flag      *pflag.Flag
	value     string // the effective value, as text
	src       source
	overrides []source
}

// enableConfig adds --config and --print-config to every configurable
// subcommand of root and applies the config file and the environment before
// each of them runs. Call it after all subcommands are added: it wraps
// their PreRun and Run functions.
func enableConfig(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		if unconfiguredCommands[cmd.Name()] || !cmd.Runnable() {
			continue
		}
		wrapConfig(root, cmd)
	}
}

// wrapConfig adds the config flags to cmd, loads the configuration in its
// PreRunE and prints it instead of running cmd with --print-config.
func wrapConfig(root, cmd *cobra.Command) {
	f := cmd.Flags()
	f.String(configFlag, "", "YAML config file whose '"+cmd.Name()+":' section sets flags (also $"+configEnv+"); every flag can also be set as $CLC_<FLAG>")
	f.Bool(printConfigFlag, false, "print the effective configuration and where each value comes from (YAML; JSON with --json), then exit")
	var settings []setting
	var file *configFile
	pre, preE := cmd.PreRun, cmd.PreRunE
	cmd.PreRun = nil
	cmd.PreRunE = func(c *cobra.Command, args []string) error {
		var err error
		if file, err = loadConfigFor(root, c, os.LookupEnv); err != nil {
			return err
		}
		if settings, err = applyConfig(c.Name(), c.Flags(), file, os.LookupEnv); err != nil {
			return err
		}
		switch {
		case preE != nil:
			return preE(c, args)
		case pre != nil:
			pre(c, args)
		}
		return nil
	}
	run, runE := cmd.Run, cmd.RunE
	cmd.Run = nil
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if pc, _ := c.Flags().GetBool(printConfigFlag); pc {
			return printConfig(c.OutOrStdout(), c.Name(), c.Flags(), file, settings)
		}
		if runE == nil {
			run(c, args)
			return nil
		}
		return locateError(runE(c, args), settings)
	}
}

// envName is the environment variable that sets a flag: CLC_ and the flag's
// name in upper case with '-' replaced by '_' (lr-min → CLC_LR_MIN).
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// valueSource says where the value of a flag set from the environment or a
// config file came from ("env CLC_EPOCHS", "file clc.yaml:3"); it is ""
// for a flag given on the command line or left at its default.
func valueSource(fs *pflag.FlagSet, name string) string {
	if f := fs.Lookup(name); f != nil && len(f.Annotations[sourceAnnotation]) > 0 {
		return f.Annotations[sourceAnnotation][0]
	}
	return ""
}

// applyConfig sets every unchanged configurable flag of fs from the
// environment or, failing that, from the file's section for command, and
// returns each flag's effective setting in the flag set's order.
func applyConfig(command string, fs *pflag.FlagSet, file *configFile, lookupEnv func(string) (string, bool)) ([]setting, error) {
	var settings []setting
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || unconfigured[f.Name] {
			return
		}
		var s setting
		if s, err = applyFlag(command, fs, f, file, lookupEnv); err == nil {
			settings = append(settings, s)
		}
	})
	return settings, err
}

// applyFlag applies the strongest of the environment and the file to one
// flag, unless the command line set it.
func applyFlag(command string, fs *pflag.FlagSet, f *pflag.Flag, file *configFile, lookupEnv func(string) (string, bool)) (setting, error) {
	var found []source
	if f.Changed {
		found = append(found, source{kind: fromFlag, where: "--" + f.Name})
	}
	env := envName(f.Name)
	envValue, ok := lookupEnv(env)
	if ok && envValue != "" {
		found = append(found, source{kind: fromEnv, where: env})
	}
	e := file.entry(command, f.Name)
	if e != nil {
		found = append(found, source{kind: fromFile, where: fmt.Sprintf("%s:%d", file.path, e.key.Line),
			file: file.path, line: e.value.Line, col: e.value.Column})
	}
	if len(found) == 0 {
		return setting{flag: f, value: f.Value.String(), src: source{kind: fromDefault}}, nil
	}
	s := setting{flag: f, src: found[0], overrides: found[1:]}
	switch s.src.kind {
	case fromEnv:
		if err := fs.Set(f.Name, envValue); err != nil {
			return s, inputerr.New("%s %q %s", env, envValue, whyInvalid(f, err)).
				WithHint("fix or unset %s, which sets --%s: %s", env, f.Name, f.Usage)
		}
	case fromFile:
		if err := file.set(command, fs, f, e); err != nil {
			return s, err
		}
	}
	if s.src.kind != fromFlag {
		if err := fs.SetAnnotation(f.Name, sourceAnnotation, []string{s.src.String()}); err != nil {
			panic("clc: annotating a known flag: " + err.Error())
		}
	}
	s.value = f.Value.String()
	return s, nil
}

// whyInvalid turns the error of a flag value that does not parse into the
// end of a sentence about the value: "is not a number", ...
func whyInvalid(f *pflag.Flag, err error) string {
	var ne *strconv.NumError
	if errors.As(err, &ne) {
		typ := f.Value.Type()
		switch {
		case errors.Is(ne.Err, strconv.ErrRange):
			return "is out of range"
		case typ == "bool":
			return "is not true or false"
		case strings.HasPrefix(typ, "float"):
			return "is not a number"
		case strings.HasPrefix(typ, "int") || strings.HasPrefix(typ, "uint"):
			return "is not a whole number"
		}
	}
	if f.Value.Type() == "duration" {
		return "is not a duration (e.g. 90s, 10m, 2h)"
	}
	var ie *pflag.InvalidValueError
	if errors.As(err, &ie) && ie.Unwrap() != nil {
		err = ie.Unwrap()
	}
	return "is invalid: " + err.Error()
}

// locateError points an input error that has no position at the config
// file value or the environment variable it is about: a flag whose name
// ("--optimizer") or quoted value ("adamw") the message mentions and that
// was set from the file or the environment.
func locateError(err error, settings []setting) error {
	ie, ok := inputerr.As(err)
	if !ok || ie.File != "" {
		return err
	}
	var hits []setting
	for _, s := range settings {
		if s.src.kind != fromEnv && s.src.kind != fromFile {
			continue
		}
		if mentionsFlag(ie.Msg, s.flag.Name) || (s.value != "" && strings.Contains(ie.Msg, strconv.Quote(s.value))) {
			hits = append(hits, s)
		}
	}
	switch {
	case len(hits) == 1 && hits[0].src.kind == fromFile:
		ie.File, ie.Line, ie.Col = hits[0].src.file, hits[0].src.line, hits[0].src.col
	case len(hits) > 0:
		var from []string
		for _, s := range hits {
			from = append(from, "--"+s.flag.Name+" from "+s.src.String())
		}
		ie.Msg += " (" + strings.Join(from, ", ") + ")"
	}
	return err
}

// mentionsFlag reports whether msg names --name as a whole word.
func mentionsFlag(msg, name string) bool {
	for i := 0; ; {
		j := strings.Index(msg[i:], "--"+name)
		if j < 0 {
			return false
		}
		end := i + j + 2 + len(name)
		if end == len(msg) || !isFlagChar(msg[end]) {
			return true
		}
		i = end
	}
}

func isFlagChar(c byte) bool {
	return c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

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
		return nil, inputerr.New("cannot read config file %s: %v", path, unwrapPathError(err)).WithHint("%s", hint)
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

// printConfig writes the effective configuration of a command: as JSON
// when the command's --json is set, otherwise as YAML that is itself a
// valid config file (defaults commented out, each value's source in a
// comment).
func printConfig(w io.Writer, command string, fs *pflag.FlagSet, file *configFile, settings []setting) error {
	settings = withDemoDefaults(fs, settings)
	if j, err := fs.GetBool("json"); err == nil && j {
		return printConfigJSON(w, command, file, settings)
	}
	return printConfigYAML(w, command, file, settings)
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// jsonValue types a setting's value for JSON; what does not parse as its
// flag's type (NaN, ...) stays a string.
func jsonValue(s setting) any {
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
