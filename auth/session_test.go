package auth_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

const sessionCookie = "better-auth.session_token"

// fakeBetterAuth behaves like better-auth's GET /api/auth/get-session: the
// session token arrives as the session cookie or as a bearer token; a
// known session is answered with {session, user}, anything else with
// null. A few tokens misbehave on purpose.
type fakeBetterAuth struct {
	*httptest.Server
	calls atomic.Int64

	mu       sync.Mutex
	sessions map[string]time.Time // token → expiry; absent: revoked or unknown
}

func newFakeBetterAuth(t *testing.T) *fakeBetterAuth {
	f := &fakeBetterAuth{sessions: map[string]time.Time{
		"tok-alice":   time.Now().Add(time.Hour),
		"tok-expired": time.Now().Add(-time.Minute), // better-auth would say null; we check anyway
	}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeBetterAuth) url() string { return f.URL + "/api/auth/get-session" }

func (f *fakeBetterAuth) revoke(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, tok)
}

func (f *fakeBetterAuth) serve(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	if r.URL.Path != "/api/auth/get-session" || r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if c, err := r.Cookie(sessionCookie); err == nil {
		tok = c.Value
	}
	switch tok {
	case "tok-slow":
		select {
		case <-r.Context().Done():
		case <-time.After(3 * time.Second):
		}
		return
	case "tok-500":
		http.Error(w, "database down", http.StatusInternalServerError)
		return
	case "tok-401":
		w.WriteHeader(http.StatusUnauthorized)
		return
	case "tok-garbage":
		_, _ = w.Write([]byte("<html>maintenance</html>"))
		return
	}
	f.mu.Lock()
	exp, ok := f.sessions[tok]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		_, _ = w.Write([]byte("null"))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"session": map[string]any{"id": "sess-" + tok, "userId": "u1", "token": tok,
			"expiresAt": exp.UTC().Format("2006-01-02T15:04:05.000Z"), "ipAddress": "127.0.0.1"},
		"user": map[string]any{"id": "u1", "email": "alice@example.com", "name": "Alice",
			"emailVerified": true, "role": "admin"},
	})
}

func TestSessionService(t *testing.T) {
	f := newFakeBetterAuth(t)
	sa, err := auth.NewSession(auth.SessionConfig{URL: f.url(), Timeout: 200 * time.Millisecond, CacheTTL: -1})
	require.NoError(t, err)
	ts, logs := start(t, required(sa), whoNamespace("/p"))

	accepted := map[string]rtkittest.DialOption{
		"cookie":          rtkittestCookie(sessionCookie + "=tok-alice"),
		"bearer header":   rtkittest.WithHeader(http.Header{"Authorization": {"Bearer tok-alice"}}),
		"handshake token": token("tok-alice"),
	}
	for name, opt := range accepted {
		t.Run("accepts "+name, func(t *testing.T) {
			who := whoami(t, ts.Dial(t, "/p", opt))
			assert.Equal(t, "u1", who.UserID)
			assert.Equal(t, "alice@example.com", who.Email)
			assert.Equal(t, "admin", who.Role)
			assert.Equal(t, "sess-tok-alice", who.SessionID)
			assert.WithinDuration(t, time.Now().Add(time.Hour), who.ExpiresAt, 5*time.Second)
		})
	}

	for _, tc := range []struct{ name, token, message, code, logged string }{
		{"unknown (null)", "tok-nobody", "Invalid session", "UNAUTHORIZED", "no such session"},
		{"expired", "tok-expired", "Invalid session", "UNAUTHORIZED", "session already expired"},
		{"401", "tok-401", "Invalid session", "UNAUTHORIZED", "401 Unauthorized"},
		{"slow", "tok-slow", "Authentication unavailable", "UNAVAILABLE", "deadline exceeded"},
		{"500", "tok-500", "Authentication unavailable", "UNAVAILABLE", "500 Internal Server Error"},
		{"garbage", "tok-garbage", "Authentication unavailable", "UNAVAILABLE", "malformed answer"},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			begin := time.Now()
			ce := refused(t, ts, "/p", rtkittestCookie(sessionCookie+"="+tc.token))
			assert.Equal(t, tc.message, ce.Message)
			assert.Equal(t, tc.code, ce.Code)
			assert.Less(t, time.Since(begin), 2*time.Second, "never hangs")
			assert.Contains(t, logs.String(), tc.logged)
		})
	}

	t.Run("refuses a session revoked at the service", func(t *testing.T) {
		f.mu.Lock()
		f.sessions["tok-bob"] = time.Now().Add(time.Hour)
		f.mu.Unlock()
		ts.Dial(t, "/p", token("tok-bob"))
		f.revoke("tok-bob")
		ce := refused(t, ts, "/p", token("tok-bob"))
		assert.Equal(t, "Invalid session", ce.Message)
	})
}

func TestSessionServiceDown(t *testing.T) {
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	sa, err := auth.NewSession(auth.SessionConfig{URL: "http://" + addr + "/api/auth/get-session"})
	require.NoError(t, err)
	ts, logs := start(t, required(sa), whoNamespace("/p"))
	ce := refused(t, ts, "/p", token("tok-alice"))
	assert.Equal(t, "Authentication unavailable", ce.Message)
	assert.Equal(t, "UNAVAILABLE", ce.Code)
	assert.Contains(t, logs.String(), "connection refused")
}

func TestSessionCache(t *testing.T) {
	f := newFakeBetterAuth(t)
	sa, err := auth.NewSession(auth.SessionConfig{URL: f.url(), CacheTTL: 300 * time.Millisecond})
	require.NoError(t, err)
	ts, _ := start(t, required(sa), whoNamespace("/p"))
	ts.Dial(t, "/p", token("tok-alice"))
	ts.Dial(t, "/p", token("tok-alice"))
	assert.EqualValues(t, 1, f.calls.Load(), "the second handshake is answered from the cache")

	// Refusals are not cached: a session created meanwhile gets in at once.
	refused(t, ts, "/p", token("tok-new"))
	f.mu.Lock()
	f.sessions["tok-new"] = time.Now().Add(time.Hour)
	f.mu.Unlock()
	ts.Dial(t, "/p", token("tok-new"))

	// An entry lasts CacheTTL: a revocation at the service applies after it.
	f.revoke("tok-alice")
	require.Eventually(t, func() bool {
		_, err := ts.TryDial(t, "/p", token("tok-alice"))
		return err != nil
	}, 2*time.Second, 50*time.Millisecond)
}

func TestNewSessionRefusesBadURL(t *testing.T) {
	for _, u := range []string{"", "/api/auth/get-session", "ftp://x"} {
		_, err := auth.NewSession(auth.SessionConfig{URL: u})
		assert.Error(t, err, u)
	}
}
