// Package golden checks generated files against the copies committed in a
// folder of the repository, and rewrites that folder on request: the
// golden-file pattern of go/printer, shared by the tests of the generated
// docs (docs/echo, docs/workspace).
package golden

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Check compares files (slash-separated names relative to dir) with the
// files under dir: one error per file that is missing, differs, or is
// committed but no longer generated. With update it first makes dir equal
// to files (writing every file, removing stale ones), so the comparison
// then passes. label names dir in messages ("docs/echo"); fix tells how
// to update ("run go test ./docgen -run TestGoldenEchoDocs -update").
func Check(t testing.TB, dir, label string, files map[string][]byte, update bool, fix string) {
	t.Helper()
	if update {
		for _, stale := range committed(t, dir) {
			if _, ok := files[stale]; !ok {
				require.NoError(t, os.Remove(filepath.Join(dir, filepath.FromSlash(stale))))
			}
		}
		for name, data := range files {
			path := filepath.Join(dir, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, data, 0o644))
		}
	}
	for _, name := range committed(t, dir) {
		if _, ok := files[name]; !ok {
			t.Errorf("%s/%s is not generated any more; %s", label, name, fix)
		}
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("%s/%s is missing; %s", label, name, fix)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s/%s differs from the generated file; %s\n%s", label, name, fix, firstDifference(got, want))
		}
	}
}

// committed lists the files under dir, slash-separated (none when dir
// does not exist).
func committed(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return out
}

// firstDifference shows the first line where got and want differ.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  committed: " + gl + "\n  generated: " + wl
		}
	}
	return ""
}
