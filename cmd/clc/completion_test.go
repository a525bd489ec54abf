package main

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

// TestRegisterCompletions: flags are looked up by name on every command,
// commands without them are skipped, a completion already registered is
// kept, and registering twice is harmless.
func TestRegisterCompletions(t *testing.T) {
	root := &cobra.Command{Use: "clc"}
	fit := &cobra.Command{Use: "fit", Run: func(*cobra.Command, []string) {}}
	fit.Flags().String("optimizer", "sgd", "")
	fit.Flags().String("format", "", "") // only schedule's --format is known
	other := &cobra.Command{Use: "other", Run: func(*cobra.Command, []string) {}}
	other.Flags().String("shape", "", "")
	own := func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"mine"}, cobra.ShellCompDirectiveNoFileComp
	}
	if err := other.RegisterFlagCompletionFunc("shape", own); err != nil {
		t.Fatal(err)
	}
	bare := &cobra.Command{Use: "bare", Run: func(*cobra.Command, []string) {}}
	root.AddCommand(fit, other, bare)

	registerCompletions(root)
	registerCompletions(root)

	complete := func(cmd *cobra.Command, flag, typed string) []string {
		t.Helper()
		f, ok := cmd.GetFlagCompletionFunc(flag)
		if !ok {
			return nil
		}
		got, _ := f(cmd, nil, typed)
		return got
	}
	if got := complete(fit, "optimizer", "m"); !slices.Equal(got, []string{"momentum"}) {
		t.Errorf("fit --optimizer m completes %v, want [momentum]", got)
	}
	if _, ok := fit.GetFlagCompletionFunc("format"); ok {
		t.Error("fit --format got schedule's completion")
	}
	if got := complete(other, "shape", ""); !slices.Equal(got, []string{"mine"}) {
		t.Errorf("other --shape completes %v, want its own [mine]", got)
	}
	if fit.ValidArgsFunction == nil {
		t.Fatal("fit's data argument has no completion")
	}
	if exts, dir := fit.ValidArgsFunction(fit, nil, ""); !slices.Equal(exts, []string{"csv", "gz"}) || dir != cobra.ShellCompDirectiveFilterFileExt {
		t.Errorf("fit's first argument completes %v %v, want csv and gz files", exts, dir)
	}
	if _, dir := fit.ValidArgsFunction(fit, []string{"a.csv"}, ""); dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("fit's second argument completes files (directive %v)", dir)
	}
	if bare.ValidArgsFunction != nil {
		t.Error("a command without argument completions got one")
	}
}
