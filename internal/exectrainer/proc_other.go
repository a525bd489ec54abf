//go:build !unix

package exectrainer

import "os/exec"

// setProcessGroup kills only the command itself on cancellation: process
// groups are a unix feature.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.Cancel = func() error { return cmd.Process.Kill() }
}

// killGroup kills cmd.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
