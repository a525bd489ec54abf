package exectrainer

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a fake trainer: with GO_EXEC_TRAINER_MODE set,
// TestMain runs fakeTrainer instead of the tests. Tests run it through
// Config.Command with os.Args[0] (or a symlink to it) as argv[0].
const modeEnv = "GO_EXEC_TRAINER_MODE"

func TestMain(m *testing.M) {
	if mode := os.Getenv(modeEnv); mode != "" {
		os.Exit(fakeTrainer(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeTrainer implements the modes below. GO_EXEC_TRAINER_OUT names a file
// that receives {"args": [...], "env": {CLC_*...}}; GO_EXEC_TRAINER_COUNT a
// file whose attempt counter is incremented on every run.
func fakeTrainer(mode string, args []string) int {
	if out := os.Getenv("GO_EXEC_TRAINER_OUT"); out != "" {
		env := map[string]string{}
		for _, kv := range os.Environ() {
			if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "CLC_") || k == "FOO" {
				env[k] = v
			}
		}
		b, _ := json.Marshal(map[string]any{"args": args, "env": env})
		if err := os.WriteFile(out, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 9
		}
	}
	attempt := 0
	if f := os.Getenv("GO_EXEC_TRAINER_COUNT"); f != "" {
		b, _ := os.ReadFile(f)
		attempt, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		attempt++
		os.WriteFile(f, []byte(strconv.Itoa(attempt)), 0o644)
	}
	lr := os.Getenv("CLC_LR")
	switch mode {
	case "json":
		fmt.Println("epoch 1 loss 2.3")
		fmt.Println(`{"progress": true}`)
		fmt.Printf("{\"loss\": %s, \"accuracy\": 0.75, \"steps\": 7}\n\n  \n", lr)
	case "kv":
		fmt.Printf("training...\nloss=%s accuracy=0.5 train_loss=0.25\n", lr)
	case "diverged-json":
		fmt.Println(`{"loss": NaN, "accuracy": 0.1}`)
	case "diverged-kv":
		fmt.Println("loss=1.5 diverged=true")
	case "garbage":
		fmt.Println("all done, thanks")
	case "fail":
		fmt.Fprintf(os.Stderr, "traceback...\nboom %d\n", attempt)
		return 3
	case "fail-once":
		if attempt < 2 {
			fmt.Fprintln(os.Stderr, "flaky")
			return 1
		}
		fmt.Println("loss=0.5")
	case "sleep":
		time.Sleep(30 * time.Second)
		fmt.Println("loss=1")
	case "spawn":
		// A child in the same process group that outlives us unless the
		// whole group is killed.
		c := exec.Command(os.Args[0])
		c.Env = append(os.Environ(), modeEnv+"=sleep", "GO_EXEC_TRAINER_OUT=", "GO_EXEC_TRAINER_COUNT=")
		if err := c.Start(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 9
		}
		os.WriteFile(os.Getenv("GO_EXEC_TRAINER_PID"), []byte(strconv.Itoa(c.Process.Pid)), 0o644)
		time.Sleep(30 * time.Second)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", mode)
		return 2
	}
	return 0
}
