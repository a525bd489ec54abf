package exectrainer

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clc-tools/clc/internal/clc"
	"github.com/clc-tools/clc/internal/inputerr"
)

// ProtocolVersion is the worker protocol this package speaks, "major.minor".
// A worker announcing another major version is refused; a higher minor
// version of the same major is accepted (minor versions only add optional
// keys).
const ProtocolVersion = "1.0"

// protocolMajor is ProtocolVersion's major number.
const protocolMajor = 1

const (
	maxWorkerLine = 4 << 20 // bytes of one protocol line
	closeGrace    = time.Second
)

// hello is a worker's first line.
type hello struct {
	Type         string   `json:"type"`
	Protocol     string   `json:"protocol"`
	Capabilities []string `json:"capabilities"`
	Worker       string   `json:"worker"`
}

// trialMessage is the line clc sends a worker for one trial.
type trialMessage struct {
	Type      string  `json:"type"` // "trial"
	Trial     string  `json:"trial"`
	Fraction  float64 `json:"fraction"`
	N         int     `json:"n"`
	LR        float64 `json:"lr"`
	Seed      int     `json:"seed"`
	Epochs    int     `json:"epochs,omitempty"`
	BatchSize int     `json:"batch_size,omitempty"`
	Steps     int     `json:"steps,omitempty"`
	Data      string  `json:"data,omitempty"`
	Prune     bool    `json:"prune"`
	// Schedule is set when the sweep trains a schedule shape.
	Schedule *trialSchedule `json:"schedule,omitempty"`
}

// trialSchedule is a trial's schedule: its shape and the rate of every
// step, whose mean is the trial's lr.
type trialSchedule struct {
	Shape string    `json:"shape"` // e.g. "cosine (min_ratio 0.1)"
	Per   string    `json:"per"`   // "step" or "epoch"
	Rates []float64 `json:"rates"`
}

// answer is clc's reply to a report when the trial was sent with prune.
type answer struct {
	Type     string `json:"type"` // "continue"
	Continue bool   `json:"continue"`
}

// workerPool holds at most size worker processes: a slot is taken for a
// trial and given back after it, so no more than size workers run at once
// whatever the number of callers.
type workerPool struct {
	t      *Trainer
	slots  chan slot
	starts atomic.Int64

	mu     sync.Mutex
	live   map[*worker]bool
	closed bool
}

// slot is one place for a worker; w is nil until a worker is started in
// it, and again after its worker was stopped.
type slot struct {
	id int // CLC_WORKER_ID, 0 … size−1
	w  *worker
}

func newWorkerPool(t *Trainer, size int) *workerPool {
	p := &workerPool{t: t, slots: make(chan slot, size), live: map[*worker]bool{}}
	for i := range size {
		p.slots <- slot{id: i}
	}
	return p
}

// worker is one running worker process.
type worker struct {
	id     int
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string // protocol lines from stdout; closed at EOF
	stderr *syncTail   // the last bytes of stderr and of stdout lines that are not protocol
	done   chan struct{}
	quit   chan struct{} // closed by kill: the stdout reader stops waiting for a reader
	once   sync.Once
	hello  hello
	// readErr is set before lines is closed.
	readErr error
	// waitErr is set before done is closed.
	waitErr error
}

// syncTail is a tail safe for concurrent writers.
type syncTail struct {
	mu sync.Mutex
	t  tail
}

func (s *syncTail) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t.Write(p)
}

func (s *syncTail) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.t.buf)
}

// workerArgv is the worker's command line: the command with no trial's
// values (a worker is told each trial's over its standard input).
func (t *Trainer) workerArgv() []string { return t.Command(clc.TrialSpec{}) }

// workerEnv is the worker's environment: the base, the protocol version
// and the worker's slot, and the sweep's fixed values.
func (t *Trainer) workerEnv(id int) []string {
	base := t.cfg.Env
	if base == nil {
		base = os.Environ()
	}
	env := append([]string(nil), base...)
	env = append(env, "CLC_WORKER_PROTOCOL="+ProtocolVersion, "CLC_WORKER_ID="+strconv.Itoa(id))
	if t.cfg.Epochs > 0 {
		env = append(env, "CLC_EPOCHS="+strconv.Itoa(t.cfg.Epochs))
	}
	if t.cfg.BatchSize > 0 {
		env = append(env, "CLC_BATCH_SIZE="+strconv.Itoa(t.cfg.BatchSize))
	}
	if t.cfg.Data != "" {
		env = append(env, "CLC_DATA="+t.cfg.Data)
	}
	return env
}

