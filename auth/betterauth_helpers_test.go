package auth_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/proctest"
)

// betterAuthDir holds the Hono + better-auth service the tests start
// (server.mjs) and its pinned node modules.
var betterAuthDir = filepath.Join("testdata", "betterauth")

// betterAuth is a running instance of the real better-auth service.
type betterAuth struct {
	t    *testing.T
	proc *proctest.Proc
	base string // http://127.0.0.1:PORT
}

// betterAuthUser is a signed-up user and the session sign-up opened.
type betterAuthUser struct {
	ID, Email string
	// Token is the session token as the bearer plugin hands it out
	// (set-auth-token): what a client sends as bearer or handshake token.
	Token string
	// Cookie is the session cookie as better-auth set it ("name=value").
	Cookie string
}

// nodeFor returns the node binary once the modules of dir are installed;
// it skips the test otherwise, or fails it under CI or RTKIT_STRICT
// (./.ci/test.sh installs both).
func nodeFor(t testing.TB, dir string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules"))
	}
	if err != nil {
		if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
			t.Fatalf("node and %s/node_modules are required in CI (./.ci/test.sh installs them): %v", dir, err)
		}
		t.Skipf("needs node and `npm ci` in %s (./.ci/test.sh does both)", dir)
	}
	return node
}

// startBetterAuth starts the better-auth service on a free port of
// 127.0.0.1; the test stops it by its PID when it ends. Emails in admins
// get better-auth's admin role at sign-up.
func startBetterAuth(t *testing.T, admins ...string) *betterAuth {
	t.Helper()
	return startBetterAuthEnv(t, "RTKIT_ADMIN_EMAILS="+strings.Join(admins, ","))
}

// startBetterAuthEnv starts the better-auth service with env added to the
// test's environment.
func startBetterAuthEnv(t *testing.T, env ...string) *betterAuth {
	t.Helper()
	node := nodeFor(t, betterAuthDir)
	cmd := exec.Command(node, "server.mjs")
	cmd.Dir = betterAuthDir
	cmd.Env = append(os.Environ(), env...)
	p, addr := proctest.StartListening(t, "better-auth", cmd, 30*time.Second, 5*time.Second)
	return &betterAuth{t: t, proc: p, base: "http://" + addr}
}

// sessionURL is the get-session endpoint rtkit's Session asks.
func (b *betterAuth) sessionURL() string { return b.base + "/api/auth/get-session" }

// jwksURL is the jwt plugin's key set.
func (b *betterAuth) jwksURL() string { return b.base + "/api/auth/jwks" }

// stop stops the service, as an outage would.
func (b *betterAuth) stop() { b.proc.Terminate(b.t) }

// userSeq makes the emails of one test run unique.
var userSeq atomic.Int64

// signUp signs a new user up with email and password, which opens a
// session. name prefixes the email.
func (b *betterAuth) signUp(name string) betterAuthUser {
	b.t.Helper()
	email := fmt.Sprintf("%s-%d@example.com", name, userSeq.Add(1))
	return b.signUpEmail(name, email)
}

// signUpEmail signs up a user with the given email.
func (b *betterAuth) signUpEmail(name, email string) betterAuthUser {
	b.t.Helper()
	resp, body := b.do(http.MethodPost, "/api/auth/sign-up/email", "",
		map[string]any{"email": email, "password": "correct horse battery", "name": name})
	require.Equal(b.t, http.StatusOK, resp.StatusCode, "sign-up: %s", body)
	var out struct {
		User struct{ ID, Email string } `json:"user"`
	}
	require.NoError(b.t, json.Unmarshal(body, &out))
	u := betterAuthUser{ID: out.User.ID, Email: out.User.Email, Token: resp.Header.Get("Set-Auth-Token")}
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			u.Cookie = c.Name + "=" + c.Value
		}
	}
	require.NotEmpty(b.t, u.Token, "the bearer plugin hands out set-auth-token")
	require.NotEmpty(b.t, u.Cookie, "sign-up sets the session cookie")
	return u
}

// signOut ends the session of token at better-auth.
func (b *betterAuth) signOut(token string) {
	b.t.Helper()
	resp, body := b.do(http.MethodPost, "/api/auth/sign-out", token, map[string]any{})
	require.Equal(b.t, http.StatusOK, resp.StatusCode, "sign-out: %s", body)
}

// jwt returns a JSON Web Token of the jwt plugin for the session of token.
func (b *betterAuth) jwt(token string) string {
	b.t.Helper()
	resp, body := b.do(http.MethodGet, "/api/auth/token", token, nil)
	require.Equal(b.t, http.StatusOK, resp.StatusCode, "token: %s", body)
	var out struct{ Token string }
	require.NoError(b.t, json.Unmarshal(body, &out))
	require.NotEmpty(b.t, out.Token)
	return out.Token
}

// admin calls an admin plugin endpoint as the admin whose session token is
// adminToken.
func (b *betterAuth) admin(adminToken, endpoint string, body map[string]any) {
	b.t.Helper()
	resp, out := b.do(http.MethodPost, "/api/auth/admin/"+endpoint, adminToken, body)
	require.Equal(b.t, http.StatusOK, resp.StatusCode, "admin/%s: %s", endpoint, out)
}

// do sends a request to better-auth, with token as bearer when given, and
// returns the answer and its body.
func (b *betterAuth) do(method, path, token string, body any) (*http.Response, []byte) {
	b.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(b.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	require.NoError(b.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", b.base) // as a page of the application would
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp, out
}

// getSessionRequests is how many times better-auth was asked get-session.
func (b *betterAuth) getSessionRequests() int {
	b.t.Helper()
	resp, body := b.do(http.MethodGet, "/test/get-session-requests", "", nil)
	require.Equal(b.t, http.StatusOK, resp.StatusCode, "%s", body)
	var out struct{ Count int }
	require.NoError(b.t, json.Unmarshal(body, &out))
	return out.Count
}
