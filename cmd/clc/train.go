package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/schedule"
	"github.com/clc-tools/clc/internal/train"
)

// trainOptions holds the flags of clc train.
type trainOptions struct {
	dataFlags  dataFlags
	modelFlags modelFlags
	lr         float64
	schedule   string
	seed       uint64
	curve      bool
	json       bool
	names      inputerr.Namer // spells the settings of notes
}

func newTrainCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	o := &trainOptions{}
	cmd := &cobra.Command{
		Use:   "train [DATA.csv|-] (--lr X | --schedule FILE) [flags]",
		Short: "One training run at a constant rate or with a schedule file",
		Long: `train runs the built-in trainer once on all training rows — at a constant rate
(--lr) or with a schedule written by clc schedule (--schedule; yaml, json or csv,
checksum verified) — and reports the final validation loss (and accuracy for
classification). --curve adds the loss after every epoch.`,
		Example: `  clc train data.csv --lr 0.05 --epochs 3
  clc schedule --fit clc-fit.yaml --shape cosine -o cosine.yaml && clc train data.csv --schedule cosine.yaml --curve`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.dataFlags.takeArgs(cmd.Flags(), args, "run 'clc train DATA.csv --lr X', or 'clc train --demo --lr X'"); err != nil {
				return err
			}
			o.names = namerFor(cmd)
			return runTrain(cmd.Context(), o, cmd.Flags(), stdin, stdout, stderr)
		},
	}
	f := cmd.Flags()
	o.dataFlags.register(f)
	o.modelFlags.register(f)
	f.Float64Var(&o.lr, "lr", 0, "constant learning rate")
	f.StringVar(&o.schedule, "schedule", "", "schedule file from clc schedule (yaml, json or csv)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the initialization and the shuffles")
	f.BoolVar(&o.curve, "curve", false, "also print the losses after every epoch")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout")
	f.SortFlags = false
	return cmd
}

// trainReport is the --json output of clc train.
type trainReport struct {
	Data          string      `json:"data"`
	Target        string      `json:"target"`
	Task          string      `json:"task"`
	N             int         `json:"n"`
	ValidRows     int         `json:"valid_rows"`
	Steps         int         `json:"steps"`
	Schedule      string      `json:"schedule,omitempty"`
	LR            float64     `json:"lr,omitempty"`
	Area          float64     `json:"area"` // Σ_t η_t over the steps taken
	ValidLoss     *float64    `json:"valid_loss"`
	ValidAccuracy *float64    `json:"valid_accuracy,omitempty"`
	ValidRMSE     *float64    `json:"valid_rmse,omitempty"` // regression: in the target's units
	TrainLoss     *float64    `json:"train_loss"`
	Diverged      bool        `json:"diverged"`
	Seconds       float64     `json:"seconds"`
	Curve         []epochJSON `json:"curve,omitempty"`
}

type epochJSON struct {
	Epoch         int      `json:"epoch"`
	Steps         int      `json:"steps"`
	LR            float64  `json:"lr"` // the rate of the epoch's last step
	TrainLoss     *float64 `json:"train_loss"`
	ValidLoss     *float64 `json:"valid_loss"`
	ValidAccuracy *float64 `json:"valid_accuracy,omitempty"`
	ValidRMSE     *float64 `json:"valid_rmse,omitempty"` // regression: in the target's units
}