// start starts a worker and reads its hello within the timeout (if any).
// A worker whose hello is missing or names another major version is
// killed; the latter is an input error (retrying cannot help).
func (p *workerPool) start(ctx context.Context, id int) (*worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("workers are closed")
	}
	p.mu.Unlock()
	t := p.t
	argv := t.workerArgv()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = t.cfg.Dir
	cmd.Env = t.workerEnv(id)
	w := &worker{id: id, cmd: cmd, lines: make(chan string, 16), stderr: &syncTail{t: tail{max: stderrKeep}},
		done: make(chan struct{}), quit: make(chan struct{})}
	cmd.Stderr = w.stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	w.stdin = stdin
	r, wpipe, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout = wpipe
	setProcessGroup(cmd)
	cmd.Cancel = nil // a worker outlives a trial's context: kill stops it
	cmd.WaitDelay = waitDelay
	if err := cmd.Start(); err != nil {
		r.Close()
		wpipe.Close()
		return nil, err
	}
	wpipe.Close()
	p.starts.Add(1)
	p.mu.Lock()
	p.live[w] = true
	p.mu.Unlock()
	go w.read(r)
	go func() {
		w.waitErr = cmd.Wait()
		close(w.done)
	}()

	var timeout <-chan time.Time
	if t.cfg.Timeout > 0 {
		timer := time.NewTimer(t.cfg.Timeout)
		defer timer.Stop()
		timeout = timer.C
	}
	select {
	case line, ok := <-w.lines:
		if !ok {
			p.kill(w)
			return nil, &workerFailure{exited: true, w: w, what: "exited before its hello line"}
		}
		if err := w.parseHello(line); err != nil {
			p.kill(w)
			return nil, err
		}
		return w, nil
	case <-timeout:
		p.kill(w)
		return nil, &workerFailure{timedOut: true, w: w, what: "sent no hello line"}
	case <-ctx.Done():
		p.kill(w)
		return nil, ctx.Err()
	}
}

// read sends the protocol lines of stdout (those starting with '{') to
// w.lines; other lines are logs and go to the stderr tail.
func (w *worker) read(r io.ReadCloser) {
	defer r.Close()
	defer close(w.lines)
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if len(long)+len(chunk) > maxWorkerLine {
				w.readErr = fmt.Errorf("a line of stdout longer than %d bytes", maxWorkerLine)
				io.Copy(io.Discard, br)
				return
			}
			long = append(long, chunk...)
			continue
		}
		line := chunk
		if long != nil {
			line = append(long, chunk...)
			long = nil
		}
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			if trimmed[0] == '{' {
				select {
				case w.lines <- string(trimmed):
				case <-w.quit:
					return
				}
			} else {
				w.stderr.Write(append(trimmed, '\n'))
			}
		}
		if err != nil {
			if err != io.EOF {
				w.readErr = err
			}
			return
		}
	}
}

func (w *worker) parseHello(line string) error {
	if err := json.Unmarshal([]byte(line), &w.hello); err != nil || w.hello.Type != "hello" {
		return &workerFailure{w: w, protocol: true, what: fmt.Sprintf("sent %q as its first line, not a hello", truncate(line, 80))}
	}
	major, _, _ := strings.Cut(w.hello.Protocol, ".")
	if m, err := strconv.Atoi(major); err != nil || m != protocolMajor {
		return inputerr.New("%v: the worker speaks protocol %q; this clc speaks %s (major %d)", paramExecWorker, w.hello.Protocol, ProtocolVersion, protocolMajor).
			WithHint("use a worker helper of protocol %d (examples/clc_worker.py), or a clc that speaks the worker's protocol", protocolMajor)
	}
	return nil
}

// kill kills w's process group and waits (at most waitDelay) for it.
func (p *workerPool) kill(w *worker) {
	killGroup(w.cmd)
	w.once.Do(func() { close(w.quit) })
	w.stdin.Close()
	select {
	case <-w.done:
	case <-time.After(waitDelay + time.Second):
	}
	p.mu.Lock()
	delete(p.live, w)
	p.mu.Unlock()
}

