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
//	{epochs}      Config.Epochs
//	{batch_size}  Config.BatchSize
//	{trial}       a stable id "n<N>-lr<lr>-s<seed>", e.g. n1875-lr0.1-s0
//	              (only [0-9a-z.+-]: safe in file names)
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
// Epochs·floor(N/BatchSize) when both are set; an absent accuracy or train
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
)

// The settings this package's messages name.
const (
	paramExec      inputerr.Param = "exec"
	paramExecShell inputerr.Param = "exec_shell"
	paramRetries   inputerr.Param = "retries"
	paramTimeout   inputerr.Param = "timeout"
	paramData      inputerr.Param = "data"
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
}

// Trainer runs one external command per trial. It is immutable after New and
// safe for concurrent use.
type Trainer struct {
	cfg   Config
	argv  []template // without Shell
	shell template   // with Shell
}

var _ clc.Trainer = (*Trainer)(nil)

const (
	stdoutKeep = 64 << 10 // bytes of stdout kept to find the result line
	stderrKeep = 2 << 10  // bytes of stderr kept for the error
	stdoutShow = 2 << 10  // bytes of stdout kept in a TrialError
	waitDelay  = 2 * time.Second
)

// New parses and validates cfg.Command.
func New(cfg Config) (*Trainer, error) {
	if strings.TrimSpace(cfg.Command) == "" {
		return nil, inputerr.New("%v: empty command", paramExec).WithHint("give the training command with placeholders, e.g. 'python3 train.py {lr} {n} {seed}'")
	}
	if cfg.Retries < 0 {
		return nil, inputerr.New("%v must be ≥ 0, got %d", paramRetries, cfg.Retries)
	}
	if cfg.Timeout < 0 {
		return nil, inputerr.New("%v must be ≥ 0, got %v", paramTimeout, cfg.Timeout)
	}
	t := &Trainer{cfg: cfg}
	var all []template
	if cfg.Shell {
		tpl, err := parseTemplate(cfg.Command)
		if err != nil {
			return nil, err
		}
		t.shell = tpl
		all = append(all, tpl)
	} else {
		words, err := splitArgs(cfg.Command)
		if err != nil {
			if errors.Is(err, errEmpty) {
				return nil, inputerr.New("%v: empty command", paramExec)
			}
			return nil, inputerr.New("%v: %v", paramExec, err).WithHint("quote arguments with spaces as in a shell: 'it'\\''s here' or \"a \\\"b\\\"\"")
		}
		for _, w := range words {
			tpl, err := parseTemplate(w)
			if err != nil {
				return nil, err
			}
			t.argv = append(t.argv, tpl)
		}
		all = t.argv
		if len(t.argv[0]) == 0 {
			return nil, inputerr.New("%v: empty command name", paramExec)
		}
		if len(t.argv[0]) == 1 && t.argv[0][0].ph == "" {
			if _, err := exec.LookPath(t.argv[0][0].lit); err != nil && !strings.ContainsRune(t.argv[0][0].lit, os.PathSeparator) {
				return nil, inputerr.New("%v: command %q not found in PATH", paramExec, t.argv[0][0].lit).
					WithHint("give the full path of the program, or use %v to run a shell command line", paramExecShell)
			}
		}
	}
	for _, tpl := range all {
		if tpl.uses("epochs") && cfg.Epochs <= 0 {
			return nil, inputerr.New("%v uses {epochs} but the epoch count is not set", paramExec)
		}
		if tpl.uses("data") && cfg.Data == "" {
			return nil, inputerr.New("%v uses {data} but no data file was given", paramExec).
				WithHint("give the data file (%v)", paramData)
		}
		if tpl.uses("batch_size") && cfg.BatchSize <= 0 {
			return nil, inputerr.New("%v uses {batch_size} but the batch size is not set", paramExec)
		}
	}
	return t, nil
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// TrialID returns the {trial} id of spec: "n<N>-lr<lr>-s<seed>".
func TrialID(spec clc.TrialSpec) string {
	return fmt.Sprintf("n%d-lr%s-s%d", spec.N, formatFloat(spec.LR), spec.Seed)
}

func (t *Trainer) values(spec clc.TrialSpec) map[string]string {
	return map[string]string{
		"lr":         formatFloat(spec.LR),
		"fraction":   formatFloat(spec.Fraction),
		"n":          strconv.Itoa(spec.N),
		"seed":       strconv.Itoa(spec.Seed),
		"epochs":     strconv.Itoa(t.cfg.Epochs),
		"batch_size": strconv.Itoa(t.cfg.BatchSize),
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
	if t.cfg.Epochs > 0 {
		env = append(env, "CLC_EPOCHS="+vals["epochs"])
	}
	if t.cfg.BatchSize > 0 {
		env = append(env, "CLC_BATCH_SIZE="+vals["batch_size"])
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
	switch {
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
	if l := lastLine([]byte(e.StderrTail)); l != "" && e.ExitCode != 0 {
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

// Train runs the command for spec and parses its result. See the package
// documentation for the protocol, retries and errors.
func (t *Trainer) Train(ctx context.Context, spec clc.TrialSpec) (clc.Outcome, error) {
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
	r := clc.Outcome{
		ValidLoss:     out.loss,
		TrainLoss:     out.trainLoss,
		ValidAccuracy: out.accuracy,
		Steps:         out.steps,
		Diverged:      out.diverged,
		Seconds:       a.seconds,
	}
	if r.Steps < 0 {
		r.Steps = 0
		if t.cfg.Epochs > 0 && t.cfg.BatchSize > 0 {
			r.Steps = t.cfg.Epochs * (spec.N / t.cfg.BatchSize)
		}
	}
	if r.Diverged || math.IsNaN(r.ValidLoss) || math.IsInf(r.ValidLoss, 0) {
		r.Diverged = true
		r.ValidLoss = math.Inf(1)
	}
	return r, nil
}
