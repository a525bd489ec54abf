package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/clc-tools/clc/internal/schedule"
)

// Shell completion: cobra adds "clc completion bash|zsh|fish|powershell",
// which prints a script that asks the binary itself (clc __complete ...)
// what to complete. registerCompletions teaches it the values of clc's
// enumerated flags and the file types of its file flags and arguments.

// flagCompletion completes one flag: with a fixed list of values, or with
// files of the given extensions (values and exts both nil: any file).
type flagCompletion struct {
	command string // "" for every command that has the flag
	flag    string
	values  []string
	exts    []string
}

// flagCompletions lists the flags clc completes. Flags that a build of clc
// does not have are skipped, so the table may name flags ahead of time.
var flagCompletions = []flagCompletion{
	{flag: "optimizer", values: []string{"sgd", "momentum", "adam"}},
	{flag: "model", values: []string{"linear", "mlp"}},
	{flag: "activation", values: []string{"relu", "tanh"}},
	{flag: "task", values: []string{"auto", "classification", "regression"}},
	{flag: "budget", values: []string{"epochs", "steps"}},
	{flag: "direction", values: []string{"min", "max"}},
	{command: "fit", flag: "metric", values: []string{"loss", "accuracy", "rmse"}},
	{flag: "shape", values: schedule.Shapes},
	{flag: "per", values: []string{"step", "epoch"}},
	{flag: "decay-type", values: []string{"linear", "cosine", "sqrt"}},
	{command: "schedule", flag: "format", values: []string{"yaml", "json", "csv", "torch", "keras"}},
	{flag: "fit", exts: []string{"yaml", "yml"}},
	{flag: "valid", exts: []string{"csv", "gz"}},
	{flag: "journal", exts: []string{"jsonl"}},
	{flag: "config", exts: []string{"yaml", "yml"}},
	{flag: "plot", exts: []string{"png", "svg"}},
	{command: "train", flag: "schedule", exts: []string{"yaml", "yml", "json", "csv"}},
	{command: "fit", flag: "out", exts: []string{"yaml", "yml"}},
}

// argCompletions gives the file types of each command's arguments.
var argCompletions = map[string]struct {
	exts []string
	max  int // arguments to complete; -1: any number
}{
	"fit":   {exts: []string{"csv", "gz"}, max: 1},
	"train": {exts: []string{"csv", "gz"}, max: 1},
	"merge": {exts: []string{"jsonl"}, max: -1},
}

// registerCompletions registers the completions of flagCompletions and
// argCompletions on root's subcommands, looking commands and flags up by
// name and skipping those that do not exist or already complete.
func registerCompletions(root *cobra.Command) {
	for _, cmd := range root.Commands() {
		for _, c := range flagCompletions {
			if c.command != "" && c.command != cmd.Name() {
				continue
			}
			if cmd.Flags().Lookup(c.flag) == nil {
				continue
			}
			if _, ok := cmd.GetFlagCompletionFunc(c.flag); ok {
				continue
			}
			// The only error is a flag that is missing or already
			// registered, both ruled out above.
			_ = cmd.RegisterFlagCompletionFunc(c.flag, c.complete)
		}
		if a, ok := argCompletions[cmd.Name()]; ok && cmd.ValidArgsFunction == nil {
			cmd.ValidArgsFunction = completeFiles(a.exts, a.max)
		}
	}
}

// complete returns the flag's values that start with what was typed, or
// asks the shell for files.
func (c flagCompletion) complete(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if c.values == nil {
		if c.exts == nil {
			return nil, cobra.ShellCompDirectiveDefault
		}
		return c.exts, cobra.ShellCompDirectiveFilterFileExt
	}
	var out []string
	for _, v := range c.values {
		if strings.HasPrefix(v, toComplete) {
			out = append(out, v)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeFiles completes up to max arguments (-1: any number) with files
// of the given extensions, and nothing after that.
func completeFiles(exts []string, max int) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if max >= 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return exts, cobra.ShellCompDirectiveFilterFileExt
	}
}
