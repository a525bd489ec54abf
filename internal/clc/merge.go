package clc

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Merged is the union of the journals of one plan: the plan's record (the
// first journal's), its trials in spec order, and what no journal holds.
type Merged struct {
	Fingerprint string
	Plan        PlanRecord
	// Specs is every trial of the plan; Trials holds the recorded ones in
	// spec order and Missing the others.
	Specs   []TrialSpec
	Trials  []Trial
	Missing []TrialSpec
	// Shards lists the shares the journals say they ran ("2/3"; "all" for
	// a whole-plan journal), in journal order; MissingShards the shares of
	// an n-way split that no journal ran.
	Shards        []string
	MissingShards []string
}

// MergeJournals checks that the journals belong to one plan (the same
// fingerprint, i.e. data and training configuration, and the same grid)
// and collects the plan's trials from all of them. Each journal's last plan
// record is the plan it ran. A trial recorded by several journals is taken
// from the first. With pruning, a rate above a diverged one at the same N
// and seed counts as recorded (pruned), as in a single-process sweep.
func MergeJournals(journals []*Journal) (*Merged, error) {
	if len(journals) == 0 {
		return nil, inputerr.New("no journals to merge")
	}
	var first JournalPlan
	for i, j := range journals {
		plans := j.Plans()
		if len(plans) == 0 {
			return nil, inputerr.New("%s has no plan record (a journal of clc 0.1 before sharding, or not a journal)", j.Path()).
				WithHint("run the %v command that wrote it once more with the same settings: it reuses every recorded trial and adds the record", inputerr.Command("fit"))
		}
		last := plans[len(plans)-1]
		if i == 0 {
			first = last
			continue
		}
		if diff := planDifference(first, last); diff != "" {
			return nil, inputerr.At(j.Path(), last.Line, 0, "belongs to another plan than %s: %s", journals[0].Path(), diff).
				WithHint("merge only the journals of one %v command line (the same data, settings and grid)", inputerr.Command("fit"))
		}
	}
	cfg := first.Config
	plan, err := PlanOf(first.Dataset.Rows, cfg)
	if err != nil {
		return nil, fmt.Errorf("the plan of %s: %w", journals[0].Path(), err)
	}
	m := &Merged{Fingerprint: first.Fingerprint, Plan: first.PlanRecord, Specs: plan.Specs()}
	fpOf := trialFingerprints(first.Fingerprint, first.Dataset, cfg)
	lookup := func(s TrialSpec) (Trial, bool) {
		for _, j := range journals {
			if t, ok := j.Lookup(fpOf(s), s); ok {
				return t, true
			}
		}
		return Trial{}, false
	}
	if cfg.Design == DesignAdaptive {
		// An adaptive sweep's trials are its decisions': replay them.
		m.Trials, m.Missing, m.Specs, _ = replayAdaptive(cfg, plan, first.Dataset.Rows, lookup)
		m.Shards, m.MissingShards = shardCoverage(journals)
		return m, nil
	}
	trials, have := CollectTrials(m.Specs, cfg.Prune, lookup)
	for i, s := range m.Specs {
		if have[i] {
			m.Trials = append(m.Trials, trials[i])
		} else {
			m.Missing = append(m.Missing, s)
		}
	}
	m.Shards, m.MissingShards = shardCoverage(journals)
	return m, nil
}

// planDifference names the first setting in which two plan records differ
// ("" when they are the same plan). The data's path may differ between
// machines; its checksum may not.
func planDifference(a, b JournalPlan) string {
	da, db := a.Dataset, b.Dataset
	da.Source, db.Source = "", ""
	if d := firstDifference("dataset", da, db); d != "" {
		return d
	}
	if d := firstDifference("config", a.Config, b.Config); d != "" {
		return d
	}
	if a.Fingerprint != b.Fingerprint {
		return "the trial fingerprints differ"
	}
	return ""
}

