package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/plot"
)

// checkOutput fails before any work when the file flag names cannot be
// written: an empty name, a directory, a missing or unwritable directory,
// or (when regular) an existing path that is not a regular file, such as
// /dev/null or a FIFO. The file itself is not created.
func checkOutput(flag, path string, regular bool) error {
	if path == "" {
		return inputerr.New("--%s is empty", flag).WithHint("name the file to write, e.g. --%s %s", flag, defaultName(flag))
	}
	st, err := os.Stat(path)
	switch {
	case err == nil && st.IsDir():
		return inputerr.New("cannot write %s: it is a directory", path).
			WithHint("name a file with --%s, e.g. --%s %s", flag, flag, filepath.Join(path, defaultName(flag)))
	case err == nil && regular && !st.Mode().IsRegular():
		return inputerr.New("cannot write %s: it is not a regular file", path).
			WithHint("give --%s a regular file: clc appends to it and locks it", flag)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return inputerr.New("cannot write %s: %v", path, inputerr.PathCause(err)).WithHint("choose another --%s", flag)
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return inputerr.New("cannot write %s: directory %s does not exist", path, dir).
			WithHint("create the directory first, or choose another --%s", flag)
	}
	f, err := os.CreateTemp(dir, ".clc-write-check-*")
	if err != nil {
		return inputerr.New("cannot write %s: %v", path, inputerr.PathCause(err)).WithHint("choose another --%s", flag)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// defaultName is the file name a flag's hint suggests.
func defaultName(flag string) string {
	switch flag {
	case "plot":
		return "fit.png"
	case "journal":
		return "clc-fit.journal.jsonl"
	}
	return "clc-fit.yaml"
}

// checkPlotPath checks that path names a format clc can plot to (.png or
// .svg) in a writable directory.
func checkPlotPath(path string) error {
	if _, err := plot.Format(path); err != nil {
		return err
	}
	return checkOutput("plot", path, false)
}
