package main

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// slurmRequired names the variable that says a Slurm cluster is up (.ci/run
// sets it after scripts/slurm-up.sh): TestSlurmArray then fails where it
// would otherwise skip.
const slurmRequired = "CLC_TEST_SLURM"

// slurmTimeout bounds the wait for the jobs; they take seconds.
const slurmTimeout = 5 * time.Minute

// TestSlurmArray runs the Slurm example for real: it submits
// examples/sharding/slurm-array.sh as written (an 8-task array, one shard of
// the plan each) and slurm-merge.sh after it with --dependency=afterany, as
// the example's comment says, on testdata/fashion-7x7-2k.csv; waits for
// both; and checks that the merged fit equals the fit of the same script run
// in one process, apart from wall times. Only the resource requests are
// sized to the node on sbatch's command line (--cpus-per-task, --mem), as
// the example explains. It skips where no cluster answers, unless
// CLC_TEST_SLURM is set.
func TestSlurmArray(t *testing.T) {
	requireSlurm(t)
	examples, err := filepath.Abs("../../examples/sharding")
	if err != nil {
		t.Fatal(err)
	}
	data, err := filepath.Abs("../../testdata/fashion-7x7-2k.csv")
	if err != nil {
		t.Fatal(err)
	}
	arrayScript := filepath.Join(examples, "slurm-array.sh")
	mergeScript := filepath.Join(examples, "slurm-merge.sh")

	// clc built as a user builds it (with this test's go settings, so the
	// build cache serves it), first on the PATH the jobs inherit.
	bin := t.TempDir()
	build := exec.Command(goTool(), "build", "-o", filepath.Join(bin, "clc"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	env := slurmJobEnv(bin, data)

	// Submit as the example says, from the work directory (sbatch exports
	// the environment, so the jobs see PATH, DATA and OUT).
	array := sbatch(t, work, env, "--cpus-per-task=1", "--mem=512M", arrayScript)
	merge := sbatch(t, work, env, "--dependency=afterany:"+array, mergeScript)
	done := false
	t.Cleanup(func() {
		if !done {
			_ = exec.Command("scancel", array, merge).Run()
		}
	})
	start := time.Now()
	states := waitSlurm(t, work, array, merge)
	done = true
	t.Logf("array %s and merge job %s ended after %.1fs", array, merge, time.Since(start).Seconds())

	tasks := 0
	for _, id := range slices.Sorted(maps.Keys(states)) {
		state := states[id]
		if strings.HasPrefix(id, array+"_") {
			tasks++
		}
		if state != "COMPLETED" {
			t.Errorf("job %s ended %s", id, state)
		}
	}
	if tasks != 8 {
		t.Errorf("%d array tasks ran, want the 8 of #SBATCH --array=0-7", tasks)
	}
	journals, _ := filepath.Glob(filepath.Join(work, "sweep", "clc-fit.shard-*-of-8.journal.jsonl"))
	if len(journals) != 8 {
		t.Errorf("shard journals: %q, want one per task", journals)
	}
	if t.Failed() {
		t.Fatalf("the jobs failed; their logs:\n%s", slurmLogs(work))
	}

	// The same script without Slurm: one process fits the whole plan.
	single := exec.Command("bash", arrayScript)
	single.Dir = work
	single.Env = append(slices.Clone(env), "OUT=single")
	if out, err := single.CombinedOutput(); err != nil {
		t.Fatalf("bash slurm-array.sh without Slurm: %v\n%s", err, out)
	}
	merged, err := readFitNoWallTimes(filepath.Join(work, "sweep", "clc-fit.yaml"))
	if err != nil {
		t.Fatalf("%v\nthe jobs' logs:\n%s", err, slurmLogs(work))
	}
	whole, err := readFitNoWallTimes(filepath.Join(work, "single", "clc-fit.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Trials) == 0 {
		t.Fatal("the single-process fit has no trials")
	}
	if !reflect.DeepEqual(merged, whole) {
		t.Errorf("the merged fit of the Slurm array differs from the single-process fit:\nmerged %+v\nsingle %+v", *merged, *whole)
	}
}

// requireSlurm skips the test unless a Slurm controller answers and has a
// node that takes jobs; with CLC_TEST_SLURM set it fails instead.
func requireSlurm(t *testing.T) {
	t.Helper()
	reason := ""
	if _, err := exec.LookPath("sbatch"); err != nil {
		reason = "sbatch is not on PATH"
	} else if out, err := exec.Command("sinfo", "-h", "-N", "-o", "%T").Output(); err != nil {
		reason = "sinfo failed: " + exitText(err)
	} else if !slices.ContainsFunc(strings.Fields(string(out)), nodeTakesJobs) {
		reason = "no node is idle (sinfo node states: " + strings.Join(strings.Fields(string(out)), " ") + ")"
	}
	switch {
	case reason != "" && os.Getenv(slurmRequired) != "":
		t.Fatalf("%s is set but the Slurm cluster is not usable: %s (scripts/slurm-up.sh starts it)", slurmRequired, reason)
	case reason != "":
		t.Skipf("no Slurm cluster: %s; as root, scripts/slurm-up.sh starts a one-node cluster (%s=1 makes this a failure)", reason, slurmRequired)
	}
}

// nodeTakesJobs reports whether a node state from sinfo's %T accepts jobs.
func nodeTakesJobs(state string) bool {
	return state == "idle" || state == "mixed" || state == "allocated"
}

// exitText is an exec error with the command's stderr, if any.
func exitText(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return err.Error() + ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return err.Error()
}

// goTool is the go command that runs this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// slurmJobEnv is the environment of the submissions and of the
// single-process run: this process's, without settings that would change
// the plan or the shard (CLC_*, SLURM_ARRAY_*, JOB_COMPLETION_INDEX), with
// bin first on PATH, DATA and a batch size that the smallest fraction of
// the example (1/64 of 1800 training rows: 28 rows) can fill.
func slurmJobEnv(bin, data string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "CLC_"), strings.HasPrefix(name, "SLURM_ARRAY_"),
			name == "JOB_COMPLETION_INDEX", name == "PATH", name == "DATA", name == "OUT":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"DATA="+data,
		"CLC_BATCH_SIZE=16",
	)
}

// sbatch submits a job script from dir and returns the job id.
func sbatch(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("sbatch", append([]string{"--parsable"}, args...)...)
	cmd.Dir = dir
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sbatch %s: %s", strings.Join(args, " "), exitText(err))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";") // "id" or "id;cluster"
	if id == "" {
		t.Fatalf("sbatch %s printed no job id", strings.Join(args, " "))
	}
	return id
}

// slurmEnded holds the job states from which a job does not move on.
var slurmEnded = map[string]bool{
	"COMPLETED": true, "FAILED": true, "CANCELLED": true, "TIMEOUT": true, "NODE_FAIL": true,
	"OUT_OF_MEMORY": true, "PREEMPTED": true, "BOOT_FAIL": true, "DEADLINE": true,
}

// waitSlurm polls squeue until the merge job (which runs after every task of
// the array) has ended, and returns the state of each job and array task,
// e.g. "123_4" → "COMPLETED". It fails the test after slurmTimeout.
func waitSlurm(t *testing.T, work, array, merge string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(slurmTimeout)
	var last string
	for {
		out, err := exec.Command("squeue", "-h", "-r", "-t", "all", "-j", array+","+merge, "-o", "%i %T").Output()
		if err != nil {
			last = "squeue: " + exitText(err) // the controller may be busy: ask again
		} else {
			last = strings.TrimSpace(string(out))
			states := map[string]string{}
			ended := true
			for _, line := range strings.Split(last, "\n") {
				if id, state, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
					states[id] = state
					ended = ended && slurmEnded[state]
				}
			}
			if _, ok := states[merge]; ok && ended {
				return states
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the jobs did not end within %v; squeue:\n%s\nlogs:\n%s", slurmTimeout, last, slurmLogs(work))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// slurmLogs is the text of the jobs' log files in work.
func slurmLogs(work string) string {
	logs, _ := filepath.Glob(filepath.Join(work, "clc-*.log"))
	var b strings.Builder
	for _, name := range logs {
		text, _ := os.ReadFile(name)
		b.WriteString("--- " + filepath.Base(name) + "\n" + string(text))
	}
	return b.String()
}
