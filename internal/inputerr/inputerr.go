// Package inputerr marks errors caused by the user's input (a data file, a
// setting, a fit file) as opposed to runtime failures, and carries where the
// problem is, which setting is at fault and what to do about it.
//
// Packages below cmd/ never spell a command-line flag or a command: a message
// refers to a setting through a Param ("lr_min") and to an operation through
// a Command ("fit"), passed as arguments of New, At or WithHint. Error()
// writes them in neutral words; a front end re-renders the same message with
// its own names (Render), e.g. the command line writes the flag of the
// setting and the command's name. The command layer maps an *Error anywhere in an error chain to
// exit code 2 and prints it as
//
//	clc: error: FILE:LINE:COL: MESSAGE
//	clc: hint: HINT
package inputerr

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// Param names a setting of an operation by its key in clc's files
// (snake_case, as in the fit file's config section: "batch_size",
// "lr_min", "fractions"). It is an identifier, not text for a user: Error
// writes it as it is, a front end as its own spelling of the setting.
type Param string

// Command names an operation of clc ("fit", "merge", "schedule") in a
// message, usually a hint; Error writes "the fit command", a front end its
// own spelling.
type Command string

// Namer spells the parameters and commands of a message for one front end.
// Either function may be nil (the neutral spelling is used).
type Namer struct {
	Param   func(Param) string
	Command func(Command) string
}

// neutral is the spelling Error uses.
var neutral = Namer{
	Param:   func(p Param) string { return string(p) },
	Command: func(c Command) string { return "the " + string(c) + " command" },
}

// Error is a problem with user input. File, Line and Col are optional (zero
// values are omitted); Line and Col are 1-based. Param is the setting at
// fault when one is (the first Param among New's arguments).
type Error struct {
	File  string
	Line  int
	Col   int
	Param Param
	// Msg and Hint are the message and the hint in neutral words. An error
	// made by New, At or WithHint also keeps their format and arguments, so
	// that Render can spell its parameters another way (until Msg or Hint
	// is assigned: literal text is rendered as it is).
	Msg  string
	Hint string
	Err  error // optional underlying cause

	msgFormat, hintFormat string
	msgArgs, hintArgs     []any
	formatted, hinted     bool
}

// Error formats the location prefix and the message, without the hint.
func (e *Error) Error() string { return e.location(e.message(neutral)) }

func (e *Error) location(msg string) string {
	loc := e.File
	if loc != "" && e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
		if e.Col > 0 {
			loc = fmt.Sprintf("%s:%d", loc, e.Col)
		}
	}
	if loc == "" {
		return msg
	}
	return loc + ": " + msg
}

func (e *Error) message(n Namer) string {
	// A Msg assigned after New wins over the kept format.
	if e.formatted && e.Msg == sprintf(neutral, e.msgFormat, e.msgArgs) {
		return sprintf(n, e.msgFormat, e.msgArgs)
	}
	if e.Msg == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

// Render returns the located message and the hint with parameters and
// commands spelled by n.
func (e *Error) Render(n Namer) (msg, hint string) {
	if n.Param == nil {
		n.Param = neutral.Param
	}
	if n.Command == nil {
		n.Command = neutral.Command
	}
	hint = e.Hint
	if e.hinted && e.Hint == sprintf(neutral, e.hintFormat, e.hintArgs) {
		hint = sprintf(n, e.hintFormat, e.hintArgs)
	}
	return e.location(e.message(n)), hint
}

// sprintf formats args with every Param and Command replaced by its
// spelling under n.
func sprintf(n Namer, format string, args []any) string {
	spelled := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case Param:
			spelled[i] = n.Param(v)
		case Command:
			spelled[i] = n.Command(v)
		default:
			spelled[i] = a
		}
	}
	return fmt.Sprintf(format, spelled...)
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// New returns an input error with a formatted message and no location.
// Param and Command arguments are spelled by the front end (see Render).
func New(format string, args ...any) *Error {
	e := &Error{msgFormat: format, msgArgs: args, formatted: true}
	e.Msg = sprintf(neutral, format, args)
	for _, a := range args {
		if p, ok := a.(Param); ok {
			e.Param = p
			break
		}
	}
	return e
}

// At returns an input error located at file:line:col.
func At(file string, line, col int, format string, args ...any) *Error {
	e := New(format, args...)
	e.File, e.Line, e.Col = file, line, col
	return e
}

// WithHint sets the hint and returns e, for chaining. Param and Command
// arguments are spelled by the front end (see Render).
func (e *Error) WithHint(format string, args ...any) *Error {
	e.hintFormat, e.hintArgs, e.hinted = format, args, true
	e.Hint = sprintf(neutral, format, args)
	return e
}

// As reports whether err's chain holds an input error and returns it.
func As(err error) (*Error, bool) {
	var ie *Error
	if errors.As(err, &ie) {
		return ie, true
	}
	return nil, false
}

// RenderChain renders err, whose chain holds ie, with n: the context that
// wrappers added in front of ie's message is kept, and ie's own message and
// hint are spelled by n.
func RenderChain(err error, ie *Error, n Namer) (msg, hint string) {
	msg, hint = ie.Render(n)
	full, own := err.Error(), ie.Error()
	if prefix, ok := strings.CutSuffix(full, own); ok {
		return prefix + msg, hint
	}
	return full, hint
}

// PathCause returns the cause of a file-system error without the path and
// operation that *fs.PathError adds ("no such file or directory" rather than
// "open x.csv: no such file or directory"), for messages that name the file
// themselves; other errors are returned as they are.
func PathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
