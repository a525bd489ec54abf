package main

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/plot"
	"github.com/clc-tools/clc/internal/train"
)

// findOptions holds the flags of clc find.
type findOptions struct {
	dataFlags    dataFlags
	modelFlags   modelFlags
	fraction     string
	lrMin, lrMax float64
	seed         uint64
	plot         string
	json         bool
}

func newFindCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	o := &findOptions{}
	cmd := &cobra.Command{
		Use:   "find [DATA.csv|-] [flags]",
		Short: "A learning-rate range test: one run, a quick bracket for the rate",
		Long: `find runs one training run whose learning rate grows exponentially from
--lr-min to --lr-max (fastai's and Lightning's lr_find), records the loss of every
batch, smooths it, and suggests a bracket for a sweep: from the rate where the loss
falls fastest to the rate of the lowest loss. It stops when the loss blows up.

It is a heuristic about early training — how fast one short run learns at each
rate — not the optimum of a full run at any size: clc fit measures that. Use the
bracket to choose a grid (e.g. a decade either side).`,
		Example: `  clc find --demo
  clc find train.csv --fraction 1/8 --plot range.png`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.dataFlags.takeArgs(cmd.Flags(), args, "run 'clc find DATA.csv', or 'clc find --demo'"); err != nil {
				return err
			}
			return runFind(cmd.Context(), o, cmd.Flags(), stdin, stdout, stderr)
		},
	}
	f := cmd.Flags()
	o.dataFlags.register(f)
	o.modelFlags.register(f)
	f.StringVar(&o.fraction, "fraction", "1", "share of the training rows the run trains on, a ratio or decimal in (0, 1]")
	f.Float64Var(&o.lrMin, "lr-min", 1e-6, "the rate of the first step")
	f.Float64Var(&o.lrMax, "lr-max", 10, "the rate of the last step (the test usually stops before)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the initialization and the shuffles")
	f.StringVar(&o.plot, "plot", "", "also draw the loss against the rate with the bracket to FILE.png or FILE.svg")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout")
	f.SortFlags = false
	return cmd
}

// findJSON is the --json output of clc find.
type findJSON struct {
	Data     string       `json:"data"`
	N        int          `json:"n"`
	Steps    int          `json:"steps"`
	Ran      int          `json:"steps_run"`
	Diverged bool         `json:"diverged"`
	Steepest float64      `json:"steepest_lr"`
	Lowest   float64      `json:"lowest_lr"`
	Bracket  [2]float64   `json:"bracket"`
	Points   [][3]float64 `json:"points"` // [lr, loss, smoothed] per step
}

func runFind(ctx context.Context, o *findOptions, flags *pflag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) error {
	if flags.Changed("steps") && !flags.Changed("budget") {
		o.modelFlags.budget = "steps" // --steps alone sets the run's length
	}
	cfg, err := o.modelFlags.config()
	if err != nil {
		return err
	}
	if err := o.dataFlags.check(flags); err != nil {
		return err
	}
	fracs, _, err := clc.ParseFractions(o.fraction)
	if err != nil {
		return err
	}
	if len(fracs) != 1 {
		return inputerr.New("--fraction %q gives %d fractions; the range test is one run", o.fraction, len(fracs))
	}
	if !(o.lrMin > 0) || !(o.lrMax > o.lrMin) || math.IsInf(o.lrMax, 0) {
		return inputerr.New("--lr-min %g and --lr-max %g must be positive, finite and increasing", o.lrMin, o.lrMax)
	}
	if cfg.Steps > 1e7 {
		return inputerr.New("--steps %d is more than a range test needs (at most 10000000)", cfg.Steps)
	}
	if o.plot != "" {
		if err := checkPlotPath(o.plot); err != nil {
			return err
		}
	}
	data, err := o.dataFlags.prepare(ctx, stdin, stderr)
	if err != nil {
		return err
	}
	trainSet := data.train
	train.Shuffle(trainSet, 0)
	n := int(math.Round(fracs[0] * float64(trainSet.N)))
	if n < cfg.BatchSize {
		return inputerr.New("--fraction %s leaves %d rows, fewer than one batch of %d", o.fraction, n, cfg.BatchSize)
	}
	steps := cfg.Steps
	if steps == 0 {
		steps = max(100, train.StepsFor(cfg, n))
	}
	cfg.Seed = o.seed
	setPhase(ctx, "training", "")
	rep, err := train.RangeTest(ctx, trainSet.Rows(n), cfg, o.lrMin, o.lrMax, steps)
	if err != nil {
		return err
	}
	if o.json {
		out := findJSON{Data: data.info.Source, N: n, Steps: steps, Ran: len(rep.Points), Diverged: rep.Diverged,
			Steepest: rep.Steepest, Lowest: rep.Lowest, Bracket: [2]float64{rep.Low, rep.High}, Points: [][3]float64{}}
		for _, p := range rep.Points {
			out.Points = append(out.Points, [3]float64{p.LR, p.Loss, p.Smoothed})
		}
		if err := writeJSON(stdout, out); err != nil {
			return err
		}
	} else {
		last := rep.Points[len(rep.Points)-1]
		end := fmt.Sprintf("ran all %d steps", steps)
		if rep.Diverged {
			end = fmt.Sprintf("stopped at η = %s when the loss blew up, after %d of %d steps", g3(last.LR), len(rep.Points), steps)
		}
		fmt.Fprintf(stdout, "range test  %s: N = %d rows, η from %s to %s over %d steps; %s\n",
			data.info.Source, n, g3(o.lrMin), g3(o.lrMax), steps, end)
		fmt.Fprintf(stdout, "steepest    the smoothed loss falls fastest at η = %s\n", g3(rep.Steepest))
		fmt.Fprintf(stdout, "lowest      the smoothed loss is lowest at η = %s\n", g3(rep.Lowest))
		fmt.Fprintf(stdout, "bracket     %s … %s; a sweep around it: clc fit --lr-min %s --lr-max %s\n",
			g3(rep.Low), g3(rep.High), flagNum(rep.Low/10), flagNum(rep.High*10))
		fmt.Fprintf(stdout, "note        a heuristic for early training (one short run at growing rates), not the optimum of a full run: clc fit measures that\n")
	}
	if o.plot != "" {
		heading := []string{fmt.Sprintf("clc find on %s", data.info.Source),
			fmt.Sprintf("%s, %s of batch %d · %s, %s", numfmt.Count(n, "row", "rows"), numfmt.Count(len(rep.Points), "step", "steps"),
				cfg.BatchSize, modelText(cfg), cfg.Optimizer)}
		if err := plotWriteError(o.plot, plot.WriteRange(o.plot, rep, heading...)); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "clc: wrote %s\n", o.plot)
	}
	return nil
}
