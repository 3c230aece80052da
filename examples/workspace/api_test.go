package main

import (
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/api"
)

func TestAuthFlow(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	url := ta.URL + "/api/auth"

	res := call(t, "POST", url+"/sign-up", "", map[string]any{"email": " Ann@Example.COM ", "password": "12345678", "name": "Ann"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	var up struct {
		User  map[string]any `json:"user"`
		Token string         `json:"token"`
	}
	res.Decode(t, &up)
	assert.Equal(t, "ann@example.com", up.User["email"])
	assert.Equal(t, "Ann", up.User["name"])
	assert.Equal(t, "user", up.User["role"])
	_, err := uuid.Parse(up.User["id"].(string))
	assert.NoError(t, err)
	assert.Len(t, up.User, 4, "user has exactly id, email, name, role")
	assert.NotEmpty(t, up.Token)
	cookie := res.Header.Get("Set-Cookie")
	for _, attr := range []string{"rtkit_session=" + up.Token, "HttpOnly", "SameSite=Lax", "Path=/", "Expires=", "Max-Age="} {
		assert.Contains(t, cookie, attr)
	}

	// Duplicate email (any case): 409. Invalid bodies: 400 with details.
	res = call(t, "POST", url+"/sign-up", "", map[string]any{"email": "ANN@example.com", "password": "12345678", "name": "Other"})
	assert.Equal(t, http.StatusConflict, res.Status)
	assert.Equal(t, "CONFLICT", res.ErrorCode(t))
	for name, body := range map[string]any{
		"short password": map[string]any{"email": "b@example.com", "password": "1234567", "name": "B"},
		"bad email":      map[string]any{"email": "not-an-email", "password": "12345678", "name": "B"},
		"no name":        map[string]any{"email": "b@example.com", "password": "12345678"},
		"blank name":     map[string]any{"email": "b@example.com", "password": "12345678", "name": "  "},
		"number email":   map[string]any{"email": 5, "password": "12345678", "name": "B"},
		"not json":       "{nope",
		"array":          "[]",
		"empty":          "",
	} {
		res := call(t, "POST", url+"/sign-up", "", body)
		assert.Equal(t, http.StatusBadRequest, res.Status, "%s: %s", name, res.Body)
		assert.Equal(t, "VALIDATION_ERROR", res.ErrorCode(t), name)
	}
	res = call(t, "POST", url+"/sign-up", "", map[string]any{"email": "b@example.com", "password": "1", "name": ""})
	assert.Len(t, res.JSON(t)["error"].(map[string]any)["details"], 2, "one detail per invalid field")

	// Sign-in: same shape; wrong password or unknown email: 401.
	res = call(t, "POST", url+"/sign-in", "", map[string]any{"email": "ann@example.com", "password": "12345678"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	var in struct {
		User  map[string]any `json:"user"`
		Token string         `json:"token"`
	}
	res.Decode(t, &in)
	assert.Equal(t, up.User, in.User)
	assert.NotEqual(t, up.Token, in.Token, "a new session")
	assert.Contains(t, res.Header.Get("Set-Cookie"), "rtkit_session="+in.Token)
	for _, body := range []map[string]any{
		{"email": "ann@example.com", "password": "wrong-password"},
		{"email": "nobody@example.com", "password": "12345678"},
	} {
		res := call(t, "POST", url+"/sign-in", "", body)
		assert.Equal(t, http.StatusUnauthorized, res.Status)
		assert.Equal(t, "UNAUTHORIZED", res.ErrorCode(t))
	}

	// get-session with the bearer token.
	res = call(t, "GET", url+"/get-session", up.Token, nil)
	require.Equal(t, http.StatusOK, res.Status)
	var sess struct {
		Session struct {
			ID        string    `json:"id"`
			ExpiresAt time.Time `json:"expiresAt"`
		} `json:"session"`
		User map[string]any `json:"user"`
	}
	res.Decode(t, &sess)
	assert.Equal(t, up.User, sess.User)
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), sess.Session.ExpiresAt, time.Minute)
	_, err = uuid.Parse(sess.Session.ID)
	assert.NoError(t, err)

	// No credentials, or an unknown token: 401.
	assert.Equal(t, http.StatusUnauthorized, call(t, "GET", url+"/get-session", "", nil).Status)
	assert.Equal(t, http.StatusUnauthorized, call(t, "GET", url+"/get-session", "nope", nil).Status)

	// Sign-out ends that session only.
	assert.Equal(t, http.StatusNoContent, call(t, "POST", url+"/sign-out", up.Token, nil).Status)
	assert.Equal(t, http.StatusUnauthorized, call(t, "GET", url+"/get-session", up.Token, nil).Status)
	assert.Equal(t, http.StatusOK, call(t, "GET", url+"/get-session", in.Token, nil).Status)
	assert.Equal(t, http.StatusUnauthorized, call(t, "POST", url+"/sign-out", up.Token, nil).Status)
}

func TestCookieSession(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	browser := jarClient(t)
	res := callWith(t, browser, "POST", ta.URL+"/api/auth/sign-up", "", map[string]any{"email": "c@example.com", "password": "12345678", "name": "C"})
	require.Equal(t, http.StatusCreated, res.Status)

	res = callWith(t, browser, "GET", ta.URL+"/api/auth/get-session", "", nil)
	require.Equal(t, http.StatusOK, res.Status, "the cookie authenticates")
	res = callWith(t, browser, "POST", ta.URL+"/api/documents", "", map[string]any{"title": "t", "content": "c"})
	require.Equal(t, http.StatusCreated, res.Status)

	res = callWith(t, browser, "POST", ta.URL+"/api/auth/sign-out", "", nil)
	require.Equal(t, http.StatusNoContent, res.Status)
	assert.Contains(t, res.Header.Get("Set-Cookie"), "rtkit_session=;", "sign-out clears the cookie")
	assert.Contains(t, res.Header.Get("Set-Cookie"), "Max-Age=0")
	assert.Equal(t, http.StatusUnauthorized, callWith(t, browser, "GET", ta.URL+"/api/auth/get-session", "", nil).Status,
		"the cookie is cleared and the session gone")
}

func TestSessionTTL(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SESSION_TTL": "90m"})
	u := signUp(t, ta, "ttl@example.com")
	var sess struct {
		Session struct {
			ExpiresAt time.Time `json:"expiresAt"`
		} `json:"session"`
	}
	call(t, "GET", ta.URL+"/api/auth/get-session", u.Token, nil).Decode(t, &sess)
	assert.WithinDuration(t, time.Now().Add(90*time.Minute), sess.Session.ExpiresAt, time.Minute)
}

func TestDocumentsREST(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann, bob := signUp(t, ta, "ann@example.com"), signUp(t, ta, "bob@example.com")
	docs := ta.URL + "/api/documents"

	assert.Equal(t, http.StatusUnauthorized, call(t, "GET", docs, "", nil).Status)
	res := call(t, "GET", docs, ann.Token, nil)
	require.Equal(t, http.StatusOK, res.Status)
	assert.JSONEq(t, "[]", string(res.Body))

	res = call(t, "POST", docs, ann.Token, map[string]any{"title": "Plan", "content": "first"})
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	doc := res.JSON(t)
	assert.Len(t, doc, 6, "id, title, content, ownerId, createdAt, updatedAt: %s", res.Body)
	id := doc["id"].(string)
	_, err := uuid.Parse(id)
	require.NoError(t, err)
	assert.Equal(t, ann.ID, doc["ownerId"])
	assert.Equal(t, "Plan", doc["title"])
	assert.Equal(t, "first", doc["content"])
	assert.Equal(t, doc["createdAt"], doc["updatedAt"])

	res = call(t, "POST", docs, ann.Token, map[string]any{"title": "Second"})
	require.Equal(t, http.StatusCreated, res.Status, "content is optional")
	assert.Equal(t, "", res.JSON(t)["content"])

	for name, body := range map[string]any{
		"no title":    map[string]any{"content": "x"},
		"empty title": map[string]any{"title": ""},
		"long title":  map[string]any{"title": strings.Repeat("é", 201)},
		"title type":  map[string]any{"title": 3},
	} {
		res := call(t, "POST", docs, ann.Token, body)
		assert.Equal(t, http.StatusBadRequest, res.Status, name)
		assert.Equal(t, "VALIDATION_ERROR", res.ErrorCode(t), name)
	}
	assert.Equal(t, http.StatusCreated, call(t, "POST", docs, ann.Token, map[string]any{"title": strings.Repeat("é", 200)}).Status)

	var list []map[string]any
	call(t, "GET", docs, ann.Token, nil).Decode(t, &list)
	require.Len(t, list, 3)
	assert.Equal(t, id, list[2]["id"], "newest first")
	call(t, "GET", docs, bob.Token, nil).Decode(t, &list)
	assert.Empty(t, list, "only one's own documents")

	// Owner only: another user gets 404, like a missing or malformed id.
	assert.Equal(t, http.StatusOK, call(t, "GET", docs+"/"+id, ann.Token, nil).Status)
	for _, path := range []string{"/" + id, "/" + uuid.NewString(), "/not-a-uuid"} {
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			res := call(t, m, docs+path, bob.Token, map[string]any{"title": "x"})
			assert.Equal(t, http.StatusNotFound, res.Status, "%s %s", m, path)
			assert.Equal(t, "NOT_FOUND", res.ErrorCode(t))
		}
	}

	time.Sleep(2 * time.Millisecond)
	res = call(t, "PATCH", docs+"/"+id, ann.Token, map[string]any{"title": "Plan B"})
	require.Equal(t, http.StatusOK, res.Status, "%s", res.Body)
	patched := res.JSON(t)
	assert.Equal(t, "Plan B", patched["title"])
	assert.Equal(t, "first", patched["content"], "absent fields are kept")
	assert.Equal(t, doc["createdAt"], patched["createdAt"])
	assert.NotEqual(t, doc["updatedAt"], patched["updatedAt"])
	assert.Equal(t, http.StatusBadRequest, call(t, "PATCH", docs+"/"+id, ann.Token, map[string]any{"title": ""}).Status)
	assert.Equal(t, http.StatusBadRequest, call(t, "PATCH", docs+"/"+id, ann.Token, `{"title": null}`).Status)

	assert.Equal(t, http.StatusNoContent, call(t, "DELETE", docs+"/"+id, ann.Token, nil).Status)
	assert.Equal(t, http.StatusNotFound, call(t, "GET", docs+"/"+id, ann.Token, nil).Status)
	assert.Equal(t, http.StatusNotFound, call(t, "DELETE", docs+"/"+id, ann.Token, nil).Status)

	// Unknown endpoints and methods answer in the error format.
	res = call(t, "PUT", docs, ann.Token, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, res.Status)
	assert.Equal(t, "METHOD_NOT_ALLOWED", res.ErrorCode(t))
	assert.Equal(t, "GET, HEAD, POST", res.Header.Get("Allow"))
	res = call(t, "POST", docs+"/"+id, ann.Token, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, res.Status)
	assert.Equal(t, "GET, HEAD, PATCH, DELETE", res.Header.Get("Allow"))
	res = call(t, "GET", ta.URL+"/api/auth/sign-out", ann.Token, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, res.Status)
	assert.Equal(t, "POST", res.Header.Get("Allow"))
	res = call(t, "GET", ta.URL+"/api/nothing", ann.Token, nil)
	assert.Equal(t, http.StatusNotFound, res.Status)
	assert.Equal(t, "NOT_FOUND", res.ErrorCode(t))
	res = call(t, "POST", docs, ann.Token, `{"title":"`+strings.Repeat("x", 1<<20)+`"}`)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.Status)
}

