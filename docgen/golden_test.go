package docgen_test

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/docgen"
)

var update = flag.Bool("update", false, "rewrite docs/echo from the code instead of comparing")

// goldenDir holds the committed docs of examples/echo.
var goldenDir = filepath.Join("..", "docs", "echo")

func echoFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := docgen.Generate(echoSpec(), docgen.Options{Info: docgen.Info{
		Title:       "rtkit echo example",
		Version:     "1.0.0",
		Description: "The contract of examples/echo: clients post messages to rooms of the \"/chat\" namespace.",
	}})
	require.NoError(t, err)
	return files
}

// TestGoldenEchoDocs compares docs/echo with what the generators write for
// examples/echo's contract. Run `go test ./docgen -run TestGoldenEchoDocs
// -update` after changing the generators or the example.
func TestGoldenEchoDocs(t *testing.T) {
	files := echoFiles(t)
	if *update {
		require.NoError(t, os.MkdirAll(goldenDir, 0o755))
		for _, stale := range committed(t) {
			if _, ok := files[stale]; !ok {
				require.NoError(t, os.Remove(filepath.Join(goldenDir, filepath.FromSlash(stale))))
			}
		}
		require.NoError(t, docgen.WriteFiles(goldenDir, files))
	}
	for _, name := range committed(t) {
		if _, ok := files[name]; !ok {
			t.Errorf("docs/echo/%s is not generated any more; run go test ./docgen -run TestGoldenEchoDocs -update", name)
		}
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(goldenDir, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("docs/echo/%s is missing; run go test ./docgen -run TestGoldenEchoDocs -update", name)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("docs/echo/%s differs from the generated file; run go test ./docgen -run TestGoldenEchoDocs -update\n%s",
				name, firstDifference(got, want))
		}
	}
}

// committed lists the files under goldenDir, slash-separated.
func committed(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(goldenDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(goldenDir, path)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return out
}

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
