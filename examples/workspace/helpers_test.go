package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/app"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// testAdminEmail is in ADMIN_EMAILS of every application the tests start,
// with the password every test account has.
const (
	testAdminEmail = "admin@workspace.test"
	testPassword   = "correct horse"
)

// testEnv is the configuration every application the tests start gets
// (before the test's own): the admin, and limits loose enough for tests
// that sign up many accounts and open many sockets from 127.0.0.1. The
// tests of the limits set their own.
var testEnv = map[string]string{
	"ADMIN_EMAILS": testAdminEmail, "ADMIN_PASSWORD": testPassword,
	"AUTH_RATE_LIMIT": "10000/1m", "SIGN_IN_ACCOUNT_RATE_LIMIT": "10000/1m",
	"SOCKET_CONNECT_RATE_LIMIT": "10000/1m", "CONNECTIONS_PER_ADDRESS": "10000", "SOCKETS_PER_USER": "1000",
}

// testApp is the application served on 127.0.0.1 inside the test process.
type testApp struct {
	URL string
	App *app.App
	cfg config.Config
}

// startApp serves the application with the default configuration plus env
// on a free port of 127.0.0.1, and shuts it down when the test ends.
func startApp(t testing.TB, env map[string]string) *testApp {
	t.Helper()
	vars := maps.Clone(testEnv)
	vars["DATA_DIR"] = t.TempDir()
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(cfg, app.Options{Logger: log, Web: webFS(t), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- a.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, a.Shutdown(ctx))
		require.ErrorIs(t, <-served, http.ErrServerClosed)
	})
	return &testApp{URL: "http://" + ln.Addr().String(), App: a, cfg: cfg}
}

// sio returns the rtkittest handle for dialling the application's
// Socket.IO endpoint.
func (ta *testApp) sio() *rtkittest.Server {
	return rtkittest.Remote(ta.URL, ta.cfg.SocketIOPath+"/")
}

// response is an HTTP answer, read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map (or fails the test).
func (r response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// Decode decodes the body into v.
func (r response) Decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// ErrorCode returns error.code of an error body.
func (r response) ErrorCode(t testing.TB) string {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.Decode(t, &e)
	require.NotEmpty(t, e.Error.Message, "error.message of %s", r.Body)
	return e.Error.Code
}

var testHTTP = &http.Client{Timeout: 10 * time.Second}

// call sends one request with an optional bearer token and JSON body
// (a string is sent as is).
func call(t testing.TB, method, url, token string, body any) response {
	t.Helper()
	return callWith(t, testHTTP, method, url, token, body)
}

func callWith(t testing.TB, c *http.Client, method, url, token string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return doWith(t, c, req)
}

// do sends req with the tests' client and reads the answer.
func do(t testing.TB, req *http.Request) response {
	t.Helper()
	return doWith(t, testHTTP, req)
}

func doWith(t testing.TB, c *http.Client, req *http.Request) response {
	t.Helper()
	res, err := c.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// account is a signed-up user.
type account struct {
	ID, Email, Name, Role, Token string
}

// signUp creates an account and returns it with its token.
func signUp(t testing.TB, ta *testApp, email string) account {
	t.Helper()
	res := call(t, "POST", ta.URL+"/api/auth/sign-up", "", map[string]any{
		"email": email, "password": testPassword, "name": "User " + email,
	})
	require.Equal(t, http.StatusCreated, res.Status, "sign-up: %s", res.Body)
	return accountOf(t, res)
}

// signInAdmin signs in the admin account the application created.
func signInAdmin(t testing.TB, ta *testApp) account {
	t.Helper()
	res := call(t, "POST", ta.URL+"/api/auth/sign-in", "", map[string]any{"email": testAdminEmail, "password": testPassword})
	require.Equal(t, http.StatusOK, res.Status, "sign-in: %s", res.Body)
	a := accountOf(t, res)
	require.Equal(t, "admin", a.Role)
	return a
}

// accountOf reads the body of a sign-up or sign-in.
func accountOf(t testing.TB, res response) account {
	t.Helper()
	var out struct {
		User struct {
			ID, Email, Name, Role string
		} `json:"user"`
		Token string `json:"token"`
	}
	res.Decode(t, &out)
	return account{ID: out.User.ID, Email: out.User.Email, Name: out.User.Name, Role: out.User.Role, Token: out.Token}
}

// jarClient returns an HTTP client that keeps cookies.
func jarClient(t testing.TB) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// withToken dials with the handshake auth token.
func withToken(token string) rtkittest.DialOption {
	return rtkittest.WithAuth(map[string]any{"token": token})
}

// waitCtx is the context of one wait for an event.
func waitCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// writeFile writes a small file.
func writeFile(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o600)
}
