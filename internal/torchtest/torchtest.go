// Package torchtest lets tests that compare clc with PyTorch find it, or
// skip with the way to install it.
package torchtest

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Python is Debian's interpreter, where python3-torch and python3-numpy
// install their modules.
const Python = "/usr/bin/python3"

var imports sync.Map // "import a, b" → error (nil when it works)

// Need skips t in -short mode, or unless `Python -c "import M, …"` works
// for the modules (torch when none are given); the check runs once per
// set of modules and process.
func Need(t testing.TB, modules ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping a PyTorch comparison in -short mode")
	}
	if len(modules) == 0 {
		modules = []string{"torch"}
	}
	stmt := "import " + strings.Join(modules, ", ")
	v, ok := imports.Load(stmt)
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var err error
		if out, e := exec.CommandContext(ctx, Python, "-c", stmt).CombinedOutput(); e != nil {
			err = fmt.Errorf("%v: %s", e, bytes.TrimSpace(out))
		}
		v, _ = imports.LoadOrStore(stmt, err)
	}
	if err, _ := v.(error); err != nil {
		pkgs := make([]string, len(modules))
		for i, m := range modules {
			pkgs[i] = "python3-" + m
		}
		t.Skipf("skipping: %s -c %q failed: %v; install Debian's %s to run it", Python, stmt, err, strings.Join(pkgs, " and "))
	}
}
