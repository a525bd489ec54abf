package clc

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/clc-tools/clc/internal/inputerr"
	"github.com/clc-tools/clc/internal/scaling"
	"github.com/clc-tools/clc/internal/schedule"
)

// JournalVersion is the version of the journal's trial lines; a plan
// record's line has its own, PlanVersion.
const JournalVersion = 1

// PlanVersion is the version of a journal's plan records: 2 writes the
// dataset and configuration with the fit file's keys (snake_case). Plan
// records of version 1 (written before clc 0.2) used the Go field names
// ("BatchSize"); they are still read.
const PlanVersion = 2

// maxJournalLine bounds one journal line; a trial's line is ~250 bytes.
const maxJournalLine = 64 << 10

// Fingerprint identifies everything a trial's result depends on besides its
// own (N, η, seed): the data and validation bytes, how they were split and
// shuffled, the task and the training configuration. Two sweeps with the
// same fingerprint produce bit-identical trials for the same (N, η, seed),
// so a journal entry can be reused exactly when its fingerprint matches.
// The grid itself (fractions, rates, seeds, bootstrap, the other runs) is
// not part of it: changing the grid reuses the trials the grids share.
//
// Its format tag names the rules that turn a configuration into results:
// "clc-trial-v2" since the built-in trainer's divergence rule measures
// against the trivial loss with a patience (train.DivergencePatience), so
// that journals of the earlier rule ("clc-trial-v1") are not mixed with
// new trials. Trials of a user's command (Exec) keep "clc-trial-v1": their
// results are the command's, which the change did not touch.
func Fingerprint(d DatasetInfo, c SweepConfig) string {
	format := trialFormat
	if c.Exec != "" {
		format = execTrialFormat
	}
	key := struct {
		Format        string
		Data          string
		ValidSHA256   string
		Rows          int
		Task, Target  string
		Model         string
		Hidden        []int
		Activation    string
		Optimizer     string
		Epochs, Batch int
		Steps         int
		ValidFraction float64
		SplitSeed     uint64
		ShuffleSeed   uint64
		Divergence    float64
		Shape         *schedule.Spec
		Per           string
		Exec          string
		ExecShell     bool
		ExecWorker    bool `json:",omitempty"` // absent for one-shot commands: their fingerprints predate workers
	}{
		Format: format, Data: d.SHA256, ValidSHA256: d.ValidSHA256, Rows: d.Rows,
		Task: d.Task, Target: d.Target, Model: c.Model, Hidden: c.Hidden, Activation: c.Activation,
		Optimizer: c.Optimizer, Epochs: c.Epochs, Batch: c.BatchSize, Steps: c.Steps,
		ValidFraction: c.ValidFraction, SplitSeed: c.SplitSeed, ShuffleSeed: c.ShuffleSeed,
		Divergence: c.DivergenceFactor, Shape: c.Schedule, Per: c.Per, Exec: c.Exec, ExecShell: c.ExecShell,
		ExecWorker: c.ExecWorker,
	}
	b, err := json.Marshal(key)
	if err != nil {
		panic("clc: fingerprint: " + err.Error()) // only plain values above
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TrialFingerprint is the fingerprint of a trial of run r in a sweep of
// data d and configuration c: Fingerprint of the configuration with r's
// epochs, batch size or step budget in place of c's. A trial of the
// sweep's own run (r zero) has the sweep's fingerprint; a trial of another
// run has exactly the fingerprint of a sweep whose own run it is, so
// sweeps of one run and sweeps over several share their trials through a
// journal, whichever run each took as its own.
func TrialFingerprint(d DatasetInfo, c SweepConfig, r scaling.RunSpec) string {
	run := r.Resolve(c.Run())
	c.Epochs, c.BatchSize, c.Steps = run.Epochs, run.BatchSize, run.Steps
	return Fingerprint(d, c)
}

// trialFingerprints returns the fingerprint of each spec's trial in a sweep
// whose own fingerprint is fp (see TrialFingerprint), computing each run's
// once.
func trialFingerprints(fp string, d DatasetInfo, c SweepConfig) func(TrialSpec) string {
	byRun := map[scaling.RunSpec]string{{}: fp}
	return func(s TrialSpec) string {
		f, ok := byRun[s.RunSpec]
		if !ok {
			f = TrialFingerprint(d, c, s.RunSpec)
			byRun[s.RunSpec] = f
		}
		return f
	}
}

// The format tags of Fingerprint.
const (
	trialFormat     = "clc-trial-v2"
	execTrialFormat = "clc-trial-v1"
)

// journalLine is one line of a journal: a finished trial and the
// fingerprint of the sweep that ran it, or a plan record (see planLine),
// which has no trial fields: one strict decode reads both kinds of line.
type journalLine struct {
	V           int    `json:"v"`
	Fingerprint string `json:"fp"`
	trialRecord
	Plan *PlanRecord `json:"plan,omitempty"`
}

// PlanRecord is a journal's record of the sweep that wrote it: the data,
// the configuration with its whole grid, and the share of the plan this
// process ran. A merge reads it to check that journals belong to one plan
// and to list the trials the plan needs.
type PlanRecord struct {
	Tool    string      `json:"tool"`
	Dataset DatasetInfo `json:"dataset"`
	Config  SweepConfig `json:"config"`
	// Shard is "i/n" when the process ran one share of the plan (a shard,
	// shard), empty for the whole plan.
	Shard string `json:"shard,omitempty"`
	// Trials is the number of trials in the process's share.
	Trials int `json:"trials"`
}

// JournalPlan is a plan record as read from a journal.
type JournalPlan struct {
	Fingerprint string
	Line        int
	PlanRecord
}

// planLine is how a PlanRecord is written: without journalLine's trial
// fields.
type planLine struct {
	V           int         `json:"v"`
	Fingerprint string      `json:"fp"`
	Plan        *PlanRecord `json:"plan"`
}

type journalKey struct {
	fp   string
	n    int
	lr   float64
	seed int
}

// Journal is an append-only JSON-lines record of finished trials: each line
// is written (and flushed to the operating system) as the trial finishes, so
// a killed sweep loses only the trials that were running. Reopening it with
// the same fingerprint reuses the recorded trials.
//
// A last line without its newline (the process died mid-write) is ignored
// and cut off; any other malformed line is an input error.
type Journal struct {
	path    string
	f       *os.File
	entries map[journalKey]Trial
	plans   []JournalPlan
	// Torn reports that a torn last line was dropped when the journal was
	// opened.
	Torn     bool
	lastSync time.Time
}

// OpenJournal opens (creating if needed) the journal at path and loads its
// entries.
func OpenJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, inputerr.New("cannot open journal %s: %v", path, inputerr.PathCause(err)).
			WithHint("choose another %v path", paramJournal)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, inputerr.New("journal %s is in use by another clc process", path).
				WithHint("wait for it to finish, or give each concurrent sweep its own %v", paramJournal)
		}
		return nil, fmt.Errorf("clc: locking journal %s: %w", path, err)
	}
	j := &Journal{path: path, f: f, entries: map[journalKey]Trial{}}
	good, err := j.load(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	// Drop a torn tail so the next append starts on a fresh line.
	if err := f.Truncate(good); err != nil {
		f.Close()
		return nil, fmt.Errorf("clc: journal %s: %w", path, err)
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("clc: journal %s: %w", path, err)
	}
	return j, nil
}

