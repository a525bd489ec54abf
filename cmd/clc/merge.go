package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/numfmt"
)

// mergeOptions holds the flags of clc merge.
type mergeOptions struct {
	out          string
	allowPartial bool
	json         bool
	quiet        bool
	strict       bool
	plot         string
}

// maxMissingListed bounds the missing trials merge lists one per line.
const maxMissingListed = 20

func newMergeCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &mergeOptions{}
	cmd := &cobra.Command{
		Use:   "merge JOURNAL... [flags]",
		Short: "Merge the journals of a sharded sweep and fit the law and the constant",
		Long: `merge reads the journals that clc fit --shard (or a Kubernetes Indexed Job, a Slurm
job array, a CI matrix) wrote, checks that they belong to one plan (the same data,
training configuration and grid), lists the trials none of them holds, and fits
the law and the constant from all trials, exactly as a single clc fit would.

Missing trials are an error (exit 1) unless --allow-partial fits those there are;
the fit file then records how many were missing.`,
		Example: `  clc fit train.csv --shard 1/3 & clc fit train.csv --shard 2/3 & clc fit train.csv --shard 3/3 & wait
  clc merge clc-fit.shard-*-of-3.journal.jsonl -o clc-fit.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{fmt.Errorf("clc merge needs at least one journal")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			setPhase(cmd.Context(), "reading the journals", "")
			return runMerge(o, args, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "out", "o", "clc-fit.yaml", "fit file to write")
	f.BoolVar(&o.allowPartial, "allow-partial", false, "fit the recorded trials even when some of the plan's are missing")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout instead of the table")
	f.StringVar(&o.plot, "plot", "", "also draw the fit to FILE.png or FILE.svg (see clc plot)")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no notes on stderr")
	f.BoolVar(&o.strict, "strict", false, "exit with status 3 when the fit has a warning (a sanity gate did not pass), after writing it")
	f.SortFlags = false
	return cmd
}

func runMerge(o *mergeOptions, paths []string, stdout, stderr io.Writer) error {
	if err := checkOutputs(o.out, o.plot, ""); err != nil {
		return err
	}
	log := newLogger(stderr, o.quiet)
	r, err := clc.Merge(paths, clc.MergeOptions{Tool: "clc " + version, AllowPartial: o.allowPartial})
	if r == nil {
		return err
	}
	m := r.Merged
	log.Printf("merge: %s (%s): %d of %d trials of the plan", numfmt.Count(len(paths), "journal", "journals"), strings.Join(m.Shards, ", "),
		len(m.Specs)-len(m.Missing), len(m.Specs))
	if len(m.Missing) > 0 {
		listMissing(stderr, r.Fit, m.Missing)
	}
	var missing *clc.MissingTrialsError
	if errors.As(err, &missing) {
		hint := "run the shards that did not finish again (the same clc fit command: recorded trials are reused), then merge; or pass --allow-partial"
		if len(m.MissingShards) > 0 {
			hint = fmt.Sprintf("run shard %s (the same clc fit command with --shard %s), then merge all journals; or pass --allow-partial",
				strings.Join(m.MissingShards, ", "), m.MissingShards[0])
		}
		return hintError{err: err, hint: hint}
	}
	if len(m.Missing) > 0 {
		what := &clc.MissingTrialsError{Missing: m.Missing, MissingShards: m.MissingShards, Total: len(m.Specs)}
		fmt.Fprintf(stderr, "clc: warning: %v; fitting the %d recorded (--allow-partial); the fit file says so\n", what, len(m.Trials))
	}
	if err != nil {
		return fitError(err, stderr, o.plot)
	}
	return writeFit(r.Fit, fitOutput{out: o.out, json: o.json, plot: o.plot, strict: o.strict}, log, stdout, stderr)
}

// listMissing names the missing trials on stderr, one per line, up to
// maxMissingListed.
func listMissing(w io.Writer, fit *clc.FitFile, missing []clc.TrialSpec) {
	for i, s := range missing {
		if i == maxMissingListed {
			fmt.Fprintf(w, "clc: missing: ... and %d more\n", len(missing)-i)
			break
		}
		fmt.Fprintf(w, "clc: missing: fraction %s (N = %d) lr %s seed %d\n", fractionLabel(fit, s.Fraction), s.N, g3(s.LR), s.Seed)
	}
}
