package proctest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// buildWait bounds the build of a program.
const buildWait = 2 * time.Minute

// Build builds the Go package pkg (an import path, or a folder relative to
// the test's package) into a temporary folder of t, removed when t ends,
// and returns the program's path. It fails t if the build fails.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	bin, err := build(t, t.TempDir(), pkg)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// build builds pkg into dir, logging the time taken to t.
func build(t testing.TB, dir, pkg string) (string, error) {
	t.Helper()
	bin := filepath.Join(dir, path.Base(pkg))
	ctx, cancel := context.WithTimeout(context.Background(), buildWait)
	defer cancel()
	began := time.Now()
	// go test puts the go command of its own GOROOT first in PATH.
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	t.Logf("built %s in %v", path.Base(pkg), time.Since(began).Round(time.Millisecond))
	return bin, nil
}

// Binary is a program built at most once per test binary, for the tests
// that share it. Its folder is made by NewBinary; TestMain deletes it with
// Remove after the tests.
type Binary struct {
	pkg  string
	dir  string
	err  error // of making dir, then of the build
	once sync.Once
	path string
}

// NewBinary makes the temporary folder that the program of the Go package
// pkg (as for Build) is built into on the first call of Path.
func NewBinary(pkg string) *Binary {
	dir, err := os.MkdirTemp("", "rtkit-"+path.Base(pkg)+"-")
	return &Binary{pkg: pkg, dir: dir, err: err}
}

// Path builds the program if no test did yet and returns its path; it
// fails t if the build failed, now or before.
func (b *Binary) Path(t testing.TB) string {
	t.Helper()
	b.once.Do(func() {
		if b.err == nil {
			b.path, b.err = build(t, b.dir, b.pkg)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// Dir is the folder the program is built into ("" if it could not be
// made).
func (b *Binary) Dir() string { return b.dir }

// Remove deletes the folder and the program in it.
func (b *Binary) Remove() {
	if b.dir != "" {
		_ = os.RemoveAll(b.dir)
	}
}
