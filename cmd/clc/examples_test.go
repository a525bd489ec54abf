package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// checkCommandLine parses a clc command line from an example with clc's own
// commands and flags: an example that uses a flag clc does not have fails.
func checkCommandLine(t *testing.T, where, line string) {
	t.Helper()
	args := strings.Fields(line)
	if len(args) == 0 || args[0] != "clc" {
		t.Fatalf("%s: not a clc command: %q", where, line)
	}
	root := newRootCmd(strings.NewReader(""), io.Discard, io.Discard)
	cmd, rest, err := root.Find(args[1:])
	if err != nil || cmd == root {
		t.Errorf("%s: %q: no such command (%v)", where, line, err)
		return
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: %q: %v", where, line, err)
	}
}

// clcLines returns the clc command lines of a shell text: lines starting
// with "clc " (after "run:" or "&&"), with backslash continuations joined,
// quotes dropped and shell variables replaced by a plain word.
func clcLines(text string) []string {
	text = strings.ReplaceAll(text, "\\\n", " ")
	vars := regexp.MustCompile(`\$\{\{[^}]*\}\}|"?\$\{?[A-Za-z_][A-Za-z_0-9:-]*\}?"?`)
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for _, part := range strings.Split(line, "&&") {
			part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "run:"))
			if i := strings.Index(part, "'clc "); i >= 0 { // sh -c 'clc ...', --wrap 'clc ...'
				part = part[i+1:]
			}
			part = strings.Trim(part, `'"`)
			if i := strings.Index(part, " >"); i >= 0 {
				part = part[:i]
			}
			if strings.HasPrefix(part, "clc ") {
				out = append(out, vars.ReplaceAllString(part, "1"))
			}
		}
	}
	return out
}

// readExample reads a file under examples/.
func readExample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// workflow is the part of a GitHub Actions workflow the tests read.
type workflow struct {
	Jobs map[string]struct {
		Strategy struct {
			Matrix struct {
				Shard []int `yaml:"shard"`
			} `yaml:"matrix"`
		} `yaml:"strategy"`
		Steps []struct {
			Run string `yaml:"run"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// readWorkflow parses a workflow under examples/ and returns it with the
// clc command lines of the named jobs' steps.
func readWorkflow(t *testing.T, name string, jobs ...string) ([]byte, workflow, []string) {
	t.Helper()
	b := readExample(t, name)
	var wf workflow
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, job := range jobs {
		for _, s := range wf.Jobs[job].Steps {
			lines = append(lines, clcLines(s.Run)...)
		}
	}
	return b, wf, lines
}

// The Kubernetes example is an Indexed Job whose completions equal the
// --shards its pods pass, and every clc command in it is valid.
func TestExampleKubernetes(t *testing.T) {
	b := readExample(t, "sharding/k8s-indexed-job.yaml")
	type job struct {
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Template       struct {
				Spec struct {
					Containers []struct {
						Command []string `yaml:"command"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var jobs []job
	for {
		var j job
		if err := dec.Decode(&j); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	if len(jobs) != 2 || jobs[0].Spec.CompletionMode != "Indexed" {
		t.Fatalf("want an Indexed Job and a merge Job, got %+v", jobs)
	}
	sweep := jobs[0].Spec.Template.Spec.Containers[0].Command
	line := strings.Join(sweep, " ")
	if want := "--shards " + itoa(jobs[0].Spec.Completions); !strings.Contains(line, want) {
		t.Errorf("sweep command %q lacks %q (completions)", line, want)
	}
	checkCommandLine(t, "k8s sweep", line)
	merge := jobs[1].Spec.Template.Spec.Containers[0].Command
	lines := clcLines(merge[len(merge)-1])
	if len(lines) != 2 || !strings.Contains(lines[0], "of-"+itoa(jobs[0].Spec.Completions)) {
		t.Errorf("merge job: %q", lines)
	}
	for _, l := range lines {
		checkCommandLine(t, "k8s merge", l)
	}
}

// The GitHub Actions example shards over as many matrix jobs as its --shard
// count, and every clc command in it is valid.
func TestExampleGitHubActions(t *testing.T) {
	b, wf, lines := readWorkflow(t, "sharding/github-actions-matrix.yml", "sweep", "merge")
	n := len(wf.Jobs["sweep"].Strategy.Matrix.Shard)
	if n < 2 || !strings.Contains(string(b), "--shard ${{ matrix.shard }}/"+itoa(n)) {
		t.Errorf("matrix of %d shards does not match the --shard count", n)
	}
	for _, l := range lines {
		checkCommandLine(t, "github actions", l)
	}
	if len(lines) != 3 {
		t.Errorf("found %d clc commands, want fit, merge and schedule", len(lines))
	}
}

// The Slurm example's array has as many tasks as its merge job expects
// shards, and every clc command in the two job scripts is valid.
func TestExampleSlurm(t *testing.T) {
	b := readExample(t, "sharding/slurm-array.sh")
	merge := readExample(t, "sharding/slurm-merge.sh")
	m := regexp.MustCompile(`#SBATCH --array=0-(\d+)`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no #SBATCH --array=0-N")
	}
	tasks := atoi(string(m[1])) + 1
	if !strings.Contains(string(merge), "shard-*-of-"+itoa(tasks)) {
		t.Errorf("the merge job does not expect %d shards", tasks)
	}
	for _, text := range [][]byte{b, merge} {
		if !strings.Contains(string(text), "sbatch --dependency=afterany:$jobid examples/sharding/slurm-merge.sh") {
			t.Errorf("%.40q...: no afterany submission of the merge job", text)
		}
	}
	lines := append(clcLines(string(b)), clcLines(string(merge))...)
	if len(lines) != 2 {
		t.Fatalf("clc commands: %q, want fit and merge", lines)
	}
	for _, l := range lines {
		checkCommandLine(t, "slurm", l)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// The CI recipe's clc commands are valid, fit and schedule both print
// JSON, and the job gates on the JSON's warnings.
func TestExampleCIRecipe(t *testing.T) {
	b, _, lines := readWorkflow(t, "ci/github-actions-fit.yml", "fit")
	if len(lines) != 3 {
		t.Fatalf("clc commands: %q, want version, fit and schedule", lines)
	}
	for _, l := range lines {
		checkCommandLine(t, "ci recipe", l)
	}
	for _, want := range []string{"fit data/train.csv --config clc.yaml --json", "--json > schedule.json", ".warnings | length == 0"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the recipe lacks %q", want)
		}
	}
}