func TestNotificationsREST(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	ann, bob, admin := signUp(t, ta, "ann@example.com"), signUp(t, ta, "bob@example.com"), signInAdmin(t, ta)
	require.Equal(t, "admin", admin.Role)
	notes := ta.URL + "/api/notifications"
	note := func(extra map[string]any) map[string]any {
		m := map[string]any{"type": "info", "title": "Hello", "message": "World"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}

	res := call(t, "POST", notes, ann.Token, note(nil))
	require.Equal(t, http.StatusCreated, res.Status, "%s", res.Body)
	first := res.JSON(t)
	assert.Len(t, first, 6, "id, type, title, message, createdAt, read: %s", res.Body)
	assert.Equal(t, false, first["read"])
	assert.Equal(t, "info", first["type"])
	res = call(t, "POST", notes, ann.Token, note(map[string]any{"userId": ann.ID, "type": "warning"}))
	require.Equal(t, http.StatusCreated, res.Status, "one's own id needs no role")
	second := res.JSON(t)

	// Another user or a broadcast: admins only.
	res = call(t, "POST", notes, ann.Token, note(map[string]any{"userId": bob.ID}))
	assert.Equal(t, http.StatusForbidden, res.Status)
	assert.Equal(t, "FORBIDDEN", res.ErrorCode(t))
	assert.Equal(t, http.StatusForbidden, call(t, "POST", notes, ann.Token, note(map[string]any{"broadcast": true})).Status)
	assert.Equal(t, http.StatusCreated, call(t, "POST", notes, admin.Token, note(map[string]any{"userId": bob.ID})).Status)
	assert.Equal(t, http.StatusNotFound, call(t, "POST", notes, admin.Token, note(map[string]any{"userId": uuid.NewString()})).Status)
	res = call(t, "POST", notes, admin.Token, note(map[string]any{"broadcast": true, "type": "success"}))
	require.Equal(t, http.StatusCreated, res.Status)
	broadcast := res.JSON(t)

	for name, body := range map[string]any{
		"bad type":     note(map[string]any{"type": "loud"}),
		"no type":      map[string]any{"title": "a", "message": "b"},
		"no title":     map[string]any{"type": "info", "message": "b"},
		"no message":   map[string]any{"type": "info", "title": "a"},
		"bad userId":   note(map[string]any{"userId": "bob"}),
		"both targets": note(map[string]any{"userId": ann.ID, "broadcast": true}),
	} {
		res := call(t, "POST", notes, admin.Token, body)
		assert.Equal(t, http.StatusBadRequest, res.Status, name)
		assert.Equal(t, "VALIDATION_ERROR", res.ErrorCode(t), name)
	}

	var list []map[string]any
	call(t, "GET", notes, ann.Token, nil).Decode(t, &list)
	require.Len(t, list, 3, "own two and the broadcast")
	assert.Equal(t, broadcast["id"], list[0]["id"], "newest first")
	assert.Equal(t, second["id"], list[1]["id"])
	assert.Equal(t, first["id"], list[2]["id"])
	call(t, "GET", notes, bob.Token, nil).Decode(t, &list)
	assert.Len(t, list, 2, "bob's one and the broadcast")

	res = call(t, "POST", notes+"/"+first["id"].(string)+"/read", ann.Token, nil)
	require.Equal(t, http.StatusOK, res.Status)
	assert.Equal(t, true, res.JSON(t)["read"])
	assert.Equal(t, http.StatusNotFound, call(t, "POST", notes+"/"+first["id"].(string)+"/read", bob.Token, nil).Status)
	assert.Equal(t, http.StatusNotFound, call(t, "POST", notes+"/"+uuid.NewString()+"/read", bob.Token, nil).Status)
	// A broadcast is read by each user on their own.
	assert.Equal(t, http.StatusOK, call(t, "POST", notes+"/"+broadcast["id"].(string)+"/read", bob.Token, nil).Status)
	call(t, "GET", notes, ann.Token, nil).Decode(t, &list)
	assert.Equal(t, false, list[0]["read"], "bob read the broadcast, not ann")
	assert.Equal(t, true, list[2]["read"])
}

func TestHealthAndStatic(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SOCKET_IO_CLIENT_JS": t.TempDir() + "/missing.js"})
	res := call(t, "GET", ta.URL+"/health", "", nil)
	require.Equal(t, http.StatusOK, res.Status)
	assert.JSONEq(t, `{"status":"ok"}`, string(res.Body), "anonymous callers see the status only")
	user := signUp(t, ta, "user@example.com")
	assert.JSONEq(t, `{"status":"ok"}`, string(call(t, "GET", ta.URL+"/health", user.Token, nil).Body), "and so do users")
	res = call(t, "GET", ta.URL+"/health", signInAdmin(t, ta).Token, nil)
	require.Equal(t, http.StatusOK, res.Status)
	assert.JSONEq(t, `{"status":"ok",
		"socketio":{"enabled":true,"connected":0,"namespaces":[{"name":"/documents","connected":0},{"name":"/notifications","connected":0}]},
		"adapter":{"kind":"memory","ok":true},"store":{"kind":"sqlite","ok":true}}`, string(res.Body))

	res = call(t, "GET", ta.URL+"/", "", nil)
	assert.Equal(t, http.StatusOK, res.Status)
	assert.Contains(t, string(res.Body), "<html")

	res = call(t, "GET", ta.URL+"/vendor/socket.io.min.js", "", nil)
	assert.Equal(t, http.StatusNotFound, res.Status)
	assert.Contains(t, res.Header.Get("Content-Type"), "javascript")
	assert.Contains(t, string(res.Body), "Run: npm ci --prefix examples/workspace/js")
}

func TestClientScriptServed(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/io.js"
	require.NoError(t, writeFile(path, "window.io = function () {};"))
	ta := startApp(t, map[string]string{"SOCKET_IO_CLIENT_JS": path})
	res := call(t, "GET", ta.URL+"/vendor/socket.io.min.js", "", nil)
	assert.Equal(t, http.StatusOK, res.Status)
	assert.Equal(t, "window.io = function () {};", string(res.Body))
}

func TestCORS(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"CORS_ORIGINS": "https://app.example, http://localhost:5173"})
	preflight := func(origin string) *http.Response {
		req, err := http.NewRequest("OPTIONS", ta.URL+"/api/documents", nil)
		require.NoError(t, err)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type, authorization")
		res, err := testHTTP.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	res := preflight("http://localhost:5173")
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	assert.Equal(t, "http://localhost:5173", res.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", res.Header.Get("Access-Control-Allow-Credentials"))
	assert.Contains(t, res.Header.Get("Access-Control-Allow-Methods"), "PATCH")
	assert.Contains(t, res.Header.Get("Access-Control-Allow-Headers"), "Authorization")
	res = preflight("https://evil.example")
	assert.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))
}