// finite returns a pointer to v, or nil (JSON null) when v is NaN or ±Inf.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func runTrain(ctx context.Context, o *trainOptions, flags *pflag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := o.modelFlags.config()
	if err != nil {
		return err
	}
	if err := o.dataFlags.check(flags); err != nil {
		return err
	}
	switch {
	case o.schedule == "" && !flags.Changed("lr"):
		return inputerr.New("no learning rate given").WithHint("give --lr X, or --schedule FILE from clc schedule")
	case o.schedule != "" && flags.Changed("lr"):
		return inputerr.New("--lr and --schedule both set the learning rate").WithHint("give one of them")
	case o.schedule == "" && !(o.lr > 0 && !math.IsInf(o.lr, 0)):
		return inputerr.New("--lr %g must be a positive, finite number", o.lr)
	}
	var rates []float64
	if o.schedule != "" {
		setPhase(ctx, "reading "+o.schedule, "")
		if rates, err = readScheduleRates(o.schedule, o.names, stderr); err != nil {
			return err
		}
	}
	data, err := o.dataFlags.prepare(ctx, stdin, stderr)
	if err != nil {
		return err
	}
	cfg.LR, cfg.Seed = o.lr, o.seed
	steps := train.StepsFor(cfg, data.train.N)
	if steps < 1 {
		return inputerr.New("%d training rows are fewer than one batch of %d", data.train.N, cfg.BatchSize).WithHint("use a smaller --batch-size")
	}
	if rates != nil {
		if len(rates) != steps {
			return inputerr.New("schedule %s has %d steps but this run takes %d (%s)", o.schedule, len(rates), steps, describeLength(cfg, data.train.N)).
				WithHint("make the schedule for this run: clc schedule --size %d --epochs %d --batch-size %d", data.train.N, cfg.Epochs, cfg.BatchSize)
		}
		cfg.LR = 0
		cfg.Schedule = func(t, _ int) float64 { return rates[t] }
	}
	rep := trainReport{Data: data.info.Source, Target: data.info.Target, Task: data.info.Task, N: data.train.N,
		ValidRows: data.valid.N, Schedule: o.schedule, LR: cfg.LR}
	regression := data.train.Task == train.Regression
	var curve []train.EpochStats
	if o.curve {
		cfg.OnEpoch = func(s train.EpochStats) { curve = append(curve, s) }
	}
	start := time.Now()
	setPhase(ctx, "training", "")
	res, err := train.Run(ctx, data.train, data.valid, cfg)
	if err != nil {
		return err
	}
	rep.Steps, rep.Diverged, rep.Seconds = res.Steps, res.Diverged, time.Since(start).Seconds()
	rep.ValidLoss, rep.TrainLoss = finite(res.ValidLoss), finite(res.TrainLoss)
	switch {
	case res.Diverged: // no accuracy or RMSE to speak of
	case regression:
		rep.ValidRMSE = finite(data.scaler.TargetRMSE(res.ValidLoss))
	default:
		rep.ValidAccuracy = finite(res.ValidAccuracy)
	}
	for t := 0; t < res.Steps; t++ {
		if rates != nil {
			rep.Area += rates[t]
		} else {
			rep.Area += cfg.LR
		}
	}
	for _, s := range curve {
		e := epochJSON{Epoch: s.Epoch, Steps: s.Steps, LR: s.LR, TrainLoss: finite(s.TrainLoss), ValidLoss: finite(s.ValidLoss)}
		if regression {
			e.ValidRMSE = finite(data.scaler.TargetRMSE(s.ValidLoss))
		} else {
			e.ValidAccuracy = finite(s.ValidAccuracy)
		}
		rep.Curve = append(rep.Curve, e)
	}
	if res.Diverged {
		fmt.Fprintf(stderr, "clc: warning: the run diverged after %d of %d steps (loss not finite or above %g× the initial loss)\n",
			res.Steps, steps, cfg.DivergenceFactor)
	}
	if o.json {
		return writeJSON(stdout, rep)
	}
	return writeTrainText(stdout, rep)
}

func writeTrainText(w io.Writer, r trainReport) error {
	regression := r.Task == string(train.Regression)
	if len(r.Curve) > 0 {
		fmt.Fprintln(w, "curve     losses after each epoch; lr is the rate of the epoch's last step")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		last := "val acc"
		if regression {
			last = "val rmse"
		}
		fmt.Fprintf(tw, "epoch\tsteps\tlr\ttrain loss\tval loss\t%s\t\n", last)
		for _, e := range r.Curve {
			metric := fmtAcc(e.ValidAccuracy)
			if regression {
				metric = fmtRMSE(e.ValidRMSE)
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t\n", e.Epoch, e.Steps, g3(e.LR), fmtLoss(e.TrainLoss), fmtLoss(e.ValidLoss), metric)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	how := fmt.Sprintf("lr %s", g3(r.LR))
	if r.Schedule != "" {
		how = "schedule " + r.Schedule
	}
	fmt.Fprintf(w, "run       %s: %s, %s, %s (area %s lr·steps), %.1fs\n", r.Data, count(r.N, "training row"), count(r.Steps, "step"),
		how, g3(r.Area), r.Seconds)
	if r.Diverged {
		fmt.Fprintf(w, "result    diverged after %s: no validation loss (%s)\n", count(r.Steps, "step"), count(r.ValidRows, "row"))
		return nil
	}
	fmt.Fprintf(w, "result    validation loss %s", fmtLoss(r.ValidLoss))
	switch {
	case r.ValidAccuracy != nil:
		fmt.Fprintf(w, ", accuracy %s", fmtAcc(r.ValidAccuracy))
	case r.ValidRMSE != nil:
		fmt.Fprintf(w, " (MSE of the standardized target), RMSE %s in the units of %s", g3(*r.ValidRMSE), r.Target)
	}
	fmt.Fprintf(w, " (%s); train loss %s\n", count(r.ValidRows, "row"), fmtLoss(r.TrainLoss))
	return nil
}

// count writes n and a noun, plural unless n is 1: "1 step", "2 steps".
func count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func fmtLoss(v *float64) string {
	if v == nil {
		return "inf"
	}
	return fmt.Sprintf("%.4f", *v)
}

func fmtRMSE(v *float64) string {
	if v == nil {
		return "-"
	}
	return g3(*v)
}

func fmtAcc(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f%%", 100**v)
}

func describeLength(cfg train.Config, n int) string {
	if cfg.Steps > 0 {
		return fmt.Sprintf("a fixed %d steps", cfg.Steps)
	}
	return fmt.Sprintf("%d epochs × floor(%d/%d)", cfg.Epochs, n, cfg.BatchSize)
}

// readScheduleRates reads a schedule file written by clc schedule
// (checksum verified), or a plain CSV of step,lr rows, prints its notes on
// stderr and returns its per-step rates.
func readScheduleRates(path string, names inputerr.Namer, stderr io.Writer) ([]float64, error) {
	s, _, err := schedule.ReadFile(path)
	if err != nil {
		return nil, err
	}
	printNotes(stderr, s.Notes, names)
	return s.Rates, nil
}
