// Package inputerr marks errors caused by the user's input (a data file, a flag,
// a fit file) as opposed to runtime failures, and carries where the problem is
// and what to do about it.
//
// The command layer maps an *Error anywhere in an error chain to exit code 2 and
// prints it as
//
//	clc: error: FILE:LINE:COL: MESSAGE
//	clc: hint: HINT
package inputerr

import (
	"errors"
	"fmt"
	"io/fs"
)

// Error is a problem with user input. File, Line and Col are optional (zero
// values are omitted); Line and Col are 1-based.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
	Hint string
	Err  error // optional underlying cause
}

// Error formats the location prefix and the message, without the hint.
func (e *Error) Error() string {
	loc := e.File
	if loc != "" && e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
		if e.Col > 0 {
			loc = fmt.Sprintf("%s:%d", loc, e.Col)
		}
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if loc == "" {
		return msg
	}
	return loc + ": " + msg
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// New returns an input error with a formatted message and no location.
func New(format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// At returns an input error located at file:line:col.
func At(file string, line, col int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// WithHint sets the hint and returns e, for chaining.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
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
