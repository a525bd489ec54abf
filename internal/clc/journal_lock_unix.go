//go:build unix

package clc

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockSupported: journals are locked while open for appending.
const lockSupported = true

// lockFile takes an exclusive, non-blocking advisory lock on f for as long
// as f is open, so two sweeps never append to one journal at once.
func lockFile(f *os.File) error {
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if err == unix.EWOULDBLOCK {
			return errLocked
		}
		return err
	}
	return nil
}
