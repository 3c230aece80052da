package docgen_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/docgen"
)

// serveDocs serves the echo contract's docs under /docs/ on 127.0.0.1.
func serveDocs(t *testing.T, sp rtkit.Spec) string {
	t.Helper()
	h, err := docgen.Handler(sp, docgen.Options{Info: docgen.Info{Title: "Echo"}})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/docs/", http.StripPrefix("/docs", h))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/docs/"
}

func get(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

func TestHandlerServesEveryGeneratedFile(t *testing.T) {
	t.Parallel()
	sp := echoSpec()
	base := serveDocs(t, sp)
	files, err := docgen.Generate(sp, docgen.Options{Info: docgen.Info{Title: "Echo"}})
	require.NoError(t, err)
	want := map[string]string{".json": "application/json; charset=utf-8", ".md": "text/markdown; charset=utf-8", ".ts": "text/plain; charset=utf-8"}
	for name, body := range files {
		res, got := get(t, "GET", base+name, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, name)
		assert.Equal(t, string(body), got, name)
		ext := name[strings.LastIndexByte(name, '.'):]
		assert.Equal(t, want[ext], res.Header.Get("Content-Type"), name)
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), name)
	}
}

func TestHandlerPage(t *testing.T) {
	t.Parallel()
	base := serveDocs(t, echoSpec())
	for _, u := range []string{base, base + "index.html"} {
		res, page := get(t, "GET", u, nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
		csp := res.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "default-src 'none'")
		assert.NotContains(t, csp, "script-src")
		assert.Contains(t, csp, "frame-ancestors 'none'")
		assert.NotContains(t, strings.ToLower(page), "<script")
		assert.NotRegexp(t, `(?i)\son[a-z]+\s*=`, page) // no inline handlers (onload=…)
		assert.Contains(t, page, "<code>/chat</code>")
		assert.Contains(t, page, `href="spec.json"`)
		assert.Contains(t, page, `href="typescript/chat.ts"`)
	}
	res, css := get(t, "GET", base+"style.css", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/css; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, css, "font")
}

// A description is the application's text, but the page must never let it
// become markup.
func TestHandlerEscapesTheSpec(t *testing.T) {
	t.Parallel()
	sp := echoSpec()
	sp.Namespaces[0].Description = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	sp.Namespaces[0].Events[0].Summary = `"><script>alert(3)</script>`
	_, page := get(t, "GET", serveDocs(t, sp), nil)
	assert.NotContains(t, page, "<script>")
	assert.NotContains(t, page, "<img")
	assert.Contains(t, page, "&lt;script&gt;alert(1)&lt;/script&gt;")
}

func TestHandlerRefusals(t *testing.T) {
	t.Parallel()
	base := serveDocs(t, echoSpec())
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		res, _ := get(t, m, base+"spec.json", nil)
		assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode, m)
		assert.Equal(t, "GET, HEAD", res.Header.Get("Allow"))
	}
	for _, name := range []string{"nope.json", "schemas/", "..%2fgo.mod", "%2e%2e/go.mod", "typescript/../../go.mod"} {
		res, body := get(t, "GET", base+name, nil)
		assert.Contains(t, []int{http.StatusNotFound, http.StatusMovedPermanently}, res.StatusCode, name)
		assert.NotContains(t, body, "module github.com", name)
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), name)
	}
	res, body := get(t, "HEAD", base+"spec.json", nil)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Empty(t, body)
}

func TestHandlerConditionalRequests(t *testing.T) {
	t.Parallel()
	base := serveDocs(t, echoSpec())
	res, _ := get(t, "GET", base+"asyncapi.json", nil)
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	res, body := get(t, "GET", base+"asyncapi.json", http.Header{"If-None-Match": {etag}})
	assert.Equal(t, http.StatusNotModified, res.StatusCode)
	assert.Empty(t, body)
}
