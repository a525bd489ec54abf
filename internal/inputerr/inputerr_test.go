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
