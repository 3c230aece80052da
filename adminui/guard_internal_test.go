package adminui

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func testGuard(t *testing.T) *guard {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	require.NoError(t, err)
	cfg, err := Config{Username: "admin", PasswordHash: string(h)}.check()
	require.NoError(t, err)
	return newGuard(cfg)
}

// TestComparisonsAreBounded: with maxCompares comparisons running, a
// further login is refused at once instead of queueing for the CPU.
func TestComparisonsAreBounded(t *testing.T) {
	g := testGuard(t)
	for range maxCompares {
		g.compares <- struct{}{}
	}
	ok, busy := g.check("admin", "secret")
	assert.False(t, ok)
	assert.True(t, busy, "refused while the comparisons are taken")
	<-g.compares
	ok, busy = g.check("admin", "secret")
	assert.True(t, ok)
	assert.False(t, busy)
}

// TestWrongUsernameCostsABcrypt: a wrong username is refused only after a
// bcrypt comparison, like a wrong password, so that the time taken does
// not tell which was wrong.
func TestWrongUsernameCostsABcrypt(t *testing.T) {
	g := testGuard(t)
	calls := 0
	g.compare = func(hash, password []byte) error {
		calls++
		return bcrypt.CompareHashAndPassword(hash, password)
	}
	for _, try := range [][2]string{{"nobody", "secret"}, {"", ""}, {"admin", "wrong"}, {"admin", "secret"}} {
		g.check(try[0], try[1])
	}
	assert.Equal(t, 4, calls, "one comparison per attempt, whatever the username")
}

// TestSessionsExpireAndAreBounded: a session is valid for SessionTTL, and
// the store never holds more than maxSessions.
func TestSessionsExpireAndAreBounded(t *testing.T) {
	g := testGuard(t)
	now := time.Now()
	g.now = func() time.Time { return now }
	id := g.newSession()
	assert.True(t, g.validSession(id))
	now = now.Add(g.cfg.SessionTTL)
	assert.False(t, g.validSession(id), "expired")

	for range maxSessions + 10 {
		g.newSession()
	}
	assert.LessOrEqual(t, len(g.sessions), maxSessions)
}

// TestFailureWindowEnds: an address blocked after MaxFailures may try
// again once its window ends; the table of addresses is bounded.
func TestFailureWindowEnds(t *testing.T) {
	g := testGuard(t)
	now := time.Now()
	g.now = func() time.Time { return now }
	for range g.cfg.MaxFailures {
		g.failed("192.0.2.1")
	}
	assert.Positive(t, g.blocked("192.0.2.1"))
	assert.Zero(t, g.blocked("192.0.2.2"), "another address")
	now = now.Add(g.cfg.FailureWindow)
	assert.Zero(t, g.blocked("192.0.2.1"), "after the window")

	for i := range maxTracked + 5 {
		g.failed(string(rune(i)))
	}
	assert.LessOrEqual(t, len(g.failures), maxTracked)
}

// TestSessionQuestionsAreBounded: with maxLookups questions to the other
// servers waiting, a further unknown session id asks nothing; an answer
// is kept no longer than this server's SessionTTL.
func TestSessionQuestionsAreBounded(t *testing.T) {
	g := testGuard(t)
	asked := 0
	g.peers = func(context.Context, string) (time.Duration, bool) {
		asked++
		return 100 * 24 * time.Hour, true
	}
	for range maxLookups {
		g.lookups <- struct{}{}
	}
	assert.False(t, g.sharedSession(context.Background(), "id"), "no question while the slots are taken")
	assert.Zero(t, asked)
	for range maxLookups {
		<-g.lookups
	}
	require.True(t, g.sharedSession(context.Background(), "id"))
	assert.Equal(t, 1, asked)
	left, ok := g.session(sessionKey("id"))
	require.True(t, ok)
	assert.LessOrEqual(t, left, g.cfg.SessionTTL, "kept no longer than SessionTTL")
	assert.True(t, g.validSession("id"), "known here from now on")
}
