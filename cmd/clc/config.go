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
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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
	usage := "print the effective configuration and where each value comes from (YAML; JSON with --json), then exit"
	if f.Lookup("json") == nil {
		usage = "print the effective configuration and where each value comes from (YAML), then exit"
	}
	f.Bool(printConfigFlag, false, usage)
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
