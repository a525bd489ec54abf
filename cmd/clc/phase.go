package main

import (
	"context"
	"sync"
)

// phase records what a command is doing and what it has written so far, so
// that an interruption (SIGINT, SIGTERM) can say what it stopped and what
// it left behind: "interrupted while reading data.csv; nothing was written".
type phase struct {
	mu    sync.Mutex
	doing string // "reading data.csv", "sweeping", "training"; "" when unknown
	left  string // what an interruption leaves behind; "" for nothing
}

type phaseKey struct{}

// withPhase returns a context that carries a new phase record.
func withPhase(ctx context.Context) (context.Context, *phase) {
	p := &phase{}
	return context.WithValue(ctx, phaseKey{}, p), p
}

// setPhase records, in ctx's phase record if it has one, what the command
// does now and what an interruption would leave behind ("" for nothing).
func setPhase(ctx context.Context, doing, left string) {
	if p, ok := ctx.Value(phaseKey{}).(*phase); ok {
		p.mu.Lock()
		p.doing, p.left = doing, left
		p.mu.Unlock()
	}
}

// interruptedText says what an interruption by a signal stopped: "verb
// while doing; what was left" ("interrupted while reading data.csv;
// nothing was written").
func (p *phase) interruptedText(verb string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := verb
	if p.doing != "" {
		msg += " while " + p.doing
	}
	if p.left == "" {
		return msg + "; nothing was written"
	}
	return msg + "; " + p.left
}

// sweepLeaves says what an interrupted sweep leaves behind: its journal,
// when it keeps one.
func sweepLeaves(journal string) string {
	if journal == "" {
		return ""
	}
	return "no fit file was written; the finished trials are kept in " + journal
}
