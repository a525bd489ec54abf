package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
)

// shardChoice is the share of the plan this process runs and where that
// came from ("--shard", "JOB_COMPLETION_INDEX=3", ...); nil runs the whole
// plan.
type shardChoice struct {
	clc.Shard
	from string
}

// resolveShard picks the process's share of a plan of units units of work:
// --shard i/n; else a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (0-based)
// with n from --shards or, without it, one unit per index; else a Slurm job
// array's SLURM_ARRAY_TASK_ID counted from SLURM_ARRAY_TASK_MIN in steps of
// SLURM_ARRAY_TASK_STEP, out of SLURM_ARRAY_TASK_COUNT. A 1-way split is
// the whole plan.
func resolveShard(flags *pflag.FlagSet, shardFlag string, shards, units int) (*shardChoice, error) {
	if flags.Changed("shards") && (shards < 1 || shards > 1<<20) {
		return nil, inputerr.New("--shards %d must be between 1 and %d", shards, 1<<20)
	}
	var c *shardChoice
	switch {
	case flags.Changed("shard"):
		if flags.Changed("shards") {
			return nil, inputerr.New("--shard i/n already gives the count; --shards is for JOB_COMPLETION_INDEX")
		}
		s, err := clc.ParseShard(shardFlag)
		if err != nil {
			return nil, err
		}
		c = &shardChoice{s, "--shard"}
	case os.Getenv("JOB_COMPLETION_INDEX") != "":
		idx, err := envInt("JOB_COMPLETION_INDEX", 0)
		if err != nil {
			return nil, err
		}
		n, from := shards, "--shards"
		if !flags.Changed("shards") {
			n, from = units, "the plan's units of work"
		}
		if idx >= n {
			return nil, inputerr.New("JOB_COMPLETION_INDEX=%d is beyond the %d shards of %s", idx, n, from).
				WithHint("set the Job's completions to --shards (or to the plan's %d units of work without --shards)", units)
		}
		c = &shardChoice{clc.Shard{Index: idx, Count: n}, fmt.Sprintf("JOB_COMPLETION_INDEX=%d of %d (%s)", idx, n, from)}
	case os.Getenv("SLURM_ARRAY_TASK_ID") != "":
		id, err := envInt("SLURM_ARRAY_TASK_ID", 0)
		if err != nil {
			return nil, err
		}
		lo, err := envInt("SLURM_ARRAY_TASK_MIN", 0)
		if err != nil {
			return nil, err
		}
		step, err := envInt("SLURM_ARRAY_TASK_STEP", 1)
		if err != nil {
			return nil, err
		}
		n := shards
		if !flags.Changed("shards") {
			if n, err = envInt("SLURM_ARRAY_TASK_COUNT", 0); err != nil {
				return nil, err
			}
		}
		if step < 1 || id < lo || (id-lo)%step != 0 || n < 1 || (id-lo)/step >= n {
			return nil, inputerr.New("SLURM_ARRAY_TASK_ID=%d does not index %d shards (SLURM_ARRAY_TASK_MIN=%d, step %d)", id, n, lo, step).
				WithHint("submit a contiguous array, e.g. sbatch --array=0-%d, or give --shard i/n", max(n, 1)-1)
		}
		idx := (id - lo) / step
		c = &shardChoice{clc.Shard{Index: idx, Count: n}, fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d of %d", id, n)}
	case flags.Changed("shards"):
		return nil, inputerr.New("--shards needs JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID in the environment").
			WithHint("on one machine, give --shard i/n")
	}
	if c == nil || c.Count == 1 {
		return nil, nil
	}
	return c, nil
}

// envInt reads a non-negative integer from the environment, def when unset.
func envInt(name string, def int) (int, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, inputerr.New("%s=%q is not a non-negative whole number", name, v)
	}
	return n, nil
}

// reportShard says what a shard ran: with asJSON one object on w with the
// keys shard, from, trials, plan_trials, journal and fingerprint;
// otherwise notes on the log (silenced by --quiet), as a shard writes no
// fit to show.
func reportShard(w io.Writer, log *logger, asJSON bool, s *shardChoice, trials, planTrials int, journal, fp string) error {
	if asJSON {
		return writeJSON(w, map[string]any{
			"shard": s.String(), "from": s.from, "trials": trials, "plan_trials": planTrials,
			"journal": journal, "fingerprint": fp,
		})
	}
	log.Printf("shard %s: %d of %d trials recorded in %s", s, trials, planTrials, journal)
	log.Printf("when every shard is done: clc merge JOURNAL... -o clc-fit.yaml")
	return nil
}
