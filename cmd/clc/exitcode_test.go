package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/rogpeppe/go-internal/txtar"
)

// wrapBadExec matches a "! exec clc ARGS" line of a testscript, with its
// indentation and [condition] prefixes.
var wrapBadExec = regexp.MustCompile(`(?m)^(\s*(?:\[[^\]]*\]\s*)*)! exec clc (.*)$`)

// TestBadInputExitCodes reruns the bad-input catalogue,
// testdata/script/badinput_*.txtar, with every "! exec clc ARGS" run through
// sh, which reports clc's exit status on stderr, and checks that the status
// is exactly 2 (testscript's "! exec" only checks that a command fails) and
// that stderr keeps the error contract of docs/design.md ("Exit codes and errors"): exactly one
// "clc: error:" line, at most one "clc: hint:" line, neither starting with a
// capital letter nor ending with a period, and no panic.
func TestBadInputExitCodes(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	scripts, err := filepath.Glob("../../testdata/script/badinput_*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no bad-input scripts: %v", err)
	}
	dir := t.TempDir()
	var files []string
	cases := 0
	for _, s := range scripts {
		data, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		ar := txtar.Parse(data)
		cases += len(wrapBadExec.FindAll(ar.Comment, -1))
		ar.Comment = wrapBadExec.ReplaceAll(ar.Comment, []byte(strings.Join([]string{
			`${1}exec sh -c 'clc "$$@"; echo "clc-exit=$$?" >&2' sh ${2}`,
			`${1}stderr '^clc-exit=2$$'`,
			`${1}stderr -count=1 '^clc: error: '`,
			`${1}! stderr '^clc: hint: .*\n(?s:.*)^clc: hint: '`,
			`${1}! stderr '^clc: (error|hint): [A-Z]'`,
			`${1}! stderr '^clc: (error|hint): .*\.$$'`,
			`${1}! stderr 'panic|goroutine '`,
		}, "\n")))
		out := filepath.Join(dir, filepath.Base(s))
		if err := os.WriteFile(out, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, out)
	}
	if cases < 30 {
		t.Errorf("the catalogue has %d failing cases, want at least 30", cases)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Files: files,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TESTDATA", wd+"/../../testdata")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"clc-trials-equal": cmdTrialsEqual,
		},
	})
}

// TestExitCodeInProcess runs bad command lines through run, in process, and
// checks that each returns exactly 2 with a one-line error naming the
// problem. It also covers the cases the testscripts cannot: paths that are
// unreadable or unwritable because of their permissions, which root can read
// and write anyway (those cases are skipped when running as root).
func TestExitCodeInProcess(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // whatever a case writes by default lands here
	write := func(name, data string, perm os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), perm); err != nil {
			t.Fatal(err)
		}
		return p
	}
	csv := write("data.csv", "a,b,y\n1,2,0\n2,3,1\n3,4,0\n4,5,1\n", 0o644)
	empty := write("empty.csv", "", 0o644)
	locked := write("locked.csv", "a,b,y\n1,2,0\n", 0o000)
	lockedFit := write("locked.yaml", "version: 1\n", 0o000)
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	root := os.Geteuid() == 0
	tests := []struct {
		name     string
		args     []string
		stdin    string
		err      string // the error line, after "clc: error: "
		needUser bool   // permissions do not bind root
	}{
		{"empty file", []string{"fit", empty}, "", empty + ": file is empty; expected a header row of column names", false},
		{"stdin header only", []string{"fit", "-"}, "a,b,y\n", "<stdin>: no data rows below the header", false},
		{"epochs 0", []string{"fit", "--epochs", "0", csv}, "", "--epochs 0 must be at least 1", false},
		{"unknown flag", []string{"fit", "--bogus", csv}, "", "unknown flag: --bogus", false},
		{"fit file missing", []string{"predict", "--fit", filepath.Join(dir, "none.yaml")}, "",
			filepath.Join(dir, "none.yaml") + ": fit file not found", false},
		{"unreadable data", []string{"fit", locked}, "", locked + ": permission denied", true},
		{"unreadable fit file", []string{"predict", "--fit", lockedFit}, "", lockedFit + ": permission denied", true},
		{"unwritable output directory", []string{"fit", "-o", filepath.Join(readOnly, "fit.yaml"), csv}, "",
			"cannot write " + filepath.Join(readOnly, "fit.yaml") + ": permission denied", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needUser && root {
				t.Skip("running as root: permissions do not stop root")
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d\n%s", code, exitUsage, stderr.String())
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			var errLines []string
			for _, l := range lines {
				if strings.HasPrefix(l, "clc: error: ") {
					errLines = append(errLines, strings.TrimPrefix(l, "clc: error: "))
				}
			}
			if len(errLines) != 1 || errLines[0] != tt.err {
				t.Errorf("stderr:\n%s\nwant the error line %q", stderr.String(), "clc: error: "+tt.err)
			}
			if fileExists("clc-fit.yaml") {
				t.Error("clc-fit.yaml written")
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
