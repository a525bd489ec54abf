// Package exectrainer runs each trial of a sweep as an external command (the
// user's training script), so clc can tune training written in any framework.
//
// # Command
//
// The command template is split once into an argv with shell-like quoting
// (see splitArgs: single quotes, double quotes with backslash escapes, a
// backslash outside quotes; no globbing, variables or operators) and executed
// directly, argv[0] looked up in PATH. No shell is involved unless
// Config.Shell is set, in which case the whole substituted string is run by
// sh -c.
//
// # Placeholders
//
// Inside each argv element (after splitting, so a value never splits an
// argument) these placeholders are replaced:
//
//	{lr}          the learning rate, strconv 'g' format, shortest exact (0.001, 1e-05)
//	{fraction}    the dataset fraction f, same format
//	{n}           training rows N = round(f·N_full)
//	{seed}        the trial seed
//	{epochs}      the trial's epochs: Config.Epochs, or its run's (TrialSpec.RunSpec)
//	{batch_size}  the trial's batch size: Config.BatchSize, or its run's
//	{trial}       a stable id "n<N>-lr<lr>-s<seed>", e.g. n1875-lr0.1-s0, with
//	              "-e<E>" and "-b<B>" for a trial of another run's epochs or
//	              batch size (only [0-9a-z.+-]: safe in file names)
//	{data}        Config.Data, the data file given to the fit (if any)
//
// The same values are in the environment as CLC_LR, CLC_FRACTION, CLC_N,
// CLC_SEED, CLC_EPOCHS, CLC_BATCH_SIZE, CLC_TRIAL and CLC_DATA (CLC_EPOCHS
// and CLC_BATCH_SIZE only when positive, CLC_DATA only when set). A brace that does not enclose an
// identifier is literal, and so is ${name}; {name} with an unknown name is an
// input error. With Shell, substituted values are shell-quoted when they hold
// any character outside [A-Za-z0-9_+-.,/:@%=] (clc's own values never do);
// a placeholder inside "double quotes" in shell mode would keep those quotes,
// so prefer the CLC_* variables there.
//
// # Result protocol
//
// The last non-empty line of stdout is the result, either a JSON object
//
//	{"loss": 0.41, "accuracy": 0.86, "steps": 2811}
//
// or key=value pairs that start with loss:
//
//	loss=0.41 accuracy=0.86 diverged=false
//
// loss (the validation loss) is required; accuracy (in [0, 1]), diverged,
// steps and train_loss are optional, other keys are ignored, and Python's
// NaN/Infinity are accepted. A non-finite loss or diverged=true gives a
// diverged Result with ValidLoss +Inf. Steps defaults to
// Epochs·floor(N/BatchSize) of the trial's run when both are set; an absent accuracy or train
// loss is NaN. Seconds is the wall time of the successful attempt.
//
// # Failures
//
// A non-zero exit (or death by a signal, e.g. the OOM killer) is retried
// Config.Retries times; a command that cannot start is not. A timeout is not retried
// (a trial that exceeded its budget once will usually do so again, and each
// retry would cost another full timeout), and neither is an exit 0 with
// output that cannot be parsed (the command ran to completion; running it
// again would print the same). These failures are returned as a *TrialError.
// Cancelling the context kills the command's whole process group and returns
// an error wrapping ctx.Err().
package exectrainer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/schedule"
)

// The settings this package's messages name.
const (
	paramExec       inputerr.Param = "exec"
	paramExecShell  inputerr.Param = "exec_shell"
	paramRetries    inputerr.Param = "retries"
	paramTimeout    inputerr.Param = "timeout"
	paramData       inputerr.Param = "data"
	paramExecWorker inputerr.Param = "exec_worker"
)

// Config configures a Trainer. The zero value of each optional field means
// its default.
type Config struct {
	Command           string        // the command template
	Shell             bool          // run the substituted string with sh -c
	Epochs, BatchSize int           // for {epochs}, {batch_size} and the default step count
	Timeout           time.Duration // per attempt; 0 = none
	Retries           int           // extra attempts after a non-zero exit
	Data              string        // for {data}: the data file given to the fit ("" = none)
	Dir               string        // working directory ("" = current)
	Env               []string      // base environment (nil = os.Environ())
	// Worker makes Command a persistent worker: started once per parallel
	// slot (at most Workers processes at a time) and sent one trial at a
	// time on stdin (see the worker protocol in the package
	// documentation). Only {epochs}, {batch_size} and {data} may appear
	// in it: the trial's values come with each trial.
	Worker  bool
	Workers int // worker processes at most (≤ 0: 1)
	// Prune asks workers to wait for clc's answer after each report, so
	// that a trial can be stopped early (TrainReporting's report).
	Prune bool
	// Shape, with Worker, is sent with every trial as its per-step rates:
	// the grid value η times the shape's multipliers of mean 1 at
	// granularity Per over Epochs·floor(N/BatchSize) steps (see
	// clc.ShapeMultipliers). nil: constant rates, no schedule sent.
	Shape *schedule.Spec
	Per   schedule.Granularity
}

