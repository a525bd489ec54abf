package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/clc"
)

// TestFindBracketsTheSweep: on the demo, the range test's suggested
// bracket at a fraction's size contains the optimum a sweep measures at
// that size (the done-when of the range test).
func TestFindBracketsTheSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep")
	}
	dir := t.TempDir()
	for _, frac := range []string{"1/16", "1/2"} {
		var stdout, stderr strings.Builder
		if code := run(context.Background(), []string{"find", "--demo", "--fraction", frac, "--json"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("find: exit %d: %s", code, stderr.String())
		}
		var f findJSON
		if err := json.Unmarshal([]byte(stdout.String()), &f); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, "fit.yaml")
		stdout.Reset()
		if code := run(context.Background(), []string{"fit", "--demo", "--design", "grid", "--fractions", "1/32," + frac, "-q", "-o", out},
			strings.NewReader(""), &stdout, &stderr); code != 0 {
			t.Fatalf("fit: exit %d: %s", code, stderr.String())
		}
		fit, err := clc.ReadFitFile(out)
		if err != nil {
			t.Fatal(err)
		}
		o := fit.Optima[len(fit.Optima)-1]
		if o.N != f.N || !(f.Bracket[0] <= o.LR && o.LR <= f.Bracket[1]) {
			t.Errorf("fraction %s: the sweep's optimum %.3g at N = %d is outside find's bracket %v at N = %d", frac, o.LR, o.N, f.Bracket, f.N)
		}
	}
}
