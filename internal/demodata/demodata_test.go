package demodata

import (
	"context"
	"testing"

	"github.com/clc-tools/clc/internal/table"
	"github.com/clc-tools/clc/internal/train"
)

// TestDemoDataset checks the embedded file against what
// scripts/make-demo-data.py writes: 8,000 rows, 14×14 = 196 pixel features
// in 0..255, and 800 rows of each of the 10 Fashion-MNIST classes.
func TestDemoDataset(t *testing.T) {
	if len(Bytes()) > 2<<20 {
		t.Errorf("demo data is %d bytes, over the 2 MiB budget", len(Bytes()))
	}
	tab, err := table.Read(context.Background(), Open(), Name, table.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tab.Rows != 8000 || len(tab.Features) != 196 || tab.Target != "label" {
		t.Fatalf("demo table: %d rows, %d features, target %q", tab.Rows, len(tab.Features), tab.Target)
	}
	for _, v := range tab.X {
		if v < 0 || v > 255 || v != float32(int(v)) {
			t.Fatalf("pixel value %v outside the integers 0..255", v)
		}
	}
	ds, err := train.NewDataset(tab, "auto")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Task != train.Classification || ds.Classes != 10 {
		t.Fatalf("task %s with %d classes", ds.Task, ds.Classes)
	}
	count := make([]int, ds.Classes)
	for _, y := range ds.Y {
		count[int(y)]++
	}
	for c, n := range count {
		if n != 800 {
			t.Errorf("class %d has %d rows, want 800", c, n)
		}
	}
}
