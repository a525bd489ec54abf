//go:build !unix

package clc

import "os"

// lockSupported: no journal locks here.
const lockSupported = false

// lockFile is a no-op where flock(2) does not exist: concurrent sweeps must
// then be given separate journals by hand.
func lockFile(*os.File) error { return nil }
