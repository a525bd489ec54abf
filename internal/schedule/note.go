package schedule

import "github.com/clc-tools/clc/internal/inputerr"

// NoteKind says what a Note is about.
type NoteKind int

const (
	// NoteUnverified: the schedule was read from a plain CSV without a
	// checksum, so nothing verifies that it is what its author meant.
	NoteUnverified NoteKind = iota + 1
	// NoteRounded: a length given as a fraction of the run rounds to a
	// count that changes the shape (a warmup or decay of 0 points).
	NoteRounded
	// NoteWithinEpoch: a per-epoch schedule averages each epoch of the
	// per-step shape, so a feature shorter than an epoch (a warmup of a
	// few steps, a milestone inside an epoch) only shifts that epoch's
	// rate.
	NoteWithinEpoch
	// NoteDefaultAdjusted: a parameter the caller left at its default was
	// adjusted to fit a short run (default milestones that fall on the
	// same step, or outside the run, are dropped).
	NoteDefaultAdjusted
	// NoteRecorded: a note read back from a schedule file, in its words.
	NoteRecorded
)

// Note is a fact about a schedule that its user should know and that is
// not an error. Format and Args say it in words, with the setting
// concerned as an inputerr.Param argument for a front end to spell (as
// inputerr.New(n.Format, n.Args...).Render does); String writes it in
// neutral words, as schedule files record it.
type Note struct {
	Kind   NoteKind
	Param  inputerr.Param // the setting it concerns, if any
	Format string
	Args   []any
}

func newNote(kind NoteKind, p inputerr.Param, format string, args ...any) Note {
	return Note{Kind: kind, Param: p, Format: format, Args: args}
}

// String is the note in neutral words.
func (n Note) String() string { return inputerr.New(n.Format, n.Args...).Error() }

// unverifiedNote is the note of a plain CSV read from name.
func unverifiedNote(name string) Note {
	return newNote(NoteUnverified, paramSchedule,
		"%s is a plain CSV of step,lr rows without a checksum: its rates are used as they are, unverified", name)
}
