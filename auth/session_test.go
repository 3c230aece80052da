package auth_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/auth"
)

const sessionCookie = "better-auth.session_token"

// misbehavingSessionService answers get-session the way a session
// service in trouble does: slowly, with a 500, a 401, a page that is not
// JSON, or a session that already ended. The tests of well-behaved
// sessions talk to the real better-auth (betterauth_test.go); this stand-in
// exists because a real better-auth cannot be made to misbehave on demand.
func misbehavingSessionService(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
		case "tok-500":
			http.Error(w, "database down", http.StatusInternalServerError)
		case "tok-401":
			w.WriteHeader(http.StatusUnauthorized)
		case "tok-garbage":
			_, _ = w.Write([]byte("<html>maintenance</html>"))
		case "tok-expired": // better-auth answers null instead; rtkit checks anyway
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"session": map[string]any{"id": "sess-expired", "userId": "u1",
					"expiresAt": time.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")},
				"user": map[string]any{"id": "u1", "email": "alice@example.com"},
			})
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("null"))
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/auth/get-session"
}

func TestSessionServiceMisbehaving(t *testing.T) {
	sa, err := auth.NewSession(auth.SessionConfig{URL: misbehavingSessionService(t),
		Timeout: 200 * time.Millisecond, CacheTTL: -1})
	require.NoError(t, err)
	ts, logs := start(t, required(sa), whoNamespace("/p"))
	for _, tc := range []struct{ name, token, message, code, logged string }{
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

// TestSessionCache counts the requests at a real better-auth.
func TestSessionCache(t *testing.T) {
	ba := startBetterAuth(t)
	alice := ba.signUp("alice")
	sa, err := auth.NewSession(auth.SessionConfig{URL: ba.sessionURL(), CacheTTL: 300 * time.Millisecond})
	require.NoError(t, err)
	ts, _ := start(t, required(sa), whoNamespace("/p"))
	before := ba.getSessionRequests()
	ts.Dial(t, "/p", token(alice.Token))
	ts.Dial(t, "/p", token(alice.Token))
	assert.Equal(t, before+1, ba.getSessionRequests(), "the second handshake is answered from the cache")

	// Refusals are not cached: every handshake with an unknown token asks.
	before = ba.getSessionRequests()
	refused(t, ts, "/p", token("not-a-session"))
	refused(t, ts, "/p", token("not-a-session"))
	assert.Equal(t, before+2, ba.getSessionRequests(), "each refusal asked better-auth")

	// An entry lasts CacheTTL: a sign-out at better-auth applies after it.
	ba.signOut(alice.Token)
	require.Eventually(t, func() bool {
		_, err := ts.TryDial(t, "/p", token(alice.Token))
		return err != nil
	}, 5*time.Second, 50*time.Millisecond)
}

func TestNewSessionRefusesBadURL(t *testing.T) {
	for _, u := range []string{"", "/api/auth/get-session", "ftp://x"} {
		_, err := auth.NewSession(auth.SessionConfig{URL: u})
		assert.Error(t, err, u)
	}
}
