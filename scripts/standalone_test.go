package scripts_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// outside lists text that points outside the repository, each with what to
// write instead. The strings are assembled so that this file does not match
// them itself.
var outside = []struct{ text, instead string }{
	{".." + "/shared", "a path inside the repository"},
	{"shared" + "/bench", "scripts/ (scripts/torch_peer.py, scripts/fashion-mnist-csv.sh)"},
	{"DESIGN" + ".md", "docs/design.md and its sections"},
	{"bench" + "/torch_peer", "scripts/torch_peer.py"},
	{"fashion_mnist" + "_csv", "scripts/fashion-mnist-csv.sh"},
}

// repoFiles lists the repository's files: tracked ones and new ones git does
// not ignore, or, outside a git work tree, every file but .git and bin/.
// Paths are relative to root.
func repoFiles(t *testing.T, root string) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return files
	}
	t.Logf("git ls-files: %v; walking the tree instead", err)
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (rel == ".git" || rel == "bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRepositoryStandsAlone fails when any file of the repository (code,
// comments, docs, examples, scripts, test data) refers to a path outside it:
// the team's design note that lived next to the repository, the shared bench
// directory, or the old names of the PyTorch peer and the Fashion-MNIST CSV
// writer. The repository's own design document is docs/design.md. The match
// is case-sensitive, so docs/design.md itself is fine.
func TestRepositoryStandsAlone(t *testing.T) {
	const root = ".."
	files := repoFiles(t, root)
	if len(files) < 10 {
		t.Fatalf("found only %d files under %s", len(files), root)
	}
	sort.Strings(files)
	dirs := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		dirs[filepath.Dir(f)] = true
		for _, o := range outside {
			rest, line := data, 1
			for {
				i := bytes.Index(rest, []byte(o.text))
				if i < 0 {
					break
				}
				line += bytes.Count(rest[:i], []byte("\n"))
				t.Errorf("%s:%d: refers to %q, outside the repository; use %s", f, line, o.text, o.instead)
				rest = rest[i+len(o.text):]
			}
		}
	}
	// Reading the directories lets go test's cache notice a new file.
	for d := range dirs {
		if _, err := os.ReadDir(filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
}
