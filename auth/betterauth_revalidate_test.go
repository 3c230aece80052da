package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// every is the re-validation interval of these tests.
const every = 300 * time.Millisecond

// endWait bounds the wait for a socket to be ended: generous, since the
// machine may be busy; the delay seen is logged.
const endWait = 15 * time.Second

// ended waits for c's auth:expired notice and the server's disconnection,
// and returns the notice's reason.
type endWatch struct {
	notices *rtkittest.Inbox[auth.ExpiredNotice]
	gone    <-chan string
}

func watchEnd(c *rtkittest.Client) endWatch {
	return endWatch{notices: rtkittest.Listen(c, auth.ExpiredEvent), gone: disconnected(c)}
}

// ended fails the test unless the socket got auth:expired with reason and
// was disconnected by the server within endWait.
func (w endWatch) ended(t *testing.T, reason string) {
	t.Helper()
	ctx := ctx5(t)
	n, err := w.notices.Next(ctx)
	require.NoError(t, err, "no auth:expired")
	assert.Equal(t, reason, n.Reason)
	select {
	case r := <-w.gone:
		assert.Equal(t, "io server disconnect", r)
	case <-time.After(endWait):
		t.Fatal("the socket was not disconnected")
	}
}

// TestBetterAuthSignOut: a sign-out at better-auth ends the live sockets of
// that session, in every namespace and over both transports, with
// auth:expired {reason: "revoked"} within the re-validation interval;
// other sessions stay; the token no longer connects.
func TestBetterAuthSignOut(t *testing.T) {
	ba := startBetterAuth(t)
	alice, bob := ba.signUp("alice"), ba.signUp("bob")
	ts, logs := start(t, required(sessionAuth(t, ba), auth.WithRevalidation(every)),
		identityNamespace("/p"), identityNamespace("/q"))

	mine := []*rtkittest.Client{
		ts.Dial(t, "/p", token(alice.Token)),
		ts.Dial(t, "/q", token(alice.Token), rtkittest.WithPolling()),
		ts.Dial(t, "/p", rtkittestCookie(alice.Cookie)),
	}
	other := ts.Dial(t, "/p", token(bob.Token))
	registered(t, append(mine, other)...)
	var watches []endWatch
	for _, c := range mine {
		watches = append(watches, watchEnd(c))
	}

	signedOut := time.Now()
	ba.signOut(alice.Token)
	for _, w := range watches {
		w.ended(t, auth.ReasonRevoked)
	}
	t.Logf("sockets ended %v after the sign-out (interval %v)", time.Since(signedOut).Round(time.Millisecond), every)
	assert.Contains(t, logs.String(), "session ended at the identity source")

	assert.Equal(t, bob.ID, whoami(t, other).UserID, "another session stays")
	for _, opt := range []rtkittest.DialOption{token(alice.Token), rtkittestCookie(alice.Cookie)} {
		ce := refused(t, ts, "/p", opt)
		assert.Equal(t, "Invalid session", ce.Message)
		assert.Equal(t, "UNAUTHORIZED", ce.Code)
	}
}

// TestBetterAuthAdminActions: what an admin does at better-auth reaches
// live sockets at the next check: a new role is the principal's, a ban
// ends the user's sockets.
func TestBetterAuthAdminActions(t *testing.T) {
	ba := startBetterAuth(t, "root@example.com")
	root := ba.signUpEmail("root", "root@example.com")
	bob := ba.signUp("bob")
	ts, _ := start(t, required(sessionAuth(t, ba), auth.WithRevalidation(every)), identityNamespace("/p"))
	c := ts.Dial(t, "/p", token(bob.Token))
	assert.Equal(t, "user", whoami(t, c).Role)

	ba.admin(root.Token, "set-role", map[string]any{"userId": bob.ID, "role": "editor"})
	require.Eventually(t, func() bool { return whoami(t, c).Role == "editor" }, endWait, every/3,
		"the live socket learns the role set at better-auth")
	_, err := rtkittest.Call(ctx5(t), c, evEditor, Empty{})
	assert.Nil(t, err)

	w := watchEnd(c)
	ba.admin(root.Token, "ban-user", map[string]any{"userId": bob.ID})
	w.ended(t, auth.ReasonRevoked)
}

