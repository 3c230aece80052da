package docgen_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/docgen"
)

// docscheck is the folder with the Node.js tools (package-lock.json pins
// them; `npm ci` there installs them).
var docscheck = filepath.Join("..", "tools", "docscheck")

// needDocscheck returns the node binary, or skips the test when node or
// tools/docscheck/node_modules is missing, unless RTKIT_STRICT or CI is
// set: then it fails.
func needDocscheck(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	installed := true
	for _, pkg := range []string{"@asyncapi/parser", "typescript", "socket.io-client"} {
		if _, err := os.Stat(filepath.Join(docscheck, "node_modules", filepath.FromSlash(pkg), "package.json")); err != nil {
			installed = false
		}
	}
	if err != nil || !installed {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatalf("node and tools/docscheck/node_modules are required in CI (run `npm ci` in tools/docscheck)")
		}
		t.Skip("needs node and `npm ci` in tools/docscheck")
	}
	return node
}

// generated writes the docs of examples/echo's contract together with the
// richer /documents contract into a temporary folder.
func generated(t *testing.T) string {
	t.Helper()
	files, err := docgen.Generate(specOf(echoNamespace(), documentsNamespace()), docgen.Options{})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, docgen.WriteFiles(dir, files))
	return dir
}

func runNode(t *testing.T, node string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a bound, not a speed check
	defer cancel()
	out, err := exec.CommandContext(ctx, node, args...).CombinedOutput()
	t.Logf("node %s:\n%s", filepath.Base(args[0]), out)
	require.NoError(t, err, "%s", out)
}

// TestAsyncAPIParserAcceptsDocument parses the generated AsyncAPI
// documents (every committed one under docs/, and a richer one) with
// @asyncapi/parser: no error and no warning allowed.
func TestAsyncAPIParserAcceptsDocument(t *testing.T) {
	t.Parallel()
	node := needDocscheck(t)
	dir := generated(t)
	committed, err := filepath.Glob(filepath.Join("..", "docs", "*", "asyncapi.json"))
	require.NoError(t, err)
	require.Contains(t, committed, filepath.Join(goldenDir, "asyncapi.json"))
	runNode(t, node, append([]string{filepath.Join(docscheck, "check-asyncapi.mjs"),
		filepath.Join(dir, "asyncapi.json")}, committed...)...)
}

// TestTypeScriptCompilesWithSocketIOClient compiles the generated modules
// with tsc --strict and socket.io-client: the modules alone, a typed client
// of "/chat" that must compile, and one with a wrong payload that must not.
func TestTypeScriptCompilesWithSocketIOClient(t *testing.T) {
	t.Parallel()
	node := needDocscheck(t)
	dir := generated(t)
	runNode(t, node, filepath.Join(docscheck, "check-typescript.mjs"), filepath.Join(dir, "typescript"))
}