// Trainer runs one external command per trial. It is immutable after New and
// safe for concurrent use.
type Trainer struct {
	cfg   Config
	argv  []template // without Shell
	shell template   // with Shell
	pool  *workerPool
}

var _ clc.ReportingTrainer = (*Trainer)(nil)

const (
	stdoutKeep = 64 << 10 // bytes of stdout kept to find the result line
	stderrKeep = 2 << 10  // bytes of stderr kept for the error
	stdoutShow = 2 << 10  // bytes of stdout kept in a TrialError
	waitDelay  = 2 * time.Second
)

// New parses and validates cfg.Command.
func New(cfg Config) (*Trainer, error) {
	if strings.TrimSpace(cfg.Command) == "" {
		if cfg.Worker {
			return nil, inputerr.New("%v: empty command", paramExecWorker).WithHint("give the worker's command, e.g. 'python3 train.py'")
		}
		return nil, inputerr.New("%v: empty command", paramExec).WithHint("give the training command with placeholders, e.g. 'python3 train.py {lr} {n} {seed}'")
	}
	if cfg.Retries < 0 {
		return nil, inputerr.New("%v must be ≥ 0, got %d", paramRetries, cfg.Retries)
	}
	if cfg.Timeout < 0 {
		return nil, inputerr.New("%v must be ≥ 0, got %v", paramTimeout, cfg.Timeout)
	}
	cmdParam := paramExec // the setting that holds the command
	if cfg.Worker {
		cmdParam = paramExecWorker
	}
	t := &Trainer{cfg: cfg}
	var all []template
	if cfg.Shell {
		tpl, err := parseTemplate(cfg.Command, cmdParam)
		if err != nil {
			return nil, err
		}
		t.shell = tpl
		all = append(all, tpl)
	} else {
		words, err := splitArgs(cfg.Command)
		if err != nil {
			if errors.Is(err, errEmpty) {
				return nil, inputerr.New("%v: empty command", cmdParam)
			}
			return nil, inputerr.New("%v: %v", cmdParam, err).WithHint("quote arguments with spaces as in a shell: 'it'\\''s here' or \"a \\\"b\\\"\"")
		}
		for _, w := range words {
			tpl, err := parseTemplate(w, cmdParam)
			if err != nil {
				return nil, err
			}
			t.argv = append(t.argv, tpl)
		}
		all = t.argv
		if len(t.argv[0]) == 0 {
			return nil, inputerr.New("%v: empty command name", cmdParam)
		}
		if len(t.argv[0]) == 1 && t.argv[0][0].ph == "" {
			if _, err := exec.LookPath(t.argv[0][0].lit); err != nil && !strings.ContainsRune(t.argv[0][0].lit, os.PathSeparator) {
				return nil, inputerr.New("%v: command %q not found in PATH", cmdParam, t.argv[0][0].lit).
					WithHint("give the full path of the program, or use %v to run a shell command line", paramExecShell)
			}
		}
	}
	for _, tpl := range all {
		if cfg.Worker {
			for _, name := range []string{"lr", "fraction", "n", "seed", "trial"} {
				if tpl.uses(name) {
					return nil, inputerr.New("%v: {%s} changes with every trial; a worker is started once and receives each trial's values on stdin", paramExecWorker, name).
						WithHint("read the trial's %s from the trial line (examples/clc_worker.py does), or run one process per trial with %v", name, paramExec)
				}
			}
		}
		if tpl.uses("epochs") && cfg.Epochs <= 0 {
			return nil, inputerr.New("%v uses {epochs} but the epoch count is not set", cmdParam)
		}
		if tpl.uses("data") && cfg.Data == "" {
			return nil, inputerr.New("%v uses {data} but no data file was given", cmdParam).
				WithHint("give the data file (%v)", paramData)
		}
		if tpl.uses("batch_size") && cfg.BatchSize <= 0 {
			return nil, inputerr.New("%v uses {batch_size} but the batch size is not set", cmdParam)
		}
	}
	if cfg.Shape != nil && cfg.Shape.Shape != schedule.Constant {
		if !cfg.Worker {
			return nil, inputerr.New("a schedule shape needs persistent workers (%v): a one-shot command cannot receive its rates", paramExecWorker)
		}
		if cfg.Epochs <= 0 || cfg.BatchSize <= 0 {
			return nil, inputerr.New("a schedule shape needs the epoch count and the batch size")
		}
	} else {
		t.cfg.Shape = nil
	}
	if cfg.Worker {
		t.pool = newWorkerPool(t, max(cfg.Workers, 1))
	}
	return t, nil
}

