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
			"clc-fits-equal":   cmdFitsEqual,
		},
	})
}

// readFitPair reads the two fit files of a comparison command, with wall
// times zeroed: created and every trial's seconds.
func readFitPair(ts *testscript.TestScript, name string, args []string) (a, b *clc.FitFile) {
	if len(args) != 2 {
		ts.Fatalf("usage: %s A.yaml B.yaml", name)
	}
	var files [2]*clc.FitFile
	for k, arg := range args {
		f, err := readFitNoWallTimes(ts.MkAbs(arg))
		ts.Check(err)
		files[k] = f
	}
	return files[0], files[1]
}

// readFitNoWallTimes reads a fit file with its wall times zeroed: created
// and every trial's seconds. Two runs of one plan read equal.
func readFitNoWallTimes(path string) (*clc.FitFile, error) {
	f, err := clc.ReadFitFile(path)
	if err != nil {
		return nil, err
	}
	f.Created = ""
	for i := range f.Trials {
		f.Trials[i].Seconds = 0
	}
	return f, nil
}

// cmdTrialsEqual is the script command "clc-trials-equal A.yaml B.yaml": the
// two fit files hold the same trials, bit for bit, apart from wall times.
func cmdTrialsEqual(ts *testscript.TestScript, neg bool, args []string) {
	a, b := readFitPair(ts, "clc-trials-equal", args)
	equal := len(a.Trials) == len(b.Trials)
	for i := 0; equal && i < len(a.Trials); i++ {
		equal = reflect.DeepEqual(a.Trials[i], b.Trials[i])
		if !equal && !neg {
			ts.Logf("trial %d differs:\n%+v\n%+v", i, a.Trials[i], b.Trials[i])
		}
	}
	if equal == neg {
		ts.Fatalf("trials equal = %v", equal)
	}
}

// cmdFitsEqual is the script command "clc-fits-equal A.yaml B.yaml": the two
// fit files are the same, bit for bit, apart from wall times (created and
// each trial's seconds).
func cmdFitsEqual(ts *testscript.TestScript, neg bool, args []string) {
	a, b := readFitPair(ts, "clc-fits-equal", args)
	if equal := reflect.DeepEqual(a, b); equal == neg {
		if !equal {
			ts.Logf("fit files differ:\n%+v\n%+v", *a, *b)
		}
		ts.Fatalf("fit files equal = %v", equal)
	}
}