// firstDifference compares two structs field by field and names the
// first differing field by its fit-file key, with both values ("b" is the
// journal being checked, "a" the first).
func firstDifference(section string, a, b any) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := 0; i < va.NumField(); i++ {
		x, y := va.Field(i).Interface(), vb.Field(i).Interface()
		if reflect.DeepEqual(x, y) {
			continue
		}
		key, _, _ := strings.Cut(va.Type().Field(i).Tag.Get("yaml"), ",")
		if key == "" {
			key = va.Type().Field(i).Name
		}
		return fmt.Sprintf("%s.%s is %s here but %s there", section, key, shortValue(y), shortValue(x))
	}
	return ""
}

// shortValue prints a setting for a message: a list by its length and
// ends, a pointer by what it points to.
func shortValue(v any) string {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			return "unset"
		}
		return fmt.Sprintf("%v", rv.Elem().Interface())
	case reflect.Slice:
		if n := rv.Len(); n > 4 {
			return fmt.Sprintf("%d values [%v … %v]", n, rv.Index(0).Interface(), rv.Index(n-1).Interface())
		}
	}
	return fmt.Sprintf("%v", v)
}

// shardCoverage lists the shares the journals ran and, when they are
// shares of one n-way split, the shares none of them ran.
func shardCoverage(journals []*Journal) (seen, missing []string) {
	count := -1
	ran := map[int]bool{}
	for _, j := range journals {
		plans := j.Plans()
		rec := plans[len(plans)-1]
		if rec.Shard == "" {
			seen = append(seen, "all")
			count = 0 // a whole-plan journal: no split to complete
			continue
		}
		seen = append(seen, rec.Shard)
		s, err := ParseShard(rec.Shard)
		if err != nil {
			continue
		}
		switch {
		case count == -1:
			count = s.Count
		case count != s.Count:
			count = 0 // journals of different splits: nothing to name
		}
		ran[s.Index] = true
	}
	for i := 0; i < count; i++ {
		if !ran[i] {
			missing = append(missing, strconv.Itoa(i+1)+"/"+strconv.Itoa(count))
		}
	}
	return seen, missing
}

// MergeOptions configure Merge.
type MergeOptions struct {
	Tool string // the program writing the fit, e.g. "clc 0.1.0"
	// AllowPartial fits the recorded trials even when some of the plan's
	// are missing; the fit then records how many (FitFile.MissingTrials).
	AllowPartial bool
}

// MergeResult is a merge of journals and the fit completed from them.
type MergeResult struct {
	Merged *Merged
	Fit    *FitFile
}

// MissingTrialsError is a merge whose journals lack some of the plan's
// trials (and maybe whole shards).
type MissingTrialsError struct {
	Missing       []TrialSpec
	MissingShards []string // shares of an n-way split without a journal, "2/3"
	Total         int      // the plan's trials
}

func (e *MissingTrialsError) Error() string {
	msg := fmt.Sprintf("%d of %d trials of the plan are missing", len(e.Missing), e.Total)
	if len(e.MissingShards) > 0 {
		msg += fmt.Sprintf(" (no journal of shard %s)", strings.Join(e.MissingShards, ", "))
	}
	return msg
}

// Merge reads the journals at paths, merges them (see MergeJournals) and
// completes the fit from their trials (see Complete), exactly as a single
// sweep of the plan would. Missing trials are a *MissingTrialsError unless
// o.AllowPartial; the result then still holds the merge (and the fit
// before completion), so a front end can list what is missing.
func Merge(paths []string, o MergeOptions) (*MergeResult, error) {
	journals := make([]*Journal, len(paths))
	for i, p := range paths {
		j, err := ReadJournal(p)
		if err != nil {
			return nil, err
		}
		journals[i] = j
	}
	m, err := MergeJournals(journals)
	if err != nil {
		return nil, err
	}
	r := &MergeResult{Merged: m, Fit: NewFitFile(o.Tool, m.Plan.Dataset, m.Plan.Config, m.Trials)}
	if len(m.Missing) > 0 {
		if !o.AllowPartial {
			return r, &MissingTrialsError{Missing: m.Missing, MissingShards: m.MissingShards, Total: len(m.Specs)}
		}
		r.Fit.MissingTrials = len(m.Missing)
	}
	return r, Complete(r.Fit)
}