// ReadJournal loads the journal at path without changing it (a torn last
// line is ignored, not cut off): a merge reads journals that other
// processes may still be writing.
func ReadJournal(path string) (*Journal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, inputerr.New("cannot read journal %s: %v", path, inputerr.PathCause(err))
	}
	defer f.Close()
	j := &Journal{path: path, entries: map[journalKey]Trial{}}
	if _, err := j.load(f); err != nil {
		return nil, err
	}
	return j, nil
}

// load reads every complete line and returns the byte offset after the last
// complete, valid line.
func (j *Journal) load(r io.Reader) (int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var off int64
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull || (len(line) > maxJournalLine) {
			return 0, inputerr.At(j.path, lineNo, 0, "journal line longer than %d bytes", maxJournalLine).
				WithHint("this is not a clc journal, or it is damaged: delete it or pass another %v", paramJournal)
		}
		if err == io.EOF {
			if len(line) > 0 {
				j.Torn = true // no newline: killed mid-write
			}
			return off, nil
		}
		if err != nil {
			return 0, fmt.Errorf("clc: reading journal %s: %w", j.path, err)
		}
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) > 0 {
			jl, err := decodeJournalLine(trimmed)
			if err == nil && jl.V == PlanVersion && jl.Fingerprint != "" && jl.Plan != nil {
				j.plans = append(j.plans, JournalPlan{Fingerprint: jl.Fingerprint, Line: lineNo, PlanRecord: *jl.Plan})
				off += int64(len(line))
				continue
			}
			if err != nil || jl.V != JournalVersion || jl.Fingerprint == "" || jl.Plan != nil || !jl.valid() {
				if _, peek := br.Peek(1); peek == io.EOF {
					// A damaged final line can only come from a torn write
					// followed by a newline from elsewhere; treat as torn.
					j.Torn = true
					return off, nil
				}
				return 0, inputerr.At(j.path, lineNo, 0, "not a clc journal entry").
					WithHint("the journal is damaged: delete it (finished trials will run again) or pass another %v", paramJournal)
			}
			j.entries[journalKey{jl.Fingerprint, jl.N, jl.LR, jl.Seed}] = jl.trial()
		}
		off += int64(len(line))
	}
}

