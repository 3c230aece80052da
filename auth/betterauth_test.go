package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// ClaimsOut is what the claims event answers: the user and session
// objects of the principal, as better-auth described them.
type ClaimsOut struct {
	User    map[string]any `json:"user"`
	Session map[string]any `json:"session"`
}

var (
	evClaims = rtkit.NewEvent[Empty, ClaimsOut]("claims")
	evEditor = rtkit.NewEvent[Empty, Empty]("editor:only", auth.RequireRole("editor"))
)

// identityNamespace serves whoami, claims and an event for editors on name.
func identityNamespace(name string) *rtkit.Namespace {
	ns := whoNamespace(name)
	rtkit.Handle(ns, evClaims, func(ctx context.Context, _ *rtkit.Socket, _ Empty) (ClaimsOut, error) {
		p, _ := auth.PrincipalFrom(ctx)
		u, _ := p.Claims["user"].(map[string]any)
		s, _ := p.Claims["session"].(map[string]any)
		return ClaimsOut{User: u, Session: s}, nil
	})
	rtkit.Handle(ns, evEditor, func(context.Context, *rtkit.Socket, Empty) (Empty, error) { return Empty{}, nil })
	return ns
}

// sessionAuth is a Session authenticator for b without cache, so that every
// handshake asks better-auth.
func sessionAuth(t *testing.T, b *betterAuth) *auth.Session {
	t.Helper()
	sa, err := auth.NewSession(auth.SessionConfig{URL: b.sessionURL(), CacheTTL: -1})
	require.NoError(t, err)
	return sa
}

// TestBetterAuthSessions: sessions opened at a real better-auth
// authenticate rtkit sockets by cookie, bearer header and handshake token,
// over long-polling and websocket; the handler sees better-auth's user and
// session through the principal.
func TestBetterAuthSessions(t *testing.T) {
	ba := startBetterAuth(t)
	alice := ba.signUp("alice")
	ts, _ := start(t, required(sessionAuth(t, ba)), identityNamespace("/p"))

	credentials := map[string]rtkittest.DialOption{
		"cookie":          rtkittestCookie(alice.Cookie),
		"bearer header":   rtkittest.WithHeader(http.Header{"Authorization": {"Bearer " + alice.Token}}),
		"handshake token": token(alice.Token),
	}
	transports := map[string][]rtkittest.DialOption{"websocket": nil, "polling": {rtkittest.WithPolling()}}
	for tname, topts := range transports {
		for cname, copt := range credentials {
			t.Run(cname+" over "+tname, func(t *testing.T) {
				c := ts.Dial(t, "/p", append([]rtkittest.DialOption{copt}, topts...)...)
				who := whoami(t, c)
				assert.Equal(t, alice.ID, who.UserID)
				assert.Equal(t, alice.Email, who.Email)
				assert.Equal(t, "user", who.Role, "the admin plugin's default role")
				assert.NotEmpty(t, who.SessionID)
				assert.WithinDuration(t, time.Now().Add(7*24*time.Hour), who.ExpiresAt, time.Hour,
					"better-auth's sessions last 7 days")

				claims, err := rtkittest.Call(ctx5(t), c, evClaims, Empty{})
				require.Nil(t, err)
				assert.Equal(t, alice.Email, claims.User["email"])
				assert.Equal(t, false, claims.User["banned"], "the admin plugin's fields")
				assert.Equal(t, alice.ID, claims.Session["userId"])
				assert.Equal(t, who.SessionID, claims.Session["id"])
				assert.NotContains(t, claims.Session, "token", "the session token never reaches handlers")
			})
		}
	}

	t.Run("refuses what better-auth does not know", func(t *testing.T) {
		for _, opt := range []rtkittest.DialOption{
			token("not-a-session"),
			token(alice.Token + "x"), // a signature that does not match
			rtkittestCookie(sessionCookie + "=forged.c2lnbmF0dXJl"),
		} {
			ce := refused(t, ts, "/p", opt)
			assert.Equal(t, "Invalid session", ce.Message)
			assert.Equal(t, "UNAUTHORIZED", ce.Code)
		}
	})
}

// TestBetterAuthRoles: the role the admin plugin stores is the principal's
// role, several roles included, and RequireRole enforces it.
func TestBetterAuthRoles(t *testing.T) {
	ba := startBetterAuth(t, "root@example.com")
	root := ba.signUpEmail("root", "root@example.com")
	bob := ba.signUp("bob")
	ts, _ := start(t, required(sessionAuth(t, ba)), identityNamespace("/p"))

	assert.Equal(t, "admin", whoami(t, ts.Dial(t, "/p", token(root.Token))).Role)
	c := ts.Dial(t, "/p", token(bob.Token))
	_, err := rtkittest.Call(ctx5(t), c, evEditor, Empty{})
	require.NotNil(t, err)
	assert.Equal(t, rtkit.CodeForbidden, err.Code, "bob is no editor yet")

	ba.admin(root.Token, "set-role", map[string]any{"userId": bob.ID, "role": []string{"user", "editor"}})
	c = ts.Dial(t, "/p", token(bob.Token))
	assert.Equal(t, "user,editor", whoami(t, c).Role)
	_, err = rtkittest.Call(ctx5(t), c, evEditor, Empty{})
	assert.Nil(t, err, "the role set at better-auth opens the event")
}

