package main

import (
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An address of ADMIN_EMAILS cannot be claimed by signing up with it, in
// any spelling: the account exists before the first request, and a
// sign-up is never an admin. (Seen: "admin@X.TEST\t" and " ADMİN@X.TEST "
// signed up as admin, and the owner then got 409.)
func TestAdminAddressCannotBeClaimed(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	upper := strings.ToUpper(testAdminEmail)
	for _, email := range []string{
		testAdminEmail, upper + "\t", " " + upper + " ", strings.Replace(upper, "I", "İ", 1),
		strings.Replace(testAdminEmail, "i", "ı", 1), "Admin@Workspace.Test",
	} {
		res := call(t, "POST", ta.URL+"/api/auth/sign-up", "", map[string]any{"email": email, "password": "attacker pw", "name": "Mallory"})
		switch res.Status {
		case http.StatusConflict, http.StatusBadRequest:
		case http.StatusCreated:
			assert.Equal(t, "user", accountOf(t, res).Role, "a sign-up with %q is no admin", email)
		default:
			t.Errorf("sign-up with %q: %d %s", email, res.Status, res.Body)
		}
		res = call(t, "POST", ta.URL+"/api/auth/sign-in", "", map[string]any{"email": email, "password": "attacker pw"})
		if res.Status == http.StatusOK {
			assert.Equal(t, "user", accountOf(t, res).Role, "a sign-in with %q is no admin", email)
		}
	}
	admin := signInAdmin(t, ta)
	assert.Equal(t, testAdminEmail, admin.Email, "the owner of the address signs in with ADMIN_PASSWORD")
}

// Bodies of JSON endpoints must say application/json: an HTML form can
// send only text/plain, form-encoded or multipart bodies, and a
// cross-origin fetch that says application/json needs a CORS preflight.
// (Seen: text/plain, form-encoded and untyped bodies were accepted.)
func TestJSONEndpointsRefuseOtherContentTypes(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	u := signUp(t, ta, "ann@example.com")
	res := call(t, "POST", ta.URL+"/api/documents", u.Token, map[string]any{"title": "mine"})
	require.Equal(t, http.StatusCreated, res.Status)
	doc := ta.URL + "/api/documents/" + res.JSON(t)["id"].(string)

	bodies := map[string]string{
		"/api/auth/sign-up":  `{"email":"csrf@example.com","password":"12345678","name":"x"}`,
		"/api/auth/sign-in":  `{"email":"ann@example.com","password":"correct horse"}`,
		"/api/documents":     `{"title":"planted"}`,
		"/api/notifications": `{"type":"info","title":"t","message":"m"}`,
	}
	for _, ct := range []string{"", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded",
		"multipart/form-data; boundary=x", "application/jsonx", "text/json"} {
		for path, body := range bodies {
			res := rawCall(t, "POST", ta.URL+path, u.Token, ct, body)
			assert.Equal(t, http.StatusUnsupportedMediaType, res.Status, "POST %s as %q: %s", path, ct, res.Body)
			assert.Equal(t, "UNSUPPORTED_MEDIA_TYPE", res.ErrorCode(t))
		}
		res := rawCall(t, "PATCH", doc, u.Token, ct, `{"title":"changed"}`)
		assert.Equal(t, http.StatusUnsupportedMediaType, res.Status, "PATCH as %q", ct)
	}
	var list []map[string]any
	call(t, "GET", ta.URL+"/api/documents", u.Token, nil).Decode(t, &list)
	require.Len(t, list, 1, "nothing was created")
	assert.Equal(t, "mine", list[0]["title"], "nothing was changed")

	res = rawCall(t, "POST", ta.URL+"/api/documents", u.Token, "Application/JSON; charset=utf-8", `{"title":"ok"}`)
	assert.Equal(t, http.StatusCreated, res.Status, "media types are case-insensitive, parameters allowed")
}

// A browser's state-changing request from another origin — another site,
// or the same site on another port — is refused unless the origin is in
// CORS_ORIGINS; same-origin requests and non-browser clients pass. (The
// browser's own view of this is in js/test/attack.test.mjs.)
func TestCrossOriginStateChangesRefused(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"CORS_ORIGINS": "https://app.example"})
	u := signUp(t, ta, "ann@example.com")
	send := func(site, origin string) response {
		req, err := http.NewRequest("POST", ta.URL+"/api/auth/sign-out", nil)
		require.NoError(t, err)
		req.AddCookie(&http.Cookie{Name: "rtkit_session", Value: u.Token})
		if site != "" {
			req.Header.Set("Sec-Fetch-Site", site)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		return do(t, req)
	}
	for _, c := range []struct{ site, origin string }{
		{"cross-site", "http://attacker.example"},
		{"same-site", "http://127.0.0.1:1"},
		{"", "http://attacker.example"}, // an older browser: Origin only
	} {
		res := send(c.site, c.origin)
		assert.Equal(t, http.StatusForbidden, res.Status, "%+v", c)
		assert.Equal(t, "FORBIDDEN", res.ErrorCode(t))
	}
	require.Equal(t, http.StatusOK, call(t, "GET", ta.URL+"/api/auth/get-session", u.Token, nil).Status, "still signed in")
	assert.Equal(t, http.StatusNoContent, send("cross-site", "https://app.example").Status, "an origin of CORS_ORIGINS")
	u = signUp(t, ta, "bob@example.com")
	assert.Equal(t, http.StatusNoContent, send("same-origin", ta.URL).Status)
}

// The page and the API tell browsers: no framing, no inline script, no
// sniffing, no Referer. (Seen: the page could be framed by a same-site
// page with its Sign out and Delete buttons live.)
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	for _, path := range []string{"/", "/app.js", "/api/documents", "/health", "/no-such-file"} {
		res := call(t, "GET", ta.URL+path, "", nil)
		csp := res.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "frame-ancestors 'none'", path)
		assert.Contains(t, csp, "script-src 'self'", path)
		assert.NotContains(t, csp, "unsafe-inline", path)
		assert.NotContains(t, csp, "unsafe-eval", path)
		assert.Equal(t, "DENY", res.Header.Get("X-Frame-Options"), path)
		assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"), path)
		assert.Equal(t, "same-origin", res.Header.Get("Cross-Origin-Resource-Policy"), path)
	}
	// The policy holds because the page has no inline script or handler.
	page, err := os.ReadFile("web/index.html")
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`(?is)<script[^>]*>`).FindAllString(string(page), -1) {
		assert.Contains(t, m, "src=", "inline script: %s", m)
	}
	assert.NotRegexp(t, `(?i)\son[a-z]+\s*=`, string(page), "inline event handlers")
	assert.NotRegexp(t, `(?i)<style|\sstyle\s*=`, string(page), "inline styles")
}

// rawCall sends body as is with the Content-Type ct ("" for none).
func rawCall(t testing.TB, method, url, token, ct, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}
