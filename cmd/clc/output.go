package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/numfmt"
	"github.com/clc-tools/clc/internal/scaling"
)

// fractionLabel prints a fraction as the user wrote it when known.
func fractionLabel(fit *clc.FitFile, f float64) string { return fit.Config.FractionLabel(f) }

func g3(v float64) string { return strconv.FormatFloat(v, 'g', 3, 64) }

// flagNum writes v with 3 significant digits as a user would type it on a
// command line: 1000 and 0.0004 rather than 1e+03 and 4e-04.
func flagNum(v float64) string {
	r, _ := strconv.ParseFloat(g3(v), 64)
	if a := math.Abs(r); a >= 1e-4 && a < 1e6 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return g3(v)
}

// writeFitTable prints the optima table, the law, the extrapolation check,
// the constant's verdict and the prediction at n_full.
func writeFitTable(w io.Writer, fit *clc.FitFile) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	rate := "optimal lr"
	if fit.Config.Schedule != nil {
		rate = "optimal mean lr"
	}
	fmt.Fprintf(tw, "fraction\tN\tsteps\t%s\t95%% interval\tval loss\tC (lr·steps)\tbracketed\t\n", rate)
	for _, o := range fit.Optima {
		if !o.Usable {
			fmt.Fprintf(tw, "%s\t%d\t%d\t-\t-\t-\t-\tall diverged\t\n", fractionLabel(fit, o.Fraction), o.N, o.Steps)
			continue
		}
		br := "yes"
		if !o.Bracketed {
			br = "no (" + o.Edge + " edge)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t[%s, %s]\t%.4f\t%s\t%s\t\n", fractionLabel(fit, o.Fraction), o.N, o.Steps,
			g3(o.LR), g3(o.LRLow), g3(o.LRHigh), o.Loss, g3(o.Constant), br)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	l := fit.Law
	fmt.Fprintln(w)
	if sp := fit.Config.Schedule; sp != nil {
		fmt.Fprintf(w, "shape     %s per %s: each trial's rate is the grid value × a multiplier of mean 1, so C = mean rate × T is the optimal area for this shape\n",
			sp, fit.Config.Per)
	}
	fmt.Fprintf(w, "law       η*(N) = k·N^α: α = %s ± %s (95%% CI [%s, %s]), k = %s, R² = %s, %s, N %d…%d\n",
		numfmt.Fixed(l.Alpha, 3), numfmt.Fixed(l.AlphaSE, 3), numfmt.Fixed(l.AlphaCI[0], 3), numfmt.Fixed(l.AlphaCI[1], 3),
		g3(l.K), numfmt.Fixed(l.R2, 3), numfmt.Count(l.Points, "point", "points"), l.NMin, l.NMax)
	if e := l.Extrapolation; e != nil {
		fmt.Fprintf(w, "check     the law fitted without N = %d predicts %s there; measured %s (miss %+.2f decades, %.1fσ)\n",
			e.N, g3(e.PredictedLR), g3(e.MeasuredLR), e.MissDecades, math.Abs(e.Sigma))
	} else {
		fmt.Fprintf(w, "check     extrapolation check needs at least 3 usable optima\n")
	}
	fmt.Fprintf(w, "constant  C = η*·T: %s\n", fit.Constant.Verdict)
	p := fit.Prediction
	fmt.Fprintf(w, "predict   N = %d (all training rows): η* = %s [%s, %s], T = %d steps, C = %s lr·steps\n",
		p.N, g3(p.LR), g3(p.LRLow), g3(p.LRHigh), p.Steps, g3(p.Constant))
	return nil
}

// reportOptima prints the per-fraction table to w when the law cannot be
// fitted, so the user sees why.
func reportOptima(w io.Writer, fit *clc.FitFile) {
	var b strings.Builder
	b.WriteString("clc: optima found:")
	for _, o := range fit.Optima {
		switch {
		case !o.Usable:
			fmt.Fprintf(&b, " %s: every rate diverged;", fractionLabel(fit, o.Fraction))
		case !o.Bracketed:
			fmt.Fprintf(&b, " %s: lr %s on the %s edge;", fractionLabel(fit, o.Fraction), g3(o.LR), o.Edge)
		default:
			fmt.Fprintf(&b, " %s: lr %s;", fractionLabel(fit, o.Fraction), g3(o.LR))
		}
	}
	fmt.Fprintln(w, strings.TrimSuffix(b.String(), ";"))
}

