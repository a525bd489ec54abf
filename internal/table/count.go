package table

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
)

// CountRows reads the data file at path ("-": stdin) without parsing its
// cells, for a trainer that reads the file itself: it returns the number of
// data rows, counted as the lines that are not blank (white space only)
// after the first such line, the header (every such line with
// opt.NoHeader), and the hex SHA-256 of the file's bytes (compressed bytes
// for gzip). The file is opened, sniffed and decompressed as by Load, so the
// same paths and formats are refused with the same errors, and the same
// line and blank-line limits apply; ctx cancels it as it does Load.
func CountRows(ctx context.Context, path string, stdin io.Reader, opt Options) (rows int, sum string, err error) {
	f, name, err := open(ctx, path, stdin)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	lim := opt.Limits.withDefaults()
	hash := sha256.New()
	async := newAsyncReader(ctx, io.TeeReader(f, hash), name)
	defer async.Close()
	dec, _, err := openStream(async, name)
	if err != nil {
		return 0, "", err
	}
	src := newLimitReader(dec, name, lim)
	buf := make([]byte, 64<<10)
	lines, text := 0, false // lines with text; whether the current one has some
	for {
		n, err := src.Read(buf)
		for b := buf[:n]; len(b) > 0; {
			i := bytes.IndexByte(b, '\n')
			part := b
			if i >= 0 {
				part = b[:i]
			}
			text = text || len(bytes.TrimSpace(part)) > 0
			if i < 0 {
				break
			}
			if text {
				lines++
			}
			text = false
			b = b[i+1:]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, "", sourceError(name, err)
		}
	}
	if text {
		lines++
	}
	if _, err := io.Copy(io.Discard, async); err != nil { // what gzip left unread
		return 0, "", sourceError(name, err)
	}
	if !opt.NoHeader {
		lines = max(lines-1, 0)
	}
	return lines, hex.EncodeToString(hash.Sum(nil)), nil
}
