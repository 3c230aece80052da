package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

var alice = auth.Principal{UserID: "u1", Email: "alice@example.com", Role: "admin", SessionID: "s1"}

func required(a auth.Authenticator, opts ...auth.Option) func(*slog.Logger) rtkit.ServerOption {
	return func(l *slog.Logger) rtkit.ServerOption { return auth.Required(a, append(opts, auth.WithLogger(l))...) }
}

func optional(a auth.Authenticator, opts ...auth.Option) func(*slog.Logger) rtkit.ServerOption {
	return func(l *slog.Logger) rtkit.ServerOption { return auth.Optional(a, append(opts, auth.WithLogger(l))...) }
}

func TestRequiredWithoutCredentials(t *testing.T) {
	ts, _ := start(t, required(users(nil)), whoNamespace("/p"))
	ce := refused(t, ts, "/p")
	assert.Equal(t, "Authentication required", ce.Message)
	assert.Equal(t, "UNAUTHORIZED", ce.Code)
	// An empty token or a header that is not a bearer token is no credential.
	ce = refused(t, ts, "/p", token(""), rtkittest.WithHeader(http.Header{"Authorization": {"Basic dTpw"}}))
	assert.Equal(t, "Authentication required", ce.Message)
}

func TestCredentialSources(t *testing.T) {
	got := make(chan auth.Credentials, 1)
	a := auth.Func(func(_ context.Context, c auth.Credentials) (auth.Principal, error) {
		got <- c
		return alice, nil
	})
	ts, _ := start(t, required(a, auth.WithCookies("sid")), whoNamespace("/p"))
	for _, tc := range []struct {
		name  string
		opt   rtkittest.DialOption
		check func(*testing.T, auth.Credentials)
	}{
		{"handshake auth.token", token("tok-1"), func(t *testing.T, c auth.Credentials) {
			assert.Equal(t, "tok-1", c.AuthToken)
			assert.Equal(t, "tok-1", c.Token())
		}},
		{"bearer header", rtkittest.WithHeader(http.Header{"Authorization": {"Bearer tok-2"}}), func(t *testing.T, c auth.Credentials) {
			assert.Equal(t, "tok-2", c.Bearer)
			assert.Equal(t, "tok-2", c.Token())
		}},
		{"named cookie", rtkittest.WithHeader(http.Header{"Cookie": {"other=x; sid=tok-3"}}), func(t *testing.T, c auth.Credentials) {
			v, ok := c.Cookie("sid")
			assert.True(t, ok)
			assert.Equal(t, "tok-3", v)
			assert.Len(t, c.Cookies, 1, "only named cookies are gathered")
			assert.Empty(t, c.Token())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.Dial(t, "/p", tc.opt)
			creds := <-got
			tc.check(t, creds)
			assert.Contains(t, creds.RemoteAddr, "127.0.0.1:")
			assert.NotNil(t, creds.Handshake)
			assert.False(t, creds.Refresh)
			who := whoami(t, c)
			assert.Equal(t, WhoOut{Authenticated: true, UserID: "u1", Email: "alice@example.com", Role: "admin", SessionID: "s1"}, who)
		})
	}
}

func TestRefusalReasonIsLoggedNotSent(t *testing.T) {
	ts, logs := start(t, required(users(map[string]auth.Principal{"good": alice})), whoNamespace("/p"))
	ce := refused(t, ts, "/p", token("forged"))
	assert.Equal(t, "Invalid session", ce.Message)
	assert.Equal(t, "UNAUTHORIZED", ce.Code)
	assert.Contains(t, logs.String(), "unknown token forged")
}

func TestRefusedPrincipals(t *testing.T) {
	table := map[string]auth.Principal{
		"no-user": {Email: "x@example.com"},
		"expired": {UserID: "u1", ExpiresAt: time.Now().Add(-time.Minute)},
	}
	ts, logs := start(t, required(users(table)), whoNamespace("/p"))
	for tok, reason := range map[string]string{"no-user": "principal without UserID", "expired": "session already expired"} {
		ce := refused(t, ts, "/p", token(tok))
		assert.Equal(t, "Invalid session", ce.Message, tok)
		assert.Contains(t, logs.String(), reason)
	}
}