// TestBetterAuthJWT: the tokens of better-auth's jwt plugin (EdDSA, keys
// at /api/auth/jwks) authenticate through JWKS, at handshake over both
// transports; the issuer and audience are checked.
func TestBetterAuthJWT(t *testing.T) {
	ba := startBetterAuth(t)
	alice := ba.signUp("alice")
	jwtTok := ba.jwt(alice.Token)
	j := newJWKS(t, ba.jwksURL(), func(c *auth.JWKSConfig) { c.Issuer, c.Audience = ba.base, "rtkit" })
	ts, _ := start(t, required(j), identityNamespace("/p"))

	for name, opts := range map[string][]rtkittest.DialOption{
		"websocket": {token(jwtTok)},
		"polling":   {rtkittest.WithHeader(http.Header{"Authorization": {"Bearer " + jwtTok}}), rtkittest.WithPolling()},
	} {
		t.Run(name, func(t *testing.T) {
			who := whoami(t, ts.Dial(t, "/p", opts...))
			assert.Equal(t, alice.ID, who.UserID)
			assert.Equal(t, alice.Email, who.Email)
			assert.Equal(t, "user", who.Role)
			assert.NotEmpty(t, who.SessionID, "sid, from the payload the service defines")
			assert.WithinDuration(t, time.Now().Add(15*time.Minute), who.ExpiresAt, time.Minute)
		})
	}

	for name, edit := range map[string]func(*auth.JWKSConfig){
		"another audience": func(c *auth.JWKSConfig) { c.Issuer, c.Audience = ba.base, "another-app" },
		"another issuer":   func(c *auth.JWKSConfig) { c.Issuer, c.Audience = "https://id.example", "rtkit" },
		"not EdDSA":        func(c *auth.JWKSConfig) { c.Issuer, c.Audience, c.Algorithms = ba.base, "rtkit", []string{"RS256"} },
	} {
		t.Run("refused with "+name, func(t *testing.T) {
			invalid(t, newJWKS(t, ba.jwksURL(), edit), jwtTok)
		})
	}
}

// TestBetterAuthOfficialClient: the official socket.io-client connects
// with a better-auth session by cookie, bearer header and handshake token,
// over long-polling and websocket (testdata/betterauth/matrix.mjs).
func TestBetterAuthOfficialClient(t *testing.T) {
	ba := startBetterAuth(t)
	node := nodeFor(t, betterAuthDir)
	ts, _ := start(t, required(sessionAuth(t, ba)), identityNamespace("/p"))
	cmd := exec.Command(node, "matrix.mjs", ba.base, ts.URL+"/p")
	cmd.Dir = betterAuthDir
	out, err := cmd.Output()
	require.NoError(t, err, "matrix.mjs: %s", out)

	var got struct {
		User    struct{ ID, Email string }
		Results map[string]struct {
			Transport string
			Success   bool
			Data      WhoOut
			Error     string
		}
	}
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	require.Len(t, got.Results, 6)
	for name, r := range got.Results {
		assert.Empty(t, r.Error, name)
		assert.True(t, r.Success, name)
		assert.Equal(t, got.User.ID, r.Data.UserID, name)
		assert.Equal(t, got.User.Email, r.Data.Email, name)
		assert.True(t, strings.HasSuffix(name, " over "+r.Transport), "%s: connected over %s", name, r.Transport)
	}
}

// TestBetterAuthKeyRotation: better-auth's jwt plugin rotates its signing
// key (every 2 s here); tokens of the new key are accepted without a
// restart, and those of the old key as long as better-auth still
// publishes it.
func TestBetterAuthKeyRotation(t *testing.T) {
	ba := startBetterAuthEnv(t, "RTKIT_JWKS_ROTATION_SECONDS=2")
	alice := ba.signUp("alice")
	first := ba.jwt(alice.Token)
	j := newJWKS(t, ba.jwksURL(), func(c *auth.JWKSConfig) {
		c.Issuer, c.Audience = ba.base, "rtkit" // the default UnknownKIDInterval: the first unknown kid is fetched at once
	})
	ts, _ := start(t, required(j), identityNamespace("/p"))
	assert.Equal(t, alice.ID, whoami(t, ts.Dial(t, "/p", token(first))).UserID)

	var second string
	require.Eventually(t, func() bool {
		second = ba.jwt(alice.Token)
		return kidOf(t, second) != kidOf(t, first)
	}, 30*time.Second, 250*time.Millisecond, "better-auth rotates its key")
	assert.Equal(t, alice.ID, whoami(t, ts.Dial(t, "/p", token(second))).UserID, "the new key, without restart")
	assert.Equal(t, alice.ID, whoami(t, ts.Dial(t, "/p", token(first))).UserID, "the old key, still published")
}

// kidOf returns the "kid" of a token's header, unverified.
func kidOf(t *testing.T, tok string) string {
	t.Helper()
	head, _, ok := strings.Cut(tok, ".")
	require.True(t, ok)
	raw, err := base64.RawURLEncoding.DecodeString(head)
	require.NoError(t, err)
	var h struct{ Kid string }
	require.NoError(t, json.Unmarshal(raw, &h))
	require.NotEmpty(t, h.Kid)
	return h.Kid
}