// Lookup returns the recorded trial for spec under fingerprint fp (the
// trial's: see TrialFingerprint). A recorded trial keeps its own Fraction
// only if it equals spec's, the rows it trained on being the same
// whenever N matches; it takes spec's RunSpec, which fp already fixes
// (a trial recorded by a sweep whose own run it was has none).
func (j *Journal) Lookup(fp string, spec TrialSpec) (Trial, bool) {
	t, ok := j.entries[journalKey{fp, spec.N, spec.LR, spec.Seed}]
	if ok {
		t.Fraction = spec.Fraction
		t.RunSpec = spec.RunSpec
	}
	return t, ok
}

// Plans returns the journal's plan records in file order; a resumed or
// changed sweep appends one when its plan differs from the last.
func (j *Journal) Plans() []JournalPlan { return j.plans }

// Path is the journal's file name.
func (j *Journal) Path() string { return j.path }

// AppendPlan records the plan of the sweep about to run, unless it equals
// the journal's last plan record.
func (j *Journal) AppendPlan(fp string, rec PlanRecord) error {
	if n := len(j.plans); n > 0 {
		last := j.plans[n-1]
		if last.Fingerprint == fp && samePlanRecord(last.PlanRecord, rec) {
			return nil
		}
	}
	b, err := json.Marshal(planLine{V: PlanVersion, Fingerprint: fp, Plan: &rec})
	if err != nil {
		return fmt.Errorf("clc: journal %s: %w", j.path, err)
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("clc: writing journal %s: %w", j.path, err)
	}
	j.plans = append(j.plans, JournalPlan{Fingerprint: fp, PlanRecord: rec})
	return nil
}

func samePlanRecord(a, b PlanRecord) bool {
	x, errx := json.Marshal(a)
	y, erry := json.Marshal(b)
	return errx == nil && erry == nil && bytes.Equal(x, y)
}

// Len is the number of distinct recorded trials.
func (j *Journal) Len() int { return len(j.entries) }

// Append records a finished trial: one line, written with a single write
// call so a kill leaves at most a torn last line. The file is fsynced at
// most once a second (and by Close), so a power loss may lose the last
// second of trials; a killed process loses none.
func (j *Journal) Append(fp string, t Trial) error {
	b, err := json.Marshal(journalLine{V: JournalVersion, Fingerprint: fp, trialRecord: recordOf(t)})
	if err != nil {
		return fmt.Errorf("clc: journal %s: %w", j.path, err)
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("clc: writing journal %s: %w", j.path, err)
	}
	j.entries[journalKey{fp, t.N, t.LR, t.Seed}] = t
	if time.Since(j.lastSync) > time.Second {
		j.lastSync = time.Now()
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("clc: syncing journal %s: %w", j.path, err)
		}
	}
	return nil
}

// Close syncs and closes the journal.
func (j *Journal) Close() error {
	serr := j.f.Sync()
	cerr := j.f.Close()
	if serr != nil {
		return fmt.Errorf("clc: syncing journal %s: %w", j.path, serr)
	}
	if cerr != nil {
		return fmt.Errorf("clc: closing journal %s: %w", j.path, cerr)
	}
	return nil
}

// errLocked reports a journal held by another process.
var errLocked = errors.New("journal locked")
