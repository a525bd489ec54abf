package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/clc-tools/clc/internal/inputerr"
)

// version is clc's version, written into every fit file. Release builds set
// it with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes (docs/design.md, "Exit codes and errors").
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	// exitGate: clc fit --strict (or merge --strict) wrote a fit that did
	// not pass its sanity gates.
	exitGate    = 3
	exitSIGINT  = 130
	exitSIGTERM = 143
)

// Main runs clc with os.Args, the process's standard streams and signal
// handling, and returns the exit code. The first SIGINT or SIGTERM cancels
// the command's context: every phase (reading data, sweeping, training)
// stops, and run reports what was interrupted. A phase that cannot be
// cancelled (a system call blocked on a FIFO without a writer, say) is cut
// short after signalGrace: clc then says what it was doing and exits with
// the signal's code all the same. A second signal ends the process at
// once (the default action).
func Main() int {
	ctx, stop := context.WithCancelCause(context.Background())
	ctx, ph := withPhase(ctx)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s, ok := <-sigs
		if !ok {
			return
		}
		signal.Reset(os.Interrupt, syscall.SIGTERM)
		se := signalError{s.(syscall.Signal)}
		stop(se)
		time.Sleep(signalGrace)
		fmt.Fprintf(os.Stderr, "clc: error: %s\n", ph.interruptedText(se.verb()))
		os.Exit(se.code())
	}()
	defer signal.Stop(sigs)
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// signalGrace is how long a cancelled command may take to stop before clc
// exits without it.
const signalGrace = time.Second

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string { return "stopped by " + e.sig.String() }

// verb says what the signal did: SIGTERM terminates, SIGINT interrupts.
func (e signalError) verb() string {
	if e.sig == syscall.SIGTERM {
		return "terminated"
	}
	return "interrupted"
}

// code is the exit code of a command stopped by the signal: 128 + its
// number, as a shell reports it.
func (e signalError) code() int {
	if e.sig == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

// run executes one clc command line and returns the exit code. It never
// calls os.Exit, so tests can call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCmd(stdin, stdout, stderr)
	root.SetArgs(args)
	ph, ok := ctx.Value(phaseKey{}).(*phase)
	if !ok {
		ctx, ph = withPhase(ctx)
	}
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if cause := context.Cause(ctx); cause != nil {
		var se signalError
		if errors.As(cause, &se) {
			fmt.Fprintf(stderr, "clc: error: %s\n", ph.interruptedText(se.verb()))
			var he hintError
			if errors.As(err, &he) {
				fmt.Fprintf(stderr, "clc: hint: %s\n", he.hint)
			}
			return se.code()
		}
	}
	return reportError(stderr, err, namerFor(cmd))
}

// hintError is a runtime error (exit code 1) with a hint on what to do next.
type hintError struct {
	err  error
	hint string
}

func (e hintError) Error() string { return e.err.Error() }
func (e hintError) Unwrap() error { return e.err }

// usageError marks command-line mistakes found by cobra or by flag checks.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// reportError prints err as one "clc: error:" line (plus a hint line when
// there is one) and returns its exit code: 2 for input and usage errors,
// 3 for a fit that --strict failed on its gates, 1 for everything else.
func reportError(stderr io.Writer, err error, names inputerr.Namer) int {
	text := err.Error()
	ie, isInput := inputerr.As(err)
	var hint string
	if isInput {
		text, hint = inputerr.RenderChain(err, ie, names)
	}
	msg := strings.TrimSuffix(strings.TrimSpace(firstLine(text)), ".")
	fmt.Fprintf(stderr, "clc: error: %s\n", msg)
	if isInput {
		if hint != "" {
			fmt.Fprintf(stderr, "clc: hint: %s\n", hint)
		}
		return exitUsage
	}
	var he hintError
	if errors.As(err, &he) {
		fmt.Fprintf(stderr, "clc: hint: %s\n", he.hint)
		return exitFailure
	}
	var ge gateError
	if errors.As(err, &ge) {
		return exitGate
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "clc: hint: run 'clc help' for usage\n")
		return exitUsage
	}
	return exitFailure
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "clc",
		Short: "Tune learning rates from small data fractions with the cumulative-learning constant",
		Long: `clc sweeps learning rates on small, nested fractions of a dataset, fits how the
optimal rate scales with the dataset size (η*(N) = k·N^α), and derives the
cumulative-learning constant C = η*·T, the area under the schedule at the optimum.`,
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{plainFlagError(err)} })
	root.AddCommand(newFitCmd(stdin, stdout, stderr))
	root.AddCommand(newPredictCmd(stdout, stderr))
	root.AddCommand(newTrainCmd(stdin, stdout, stderr))
	root.AddCommand(newScheduleCmd(stdin, stdout, stderr))
	root.AddCommand(newPlotCmd(stdout, stderr))
	root.AddCommand(newMergeCmd(stdout, stderr))
	root.AddCommand(newFindCmd(stdin, stdout, stderr))
	root.AddCommand(newVersionCmd(stdout))
	enableConfig(root)        // after every AddCommand: adds --config, --print-config
	registerCompletions(root) // after every AddCommand
	return root
}

// rangeArgs is cobra.RangeArgs with a message that names the arguments.
func rangeArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) > max && max == 0:
			return usageError{fmt.Errorf("clc %s takes no arguments, got %s", cmd.Name(), strings.Join(args, " "))}
		case len(args) > max:
			return usageError{fmt.Errorf("clc %s takes one data file, got %d (%s)", cmd.Name(), len(args), strings.Join(args, ", "))}
		case len(args) < min:
			return usageError{fmt.Errorf("clc %s needs %d arguments, got %d", cmd.Name(), min, len(args))}
		}
		return nil
	}
}

// flagValueError matches pflag's message for a value that does not parse.
var flagValueError = regexp.MustCompile(`^invalid argument "(.*)" for "(.*?)" flag: (?:strconv\.\w+: parsing ".*": )?(.*)$`)

// plainFlagError rewrites pflag's parse errors in clc's words, e.g.
// --epochs "three" is not a whole number.
func plainFlagError(err error) error {
	m := flagValueError.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	value, flag, why := m[1], m[2], m[3]
	if i := strings.LastIndex(flag, "--"); i >= 0 {
		flag = flag[i:]
	}
	switch {
	case why == "invalid syntax" && strings.Contains(err.Error(), "ParseFloat"):
		return fmt.Errorf("%s %q is not a number", flag, value)
	case why == "invalid syntax":
		return fmt.Errorf("%s %q is not a whole number", flag, value)
	case why == "value out of range":
		return fmt.Errorf("%s %q is out of range", flag, value)
	}
	return fmt.Errorf("%s %q: %s", flag, value, why)
}
