package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
)

// predictOptions holds the flags of clc predict.
type predictOptions struct {
	fit       string
	sizes     string
	epochs    int
	batchSize int
	steps     int
	json      bool
}

func newPredictCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &predictOptions{}
	cmd := &cobra.Command{
		Use:   "predict --fit FILE --size N[,N...] [flags]",
		Short: "Optimal rate and cumulative learning for a dataset size, from a fit",
		Long: `predict evaluates a fit at dataset sizes of your choice: the optimal constant rate
η*(N) = k·N^α with its 95% band, the steps T of the run, and the cumulative learning
C that a schedule for that run should carry, with its interval. Sizes outside the
range the law was fitted on are flagged with the extrapolation distance.`,
		Example: `  clc predict --fit clc-fit.yaml --size 60000
  clc predict --fit clc-fit.yaml --size 1e5,1e6 --epochs 10 --batch-size 256 --json`,
		Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			setPhase(cmd.Context(), "reading "+o.fit, "")
			return runPredict(o, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.fit, "fit", "clc-fit.yaml", "fit file written by clc fit")
	f.StringVar(&o.sizes, "size", "", "dataset sizes N (training rows), comma-separated; default: the fit's n_full")
	f.IntVar(&o.epochs, "epochs", 0, "epochs of the target run (default: the fit's)")
	f.IntVar(&o.batchSize, "batch-size", 0, "batch size of the target run (default: the fit's)")
	f.IntVar(&o.steps, "steps", 0, "a fixed number of steps T for the target run (instead of epochs)")
	f.BoolVar(&o.json, "json", false, "print JSON on stdout instead of the table")
	f.SortFlags = false
	return cmd
}

// maxSize bounds a dataset size: 1e15 rows.
const maxSize = 1e15

// parseSizes reads a comma-separated list of positive row counts, each
// written as a whole number, possibly in exponent form (1e6); a size given
// twice is listed once.
func parseSizes(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		v, err := strconv.ParseFloat(p, 64)
		switch {
		case errors.Is(err, strconv.ErrRange) || (err == nil && math.Abs(v) > maxSize):
			return nil, inputerr.New("size %q is out of range (at most %g rows)", p, float64(maxSize))
		case err != nil || math.IsNaN(v):
			return nil, inputerr.New("size %q is not a whole number of rows", p).WithHint("give sizes such as 60000 or 1e6")
		case v != math.Trunc(v):
			return nil, inputerr.New("size %q is not a whole number of rows", p).WithHint("give sizes such as 60000 or 1e6")
		case v < 1:
			return nil, inputerr.New("size %q must be a positive number of rows", p)
		}
		if n := int(v); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

func runPredict(o *predictOptions, stdout, stderr io.Writer) error {
	if o.epochs < 0 || o.batchSize < 0 || o.steps < 0 {
		return inputerr.New("--epochs, --batch-size and --steps must not be negative")
	}
	if o.steps > 0 && (o.epochs > 0 || o.batchSize > 0) {
		return inputerr.New("--steps fixes T; it cannot be combined with --epochs or --batch-size")
	}
	fit, err := clc.ReadFitFile(o.fit)
	if err != nil {
		return err
	}
	sizes := []int{fit.Prediction.N}
	if o.sizes != "" {
		if sizes, err = parseSizes(o.sizes); err != nil {
			return err
		}
	}
	warnings := []string{}
	if w := partialWarning(fit); w != "" {
		warnings = append(warnings, w)
	}
	var estimates []scaling.Estimate
	for _, n := range sizes {
		e, err := fit.Estimate(scaling.Target{N: n, Epochs: o.epochs, BatchSize: o.batchSize, Steps: o.steps})
		if err != nil {
			return inFitFile(o.fit, err)
		}
		estimates = append(estimates, e)
		if w := extrapolationWarning(fit, e); w != "" {
			warnings = append(warnings, w)
		}
		notes, ws := transferMessages(fit, e)
		for _, n := range notes {
			fmt.Fprintf(stderr, "clc: note: %s\n", n)
		}
		warnings = append(warnings, ws...)
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "clc: warning: %s\n", w)
	}
	if o.json {
		return writeJSON(stdout, map[string]any{"fit_file": o.fit, "alpha": fit.Law.Alpha, "k": fit.Law.K, "predictions": estimates,
			"warnings": warnings})
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	// A run other than the fit's has a column saying how its rate was
	// moved there (not for a fit file before version 3, whose table is
	// as it was; its note says the transfer is assumed).
	transferred := false
	for _, e := range estimates {
		transferred = transferred || (e.Transfer != nil && e.Transfer.From != scaling.TransferAssumed)
	}
	head := "N\tsteps\toptimal lr\t95% interval\tC (lr·steps)\t95% interval\tC from\textrapolation\t"
	if transferred {
		head += "transfer\t"
	}
	fmt.Fprintln(tw, head)
	for _, e := range estimates {
		ext := "inside"
		if e.ExtrapolationDecades > 0 {
			ext = fmt.Sprintf("%.2f decades", e.ExtrapolationDecades)
		}
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t", e.N, e.Steps, g3(e.LR), intervalText(e.LRLow, e.LRHigh),
			g3(e.Constant), intervalText(e.ConstLow, e.ConstHigh), e.ConstantFrom, ext)
		if transferred {
			tr := "-"
			if e.Transfer != nil {
				tr = e.Transfer.From
			}
			fmt.Fprintf(tw, "%s\t", tr)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nlaw η*(N) = %s·N^%.3f fitted on N %d…%d; %s\n", g3(fit.Law.K), fit.Law.Alpha, fit.Law.NMin, fit.Law.NMax, constantSource(fit))
	if j := fit.Joint; j.Fitted() {
		var exps []string
		for _, e := range j.Exponents {
			exps = append(exps, exponentText(e))
		}
		fmt.Fprintf(stdout, "joint law over %d runs: %s; a run of another length or batch size moves by these exponents\n", len(fit.Config.Axes.Runs())+1, strings.Join(exps, ", "))
	}
	return nil
}

// constantSource says in words where the C of a prediction comes from.
func constantSource(fit *clc.FitFile) string {
	verdict := "C was not constant across sizes"
	if fit.Constant.Holds {
		verdict = "C was constant across sizes"
	}
	return verdict + "; C = η*(N)·T with η* from the law (\"blend\" or \"local\" beyond the fitted sizes: leaning on the largest fraction's optimum where the law's slope is uncertain)"
}

// intervalText is "[lo, hi]", or "-" when there is no interval.
func intervalText(lo, hi float64) string {
	if hi > lo {
		return fmt.Sprintf("[%s, %s]", g3(lo), g3(hi))
	}
	return "-"
}

// extrapolationWarning describes how far e lies outside the fitted sizes.
func extrapolationWarning(fit *clc.FitFile, e scaling.Estimate) string {
	if e.ExtrapolationDecades <= 0 {
		return ""
	}
	where, edge := "above the largest", fit.Law.NMax
	if e.N < fit.Law.NMin {
		where, edge = "below the smallest", fit.Law.NMin
	}
	return fmt.Sprintf("N = %d is %.3g× %s fitted size (%d): extrapolating %.2f decades; the interval allows only for a bend of the usual size",
		e.N, pow10(e.ExtrapolationDecades), where, edge, e.ExtrapolationDecades)
}

// inFitFile names the fit file in an input error about its content that
// has no file of its own, e.g. "FILE: the fit has no usable law".
func inFitFile(path string, err error) error {
	if ie, ok := inputerr.As(err); ok && ie.File == "" && strings.HasPrefix(ie.Msg, "the ") {
		ie.File = path
	}
	return err
}