// CheckCells reports a schedule shape that cannot be laid over the run of
// one of the plan's cells (e.g. a warmup longer than the run), before any
// trial runs; without a shape there is nothing to check.
func (t *Trainer) CheckCells(cells []clc.Cell) error {
	for _, c := range cells {
		if _, err := t.multipliers(c.Spec(1, 0)); err != nil {
			return fmt.Errorf("fraction with N = %d: %w", c.N, err)
		}
	}
	return nil
}

// multipliers are the shape's per-step multipliers of spec's run, or nil
// without a shape.
func (t *Trainer) multipliers(spec clc.TrialSpec) ([]float64, error) {
	if t.cfg.Shape == nil {
		return nil, nil
	}
	_, batch := t.runOf(spec)
	return clc.ShapeMultipliers(*t.cfg.Shape, t.cfg.Per, t.steps(spec), spec.N/batch)
}

// Close stops the workers (with Config.Worker): their stdin is closed,
// which asks them to exit, and a worker still running a second later is
// killed with its process group. A one-shot Trainer has nothing to close.
func (t *Trainer) Close() error {
	if t.pool != nil {
		t.pool.close()
	}
	return nil
}

// Starts is the number of worker processes started so far (restarts
// included); 0 for a one-shot Trainer.
func (t *Trainer) Starts() int {
	if t.pool == nil {
		return 0
	}
	return int(t.pool.starts.Load())
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// TrialID returns the {trial} id of spec: "n<N>-lr<lr>-s<seed>", with
// "-e<E>" and "-b<B>" when the trial is of another run's epochs or batch
// size.
func TrialID(spec clc.TrialSpec) string {
	id := fmt.Sprintf("n%d-lr%s-s%d", spec.N, formatFloat(spec.LR), spec.Seed)
	if spec.Epochs > 0 {
		id += fmt.Sprintf("-e%d", spec.Epochs)
	}
	if spec.BatchSize > 0 {
		id += fmt.Sprintf("-b%d", spec.BatchSize)
	}
	return id
}

// runOf is the trial's epochs and batch size: its run's, else Config's.
func (t *Trainer) runOf(spec clc.TrialSpec) (epochs, batch int) {
	return cmp.Or(spec.Epochs, t.cfg.Epochs), cmp.Or(spec.BatchSize, t.cfg.BatchSize)
}

func (t *Trainer) values(spec clc.TrialSpec) map[string]string {
	epochs, batch := t.runOf(spec)
	return map[string]string{
		"lr":         formatFloat(spec.LR),
		"fraction":   formatFloat(spec.Fraction),
		"n":          strconv.Itoa(spec.N),
		"seed":       strconv.Itoa(spec.Seed),
		"epochs":     strconv.Itoa(epochs),
		"batch_size": strconv.Itoa(batch),
		"trial":      TrialID(spec),
		"data":       t.cfg.Data,
	}
}

// Command returns the argv that Train would run for spec (with Shell:
// sh -c and the substituted string).
func (t *Trainer) Command(spec clc.TrialSpec) []string {
	vals := t.values(spec)
	if t.cfg.Shell {
		return []string{"sh", "-c", t.shell.expand(vals, shellQuote)}
	}
	argv := make([]string, len(t.argv))
	for i, tpl := range t.argv {
		argv[i] = tpl.expand(vals, nil)
	}
	return argv
}

func (t *Trainer) env(spec clc.TrialSpec) []string {
	base := t.cfg.Env
	if base == nil {
		base = os.Environ()
	}
	vals := t.values(spec)
	env := append([]string(nil), base...)
	env = append(env,
		"CLC_LR="+vals["lr"],
		"CLC_FRACTION="+vals["fraction"],
		"CLC_N="+vals["n"],
		"CLC_SEED="+vals["seed"],
		"CLC_TRIAL="+vals["trial"],
	)
	if epochs, batch := t.runOf(spec); epochs > 0 || batch > 0 {
		if epochs > 0 {
			env = append(env, "CLC_EPOCHS="+vals["epochs"])
		}
		if batch > 0 {
			env = append(env, "CLC_BATCH_SIZE="+vals["batch_size"])
		}
	}
	if t.cfg.Data != "" {
		env = append(env, "CLC_DATA="+t.cfg.Data)
	}
	return env
}

// TrialError is a trial whose command failed: it could not start, exited
// non-zero on every attempt, timed out, or printed no parsable result.
type TrialError struct {
	Spec       clc.TrialSpec
	ExitCode   int  // exit status of the last attempt; -1 if it did not exit normally (signal, timeout, start failure)
	TimedOut   bool // the last attempt exceeded Config.Timeout
	Timeout    time.Duration
	Attempts   int    // attempts made
	StderrTail string // last 2 KB of the last attempt's stderr
	StdoutTail string // last 2 KB of the last attempt's stdout
	Err        error  // the cause: start failure, *exec.ExitError, or the output parse error
	// Worker: the trial ran on a persistent worker (Config.Worker); its
	// StderrTail is the worker's, over all the trials it ran.
	Worker bool
	// Reported is the message of the worker's error line, when it sent
	// one.
	Reported string
}

// Error is one line: what happened and the last line of stderr. The trial
// itself is named by the sweep that ran it (Spec holds it).
func (e *TrialError) Error() string {
	var b strings.Builder
	attempts := fmt.Sprintf("%d attempt", e.Attempts)
	if e.Attempts != 1 {
		attempts += "s"
	}
	var exitErr *exec.ExitError
	var wf *workerFailure
	switch {
	case e.Worker && e.TimedOut:
		fmt.Fprintf(&b, "worker timed out after %v", e.Timeout)
	case e.Worker && e.Reported != "":
		fmt.Fprintf(&b, "worker reported an error after %s: %s", attempts, truncate(e.Reported, 300))
		return strings.Join(strings.Fields(b.String()), " ")
	case e.Worker && errors.As(e.Err, &wf) && wf.exited && e.ExitCode >= 0:
		fmt.Fprintf(&b, "worker %s with status %d after %s", wf.what, e.ExitCode, attempts)
	case e.Worker && errors.As(e.Err, &wf):
		fmt.Fprintf(&b, "%v after %s", wf, attempts)
	case e.Worker:
		fmt.Fprintf(&b, "worker could not run: %v", e.Err)
	case e.TimedOut:
		fmt.Fprintf(&b, "command timed out after %v", e.Timeout)
	case e.ExitCode > 0:
		fmt.Fprintf(&b, "command exited with status %d after %s", e.ExitCode, attempts)
	case errors.As(e.Err, &exitErr):
		fmt.Fprintf(&b, "command failed after %s: %v", attempts, exitErr)
	case e.ExitCode == 0 && e.Err != nil:
		fmt.Fprintf(&b, "bad result line %q: %v", truncate(lastLine([]byte(e.StdoutTail)), 120), e.Err)
	case e.Err != nil:
		fmt.Fprintf(&b, "command could not run: %v", e.Err)
	default:
		b.WriteString("command failed")
	}
	if l := lastLine([]byte(e.StderrTail)); l != "" && (e.ExitCode != 0 || e.Worker) {
		b.WriteString(": ")
		b.WriteString(truncate(l, 200))
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// Unwrap returns the cause.
func (e *TrialError) Unwrap() error { return e.Err }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	buf []byte
}

func (w *tail) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) >= w.max {
		w.buf = append(w.buf[:0], p[len(p)-w.max:]...)
		return n, nil
	}
	if over := len(w.buf) + len(p) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	w.buf = append(w.buf, p...)
	return n, nil
}

func lastBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// attempt is the outcome of one run of the command.
type attempt struct {
	stdout, stderr []byte
	exitCode       int
	timedOut       bool
	err            error // nil on exit 0
	seconds        float64
}

func (t *Trainer) run(ctx context.Context, spec clc.TrialSpec) attempt {
	if t.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.cfg.Timeout)
		defer cancel()
	}
	argv := t.Command(spec)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = t.cfg.Dir
	cmd.Env = t.env(spec)
	stdout := &tail{max: stdoutKeep}
	stderr := &tail{max: stderrKeep}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	setProcessGroup(cmd)
	cmd.WaitDelay = waitDelay
	start := time.Now()
	err := cmd.Run()
	a := attempt{stdout: stdout.buf, stderr: stderr.buf, err: err, seconds: time.Since(start).Seconds()}
	a.exitCode = 0
	if err != nil {
		a.exitCode = -1
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) && exitErr.ExitCode() >= 0 {
			a.exitCode = exitErr.ExitCode()
		}
	}
	if ctx.Err() == context.DeadlineExceeded && t.cfg.Timeout > 0 {
		a.timedOut = true
		a.exitCode = -1
		if a.err == nil {
			a.err = ctx.Err()
		}
	}
	return a
}

// Train runs the command for spec and parses its result (or, with
// Config.Worker, sends spec to a worker and reads its result). See the
// package documentation for the protocols, retries and errors.
func (t *Trainer) Train(ctx context.Context, spec clc.TrialSpec) (clc.Outcome, error) {
	return t.TrainReporting(ctx, spec, nil)
}

