//go:build unix

package table

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestLoadFIFO: Load on a FIFO stops when its context is cancelled, both
// while open(2) waits for a writer and while the writer stays idle after
// some rows.
func TestLoadFIFO(t *testing.T) {
	for _, writes := range []string{"", "a,b,y\n1,2,0\n3,4,1\n"} {
		fifo := filepath.Join(t.TempDir(), "data.csv")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
		if writes != "" {
			opened := make(chan *os.File, 1)
			go func() {
				f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err == nil {
					f.WriteString(writes)
				}
				opened <- f
			}()
			defer func() {
				if f := <-opened; f != nil {
					f.Close()
				}
			}()
		} else {
			// Release the open that Load abandoned: a writer lets it return.
			defer func() {
				if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					f.Close()
				}
			}()
		}
		ctx, cancel := context.WithCancelCause(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := Load(ctx, fifo, nil, Options{})
			done <- err
		}()
		time.Sleep(100 * time.Millisecond)
		cause := errors.New("signal")
		cancel(cause)
		select {
		case err := <-done:
			var ie *InterruptedError
			if !errors.As(err, &ie) || ie.Name != fifo || !errors.Is(err, cause) {
				t.Errorf("writer wrote %q: error %v, want an interruption of %s", writes, err, fifo)
			}
		case <-time.After(time.Minute):
			t.Fatalf("writer wrote %q: Load did not stop after the cancel", writes)
		}
	}
}
