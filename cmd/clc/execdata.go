package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
)

// execDataInfo describes the data of a sweep trained by --exec. Without a
// data file N_full is --n-full and the source is "exec". With one, the
// file's SHA-256 enters the journal's fingerprint (a changed file never
// reuses trials), and N_full is --n-full or else the file's data rows: its
// lines after the header, blank lines not counted, read through gzip when
// the file starts with gzip's magic bytes.
func execDataInfo(path string, nFull int) (clc.DatasetInfo, error) {
	if path == "" {
		return clc.DatasetInfo{Source: "exec", Rows: nFull}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return clc.DatasetInfo{}, inputerr.New("cannot read %s: %v", path, inputerr.PathCause(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return clc.DatasetInfo{}, inputerr.New("%s is a directory; clc fit --exec takes one data file", path).
			WithHint("pass the directory to your command in --exec yourself and give --n-full")
	}
	sum := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(f, sum), 1<<20)
	var body io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		z, err := gzip.NewReader(br)
		if err != nil {
			return clc.DatasetInfo{}, inputerr.New("%s: %v", path, err)
		}
		body = z
	}
	rows, err := countDataRows(body)
	if err != nil {
		return clc.DatasetInfo{}, inputerr.New("reading %s: %v", path, err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil { // hash what gzip left unread
		return clc.DatasetInfo{}, fmt.Errorf("reading %s: %w", path, err)
	}
	if nFull < 1 {
		if rows < 1 {
			return clc.DatasetInfo{}, inputerr.New("%s has no data rows after its header", path).
				WithHint("give the training size with --n-full")
		}
		nFull = rows
	}
	return clc.DatasetInfo{Source: path, SHA256: hex.EncodeToString(sum.Sum(nil)), Rows: nFull}, nil
}

// countDataRows counts the non-blank lines of r after the first.
func countDataRows(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<30)
	lines := 0
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) > 0 {
			lines++
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return max(lines-1, 0), nil
}
