package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/clc-tools/clc/internal/inputerr"
)

// paramNames spells, per command, the settings that are not a flag of the
// same name: positional arguments, and settings a command takes under
// another flag. Every other setting "snake_case" is the flag --snake-case
// when the command has it, else it is written in words.
var paramNames = map[string]map[inputerr.Param]string{
	"fit":      {"data": "the data file", "out": "--out"},
	"train":    {"data": "the data file"},
	"merge":    {"journal": "journal"},
	"plot":     {"fit_file": "the fit file argument"},
	"predict":  {"fit_file": "--fit"},
	"schedule": {"fit_file": "--fit"},
}

// namerFor spells parameters and commands for the command cmd that ran.
func namerFor(cmd *cobra.Command) inputerr.Namer {
	return inputerr.Namer{
		Param: func(p inputerr.Param) string {
			if cmd != nil {
				if name, ok := paramNames[cmd.Name()][p]; ok {
					return name
				}
				flag := strings.ReplaceAll(string(p), "_", "-")
				if cmd.Flags().Lookup(flag) != nil || cmd.InheritedFlags().Lookup(flag) != nil {
					return "--" + flag
				}
			}
			return "the " + strings.ReplaceAll(string(p), "_", " ") + " setting"
		},
		Command: func(c inputerr.Command) string { return "clc " + string(c) },
	}
}
