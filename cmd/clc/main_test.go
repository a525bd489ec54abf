package main

import (
	"flag"
	"os"
	"reflect"
	"testing"

	"github.com/clc-tools/clc/internal/clc"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the golden files (cmp targets) of the testscripts")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"clc": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the CLI scripts in testdata/script against the real
// binary: each script is a txtar archive of commands, expected output and
// input files (see github.com/rogpeppe/go-internal/testscript).
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "../../testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			env.Setenv("TESTDATA", wd+"/../../testdata")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"clc-trials-equal": cmdTrialsEqual,
		},
	})
}

// cmdTrialsEqual is the script command "clc-trials-equal A.yaml B.yaml": the
// two fit files hold the same trials, bit for bit, apart from wall times.
func cmdTrialsEqual(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: clc-trials-equal A.yaml B.yaml")
	}
	a, err := clc.ReadFitFile(ts.MkAbs(args[0]))
	ts.Check(err)
	b, err := clc.ReadFitFile(ts.MkAbs(args[1]))
	ts.Check(err)
	equal := len(a.Trials) == len(b.Trials)
	for i := 0; equal && i < len(a.Trials); i++ {
		x, y := a.Trials[i], b.Trials[i]
		x.Seconds, y.Seconds = 0, 0
		equal = reflect.DeepEqual(x, y)
		if !equal && !neg {
			ts.Logf("trial %d differs:\n%+v\n%+v", i, x, y)
		}
	}
	if equal == neg {
		ts.Fatalf("trials equal = %v", equal)
	}
}