// close asks every idle worker to exit by closing its stdin and kills
// those still running after closeGrace.
func (p *workerPool) close() {
	p.mu.Lock()
	p.closed = true
	var ws []*worker
	for w := range p.live {
		ws = append(ws, w)
	}
	p.mu.Unlock()
	for _, w := range ws {
		w.stdin.Close()
	}
	deadline := time.After(closeGrace)
	for _, w := range ws {
		select {
		case <-w.done:
		case <-deadline:
		}
	}
	for _, w := range ws {
		select {
		case <-w.done:
			p.mu.Lock()
			delete(p.live, w)
			p.mu.Unlock()
		default:
			p.kill(w)
		}
	}
}

// workerFailure is a failed attempt of a trial on a worker.
type workerFailure struct {
	w        *worker
	what     string // e.g. "exited during the trial"
	exited   bool   // the worker process ended
	timedOut bool
	protocol bool   // it broke the protocol: not retried
	reported string // the message of its error line
}

func (f *workerFailure) Error() string { return "worker " + f.what }

// exitCode is the worker's exit status when it exited, else -1.
func (f *workerFailure) exitCode() int {
	if !f.exited || f.w == nil {
		return -1
	}
	select {
	case <-f.w.done:
	case <-time.After(waitDelay + time.Second):
		return -1
	}
	var ee *exec.ExitError
	if errors.As(f.w.waitErr, &ee) {
		return ee.ExitCode()
	}
	if f.w.waitErr == nil {
		return 0
	}
	return -1
}

// retriable reports whether a failed attempt may be retried: a worker
// that died or reported an error, not a timeout or a protocol violation.
func (f *workerFailure) retriable() bool { return !f.timedOut && !f.protocol }

// train runs spec on a worker, restarting a dead worker and retrying
// per Config.Retries.
func (p *workerPool) train(ctx context.Context, spec clc.TrialSpec, report func(clc.Report) bool) (clc.Outcome, error) {
	var sl slot
	select {
	case sl = <-p.slots:
	case <-ctx.Done():
		return clc.Outcome{}, ctx.Err()
	}
	w := sl.w
	defer func() { p.slots <- slot{id: sl.id, w: w} }()
	attempts := 0
	for {
		attempts++
		if w != nil {
			select {
			case <-w.done: // died while idle
				p.kill(w)
				w = nil
			default:
			}
		}
		var (
			out  clc.Outcome
			err  error
			secs float64
		)
		if w == nil {
			w, err = p.start(ctx, sl.id)
		}
		if err == nil {
			out, secs, err = p.attempt(ctx, w, spec, report)
		}
		if err == nil {
			out.Seconds = secs
			return out, nil
		}
		if ctx.Err() != nil {
			if w != nil {
				p.kill(w)
				w = nil
			}
			return clc.Outcome{}, ctx.Err()
		}
		var f *workerFailure
		if !errors.As(err, &f) {
			if w != nil {
				p.kill(w)
				w = nil
			}
			if _, ok := inputerr.As(err); ok {
				return clc.Outcome{}, err
			}
			return clc.Outcome{}, &TrialError{Spec: spec, ExitCode: -1, Attempts: attempts, Err: err, Worker: true}
		}
		if f.reported == "" && w != nil { // the worker is gone or must go
			p.kill(w)
			w = nil
		}
		if f.retriable() && attempts <= p.t.cfg.Retries {
			continue
		}
		e := &TrialError{
			Spec: spec, ExitCode: f.exitCode(), TimedOut: f.timedOut, Timeout: p.t.cfg.Timeout,
			Attempts: attempts, Err: f, Worker: true, Reported: f.reported,
		}
		if f.w != nil {
			e.StderrTail = f.w.stderr.String()
		}
		return clc.Outcome{}, e
	}
}

