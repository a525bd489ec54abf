// Package scripts_test checks the repository's tooling: that the PyTorch peer
// scripts/torch_peer.py trains as clc's built-in trainer does, and that the
// repository refers to nothing outside itself.
package scripts_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/clc-tools/clc/internal/torchtest"
)

// trial is one line of the peer's sweep output, or a trial line of a clc
// journal: the two share these keys.
type trial struct {
	Plan      json.RawMessage `json:"plan"` // set on a journal's plan record
	N         int             `json:"n"`
	LR        float64         `json:"lr"`
	Seed      int             `json:"seed"`
	Steps     int             `json:"steps"`
	ValidLoss *float64        `json:"valid_loss"`
	Diverged  bool            `json:"diverged"`
}

type cell struct {
	n  int
	lr float64
}

// readTrials reads JSON lines of trials, skipping plan records.
func readTrials(t *testing.T, name string, data []byte) []trial {
	t.Helper()
	var out []trial
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var tr trial
		if err := json.Unmarshal(sc.Bytes(), &tr); err != nil {
			t.Fatalf("%s:%d: %v", name, line, err)
		}
		if tr.Plan == nil {
			out = append(out, tr)
		}
	}
	return out
}

// goTool returns the go command that runs this test.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

// dependOn reads the files (and the .go files under the directories) that a
// test's result depends on without the test binary importing them: the
// scripts it runs and the sources of the clc it builds. go test caches a
// result until a file the test opened changes, so this keeps an edit to them
// from being answered by a stale cached PASS.
func dependOn(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || (path != p && !strings.HasSuffix(path, ".go")) {
				return nil
			}
			_, err = os.ReadFile(path)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// meanSS returns the mean of v and the sum of squared deviations from it.
func meanSS(v []float64) (mean, ss float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, ss
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// splitCSV writes the first nTrain data rows of src to train.csv and the rest
// to valid.csv in dir, each with the header.
func splitCSV(t *testing.T, src, dir string, nTrain int) (trainPath, validPath string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) < nTrain+2 {
		t.Fatalf("%s has %d lines, want more than %d", src, len(lines), nTrain+1)
	}
	head := lines[0]
	trainPath, validPath = filepath.Join(dir, "train.csv"), filepath.Join(dir, "valid.csv")
	if err := os.WriteFile(trainPath, []byte(head+strings.Join(lines[1:nTrain+1], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(validPath, []byte(head+strings.Join(lines[nTrain+1:], "")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return trainPath, validPath
}

// TestTorchPeerAgrees runs the same small sweeps with the PyTorch peer
// (scripts/torch_peer.py sweep) and with clc fit's built-in trainer, and
// requires them to agree within seed noise. The data is the 7×7
// Fashion-MNIST sample testdata/fashion-7x7-2k.csv, 1,600 training rows and
// 400 validation rows given to both as files (so both see the same
// validation set); an MLP 49-32-K, 3 epochs of batches of 64; fractions 1/4
// and 1; three sweeps: sgd and adam on the classes, momentum on the label
// read as a regression target (standardized, mean squared error), each over
// three rates: two that train and one far beyond the stability edge.
//
// The two share no random streams, so their trials differ: the peer agrees
// in distribution, not bit for bit. A seed-mean loss varies with the seeds
// (initialization and batch order) and, at fraction 1/4, with the rows drawn
// (each draws its own permutation). clc runs K = 12 sweeps with shuffle seeds
// 0..K−1 and the same S = 8 seeds; per (fraction, rate) they give the
// within-run variance s_w² of a trial's loss over seeds and the K run means
// m_k, whose variance s_b² measures the rows' share. The peer's seed-mean
// m_p, an independent draw of rows and seeds, differs from M = mean(m_k)
// (whose seed noise does not average out over runs that share seeds) with
// variance σ_rows²·(1 + 1/K) + 2σ_seed²/S, so
//
//	z = (m_p − M) / √(s_b²·(1 + 1/K) + 2·s_w²/S)
//
// is about standard normal (s_b² also holds batch-order noise: conservative);
// we require |z| ≤ 5. The noise is ≈ 0.02–0.04 in loss here. Peers with a
// planted fault fail: features not z-scored (z up to 780, and divergence at
// rates clc trains at), initial parameters doubled (z up to 12), label
// smoothing 0.1 in the loss (z up to 27), SGD's rate scaled by 1.5 (z up
// to 8). Adam's β₂ = 0.99 instead of 0.999 passes: 18–75 steps cannot tell
// them apart; the exact update rules are TestTorchReference's business
// (internal/train).
//
// Exactly, per trial: the same N = round(f·1600) and the same number of
// steps T = 3·floor(N/64); at the rate beyond the edge every trial of both
// diverges, at the others none does; and the grid minimum of the seed-mean
// loss is the same rate for both.
func TestTorchPeerAgrees(t *testing.T) {
	torchtest.Need(t, "torch", "numpy")
	dependOn(t, "torch_peer.py", "../cmd", "../internal", "../go.mod", "../go.sum")
	const K, S = 12, 8
	dir := t.TempDir()
	trainCSV, validCSV := splitCSV(t, "../testdata/fashion-7x7-2k.csv", dir, 1600)
	clc := filepath.Join(dir, "clc")
	if out, err := exec.Command(goTool(), "build", "-o", clc, "../cmd/clc").CombinedOutput(); err != nil {
		t.Fatalf("go build ../cmd/clc: %v\n%s", err, out)
	}

	for _, c := range []struct {
		optimizer string
		task      string
		lrs       []float64
		edge      float64 // the rate beyond the stability edge
	}{
		{"sgd", "classification", []float64{0.03, 0.3, 30}, 30},
		{"adam", "classification", []float64{0.0003, 0.003, 3}, 3},
		{"momentum", "regression", []float64{0.001, 0.01, 10}, 10},
	} {
		t.Run(c.optimizer+"-"+c.task, func(t *testing.T) {
			var lrs []string
			for _, lr := range c.lrs {
				lrs = append(lrs, strconv.FormatFloat(lr, 'g', -1, 64))
			}
			common := []string{"--valid", validCSV, "--fractions", "1/4,1", "--lrs", strings.Join(lrs, ","),
				"--seeds", strconv.Itoa(S), "--epochs", "3", "--batch-size", "64", "--hidden", "32",
				"--optimizer", c.optimizer, "--task", c.task}

			peerCmd := exec.Command(torchtest.Python, append([]string{"torch_peer.py", "sweep", trainCSV}, common...)...)
			var stderr bytes.Buffer
			peerCmd.Stderr = &stderr
			peerOut, err := peerCmd.Output()
			if err != nil {
				t.Fatalf("torch_peer.py sweep: %v\n%s", err, stderr.Bytes())
			}
			peer := readTrials(t, "torch_peer.py output", peerOut)

			var runs [][]trial
			for k := 0; k < K; k++ {
				journal := filepath.Join(dir, fmt.Sprintf("%s-%d.jsonl", c.optimizer, k))
				args := append([]string{"fit", trainCSV, "--design", "grid", "--shuffle-seed", strconv.Itoa(k), "--journal", journal,
					"-o", filepath.Join(dir, "fit.yaml"), "--quiet", "--json"}, common...)
				// The fit may stop short of a law (an optimum on the grid's
				// edge); the journal holds every trial either way.
				_ = exec.Command(clc, args...).Run()
				data, err := os.ReadFile(journal)
				if err != nil {
					t.Fatal(err)
				}
				runs = append(runs, readTrials(t, journal, data))
			}

			plan := 2 * len(c.lrs) * S
			if len(peer) != plan {
				t.Fatalf("peer ran %d trials, want %d", len(peer), plan)
			}
			// clc's trials, per cell: steps, divergences, the run means and
			// the within-run sums of squares.
			steps := map[cell]int{}
			diverged := map[cell]int{}
			runMeans := map[cell][]float64{}
			withinSS := map[cell]float64{}
			for k, run := range runs {
				if len(run) != plan {
					t.Fatalf("clc run %d recorded %d trials, want %d", k, len(run), plan)
				}
				losses := map[cell][]float64{}
				for _, tr := range run {
					key := cell{tr.N, tr.LR}
					steps[key] = tr.Steps
					if tr.Diverged || tr.ValidLoss == nil {
						diverged[key]++
						continue
					}
					losses[key] = append(losses[key], *tr.ValidLoss)
				}
				for key, v := range losses {
					if len(v) == S {
						m, ss := meanSS(v)
						runMeans[key] = append(runMeans[key], m)
						withinSS[key] += ss
					}
				}
			}
			peerSums := map[cell]float64{}
			peerDiverged := map[cell]int{}
			for _, tr := range peer {
				key := cell{tr.N, tr.LR}
				want, ok := steps[key]
				if !ok {
					t.Fatalf("peer trial at N = %d, lr %g: clc has no such cell", tr.N, tr.LR)
				}
				if !tr.Diverged && tr.Steps != want {
					t.Errorf("peer trial at N = %d, lr %g, seed %d took %d steps, clc %d", tr.N, tr.LR, tr.Seed, tr.Steps, want)
				}
				if tr.Diverged || tr.ValidLoss == nil {
					peerDiverged[key]++
					continue
				}
				peerSums[key] += *tr.ValidLoss
			}

			bestPeer, bestCLC := map[int]float64{}, map[int]float64{}
			bestPeerLoss, bestCLCLoss := map[int]float64{}, map[int]float64{}
			for key := range steps {
				edge := key.lr == c.edge
				wantDiv := 0
				if edge {
					wantDiv = S
				}
				if diverged[key] != wantDiv*K || peerDiverged[key] != wantDiv {
					t.Errorf("N = %d, lr %g: %d of %d clc trials and %d of %d peer trials diverged, want all or none as the rate is beyond the edge: %v",
						key.n, key.lr, diverged[key], K*S, peerDiverged[key], S, edge)
					continue
				}
				if edge {
					continue
				}
				mean, ssb := meanSS(runMeans[key])
				sb2 := ssb / (K - 1)
				sw2 := withinSS[key] / (K * (S - 1))
				mp := peerSums[key] / S
				z := (mp - mean) / math.Sqrt(sb2*(1+1.0/K)+2*sw2/S)
				t.Logf("N = %4d, lr %-6g: clc %.4f (s_b %.4f, s_w %.4f), peer %.4f, z = %+.2f",
					key.n, key.lr, mean, math.Sqrt(sb2), math.Sqrt(sw2), mp, z)
				if math.Abs(z) > 5 {
					t.Errorf("N = %d, lr %g: the peer's seed-mean validation loss %.4f differs from clc's %.4f by z = %.1f",
						key.n, key.lr, mp, mean, z)
				}
				if l, ok := bestPeerLoss[key.n]; !ok || mp < l {
					bestPeer[key.n], bestPeerLoss[key.n] = key.lr, mp
				}
				if l, ok := bestCLCLoss[key.n]; !ok || mean < l {
					bestCLC[key.n], bestCLCLoss[key.n] = key.lr, mean
				}
			}
			for n, lr := range bestCLC {
				if bestPeer[n] != lr {
					t.Errorf("N = %d: the best rate is %g for clc, %g for the peer", n, lr, bestPeer[n])
				}
			}
		})
	}
}