// fitJSON is the --json output of clc fit (docs/design.md, "JSON output").
type fitJSON struct {
	Alpha           float64                `json:"alpha"`
	AlphaSE         float64                `json:"alpha_se"`
	AlphaCI         [2]float64             `json:"alpha_ci"`
	K               float64                `json:"k"`
	Log10KSE        float64                `json:"log10_k_se"`
	R2              float64                `json:"r2"`
	Points          int                    `json:"points"`
	Extrapolation   *scaling.Extrapolation `json:"extrapolation"`
	Constant        float64                `json:"constant"`
	ConstantMean    float64                `json:"constant_mean"`
	ConstantCV      float64                `json:"constant_cv"`
	ConstantSlope   float64                `json:"constant_slope"`
	ConstantSlopeCI [2]float64             `json:"constant_slope_ci"`
	ConstantHolds   bool                   `json:"constant_holds"`
	ConstantVerdict string                 `json:"constant_verdict"`
	NFull           int                    `json:"n_full"`
	StepsFull       int                    `json:"steps_full"`
	PredictedLR     float64                `json:"predicted_lr"`
	PredictedLRCI   [2]float64             `json:"predicted_lr_ci"`
	Shape           string                 `json:"shape"`
	Optima          []optimumJSON          `json:"optima"`
	Warnings        []string               `json:"warnings"`
	MissingTrials   int                    `json:"missing_trials"`
	FitFile         string                 `json:"fit_file"`
}

type optimumJSON struct {
	Fraction  float64 `json:"fraction"`
	N         int     `json:"n"`
	Steps     int     `json:"steps"`
	LR        float64 `json:"lr"`
	GridLR    float64 `json:"grid_lr"`
	LRLow     float64 `json:"lr_low"`
	LRHigh    float64 `json:"lr_high"`
	Loss      float64 `json:"loss"`
	Constant  float64 `json:"constant"`
	Bracketed bool    `json:"bracketed"`
	Edge      string  `json:"edge,omitempty"`
	Refined   bool    `json:"refined"`
	Usable    bool    `json:"usable"`
}

func writeFitJSON(w io.Writer, fit *clc.FitFile, path string, warnings []string) error {
	l, c, p := fit.Law, fit.Constant, fit.Prediction
	out := fitJSON{
		Alpha: l.Alpha, AlphaSE: l.AlphaSE, AlphaCI: l.AlphaCI, K: l.K, Log10KSE: l.Log10KSE, R2: l.R2,
		Points: l.Points, Extrapolation: l.Extrapolation, MissingTrials: fit.MissingTrials,
		Constant: p.Constant, ConstantMean: c.Mean, ConstantCV: c.CV, ConstantSlope: c.Slope,
		ConstantSlopeCI: c.SlopeCI, ConstantHolds: c.Holds, ConstantVerdict: c.Verdict,
		NFull: p.N, StepsFull: p.Steps, PredictedLR: p.LR, PredictedLRCI: [2]float64{p.LRLow, p.LRHigh},
		Warnings: warnings, FitFile: path, Shape: "constant",
	}
	if fit.Config.Schedule != nil {
		out.Shape = fit.Config.Schedule.String()
	}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	for _, o := range fit.Optima {
		out.Optima = append(out.Optima, optimumJSON{
			Fraction: o.Fraction, N: o.N, Steps: o.Steps, LR: o.LR, GridLR: o.GridLR, LRLow: o.LRLow, LRHigh: o.LRHigh,
			Loss: o.Loss, Constant: o.Constant, Bracketed: o.Bracketed, Edge: o.Edge, Refined: o.Refined, Usable: o.Usable,
		})
	}
	return writeJSON(w, out)
}

// writeJSON writes v as one indented JSON object: the --json output of
// every command.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func pow10(x float64) float64 { return math.Pow(10, x) }