func TestAuthenticatorChoosesItsError(t *testing.T) {
	a := auth.Func(func(context.Context, auth.Credentials) (auth.Principal, error) {
		return auth.Principal{}, fmt.Errorf("account check: %w", rtkit.NewError(rtkit.CodeForbidden, "Account suspended"))
	})
	ts, _ := start(t, required(a), whoNamespace("/p"))
	ce := refused(t, ts, "/p", token("t"))
	assert.Equal(t, "Account suspended", ce.Message)
	assert.Equal(t, "FORBIDDEN", ce.Code)
}

func TestUnavailableIdentitySource(t *testing.T) {
	down := auth.Func(func(context.Context, auth.Credentials) (auth.Principal, error) {
		return auth.Principal{}, fmt.Errorf("dial: %w", auth.ErrUnavailable)
	})
	slow := auth.Func(func(ctx context.Context, _ auth.Credentials) (auth.Principal, error) {
		<-ctx.Done() // honours the deadline, as an Authenticator must
		return auth.Principal{}, ctx.Err()
	})
	for name, a := range map[string]auth.Authenticator{"down": down, "slow": slow} {
		t.Run(name, func(t *testing.T) {
			ts, _ := start(t, required(a, auth.WithTimeout(100*time.Millisecond)), whoNamespace("/p"))
			begin := time.Now()
			ce := refused(t, ts, "/p", token("t"))
			assert.Equal(t, "Authentication unavailable", ce.Message)
			assert.Equal(t, "UNAVAILABLE", ce.Code)
			assert.Less(t, time.Since(begin), 2*time.Second)
		})
	}
}

func TestOptional(t *testing.T) {
	ts, _ := start(t, optional(users(map[string]auth.Principal{"good": alice})), whoNamespace("/p"))
	anon := ts.Dial(t, "/p")
	assert.Equal(t, WhoOut{}, whoami(t, anon))
	known := ts.Dial(t, "/p", token("good"))
	assert.Equal(t, "u1", whoami(t, known).UserID)
	ce := refused(t, ts, "/p", token("stale"))
	assert.Equal(t, "Invalid session", ce.Message, "presented credentials that fail are refused")
}

func TestPublicAndProtectedNamespacesOnOneServer(t *testing.T) {
	private := rtkit.NewNamespace("/private", auth.Required(users(map[string]auth.Principal{"good": {UserID: "u1"}})))
	public := rtkit.NewNamespace("/public")
	srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(private, public)
	ts := rtkittest.Start(t, srv)
	ts.Dial(t, "/public")
	ce := refused(t, ts, "/private")
	assert.Equal(t, "Authentication required", ce.Message)
	ts.Dial(t, "/private", token("good"))

	sp := srv.Spec()
	assert.Equal(t, map[string]any{"required": true}, sp.Namespaces[0].Annotations["auth"])
	assert.Nil(t, sp.Namespaces[1].Annotations["auth"])
	assert.Panics(t, func() { auth.Required(nil) })
}

func TestPrincipalHasRole(t *testing.T) {
	p := auth.Principal{Role: "editor, admin"}
	assert.True(t, p.HasRole("admin"))
	assert.True(t, p.HasRole("editor"))
	assert.False(t, p.HasRole("adm"))
	assert.False(t, p.HasRole(""))
	_, ok := auth.PrincipalFrom(context.Background())
	assert.False(t, ok)
	require.True(t, errors.Is(fmt.Errorf("x: %w", auth.ErrRevoked), auth.ErrRevoked))
}

// TestLogsToTheServersLogger: without auth.WithLogger, the guard logs where
// the server does (rtkit.WithLogger), not to slog.Default().
func TestLogsToTheServersLogger(t *testing.T) {
	ts, logs := start(t, func(*slog.Logger) rtkit.ServerOption {
		return auth.Required(users(nil))
	}, whoNamespace("/p"))
	refused(t, ts, "/p", token("stolen"))
	assert.Contains(t, logs.String(), `msg="auth: connection refused"`)
	assert.Contains(t, logs.String(), "unknown token stolen")
}