// TrainReporting is Train that passes a worker's per-epoch reports to
// report as they come, and asks the worker to stop the trial when report
// returns false (with Config.Prune; see the worker protocol). A one-shot
// command's reports come with its result, in the Outcome's Curve: report
// is not called for them.
func (t *Trainer) TrainReporting(ctx context.Context, spec clc.TrialSpec, report func(clc.Report) bool) (clc.Outcome, error) {
	if t.pool != nil {
		return t.pool.train(ctx, spec, report)
	}
	return t.trainOnce(ctx, spec)
}

// trainOnce runs the one-shot command for spec, with retries.
func (t *Trainer) trainOnce(ctx context.Context, spec clc.TrialSpec) (clc.Outcome, error) {
	var a attempt
	attempts := 0
	for {
		attempts++
		a = t.run(ctx, spec)
		if err := ctx.Err(); err != nil {
			return clc.Outcome{}, err
		}
		var exitErr *exec.ExitError
		if a.err == nil || a.timedOut || !errors.As(a.err, &exitErr) || attempts > t.cfg.Retries {
			break
		}
	}
	fail := func(err error) (clc.Outcome, error) {
		return clc.Outcome{}, &TrialError{
			Spec: spec, ExitCode: a.exitCode, TimedOut: a.timedOut, Timeout: t.cfg.Timeout,
			Attempts: attempts, StderrTail: string(a.stderr), StdoutTail: lastBytes(a.stdout, stdoutShow), Err: err,
		}
	}
	if a.err != nil {
		return fail(a.err)
	}
	out, err := parseOutput(lastLine(a.stdout))
	if err != nil {
		return fail(err)
	}
	return t.outcome(spec, out, a.seconds), nil
}

// steps is the default step count of a trial: epochs·floor(N/batch size)
// of its run, or 0 when either is unknown.
func (t *Trainer) steps(spec clc.TrialSpec) int {
	if epochs, batch := t.runOf(spec); epochs > 0 && batch > 0 {
		return epochs * (spec.N / batch)
	}
	return 0
}

// outcome turns a parsed result into the trial's Outcome: the default step
// count when none was reported, and a non-finite loss (or diverged: true)
// as a divergence with loss +Inf. A stopped trial's missing loss is +Inf
// without being a divergence.
func (t *Trainer) outcome(spec clc.TrialSpec, out output, seconds float64) clc.Outcome {
	r := clc.Outcome{
		ValidLoss:     out.loss,
		TrainLoss:     out.trainLoss,
		ValidAccuracy: out.accuracy,
		Steps:         out.steps,
		Diverged:      out.diverged,
		Seconds:       seconds,
		Metrics:       out.metrics,
		Curve:         out.curve,
		Stopped:       out.stopped,
	}
	if r.Steps < 0 {
		r.Steps = t.steps(spec)
	}
	switch {
	case r.Stopped && !r.Diverged:
		if math.IsNaN(r.ValidLoss) {
			r.ValidLoss = math.Inf(1)
		}
	case r.Diverged || math.IsNaN(r.ValidLoss) || math.IsInf(r.ValidLoss, 0):
		r.Diverged = true
		r.ValidLoss = math.Inf(1)
	}
	return r
}
