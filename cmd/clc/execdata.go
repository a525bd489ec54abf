package main

import (
	"context"
	"os"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/table"
)

// execDataInfo describes the data of a sweep trained by --exec. Without a
// data file N_full is --n-full and the source is "exec". With one, the
// file's SHA-256 enters the journal's fingerprint (a changed file never
// reuses trials), and N_full is --n-full or else the file's data rows,
// counted by table.CountRows: its non-blank lines after the header (all of
// them with --no-header). The file is opened and sniffed by the same reader
// as the built-in trainer's data, so a missing, compressed (other than
// gzip) or binary file is refused with the same message.
func execDataInfo(ctx context.Context, d *dataFlags, nFull int) (clc.DatasetInfo, error) {
	path := d.path
	if path == "" {
		return clc.DatasetInfo{Source: "exec", Rows: nFull}, nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return clc.DatasetInfo{}, inputerr.New("%s is a directory; clc fit --exec takes one data file", path).
			WithHint("pass the directory to your command in --exec yourself and give --n-full")
	}
	setPhase(ctx, "reading "+path, "")
	rows, sum, err := table.CountRows(ctx, path, nil, table.Options{NoHeader: d.noHeader})
	if err != nil {
		return clc.DatasetInfo{}, err
	}
	setPhase(ctx, "", "")
	if nFull < 1 {
		if rows < 1 {
			return clc.DatasetInfo{}, inputerr.New("%s has no data rows after its header", path).
				WithHint("give the training size with --n-full")
		}
		nFull = rows
	}
	return clc.DatasetInfo{Source: path, SHA256: sum, Rows: nFull}, nil
}
