package clc

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Shard is one of Count deterministic shares of a sweep plan; Index counts
// from 0 and is written 1-based, "Index+1/Count", as on the command line.
type Shard struct {
	Index, Count int
}

// String writes the shard as "i/n" with i counted from 1.
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index+1, s.Count) }

// maxShards bounds a shard's count: beyond it a typo is likelier than a plan.
const maxShards = 1 << 20

// ParseShard reads "i/n" (1 ≤ i ≤ n), e.g. "2/3".
func ParseShard(text string) (Shard, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(text), "/")
	a, aerr := strconv.Atoi(strings.TrimSpace(i))
	b, berr := strconv.Atoi(strings.TrimSpace(n))
	if !ok || aerr != nil || berr != nil {
		return Shard{}, inputerr.New("%v %q is not i/n", paramShard, text).WithHint("e.g. %v 2/3 runs the second of three shares of the plan", paramShard)
	}
	if b < 1 || b > maxShards || a < 1 || a > b {
		return Shard{}, inputerr.New("%v %q: i must be between 1 and n, n between 1 and %d", paramShard, text, maxShards)
	}
	return Shard{Index: a - 1, Count: b}, nil
}

// JournalPath is the default journal of a fit written to out: out's name
// with its extension replaced by .journal.jsonl, or for shard s by
// .shard-i-of-n.journal.jsonl, so that shards sharing a directory never
// share a journal.
func JournalPath(out string, s *Shard) string {
	base := strings.TrimSuffix(out, filepath.Ext(out))
	if s == nil {
		return base + ".journal.jsonl"
	}
	return fmt.Sprintf("%s.shard-%d-of-%d.journal.jsonl", base, s.Index+1, s.Count)
}

// ShardUnits is how many independent units of work a plan splits into: one
// per trial, or with pruning one per (N, seed), whose rates must run in
// order on one machine for pruning to decide the same as in one process.
func ShardUnits(specs []TrialSpec, prune bool) int { return len(sweepChains(specs, prune)) }

// ShardSpecs returns shard s's share of specs, in spec order. The units of
// work (see ShardUnits) are dealt by longest processing time first: in
// decreasing order of cost, each goes to the shard with the least total
// cost so far (the lowest index on ties), so every process computes the
// same partition and the shards finish at about the same time. A unit's
// cost is the sum of cost(spec) over its trials; nil cost means N rows,
// the training time of an epoch budget.
func ShardSpecs(specs []TrialSpec, prune bool, s Shard, cost func(TrialSpec) float64) []TrialSpec {
	if cost == nil {
		cost = func(t TrialSpec) float64 { return float64(t.N) }
	}
	units := sweepChains(specs, prune)
	unitCost := make([]float64, len(units))
	order := make([]int, len(units))
	for u, unit := range units {
		for _, i := range unit {
			unitCost[u] += cost(specs[i])
		}
		order[u] = u
	}
	sort.SliceStable(order, func(a, b int) bool { return unitCost[order[a]] > unitCost[order[b]] })
	load := make([]float64, s.Count)
	mine := make([]bool, len(specs))
	for _, u := range order {
		best := 0
		for k := 1; k < s.Count; k++ {
			if load[k] < load[best] {
				best = k
			}
		}
		load[best] += unitCost[u]
		if best == s.Index {
			for _, i := range units[u] {
				mine[i] = true
			}
		}
	}
	var out []TrialSpec
	for i, spec := range specs {
		if mine[i] {
			out = append(out, spec)
		}
	}
	return out
}

// CollectTrials fills the plan's trials from recorded ones: trials[i] is
// lookup(specs[i]) where have[i]. With prune, a rate above one that
// diverged at the same N and seed is the pruned trial RunSweep would have
// recorded, whether or not it ran, so resumed, sharded and single-process
// sweeps agree trial for trial.
func CollectTrials(specs []TrialSpec, prune bool, lookup func(TrialSpec) (Trial, bool)) (trials []Trial, have []bool) {
	trials = make([]Trial, len(specs))
	have = make([]bool, len(specs))
	for i, s := range specs {
		trials[i], have[i] = lookup(s)
	}
	if !prune {
		return trials, have
	}
	lowestDiverged := map[chainKey]float64{}
	for i, s := range specs {
		if have[i] && trials[i].Diverged && !trials[i].Pruned {
			k := chainKeyOf(s)
			if lr, ok := lowestDiverged[k]; !ok || s.LR < lr {
				lowestDiverged[k] = s.LR
			}
		}
	}
	for i, s := range specs {
		if lr, ok := lowestDiverged[chainKeyOf(s)]; ok && s.LR > lr {
			trials[i], have[i] = prunedTrial(s), true
		}
	}
	return trials, have
}
