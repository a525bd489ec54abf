package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/plot"
	"github.com/clc-tools/clc/internal/schedule"
)

// plotOptions holds the flags of clc plot.
type plotOptions struct {
	out string
}

func newPlotCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &plotOptions{}
	cmd := &cobra.Command{
		Use:   "plot [FIT.yaml] [-o FILE.png|FILE.svg]",
		Short: "Draw a fit file: loss against rate, the law η*(N), the constant C(N)",
		Long: `plot draws a fit file written by clc fit (or clc merge) as one figure of three
panels:

  1. the final validation loss against the learning rate (log scale) for every
     fraction: each seed as a faint point, the mean over seeds as a line, the
     optimum η* with its 95% interval, and the rates where a seed diverged as
     crosses above the curves;
  2. η* against the dataset size N on log–log axes, with the fitted law
     η*(N) = k·N^α, its 95% band, and its extrapolation (dashed) to the full
     dataset, where the predicted rate and its interval are marked;
  3. the cumulative-learning constant C = η*·T against N, with the C(N) clc
     uses to design schedules (the mean when C is constant, else η*(N)·T(N)).

The fit file defaults to clc-fit.yaml, as for predict and schedule. The
format follows the extension of -o: .png or .svg. The file is written
atomically. clc fit --plot FILE and clc schedule --plot FILE draw the same
figures as they run.`,
		Example: `  clc plot clc-fit.yaml
  clc plot clc-fit.yaml -o docs/fit.svg`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("clc plot takes one fit file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			fitPath := "clc-fit.yaml"
			if len(args) == 1 {
				fitPath = args[0]
			}
			setPhase(cmd.Context(), "reading "+fitPath, "")
			return runPlot(o, fitPath, stderr)
		},
	}
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "image to write, .png or .svg (default: the fit file's name with .png)")
	return cmd
}

func runPlot(o *plotOptions, fitPath string, stderr io.Writer) error {
	out := o.out
	if out == "" {
		out = strings.TrimSuffix(fitPath, filepath.Ext(fitPath)) + ".png"
	}
	if err := checkPlotPath(out); err != nil {
		return err
	}
	fit, err := clc.ReadFitFile(fitPath)
	if err != nil {
		return err
	}
	if err := writeFitPlot(fit, out); err != nil {
		return inFitFile(fitPath, err)
	}
	fmt.Fprintf(stderr, "clc: wrote %s\n", out)
	return nil
}

// writeFitPlot draws fit's figure (loss against rate, the law, the
// constant) and writes it atomically to path, a .png or .svg file.
// Problems with the path or the fit are *inputerr.Error.
func writeFitPlot(fit *clc.FitFile, path string) error {
	return plotWriteError(path, plot.WriteFit(path, fit))
}

// writeSchedulePlot draws the schedule s (rate against step, its area
// shaded) under a heading that describes the target run and where the area
// came from (h, as written into the schedule file), and writes it
// atomically to path, a .png or .svg file.
func writeSchedulePlot(s *schedule.Schedule, h schedule.Header, path string) error {
	return plotWriteError(path, plot.WriteSchedule(path, s, scheduleHeading(s, h)...))
}

// scheduleHeading describes the run a schedule was designed for.
func scheduleHeading(s *schedule.Schedule, h schedule.Header) []string {
	run := fmt.Sprintf("%d steps", s.Steps)
	if h.Epochs > 0 {
		run = fmt.Sprintf("%d epochs of batch %d (%d steps)", h.Epochs, h.BatchSize, s.Steps)
	}
	from := areaSource(h.ConstantFrom)
	first := fmt.Sprintf("clc schedule for N = %d rows, %s", h.N, run)
	second := "the area C comes from " + from
	if h.FitFile != "" {
		second += " of " + h.FitFile
	}
	return []string{first, second}
}

// plotWriteError turns a failure to create the plot file (a missing
// directory, no permission) into an input error that names it.
func plotWriteError(path string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := inputerr.As(err); ok {
		return err
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return inputerr.New("cannot write %s: %v", path, pe.Err).WithHint("choose another plot file name or create its directory")
	}
	return err
}

// areaSource says where a schedule's area came from (a fit's
// Estimate.ConstantFrom; "mean" in schedules written before fit files of
// version 2).
func areaSource(from string) string {
	switch from {
	case "mean":
		return "the mean C measured across sizes"
	case "local":
		return "the optimum at the largest fitted size, C = η*·T(N)"
	case "blend":
		return "the law blended with the largest fitted size's optimum, C = η*(N)·T(N)"
	}
	return "the law, C(N) = η*(N)·T(N)"
}
