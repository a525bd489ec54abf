package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestProfileFit runs one clc command line in this process, so that
// `go test -cpuprofile` profiles it: CLC_PROFILE_ARGS holds the arguments
// (split on spaces), e.g.
//
//	CLC_PROFILE_ARGS="fit train.csv --valid test.csv -q --journal none" \
//	    go test ./cmd/clc -run TestProfileFit -count 1 -cpuprofile cpu.out
//
// It is skipped when the variable is unset.
func TestProfileFit(t *testing.T) {
	args := strings.Fields(os.Getenv("CLC_PROFILE_ARGS"))
	if len(args) == 0 {
		t.Skip("set CLC_PROFILE_ARGS to a clc command line to profile it")
	}
	var stderr strings.Builder
	if code := run(context.Background(), args, strings.NewReader(""), os.Stdout, &stderr); code != 0 {
		t.Fatalf("clc %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	t.Log(stderr.String())
}
