package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clc-tools/clc/internal/clc"
)

// TestKillAndResume kills clc fit with SIGKILL at random points of a sweep,
// several times, resumes it each time with the same command, and checks
// that the final fit file equals an uninterrupted run's (apart from wall
// times and the creation time) and that no trial was run again after the
// journal recorded it: for the grid design, and for the adaptive design,
// whose decisions replay from the journal.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs several sweeps")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "clc")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, design := range []string{"adaptive", "grid"} {
		t.Run(design, func(t *testing.T) { killAndResume(t, bin, filepath.Join(dir, design), design) })
	}
}

func killAndResume(t *testing.T, bin, dir, design string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	args := func(out string) []string {
		return []string{"fit", "../../testdata/fashion-7x7-2k.csv", "--quiet", "--hidden", "64", "--epochs", "4",
			"--batch-size", "8", "--fractions", "1/8,1/4,1/2,1", "--lr-min", "1e-3", "--lr-max", "3",
			"--lr-points", "13", "--seeds", "3", "--workers", "2", "--design", design, "-o", out}
	}
	// The reference: one uninterrupted run.
	start := time.Now()
	ref := filepath.Join(dir, "ref.yaml")
	if out, err := exec.Command(bin, args(ref)...).CombinedOutput(); err != nil {
		t.Fatalf("reference run: %v\n%s", err, out)
	}
	full := time.Since(start)

	// The same sweep, killed at random points, then resumed.
	got := filepath.Join(dir, "got.yaml")
	journal := filepath.Join(dir, "got.journal.jsonl")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	kills, recorded := 0, []int{}
	for i := 0; i < 5; i++ {
		cmd := exec.Command(bin, args(got)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration((0.1 + 0.8*rng.Float64()) * float64(full) / 2)
		timer := time.AfterFunc(delay, func() { cmd.Process.Kill() })
		err := cmd.Wait()
		timer.Stop()
		if err == nil {
			break // finished before the kill
		}
		kills++
		if _, err := os.Stat(got); err == nil {
			t.Fatalf("kill %d left a fit file behind", kills)
		}
		recorded = append(recorded, countLines(t, journal))
	}
	// SIGINT and SIGTERM: stop, keep what finished, say how to resume, exit
	// 130 and 143.
	for _, sig := range []struct {
		s    os.Signal
		code int
	}{{os.Interrupt, 130}, {syscall.SIGTERM, 143}} {
		out := filepath.Join(dir, fmt.Sprintf("sig%d.yaml", sig.code))
		var cmd *exec.Cmd
		var stderr bytes.Buffer
		var err error
		// A run that finishes before the signal (the reference run may
		// have been slowed by a loaded machine) is tried again, from
		// scratch, with the signal sent sooner.
		for delay := full / 4; ; delay /= 2 {
			cmd = exec.Command(bin, args(out)...)
			stderr.Reset()
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(sig.s)
			err = cmd.Wait()
			if err != nil || delay < time.Millisecond {
				break
			}
			os.Remove(out)
			os.Remove(strings.TrimSuffix(out, ".yaml") + ".journal.jsonl")
		}
		if code := cmd.ProcessState.ExitCode(); err == nil || code != sig.code {
			t.Errorf("%v: exit %d, want %d: %s", sig.s, code, sig.code, stderr.String())
			continue
		}
		verb := map[int]string{130: "interrupted", 143: "terminated"}[sig.code]
		if want := "clc: error: " + verb + " while sweeping; no fit file was written; the finished trials are kept in " +
			strings.TrimSuffix(out, ".yaml") + ".journal.jsonl\n"; !strings.Contains(stderr.String(), want) {
			t.Errorf("%v: stderr %q lacks %q", sig.s, stderr.String(), want)
		}
		if !strings.Contains(stderr.String(), "clc: hint: run the same command again to resume") {
			t.Errorf("%v: stderr %q lacks the resume hint", sig.s, stderr.String())
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v left a fit file behind", sig.s)
		}
		if n := countLines(t, strings.TrimSuffix(out, ".yaml")+".journal.jsonl"); n == 0 {
			t.Errorf("%v: no finished trial was recorded", sig.s)
		}
	}
	if out, err := exec.Command(bin, args(got)...).CombinedOutput(); err != nil {
		t.Fatalf("resumed run: %v\n%s", err, out)
	}
	t.Logf("killed %d times, journal lines after each kill %v (uninterrupted run %v)", kills, recorded, full.Round(time.Millisecond))

	a, err := clc.ReadFitFile(ref)
	if err != nil {
		t.Fatal(err)
	}
	b, err := clc.ReadFitFile(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*clc.FitFile{a, b} {
		f.Created = ""
		for i := range f.Trials {
			f.Trials[i].Seconds = 0
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the resumed fit differs from the uninterrupted one:\n%+v\n%+v", a.Law, b.Law)
	}

	// Every trial appears once in the journal: none ran again after it was
	// recorded.
	f, err := os.Open(journal)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	plans := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct {
			N    int             `json:"n"`
			LR   float64         `json:"lr"`
			Seed int             `json:"seed"`
			Plan json.RawMessage `json:"plan"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("journal line %q: %v", sc.Text(), err)
		}
		if e.Plan != nil { // the sweep's plan record, written once per plan
			plans++
			continue
		}
		key := jsonKey(e.N, e.LR, e.Seed)
		if seen[key] {
			t.Errorf("trial %s recorded twice", key)
		}
		seen[key] = true
	}
	if len(seen) != len(a.Trials) {
		t.Errorf("journal holds %d trials, the sweep has %d", len(seen), len(a.Trials))
	}
	if plans != 1 {
		t.Errorf("journal holds %d plan records; resuming the same plan must not add any", plans)
	}
}

func jsonKey(n int, lr float64, seed int) string {
	b, _ := json.Marshal([]any{n, lr, seed})
	return string(b)
}

func countLines(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}
