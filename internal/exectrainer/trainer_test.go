package exectrainer

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
)

var spec0 = clc.TrialSpec{Fraction: 0.03125, N: 1875, LR: 0.1, Seed: 0}

// q quotes s for the --exec template (which follows sh quoting).
func q(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// newFake returns a trainer that runs the test binary in the given mode.
func newFake(t *testing.T, mode string, cfg Config, extraEnv ...string) *Trainer {
	t.Helper()
	if cfg.Command == "" {
		cfg.Command = q(os.Args[0])
	}
	cfg.Env = append(append(os.Environ(), modeEnv+"="+mode), extraEnv...)
	tr, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

type record struct {
	Args []string          `json:"args"`
	Env  map[string]string `json:"env"`
}

func readRecord(t *testing.T, path string) record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("fake trainer wrote no record: %v", err)
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestJSONOutput(t *testing.T) {
	tr := newFake(t, "json", Config{Epochs: 3, BatchSize: 64})
	r, err := tr.Train(context.Background(), spec0)
	if err != nil {
		t.Fatal(err)
	}
	if r.ValidLoss != 0.1 || r.ValidAccuracy != 0.75 || r.Steps != 7 || r.Diverged || !math.IsNaN(r.TrainLoss) {
		t.Errorf("got %+v, want loss 0.1, accuracy 0.75, steps 7 (from output), train loss NaN", r)
	}
	if r.Seconds <= 0 {
		t.Errorf("Seconds = %v, want > 0", r.Seconds)
	}
}

func TestKVOutput(t *testing.T) {
	tr := newFake(t, "kv", Config{Epochs: 3, BatchSize: 64})
	r, err := tr.Train(context.Background(), clc.TrialSpec{Fraction: 0.5, N: 1000, LR: 0.003, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Steps from the config: 3·floor(1000/64) = 45.
	if r.ValidLoss != 0.003 || r.ValidAccuracy != 0.5 || r.TrainLoss != 0.25 || r.Steps != 45 || r.Diverged {
		t.Errorf("got %+v", r)
	}
}

func TestDiverged(t *testing.T) {
	for _, mode := range []string{"diverged-json", "diverged-kv"} {
		t.Run(mode, func(t *testing.T) {
			r, err := newFake(t, mode, Config{}).Train(context.Background(), spec0)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Diverged || !math.IsInf(r.ValidLoss, 1) {
				t.Errorf("got %+v, want diverged with +Inf loss", r)
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	count := filepath.Join(t.TempDir(), "count")
	tr := newFake(t, "fail", Config{Retries: 1}, "GO_EXEC_TRAINER_COUNT="+count)
	_, err := tr.Train(context.Background(), spec0)
	var te *TrialError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *TrialError", err)
	}
	if te.ExitCode != 3 || te.Attempts != 2 || te.TimedOut || !strings.Contains(te.StderrTail, "traceback") {
		t.Errorf("got %+v", te)
	}
	want := "command exited with status 3 after 2 attempts: boom 2" // the sweep names the trial
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
	if b, _ := os.ReadFile(count); string(b) != "2" {
		t.Errorf("attempts counted by the command: %q, want 2", b)
	}
}

func TestRetrySucceeds(t *testing.T) {
	count := filepath.Join(t.TempDir(), "count")
	tr := newFake(t, "fail-once", Config{Retries: 2}, "GO_EXEC_TRAINER_COUNT="+count)
	r, err := tr.Train(context.Background(), spec0)
	if err != nil || r.ValidLoss != 0.5 {
		t.Fatalf("got %+v, %v", r, err)
	}
	if b, _ := os.ReadFile(count); string(b) != "2" {
		t.Errorf("attempts: %q, want 2", b)
	}
}

func TestTimeout(t *testing.T) {
	count := filepath.Join(t.TempDir(), "count")
	tr := newFake(t, "sleep", Config{Timeout: 300 * time.Millisecond, Retries: 3}, "GO_EXEC_TRAINER_COUNT="+count)
	start := time.Now()
	_, err := tr.Train(context.Background(), spec0)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	var te *TrialError
	if !errors.As(err, &te) || !te.TimedOut || te.Attempts != 1 {
		t.Fatalf("err = %#v, want a timed-out *TrialError after 1 attempt (timeouts are not retried)", err)
	}
	if !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Errorf("Error() = %q", err.Error())
	}
}

func TestGarbageOutput(t *testing.T) {
	count := filepath.Join(t.TempDir(), "count")
	_, err := newFake(t, "garbage", Config{Retries: 2}, "GO_EXEC_TRAINER_COUNT="+count).Train(context.Background(), spec0)
	var te *TrialError
	if !errors.As(err, &te) || te.ExitCode != 0 || te.Attempts != 1 {
		t.Fatalf("err = %v, want *TrialError with exit 0 after 1 attempt", err)
	}
	if !strings.Contains(err.Error(), `"all done, thanks"`) || !strings.Contains(te.StdoutTail, "all done") {
		t.Errorf("Error() = %q, StdoutTail = %q", err.Error(), te.StdoutTail)
	}
}

func TestStartFailure(t *testing.T) {
	tr, err := New(Config{Command: "/nonexistent/trainer --lr {lr}", Retries: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tr.Train(context.Background(), spec0)
	var te *TrialError
	if !errors.As(err, &te) || te.Attempts != 1 || !strings.Contains(err.Error(), "could not run") {
		t.Fatalf("err = %v", err)
	}
}

// A directory whose name holds spaces, both quote characters, ';' and $(...).
func hostileDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), `it's a "dir"; $(touch pwned) `+"`touch pwned`")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestPlaceholdersAndQuoting(t *testing.T) {
	dir := hostileDir(t)
	// Run the fake trainer through a symlink inside the hostile directory,
	// so argv[0] itself holds the special characters.
	bin := filepath.Join(dir, "fake trainer")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Skip("symlink:", err)
	}
	out := filepath.Join(dir, "n1875-lr0.1-s0.json")
	dq := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(dir)
	for name, cmd := range map[string]string{
		"single quotes": q(bin) + " --out " + q(dir) + "/{trial}.json --lr={lr} --n {n} --seed {seed} --fraction {fraction} -e {epochs} -b {batch_size} '{n} {lr}' it\\'s \"a \\\"b\\\"\" {}x {nope ${HOME}",
		"double quotes": `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(bin) + `" --out "` + dq + `/{trial}.json" --lr={lr} --n {n} --seed {seed} --fraction {fraction} -e {epochs} -b {batch_size} '{n} {lr}' it\'s "a \"b\"" {}x {nope ${HOME}`,
	} {
		t.Run(name, func(t *testing.T) {
			os.Remove(out)
			tr, err := New(Config{Command: cmd, Epochs: 3, BatchSize: 64, Env: append(os.Environ(), modeEnv+"=json", "FOO=bar")})
			if err != nil {
				t.Fatal(err)
			}
			// The fake writes its record to GO_EXEC_TRAINER_OUT, here the
			// same path as the substituted --out argument.
			argv := tr.Command(spec0)
			if argv[0] != bin || argv[2] != out {
				t.Errorf("argv[0] = %q, argv[2] = %q, want %q, %q", argv[0], argv[2], bin, out)
			}
			tr.cfg.Env = append(tr.cfg.Env, "GO_EXEC_TRAINER_OUT="+out)
			if _, err := tr.Train(context.Background(), spec0); err != nil {
				t.Fatal(err)
			}
			rec := readRecord(t, out)
			want := []string{"--out", out, "--lr=0.1", "--n", "1875", "--seed", "0", "--fraction", "0.03125",
				"-e", "3", "-b", "64", "1875 0.1", "it's", `a "b"`, "{}x", "{nope", "${HOME}"}
			if strings.Join(rec.Args, "\x00") != strings.Join(want, "\x00") {
				t.Errorf("args = %q\nwant   %q", rec.Args, want)
			}
			wantEnv := map[string]string{"CLC_LR": "0.1", "CLC_FRACTION": "0.03125", "CLC_N": "1875", "CLC_SEED": "0",
				"CLC_EPOCHS": "3", "CLC_BATCH_SIZE": "64", "CLC_TRIAL": "n1875-lr0.1-s0", "FOO": "bar"}
			for k, v := range wantEnv {
				if rec.Env[k] != v {
					t.Errorf("env %s = %q, want %q", k, rec.Env[k], v)
				}
			}
			assertNoPwned(t, dir)
		})
	}
}

// A trial of another run (a sweep over several lengths or batch sizes)
// gets that run's epochs and batch size in its placeholders, environment,
// trial id and default step count.
func TestOtherRun(t *testing.T) {
	work := t.TempDir()
	out := filepath.Join(work, "rec.json")
	tr := newFake(t, "kv", Config{Command: q(os.Args[0]) + " {epochs} {batch_size} {trial}", Epochs: 3, BatchSize: 64}, "GO_EXEC_TRAINER_OUT="+out)
	spec := spec0
	spec.Epochs, spec.BatchSize = 9, 128
	res, err := tr.Train(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	rec := readRecord(t, out)
	if want := []string{"9", "128", "n1875-lr0.1-s0-e9-b128"}; strings.Join(rec.Args, " ") != strings.Join(want, " ") {
		t.Errorf("args %q, want %q", rec.Args, want)
	}
	if rec.Env["CLC_EPOCHS"] != "9" || rec.Env["CLC_BATCH_SIZE"] != "128" || rec.Env["CLC_TRIAL"] != "n1875-lr0.1-s0-e9-b128" {
		t.Errorf("env %v", rec.Env)
	}
	if res.Steps != 9*(1875/128) {
		t.Errorf("steps %d, want the run's 9·floor(1875/128) = %d", res.Steps, 9*(1875/128))
	}
	spec.Epochs = 0
	if got := TrialID(spec); got != "n1875-lr0.1-s0-b128" {
		t.Errorf("TrialID = %q", got)
	}
}

func assertNoPwned(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range append(dirs, ".") {
		for _, name := range []string{"pwned", "pwned2"} {
			if _, err := os.Stat(filepath.Join(d, name)); err == nil {
				t.Errorf("%s appeared in %s: a shell ran", name, d)
			}
		}
	}
}

// Without Shell, ';', $(...), backquotes, pipes and redirections are plain
// argument text.
func TestNoShell(t *testing.T) {
	work := t.TempDir()
	out := filepath.Join(work, "rec.json")
	cmd := q(os.Args[0]) + ` 'a; touch pwned' '$(touch pwned)' "\$(touch pwned2)" ` + "'`touch pwned`'" + ` '|' 'x>pwned' && touch pwned2`
	tr := newFake(t, "json", Config{Command: cmd, Dir: work}, "GO_EXEC_TRAINER_OUT="+out)
	if _, err := tr.Train(context.Background(), spec0); err != nil {
		t.Fatal(err)
	}
	want := []string{"a; touch pwned", "$(touch pwned)", "$(touch pwned2)", "`touch pwned`", "|", "x>pwned", "&&", "touch", "pwned2"}
	if got := readRecord(t, out).Args; strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("args = %q\nwant   %q", got, want)
	}
	assertNoPwned(t, work)
}

func TestShell(t *testing.T) {
	work := t.TempDir()
	out := filepath.Join(work, "rec.json")
	cmd := q(os.Args[0]) + ` --lr {lr} --trial {trial} "$CLC_N" ${CLC_SEED} | cat; echo loss=$CLC_LR`
	tr := newFake(t, "json", Config{Command: cmd, Shell: true, Dir: work}, "GO_EXEC_TRAINER_OUT="+out)
	if argv := tr.Command(spec0); argv[0] != "sh" || argv[1] != "-c" {
		t.Fatalf("argv = %q", argv)
	}
	r, err := tr.Train(context.Background(), spec0)
	if err != nil {
		t.Fatal(err)
	}
	if r.ValidLoss != 0.1 {
		t.Errorf("loss = %v", r.ValidLoss)
	}
	want := []string{"--lr", "0.1", "--trial", "n1875-lr0.1-s0", "1875", "0"}
	if got := readRecord(t, out).Args; strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("args = %q\nwant   %q", got, want)
	}
}

// With Shell, substituted values are quoted: a hostile value reaches the
// command as one literal word.
func TestShellQuotesValues(t *testing.T) {
	work := t.TempDir()
	tpl, err := parseTemplate(`printf '[%s]' {trial} x{trial}y`, paramExec)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{`it's a "dir"; $(touch pwned) ` + "`touch pwned2`" + ` | & > <`, "0.1", "", "1e-05", `\`, "a\nb"} {
		script := tpl.expand(map[string]string{"trial": v}, shellQuote)
		c := exec.Command("sh", "-c", script)
		c.Dir = work
		got, err := c.Output()
		if err != nil {
			t.Fatalf("%q: %v", script, err)
		}
		if want := "[" + v + "][x" + v + "y]"; string(got) != want {
			t.Errorf("sh -c %q printed %q, want %q", script, got, want)
		}
	}
	assertNoPwned(t, work)
}

func TestCancelKillsProcessGroup(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process groups are unix only")
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	tr := newFake(t, "spawn", Config{}, "GO_EXEC_TRAINER_PID="+pidFile)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { _, err := tr.Train(ctx, spec0); done <- err }()
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the fake trainer did not start its child")
		}
		b, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(string(b))
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var te *TrialError
	if errors.As(err, &te) {
		t.Errorf("cancellation returned a TrialError: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Train returned after %v", d)
	}
	// The grandchild must be gone (or a zombie awaiting its reaper).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if alive(pid) {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("grandchild %d survived cancellation", pid)
			}
			continue
		}
		break
	}
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// state is the field after "(comm)"
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

func TestConcurrent(t *testing.T) {
	tr := newFake(t, "json", Config{})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lr := math.Pow(10, -float64(i)/4)
			r, err := tr.Train(context.Background(), clc.TrialSpec{Fraction: 1, N: 100, LR: lr, Seed: i})
			if err != nil {
				t.Error(err)
				return
			}
			if r.ValidLoss != lr {
				t.Errorf("lr %v: loss %v", lr, r.ValidLoss)
			}
		}()
	}
	wg.Wait()
}

func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string // in the message
	}{
		{Config{Command: ""}, "empty command"},
		{Config{Command: "  \t"}, "empty command"},
		{Config{Command: "''"}, "empty command name"},
		{Config{Command: "python3 train.py --lr {learning_rate}"}, "{learning_rate}"},
		{Config{Command: "echo {LR}", Shell: true}, "{LR}"},
		{Config{Command: "echo 'abc"}, "unterminated single quote"},
		{Config{Command: `echo "abc`}, "unterminated double quote"},
		{Config{Command: `echo abc\`}, "trailing backslash"},
		{Config{Command: "no-such-program-clc-test --lr {lr}"}, "not found in PATH"},
		{Config{Command: "echo {epochs}"}, "{epochs}"},
		{Config{Command: "echo {batch_size}", Epochs: 1}, "{batch_size}"},
		{Config{Command: "echo", Retries: -1}, "retries must be ≥ 0"},
	} {
		_, err := New(c.cfg)
		var ie *inputerr.Error
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%q) = %v, want an *inputerr.Error containing %q", c.cfg.Command, err, c.want)
		}
	}
}
