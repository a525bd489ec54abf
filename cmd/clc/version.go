package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// unknown stands for build facts the binary does not carry (e.g. a build
// outside a git checkout, go run, or a test binary).
const unknown = "unknown"

// versionInfo is what clc version reports; its JSON form (--json) is stable:
// every key is always present, with "unknown" for a missing string and null
// for an unknown modified flag.
type versionInfo struct {
	Version       string `json:"version"`        // clc's version (-ldflags "-X main.version=...")
	Module        string `json:"module"`         // module path
	ModuleVersion string `json:"module_version"` // module version stamped by the go command, e.g. v0.1.0 or (devel)
	Commit        string `json:"commit"`         // VCS revision (vcs.revision)
	CommitTime    string `json:"commit_time"`    // VCS commit time, RFC 3339 (vcs.time)
	Modified      *bool  `json:"modified"`       // uncommitted changes in the build's checkout (vcs.modified)
	Go            string `json:"go"`             // Go version of the build
	OS            string `json:"os"`             // GOOS
	Arch          string `json:"arch"`           // GOARCH
}

// readBuildInfo is debug.ReadBuildInfo; tests replace it.
var readBuildInfo = debug.ReadBuildInfo

// currentVersion gathers clc's version and the build information embedded
// in the binary.
func currentVersion() versionInfo {
	v := versionInfo{
		Version: version, Module: unknown, ModuleVersion: unknown, Commit: unknown, CommitTime: unknown,
		Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
	}
	bi, ok := readBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Path != "" {
		v.Module = bi.Main.Path
	}
	if bi.Main.Version != "" {
		v.ModuleVersion = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.Go = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.CommitTime = s.Value
		case "vcs.modified":
			m := s.Value == "true"
			v.Modified = &m
		}
	}
	return v
}

func newVersionCmd(stdout io.Writer) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print clc's version, module version, commit and Go version",
		Long: `version prints clc's version, the module version and the commit it was built
from (when the binary was built in a git checkout), the Go version and the
platform. --json prints one JSON object with the keys version, module,
module_version, commit, commit_time, modified, go, os and arch.`,
		Args: rangeArgs(0, 0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeVersion(stdout, currentVersion(), asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object on stdout")
	return cmd
}

// writeVersion prints v as aligned lines, or as one JSON object.
func writeVersion(w io.Writer, v versionInfo, asJSON bool) error {
	if asJSON {
		if err := writeJSON(w, v); err != nil {
			return fmt.Errorf("writing the version: %w", err)
		}
		return nil
	}
	commit := v.Commit
	switch {
	case v.Modified != nil && *v.Modified:
		commit += " (modified)"
	case v.Modified != nil:
		commit += " (clean)"
	}
	_, err := fmt.Fprintf(w, "clc %s\nmodule  %s %s\ncommit  %s\ntime    %s\ngo      %s %s/%s\n",
		v.Version, v.Module, v.ModuleVersion, commit, v.CommitTime, v.Go, v.OS, v.Arch)
	if err != nil {
		return fmt.Errorf("writing the version: %w", err)
	}
	return nil
}
