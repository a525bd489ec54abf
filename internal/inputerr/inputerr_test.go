package inputerr

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{At("data.csv", 3, 7, "cell %q is not a number", "x"), `data.csv:3:7: cell "x" is not a number`},
		{At("data.csv", 3, 0, "ragged row"), "data.csv:3: ragged row"},
		{&Error{File: "data.csv", Msg: "file is empty"}, "data.csv: file is empty"},
		{New("--epochs %d must be at least 1", 0), "--epochs 0 must be at least 1"},
		{&Error{File: "f.yaml", Line: 2, Err: errors.New("bad key")}, "f.yaml:2: bad key"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}

func TestAsThroughWrapping(t *testing.T) {
	cause := errors.New("permission denied")
	ie := (&Error{File: "x.csv", Msg: "cannot open", Err: cause}).WithHint("check %s", "permissions")
	wrapped := fmt.Errorf("clc: loading: %w", ie)
	got, ok := As(wrapped)
	if !ok || got != ie || got.Hint != "check permissions" {
		t.Fatalf("As(wrapped) = %v, %v", got, ok)
	}
	if !errors.Is(wrapped, cause) {
		t.Error("the cause is not reachable through Unwrap")
	}
	if _, ok := As(errors.New("plain")); ok {
		t.Error("As found an input error in a plain error")
	}
}

func TestPathCause(t *testing.T) {
	_, err := os.Open("/nonexistent/x.csv")
	if got := PathCause(err); !errors.Is(got, fs.ErrNotExist) || strings.Contains(got.Error(), "x.csv") {
		t.Errorf("PathCause(%v) = %v", err, got)
	}
	plain := errors.New("plain")
	if PathCause(plain) != plain {
		t.Error("a plain error must pass through")
	}
}

func TestRenderSpellsParams(t *testing.T) {
	const lrMin, lrMax Param = "lr_min", "lr_max"
	e := New("%v %g is not below %v %g", lrMin, 1.0, lrMax, 0.1).WithHint("re-run %v with a smaller %v", Command("fit"), lrMin)
	if e.Param != lrMin {
		t.Errorf("Param = %q, want %q", e.Param, lrMin)
	}
	if got, want := e.Error(), "lr_min 1 is not below lr_max 0.1"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := e.Hint, "re-run the fit command with a smaller lr_min"; got != want {
		t.Errorf("Hint = %q, want %q", got, want)
	}
	cli := Namer{
		Param:   func(p Param) string { return "--" + strings.ReplaceAll(string(p), "_", "-") },
		Command: func(c Command) string { return "clc " + string(c) },
	}
	msg, hint := e.Render(cli)
	if msg != "--lr-min 1 is not below --lr-max 0.1" || hint != "re-run clc fit with a smaller --lr-min" {
		t.Errorf("Render = %q, %q", msg, hint)
	}
	wrapped := fmt.Errorf("grid: %w", e)
	if msg, _ := RenderChain(wrapped, e, cli); msg != "grid: --lr-min 1 is not below --lr-max 0.1" {
		t.Errorf("RenderChain = %q", msg)
	}
	e.Hint = "literal"
	if _, hint := e.Render(cli); hint != "literal" {
		t.Errorf("an assigned Hint must be rendered as it is, got %q", hint)
	}
	loc := At("f.csv", 2, 3, "bad %v", Param("target"))
	if msg, _ := loc.Render(cli); msg != "f.csv:2:3: bad --target" {
		t.Errorf("At rendered %q", msg)
	}
}