// TestBetterAuthDown: while better-auth is stopped, connected sockets stay
// (fail-open) and new handshakes are refused with UNAVAILABLE
// (fail-closed).
func TestBetterAuthDown(t *testing.T) {
	ba := startBetterAuth(t)
	alice := ba.signUp("alice")
	ts, logs := start(t, required(sessionAuth(t, ba), auth.WithRevalidation(every)), identityNamespace("/p"))
	ws := ts.Dial(t, "/p", token(alice.Token))
	polling := ts.Dial(t, "/p", rtkittestCookie(alice.Cookie), rtkittest.WithPolling())
	registered(t, ws, polling)
	notices := []*rtkittest.Inbox[auth.ExpiredNotice]{rtkittest.Listen(ws, auth.ExpiredEvent),
		rtkittest.Listen(polling, auth.ExpiredEvent)}

	ba.stop()
	const checks = 3 // per credentials: two sockets, two sets of credentials
	require.Eventually(t, func() bool {
		return strings.Count(logs.String(), "identity source unavailable, live sockets stay connected") >= 2*checks
	}, endWait, every/3, "re-validations while better-auth is down")
	for i, c := range []*rtkittest.Client{ws, polling} {
		assert.True(t, c.Connected())
		assert.Equal(t, alice.ID, whoami(t, c).UserID, "still served")
		assert.Zero(t, notices[i].Len(), "no auth:expired")
	}
	for _, opt := range []rtkittest.DialOption{token(alice.Token), rtkittestCookie(alice.Cookie)} {
		ce := refused(t, ts, "/p", opt)
		assert.Equal(t, "Authentication unavailable", ce.Message)
		assert.Equal(t, "UNAVAILABLE", ce.Code)
	}
}

// TestBetterAuthRefreshAsksTheService: auth:refresh asks better-auth even
// when the Session cache still holds the session, and a refused refresh
// empties the cache for the handshakes that follow.
func TestBetterAuthRefreshAsksTheService(t *testing.T) {
	ba := startBetterAuth(t)
	alice := ba.signUp("alice")
	sa, err := auth.NewSession(auth.SessionConfig{URL: ba.sessionURL(), CacheTTL: time.Hour})
	require.NoError(t, err)
	ts, _ := start(t, required(sa), identityNamespace("/p"))
	c := ts.Dial(t, "/p", token(alice.Token))
	ts.Dial(t, "/p", token(alice.Token)) // from the cache
	before := ba.getSessionRequests()

	_, rerr := rtkittest.Call(ctx5(t), c, auth.RefreshEvent, auth.RefreshIn{Token: alice.Token})
	require.Nil(t, rerr)
	assert.Equal(t, before+1, ba.getSessionRequests(), "the refresh asked better-auth")

	ba.signOut(alice.Token)
	_, rerr = rtkittest.Call(ctx5(t), c, auth.RefreshEvent, auth.RefreshIn{Token: alice.Token})
	require.NotNil(t, rerr)
	assert.Equal(t, rtkit.CodeUnauthorized, rerr.Code)
	assert.Equal(t, "Invalid session", refused(t, ts, "/p", token(alice.Token)).Message,
		"the refused refresh took the session out of the cache")
}

// TestBetterAuthChecksCoalesce: the sockets of one session cost one
// get-session per interval together, counted at better-auth.
func TestBetterAuthChecksCoalesce(t *testing.T) {
	const sessions, socketsEach = 2, 10
	ba := startBetterAuth(t)
	var toks []string
	for range sessions {
		toks = append(toks, ba.signUp("user").Token)
	}
	ts, _ := start(t, required(sessionAuth(t, ba), auth.WithRevalidation(every)), identityNamespace("/p"))
	var clients []*rtkittest.Client
	for _, tok := range toks {
		for range socketsEach {
			clients = append(clients, ts.Dial(t, "/p", token(tok)))
		}
	}
	registered(t, clients...)

	// Every handshake asked once (no cache); from now on only checks ask.
	base, since := ba.getSessionRequests(), time.Now()
	require.Eventually(t, func() bool { return ba.getSessionRequests()-base >= 3*sessions }, endWait, every/3)
	checks, elapsed := ba.getSessionRequests()-base, time.Since(since)
	// A group's first check comes after every/2 at the earliest, the next
	// ones every interval: at most elapsed/every + 1 each, however busy
	// the machine. Without coalescing there would be socketsEach times as
	// many.
	limit := sessions * (int(elapsed/every) + 1)
	t.Logf("%d get-session requests in %v for %d sockets of %d sessions (interval %v)",
		checks, elapsed.Round(time.Millisecond), sessions*socketsEach, sessions, every)
	assert.LessOrEqual(t, checks, limit)
}