func TestLongPasswords(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	long := strings.Repeat("p", 100)
	res := call(t, "POST", ta.URL+"/api/auth/sign-up", "", map[string]any{"email": "l@example.com", "password": long + "A", "name": "L"})
	require.Equal(t, http.StatusCreated, res.Status)
	res = call(t, "POST", ta.URL+"/api/auth/sign-in", "", map[string]any{"email": "l@example.com", "password": long + "B"})
	assert.Equal(t, http.StatusUnauthorized, res.Status, "characters past bcrypt's 72 bytes count")
	res = call(t, "POST", ta.URL+"/api/auth/sign-in", "", map[string]any{"email": "l@example.com", "password": long + "A"})
	assert.Equal(t, http.StatusOK, res.Status)
	res = call(t, "POST", ta.URL+"/api/auth/sign-up", "", map[string]any{"email": "m@example.com", "password": strings.Repeat("é", 129), "name": "M"})
	assert.Equal(t, http.StatusBadRequest, res.Status)
}

// The page's client script tag: the local copy when installed, otherwise
// the official CDN's, pinned by version and integrity hash.
func TestPageClientScriptTag(t *testing.T) {
	t.Parallel()
	const cdnTag = `<script src="https://cdn.socket.io/` + api.ClientVersion + `/socket.io.min.js" ` +
		`integrity="sha384-fBrXvbDtHoeKWJ/hcA6M+YGueiDW+h45I7V6F2kD1S8bOkrF9rZYPLVkCR6BLR/1" crossorigin="anonymous"></script>`
	missing := startApp(t, map[string]string{"SOCKET_IO_CLIENT_JS": t.TempDir() + "/missing.js"})
	for _, path := range []string{"/", "/index.html"} {
		res := call(t, "GET", missing.URL+path, "", nil)
		require.Equal(t, http.StatusOK, res.Status, path)
		assert.Contains(t, string(res.Body), cdnTag, path)
		assert.NotContains(t, string(res.Body), `src="/vendor/socket.io.min.js"`, path)
		if csp := res.Header.Get("Content-Security-Policy"); csp != "" {
			assert.Contains(t, csp, "https://cdn.socket.io", "the policy lets the page load the CDN's script")
		}
	}

	path := t.TempDir() + "/io.js"
	require.NoError(t, writeFile(path, "window.io = function () {};"))
	local := startApp(t, map[string]string{"SOCKET_IO_CLIENT_JS": path})
	res := call(t, "GET", local.URL+"/", "", nil)
	require.Equal(t, http.StatusOK, res.Status)
	assert.Contains(t, string(res.Body), `<script src="/vendor/socket.io.min.js"></script>`)
	assert.NotContains(t, string(res.Body), "cdn.socket.io/")
	assert.NotContains(t, res.Header.Get("Content-Security-Policy"), "cdn.socket.io", "no CDN allowed when none is used")
}

// The pinned version is the one js/package-lock.json installs, and the
// pinned hash is the installed file's.
func TestPinnedClientMatchesTheInstall(t *testing.T) {
	t.Parallel()
	lock, err := os.ReadFile(filepath.Join("js", "package-lock.json"))
	require.NoError(t, err)
	var l struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	require.NoError(t, json.Unmarshal(lock, &l))
	assert.Equal(t, api.ClientVersion, l.Packages["node_modules/socket.io-client"].Version)

	dist, err := os.ReadFile(filepath.Join("js", "node_modules", "socket.io-client", "dist", "socket.io.min.js"))
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatal("socket.io-client is not installed (npm ci --prefix examples/workspace/js)")
		}
		t.Skip("socket.io-client is not installed (npm ci --prefix examples/workspace/js)")
	}
	require.NoError(t, err)
	sum := sha512.Sum384(dist)
	assert.Equal(t, "sha384-fBrXvbDtHoeKWJ/hcA6M+YGueiDW+h45I7V6F2kD1S8bOkrF9rZYPLVkCR6BLR/1",
		"sha384-"+base64.StdEncoding.EncodeToString(sum[:]))
}
