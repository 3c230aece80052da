package auth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// groups returns how many sets of credentials the guard re-validates, and
// how many sockets it holds.
func (ls *liveSet) size() (groups, sockets int) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.groups), len(ls.of)
}

// TestLiveSetFollowsSockets: sockets are grouped by credentials, a refresh
// moves a socket to the group of its new token, and the groups go with
// their sockets, so that nothing is checked for sockets that left.
func TestLiveSetFollowsSockets(t *testing.T) {
	var mu sync.Mutex
	owner := map[string]string{"t1": "u1", "t2": "u2", "t1b": "u1"}
	a := Func(func(_ context.Context, c Credentials) (Principal, error) {
		mu.Lock()
		defer mu.Unlock()
		u, ok := owner[c.Token()]
		if !ok {
			return Principal{}, ErrInvalidCredentials
		}
		return Principal{UserID: u, SessionID: "s-" + c.Token()}, nil
	})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	g := newGuard(a, true, []Option{WithRevalidation(time.Hour), WithLogger(quiet)})
	srv := rtkit.NewServer(rtkit.WithLogger(quiet), g.option())
	srv.Mount(rtkit.NewNamespace("/p"), rtkit.NewNamespace("/q"))
	ts := rtkittest.Start(t, srv)

	tok := func(s string) rtkittest.DialOption { return rtkittest.WithAuth(map[string]any{"token": s}) }
	c1 := ts.Dial(t, "/p", tok("t1"))
	c2 := ts.Dial(t, "/q", tok("t1")) // another namespace, same credentials
	c3 := ts.Dial(t, "/p", tok("t2"))
	require.Eventually(t, func() bool { _, n := g.live.size(); return n == 3 }, 5*time.Second, 10*time.Millisecond)
	groups, _ := g.live.size()
	assert.Equal(t, 2, groups, "one check for t1's two sockets")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := rtkittest.Call(ctx, c1, RefreshEvent, RefreshIn{Token: "t1b"})
	require.Nil(t, err)
	groups, sockets := g.live.size()
	assert.Equal(t, 3, groups, "c1 is checked with its new token")
	assert.Equal(t, 3, sockets)

	for _, c := range []*rtkittest.Client{c1, c2, c3} {
		c.Close()
	}
	require.Eventually(t, func() bool { g, n := g.live.size(); return g == 0 && n == 0 }, 5*time.Second, 10*time.Millisecond,
		"groups go with their sockets")
}

// TestCheckAnsweringAnotherUserEnds: a check that says the credentials now
// belong to someone else ends the socket; one that cannot be answered
// leaves it.
func TestCheckAnsweringAnotherUserEnds(t *testing.T) {
	var mu sync.Mutex
	answer := Principal{UserID: "u1", SessionID: "s1"}
	var fail error
	calls := 0
	a := Func(func(context.Context, Credentials) (Principal, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return answer, fail
	})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := rtkit.NewServer(rtkit.WithLogger(quiet), Required(a, WithRevalidation(50*time.Millisecond), WithLogger(quiet)))
	srv.Mount(rtkit.NewNamespace("/p"))
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/p", rtkittest.WithAuth(map[string]any{"token": "x"}))
	notices := rtkittest.Listen(c, ExpiredEvent)

	mu.Lock()
	fail, calls = errors.Join(ErrUnavailable, errors.New("down")), 0
	mu.Unlock()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return calls >= 3 },
		10*time.Second, 10*time.Millisecond, "three checks, all unanswered")
	assert.True(t, c.Connected(), "an unanswered check ends nobody")
	assert.Zero(t, notices.Len())

	mu.Lock()
	fail, answer = nil, Principal{UserID: "u2", SessionID: "s1"}
	mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := notices.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, ReasonRevoked, n.Reason)
}
