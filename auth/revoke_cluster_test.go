package auth_test

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/redislog"
	"github.com/rtkit-go/rtkit/rtkittest"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// TestRevocationReachesOtherServers: two servers share a Redis adapter; a
// user signed out on server A loses the sockets held on server B too, and
// other users keep theirs.
func TestRevocationReachesOtherServers(t *testing.T) {
	r := redistest.Start(t)
	serve := func() *rtkittest.Server {
		srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)),
			rtkit.WithAdapter(adapter.Redis(r.Client(t), adapter.Options{Prefix: t.Name()})),
			auth.Required(team()))
		srv.Mount(whoNamespace("/a"))
		return rtkittest.Start(t, srv)
	}
	a, b := serve(), serve()
	onB := b.Dial(t, "/a", token("alice-1"))
	bobOnB := b.Dial(t, "/a", token("bob"))
	registered(t, onB, bobOnB)
	gone := disconnected(onB)

	rv := &auth.Revoker{}
	assert.Equal(t, 0, rv.RevokeUser(a.RT, "u1"), "alice has no socket on server A")
	select {
	case reason := <-gone:
		assert.Equal(t, "io server disconnect", reason)
	case <-time.After(5 * time.Second):
		t.Fatal("the revocation on A did not reach alice's socket on B")
	}
	require.True(t, bobOnB.Connected())
	assert.Equal(t, "u2", whoami(t, bobOnB).UserID, "other users are untouched")
}

// TestSignOutNoticeReachesEverySocketThroughRedis: two servers share a
// Redis adapter and a Redis delivery log (redis-server, each server with
// its own clients); a session with six sockets on each, over both
// transports, is revoked on server A. Every one of the twelve sockets gets
// auth:expired {reason: "revoked"} and then "io server disconnect", in
// that order: the disconnection travels through the log behind the notice
// instead of overtaking it. Another session of the same user and another
// user keep their sockets.
func TestSignOutNoticeReachesEverySocketThroughRedis(t *testing.T) {
	r := redistest.Start(t)
	serve := func(rv *auth.Revoker) *rtkittest.Server {
		srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)),
			rtkit.WithAdapter(adapter.Redis(r.Client(t), adapter.Options{Prefix: t.Name()})),
			rtkit.WithDeliveryLog(redislog.New(r.Client(t), redislog.Options{Prefix: t.Name()})),
			auth.Required(team(), auth.WithRevoker(rv)))
		srv.Mount(whoNamespace("/a"))
		return rtkittest.Start(t, srv)
	}
	rvA := &auth.Revoker{}
	a, b := serve(rvA), serve(&auth.Revoker{})

	type record struct {
		mu     sync.Mutex
		events []string
	}
	watch := func(c *rtkittest.Client) *record {
		rec := &record{}
		add := func(s string) {
			rec.mu.Lock()
			rec.events = append(rec.events, s)
			rec.mu.Unlock()
		}
		_ = c.Raw().On(types.EventName(auth.ExpiredEvent.Name()), func(args ...any) {
			m, _ := args[0].(map[string]any)
			add(fmt.Sprintf("auth:expired %v", m["reason"]))
		})
		_ = c.Raw().On("disconnect", func(args ...any) { add(fmt.Sprintf("disconnect %v", args[0])) })
		return rec
	}
	var revoked, kept []*rtkittest.Client
	var records []*record
	for i := range 6 {
		for _, ts := range []*rtkittest.Server{a, b} {
			var opts []rtkittest.DialOption
			if i%2 == 1 {
				opts = append(opts, rtkittest.WithPolling())
			}
			c := ts.Dial(t, "/a", append(opts, token("alice-1"))...)
			revoked = append(revoked, c)
			records = append(records, watch(c))
		}
	}
	for _, ts := range []*rtkittest.Server{a, b} {
		kept = append(kept, ts.Dial(t, "/a", token("alice-2")), ts.Dial(t, "/a", token("bob")))
	}
	registered(t, append(slices.Clone(revoked), kept...)...)
	keptRecords := make([]*record, len(kept))
	for i, c := range kept {
		keptRecords[i] = watch(c)
	}

	assert.Equal(t, 6, rvA.RevokeSession(a.RT, "s1"), "server A's own sockets")
	require.Eventually(t, func() bool {
		for _, rec := range records {
			rec.mu.Lock()
			gone := slices.ContainsFunc(rec.events, func(e string) bool { return strings.HasPrefix(e, "disconnect") })
			rec.mu.Unlock()
			if !gone {
				return false
			}
		}
		return true
	}, 15*time.Second, 10*time.Millisecond, "every socket of the session is disconnected")
	notified := 0
	for i, rec := range records {
		rec.mu.Lock()
		got := slices.Clone(rec.events)
		rec.mu.Unlock()
		server := "A"
		if i%2 == 1 {
			server = "B"
		}
		if assert.Equal(t, []string{"auth:expired revoked", "disconnect io server disconnect"}, got,
			"socket %d on server %s", i, server) {
			notified++
		}
	}
	t.Logf("%d of %d sockets got auth:expired before the disconnection", notified, len(records))
	for i, c := range kept {
		assert.True(t, c.Connected(), "bystander %d", i)
		whoami(t, c)
		keptRecords[i].mu.Lock()
		assert.Empty(t, keptRecords[i].events, "bystander %d", i)
		keptRecords[i].mu.Unlock()
	}
}
