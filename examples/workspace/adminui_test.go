package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// adminUIPassword is the Admin UI's password in these tests.
const adminUIPassword = "admin ui password for tests"

// TestAdminUI runs the official Socket.IO Admin UI's own page (npm's
// @socket.io/admin-ui, served by the application) in headless Chromium
// against one process, then against two processes over Redis: it logs
// in, lists a user's socket with its rooms and transport, shows a room and
// disconnects the socket (adminui/test/adminui.test.mjs); over Redis the
// UI is on one process, the socket on the other, and the Servers page
// lists both. Screenshots go
// to RTKIT_E2E_SCREENSHOT_DIR, else a temporary directory.
func TestAdminUI(t *testing.T) {
	node, chromium := adminUITools(t)
	shots := os.Getenv("RTKIT_E2E_SCREENSHOT_DIR")
	if shots == "" {
		shots = t.TempDir()
	}
	admin := map[string]string{"ADMIN_UI_PASSWORD": adminUIPassword, "ADMIN_UI_USERNAME": "ops"}
	env := func(prefix string, urls ...string) []string {
		return []string{"ADMINUI_URLS=" + strings.Join(urls, ","), "ADMINUI_USERNAME=ops",
			"ADMINUI_PASSWORD=" + adminUIPassword, "WORKSPACE_CHROMIUM=" + chromium,
			"ADMINUI_SCREENSHOT_DIR=" + shots, "ADMINUI_SHOT_PREFIX=" + prefix}
	}

	t.Run("one process", func(t *testing.T) {
		p := startProc(t, "adminui", admin)
		adminUIRunScript(t, node, env("adminui", p.URL))
		t.Logf("screenshots: %s", filepath.Join(shots, "adminui-*.png"))
	})

	t.Run("two processes over Redis", func(t *testing.T) {
		redis := redistest.Start(t)
		cluster := map[string]string{"REDIS_URL": redis.URL(), "ADMIN_UI_SERVER_ID": "server-a"}
		for k, v := range admin {
			cluster[k] = v
		}
		a := startProc(t, "adminui-a", cluster)
		cluster["ADMIN_UI_SERVER_ID"] = "server-b"
		b := startProc(t, "adminui-b", cluster)
		adminUIRunScript(t, node, append(env("adminui-cluster", a.URL, b.URL), "ADMINUI_SERVER_IDS=server-a,server-b"))
		t.Logf("screenshots: %s", filepath.Join(shots, "adminui-cluster-*.png"))
	})
}

// TestAdminUIOffByDefault: without ADMIN_UI_PASSWORD(_HASH) there is no
// page and no admin namespace.
func TestAdminUIOffByDefault(t *testing.T) {
	p := startProc(t, "no-adminui", nil)
	res, err := testHTTP.Get(p.URL + "/admin-ui/")
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	c := sioraw.Dial(t, p.URL, nil)
	assert.True(t, strings.HasPrefix(c.Connect("/admin", map[string]any{"username": "admin", "password": "x"}), "44/admin,"),
		"no admin namespace")
}

