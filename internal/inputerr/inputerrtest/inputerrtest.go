// Package inputerrtest helps tests check input errors in the words a user
// reads: settings spelled as command-line flags, operations as clc
// commands.
package inputerrtest

import (
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/inputerr"
)

// CLINames spells settings and commands as the command line does:
// "batch_size" is "--batch-size", "fit" is "clc fit".
var CLINames = inputerr.Namer{
	Param:   func(p inputerr.Param) string { return "--" + strings.ReplaceAll(string(p), "_", "-") },
	Command: func(c inputerr.Command) string { return "clc " + string(c) },
}

// Check fails t unless err is an input error whose message, rendered with
// CLINames (location included), is msg, whose hint contains hint (when
// hint is not empty), and whose message is lowercase without a final
// period.
func Check(t testing.TB, err error, msg, hint string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", msg)
	}
	ie, ok := inputerr.As(err)
	if !ok {
		t.Fatalf("error %q (%T) is not an input error", err, err)
	}
	gotMsg, gotHint := ie.Render(CLINames)
	if gotMsg != msg {
		t.Errorf("error\n got %q\nwant %q", gotMsg, msg)
	}
	if hint != "" && !strings.Contains(gotHint, hint) {
		t.Errorf("hint %q does not contain %q", gotHint, hint)
	}
	if m := ie.Msg; m == "" || strings.HasSuffix(m, ".") || strings.ToLower(m[:1]) != m[:1] {
		t.Errorf("message %q must be lowercase without a final period", m)
	}
}
