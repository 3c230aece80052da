package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/docgen"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/app"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/internal/golden"
)

var update = flag.Bool("update", false, "rewrite docs/workspace from the code instead of comparing")

// docsDir holds the committed docs of the application.
var docsDir = filepath.Join("..", "..", "docs", "workspace")

// workspaceDocs generates the docs of the application's contract, as the
// default configuration serves it.
func workspaceDocs(t *testing.T) map[string][]byte {
	t.Helper()
	cfg, err := config.Load(func(string) string { return "" })
	require.NoError(t, err)
	cfg.DataDir = t.TempDir()
	a, err := app.New(cfg, app.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer func() { _ = a.Shutdown(context.Background()) }()
	files, err := docgen.Generate(a.Realtime().RT().Spec(), docgen.Options{Info: app.DocsInfo})
	require.NoError(t, err)
	return files
}

// TestGoldenWorkspaceDocs compares docs/workspace with what the generators
// write for the application's contract. Run `go test ./examples/workspace
// -run TestGoldenWorkspaceDocs -update` after changing the contract.
func TestGoldenWorkspaceDocs(t *testing.T) {
	golden.Check(t, docsDir, "docs/workspace", workspaceDocs(t), *update,
		"run go test ./examples/workspace -run TestGoldenWorkspaceDocs -update")
}

// defaultConnectionLimits overrides the tests' loose connection limits
// with the defaults, which the committed contract shows.
var defaultConnectionLimits = map[string]string{"SOCKET_CONNECT_RATE_LIMIT": "", "CONNECTIONS_PER_ADDRESS": "", "SOCKETS_PER_USER": ""}

// The running application serves the same contract at /docs as the
// committed copy, with the page and safe headers.
func TestLiveDocs(t *testing.T) {
	t.Parallel()
	ta := startApp(t, defaultConnectionLimits)
	want, err := os.ReadFile(filepath.Join(docsDir, "spec.json"))
	require.NoError(t, err)
	res, err := testHTTP.Get(ta.URL + "/docs/spec.json")
	require.NoError(t, err)
	got, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, string(want), string(got), "docs/workspace/spec.json is not what /docs serves")

	// /docs redirects to the page; the page links its files relatively.
	res, err = testHTTP.Get(ta.URL + "/docs")
	require.NoError(t, err)
	page, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "/docs/", res.Request.URL.Path)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")
	assert.Contains(t, string(page), "<code>/notifications</code>")
	assert.Contains(t, string(page), "auth.token")
	for _, name := range []string{"asyncapi.json", "typescript/notifications.ts", "schemas/Notification.json", "style.css"} {
		res, err := testHTTP.Get(ta.URL + "/docs/" + name)
		require.NoError(t, err)
		_ = res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, name)
	}
	res, err = testHTTP.Post(ta.URL+"/docs/spec.json", "application/json", nil)
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}