// adminUIPolicy is the Content-Security-Policy of the UI's page: no
// other site, not even for fonts.
const adminUIPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// TestAdminUIPage: the page is served with its Content-Security-Policy,
// its links to other sites' fonts and icons replaced by the npm packages'
// files served here (those files only), without source maps or directory
// listings, and only to GET and HEAD; its files missing, the path says
// what to run.
func TestAdminUIPage(t *testing.T) {
	missing := startProc(t, "adminui-missing", map[string]string{"ADMIN_UI_PASSWORD": adminUIPassword,
		"ADMIN_UI_DIR": filepath.Join(t.TempDir(), "nowhere")})
	status, body, _ := adminUIGet(t, missing.URL+"/admin-ui/")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, "npm ci --prefix examples/workspace/adminui")

	adminUIInstalled(t)
	p := startProc(t, "adminui-page", map[string]string{"ADMIN_UI_PASSWORD": adminUIPassword, "ADMIN_UI_PATH": "/ops"})
	status, body, h := adminUIGet(t, p.URL+"/ops/")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Socket.IO Admin UI")
	assert.Equal(t, adminUIPolicy, h.Get("Content-Security-Policy"))
	assert.Equal(t, "DENY", h.Get("X-Frame-Options"))
	assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))

	// The fonts and icons the page links from other sites come from here.
	assert.NotContains(t, body, "fonts.googleapis.com")
	assert.NotContains(t, body, "cdn.jsdelivr.net")
	assert.Contains(t, body, `<link rel="stylesheet" href="vendor/@mdi/font/css/materialdesignicons.min.css">`)
	assert.Contains(t, body, `<link rel="stylesheet" href="vendor/@fontsource/roboto/400.css">`)
	for path, typ := range map[string]string{
		"/ops/vendor/@mdi/font/css/materialdesignicons.min.css":              "text/css; charset=utf-8",
		"/ops/vendor/@mdi/font/fonts/materialdesignicons-webfont.woff2":      "font/woff2",
		"/ops/vendor/@fontsource/roboto/900.css":                             "text/css; charset=utf-8",
		"/ops/vendor/@fontsource/roboto/files/roboto-latin-400-normal.woff2": "font/woff2",
	} {
		status, _, h := adminUIGet(t, p.URL+path)
		assert.Equal(t, http.StatusOK, status, path)
		assert.Equal(t, typ, h.Get("Content-Type"), path)
		assert.Equal(t, adminUIPolicy, h.Get("Content-Security-Policy"), path)
	}
	// The application's own pages keep their policy: no font or style
	// from anywhere but themselves.
	_, _, h = adminUIGet(t, p.URL+"/")
	assert.NotContains(t, h.Get("Content-Security-Policy"), "googleapis")
	assert.NotContains(t, h.Get("Content-Security-Policy"), "jsdelivr")

	for _, path := range []string{"/ops/js/", "/ops/css/", "/ops/js/app.0d7d7845.js.map", "/ops/../go.mod", "/ops/%2e%2e/main.go",
		// Of the font packages, their stylesheets and fonts only.
		"/ops/vendor/", "/ops/vendor/@mdi/font/package.json", "/ops/vendor/@mdi/font/scss/materialdesignicons.scss",
		"/ops/vendor/@mdi/font/fonts/materialdesignicons-webfont.ttf", "/ops/vendor/@mdi/font/css/materialdesignicons.css.map",
		"/ops/vendor/@fontsource/roboto/package.json", "/ops/vendor/@fontsource/roboto/files/../package.json",
		"/ops/vendor/@fontsource/roboto/%2e%2e/%2e%2e/@socket.io/admin-ui/package.json",
		"/ops/vendor/@socket.io/admin-ui/package.json", "/ops/vendor/playwright-core/package.json"} {
		status, _, _ := adminUIGet(t, p.URL+path) // refused, or redirected to a clean path
		assert.NotEqual(t, http.StatusOK, status, path)
	}
	req, err := http.NewRequest(http.MethodPost, p.URL+"/ops/", strings.NewReader("x"))
	require.NoError(t, err)
	res, err := testHTTP.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

// adminUIInstalled skips (or fails, under CI) unless npm installed the
// UI's files.
func adminUIInstalled(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("adminui", "node_modules", "@socket.io", "admin-ui", "ui", "dist", "index.html")); err != nil {
		e2eSkip(t, "needs `npm ci --prefix examples/workspace/adminui`")
	}
}

// adminUITools returns node and the browser, once the UI's files and the
// script's modules are installed.
func adminUITools(t *testing.T) (node, chromium string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		e2eSkip(t, "needs node")
	}
	adminUIInstalled(t)
	if _, err := os.Stat(filepath.Join("adminui", "node_modules", "playwright-core")); err != nil {
		e2eSkip(t, "needs `npm ci --prefix examples/workspace/adminui`")
	}
	chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		e2eSkip(t, "needs Debian's chromium")
	}
	return node, chromium
}

// adminUIGet fetches url without following redirects.
func adminUIGet(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	res, err := client.Get(url)
	require.NoError(t, err)
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b), res.Header
}

// adminUIRunScript runs adminui/test/adminui.test.mjs with env.
func adminUIRunScript(t *testing.T, node string, env []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out := &e2eLineLog{t: t}
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", filepath.Join("test", "adminui.test.mjs"))
	cmd.Dir = "adminui"
	cmd.Env = append(os.Environ(), append([]string{"NO_COLOR=1"}, env...)...)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	out.flush()
	require.NoError(t, err, "node --test adminui.test.mjs failed (its output is above)")
}