// attempt sends spec to w and reads its reports and result.
func (p *workerPool) attempt(ctx context.Context, w *worker, spec clc.TrialSpec, report func(clc.Report) bool) (clc.Outcome, float64, error) {
	t := p.t
	id := TrialID(spec)
	epochs, batch := t.runOf(spec)
	msg := trialMessage{
		Type: "trial", Trial: id, Fraction: spec.Fraction, N: spec.N, LR: spec.LR, Seed: spec.Seed,
		Epochs: epochs, BatchSize: batch, Steps: t.steps(spec), Data: t.cfg.Data, Prune: t.cfg.Prune,
	}
	m, err := t.multipliers(spec)
	if err != nil {
		return clc.Outcome{}, 0, err
	}
	if m != nil {
		rates := make([]float64, len(m))
		for i, v := range m {
			rates[i] = spec.LR * v
		}
		msg.Schedule = &trialSchedule{Shape: t.cfg.Shape.String(), Per: string(t.cfg.Per), Rates: rates}
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return clc.Outcome{}, 0, err
	}
	start := time.Now()
	if _, err := w.stdin.Write(append(b, '\n')); err != nil {
		return clc.Outcome{}, 0, &workerFailure{w: w, exited: true, what: "exited before it read the trial"}
	}
	var timeout <-chan time.Time
	if t.cfg.Timeout > 0 {
		timer := time.NewTimer(t.cfg.Timeout)
		defer timer.Stop()
		timeout = timer.C
	}
	var (
		curve   []clc.Report
		stopped bool
	)
	protocolError := func(format string, args ...any) error {
		return &workerFailure{w: w, protocol: true, what: fmt.Sprintf(format, args...)}
	}
	for {
		var line string
		select {
		case l, ok := <-w.lines:
			if !ok {
				if w.readErr != nil {
					return clc.Outcome{}, 0, protocolError("wrote %v", w.readErr)
				}
				return clc.Outcome{}, 0, &workerFailure{w: w, exited: true, what: "exited during the trial"}
			}
			line = l
		case <-timeout:
			return clc.Outcome{}, 0, &workerFailure{w: w, timedOut: true, what: "timed out"}
		case <-ctx.Done():
			return clc.Outcome{}, 0, ctx.Err()
		}
		raw, err := decodeObject(line)
		if err != nil {
			return clc.Outcome{}, 0, protocolError("wrote a bad line %q: %v", truncate(line, 120), err)
		}
		var typ, trial string
		_ = json.Unmarshal(raw["type"], &typ)
		_ = json.Unmarshal(raw["trial"], &trial)
		if trial != "" && trial != id {
			return clc.Outcome{}, 0, protocolError("answered trial %q while running %q", truncate(trial, 60), id)
		}
		switch typ {
		case "report":
			r, err := parseReport(raw)
			if err != nil {
				return clc.Outcome{}, 0, protocolError("wrote a bad report %q: %v", truncate(line, 120), err)
			}
			curve = append(curve, r)
			keep := true
			if report != nil {
				keep = report(r)
			}
			if !keep {
				stopped = true
			}
			if t.cfg.Prune {
				a, _ := json.Marshal(answer{Type: "continue", Continue: keep})
				if _, err := w.stdin.Write(append(a, '\n')); err != nil {
					return clc.Outcome{}, 0, &workerFailure{w: w, exited: true, what: "exited during the trial"}
				}
			}
		case "result":
			o := output{accuracy: math.NaN(), trainLoss: math.NaN(), steps: -1}
			if err := parseResult(raw, &o); err != nil {
				return clc.Outcome{}, 0, protocolError("wrote a bad result %q: %v", truncate(line, 120), err)
			}
			if !math.IsNaN(o.accuracy) && (o.accuracy < 0 || o.accuracy > 1) {
				return clc.Outcome{}, 0, protocolError("reported accuracy %v outside [0, 1]", o.accuracy)
			}
			if o.steps < -1 {
				return clc.Outcome{}, 0, protocolError("reported negative steps %d", o.steps)
			}
			if o.curve == nil {
				o.curve = curve
			}
			o.stopped = o.stopped || stopped
			return t.outcome(spec, o, 0), time.Since(start).Seconds(), nil
		case "error":
			var e struct {
				Error string `json:"error"`
			}
			_ = json.Unmarshal([]byte(line), &e)
			if e.Error == "" {
				e.Error = "no message"
			}
			w.stderr.Write([]byte(e.Error + "\n"))
			return clc.Outcome{}, 0, &workerFailure{w: w, reported: e.Error, what: "reported an error: " + e.Error}
		default:
			return clc.Outcome{}, 0, protocolError("wrote a line of unknown type %q", truncate(typ, 40))
		}
	}
}
