package main

import (
	"bytes"
	"encoding/json"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// withBuildInfo makes currentVersion see bi (ok false: no build info).
func withBuildInfo(t *testing.T, bi *debug.BuildInfo, ok bool) {
	t.Helper()
	old := readBuildInfo
	readBuildInfo = func() (*debug.BuildInfo, bool) { return bi, ok }
	t.Cleanup(func() { readBuildInfo = old })
}

func TestVersionStamped(t *testing.T) {
	withBuildInfo(t, &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/clc-tools/clc", Version: "v0.1.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2025-05-01T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}, true)
	var buf bytes.Buffer
	if err := writeVersion(&buf, currentVersion(), false); err != nil {
		t.Fatal(err)
	}
	want := "clc " + version + "\n" +
		"module  github.com/clc-tools/clc v0.1.0\n" +
		"commit  0123456789abcdef0123456789abcdef01234567 (modified)\n" +
		"time    2025-05-01T12:00:00Z\n" +
		"go      go1.26.8 " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	buf.Reset()
	if err := writeVersion(&buf, currentVersion(), true); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, buf.String())
	}
	for k, want := range map[string]any{
		"version": version, "module": "github.com/clc-tools/clc", "module_version": "v0.1.0",
		"commit": "0123456789abcdef0123456789abcdef01234567", "commit_time": "2025-05-01T12:00:00Z",
		"modified": true, "go": "go1.26.8", "os": runtime.GOOS, "arch": runtime.GOARCH,
	} {
		if v[k] != want {
			t.Errorf("%s = %v, want %v", k, v[k], want)
		}
	}
	if len(v) != 9 {
		t.Errorf("got %d keys, want 9: %v", len(v), v)
	}
}

// TestVersionUnstamped: without build information every key is still
// there, "unknown" (modified: null).
func TestVersionUnstamped(t *testing.T) {
	withBuildInfo(t, nil, false)
	var buf bytes.Buffer
	if err := writeVersion(&buf, currentVersion(), true); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"module", "module_version", "commit", "commit_time"} {
		if v[k] != unknown {
			t.Errorf("%s = %v, want %q", k, v[k], unknown)
		}
	}
	if m, ok := v["modified"]; !ok || m != nil {
		t.Errorf("modified = %v (present %v), want null", m, ok)
	}
	if v["go"] != runtime.Version() {
		t.Errorf("go = %v, want %s", v["go"], runtime.Version())
	}

	buf.Reset()
	if err := writeVersion(&buf, currentVersion(), false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "commit  unknown\n") {
		t.Errorf("text output lacks an unknown commit:\n%s", buf.String())
	}
}
