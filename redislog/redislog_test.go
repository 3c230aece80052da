package redislog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/chaos"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/logtest"
	"github.com/rtkit-go/rtkit/redislog"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func note(i int) json.RawMessage { return json.RawMessage(fmt.Sprintf(`{"seq":%d}`, i)) }

// Two servers share the log: each delivers every entry, in the same order.
func TestSharedOrderAndRange(t *testing.T) {
	rs := redistest.Start(t)
	ctx := context.Background()
	a, ca := logtest.Open(t, redislog.New(rs.Client(t), redislog.Options{}), "/n")
	b, cb := logtest.Open(t, redislog.New(rs.Client(t), redislog.Options{}), "/n")
	start := a.Head()
	for i := 1; i <= 20; i++ {
		l := a
		if i%2 == 0 {
			l = b
		}
		require.NoError(t, l.Append(ctx, rtkit.LogEntry{Rooms: []string{"r"}, Except: []string{"x"}, Event: "note", Payload: note(i)}))
	}
	require.NoError(t, a.Append(ctx, rtkit.LogEntry{Event: "typing", Payload: json.RawMessage(`"a"`), Transient: true}))
	require.Eventually(t, func() bool { return len(ca.Entries()) == 21 && len(cb.Entries()) == 21 }, 5*time.Second, 5*time.Millisecond)
	ea, eb := ca.Entries(), cb.Entries()
	assert.Equal(t, ea, eb, "same entries, same order, on both servers")
	assert.Equal(t, []string{"r"}, ea[0].Rooms)
	assert.Equal(t, []string{"x"}, ea[0].Except)
	assert.True(t, ea[20].Transient)

	var replayed []string
	require.NoError(t, b.Range(ctx, ea[4].Offset, ea[9].Offset, func(e rtkit.LogEntry) error {
		replayed = append(replayed, string(e.Payload))
		return nil
	}))
	assert.Equal(t, []string{`{"seq":6}`, `{"seq":7}`, `{"seq":8}`, `{"seq":9}`, `{"seq":10}`}, replayed)
	n := 0
	require.NoError(t, a.Range(ctx, start, "", func(rtkit.LogEntry) error { n++; return nil }))
	assert.Equal(t, 20, n, "transient entries are never replayed")
	assert.ErrorIs(t, a.Range(ctx, "not-an-id", "", nil), rtkit.ErrLogGap)
	assert.ErrorIs(t, a.Range(ctx, "99999999999999-0", "", nil), rtkit.ErrLogGap, "an offset from the future")
}

func TestWindowExceeded(t *testing.T) {
	rs := redistest.Start(t)
	ctx := context.Background()
	l, c := logtest.Open(t, redislog.New(rs.Client(t), redislog.Options{MaxLen: 10}), "/w")
	require.NoError(t, l.Append(ctx, rtkit.LogEntry{Event: "note", Payload: note(0)}))
	require.Eventually(t, func() bool { return len(c.Entries()) == 1 }, 5*time.Second, 5*time.Millisecond)
	first := c.Entries()[0].Offset
	require.NoError(t, l.Range(ctx, first, "", nil))
	for i := 1; i <= 500; i++ { // MAXLEN ~ trims whole nodes: go well past one
		require.NoError(t, l.Append(ctx, rtkit.LogEntry{Event: "note", Payload: note(i)}))
	}
	assert.ErrorIs(t, l.Range(ctx, first, "", nil), rtkit.ErrLogGap)
}

func TestSessions(t *testing.T) {
	rs := redistest.Start(t)
	ctx := context.Background()
	l, _ := logtest.Open(t, redislog.New(rs.Client(t), redislog.Options{}), "/s")
	require.NoError(t, l.SaveSession(ctx, "p1", rtkit.LogSession{SocketID: "s1", Rooms: []string{"a", "b"}}, time.Minute))
	s, ok, err := l.TakeSession(ctx, "p1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, rtkit.LogSession{SocketID: "s1", Rooms: []string{"a", "b"}}, s)
	_, ok, err = l.TakeSession(ctx, "p1")
	require.NoError(t, err)
	assert.False(t, ok, "a session is taken once")

	require.NoError(t, l.SaveSession(ctx, "p2", rtkit.LogSession{SocketID: "s2"}, 50*time.Millisecond))
	time.Sleep(120 * time.Millisecond)
	_, ok, err = l.TakeSession(ctx, "p2")
	require.NoError(t, err)
	assert.False(t, ok, "expired")
}

// With Redis down, operations fail within the timeout instead of blocking.
func TestRedisDown(t *testing.T) {
	rs := redistest.Start(t)
	l, _ := logtest.Open(t, redislog.New(rs.Client(t), redislog.Options{Timeout: 200 * time.Millisecond}), "/d")
	rs.Stop()
	start := time.Now()
	err := l.Append(context.Background(), rtkit.LogEntry{Event: "note", Payload: note(1)})
	assert.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// A process without a server publishes through the log (Namespace.Via):
// the servers deliver the event with its offset, and replay it.
func TestPublishThroughTheLog(t *testing.T) {
	rs := redistest.Start(t)
	_, ts := startNode(t, rs)
	c := ts.Dial(t, "/chaos")
	box := rtkittest.Listen(c, chaos.TickEvent)
	require.Eventually(t, func() bool { return ts.RT.Health(context.Background()).Sockets["/chaos"] == 1 },
		2*time.Second, 5*time.Millisecond)

	worker := chaos.Namespace() // the same declarations, not mounted
	pub := redislog.New(rs.Client(t), redislog.Options{})
	require.NoError(t, rtkit.Emit(worker.Via(pub).To("feed"), chaos.TickEvent, chaos.Tick{N: 7}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := box.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, 7, got.N)

	// The event is in the log, replayable like the servers' own.
	l, _ := logtest.Open(t, pub, "/chaos")
	var logged []rtkit.LogEntry
	require.NoError(t, l.Range(ctx, "0-0", "", func(e rtkit.LogEntry) error {
		logged = append(logged, e)
		return nil
	}))
	require.Len(t, logged, 1)
	assert.Equal(t, chaos.TickEvent.Name(), logged[0].Event)
	assert.Equal(t, []string{"feed"}, logged[0].Rooms)
	assert.JSONEq(t, `{"n":7}`, string(logged[0].Payload))
}

func TestConformance(t *testing.T) {
	rs := redistest.Start(t)
	logtest.Run(t, func(t *testing.T) rtkit.DeliveryLog { return redislog.New(rs.Client(t), redislog.Options{}) })
}

// When Redis is down, an emit still reaches the server's own sockets
// (without an offset, so that their next reconnect resyncs) within the
// store's and the adapter's timeouts.
func TestEmitWhileRedisIsDown(t *testing.T) {
	rs := redistest.Start(t)
	rdb := rs.Client(t)
	quiet := slog.New(slog.DiscardHandler)
	ns := chaos.Namespace()
	srv := rtkit.NewServer(rtkit.WithLogger(quiet),
		rtkit.WithAdapter(adapter.Redis(rdb, adapter.Options{Logger: quiet, Timeout: 200 * time.Millisecond})),
		rtkit.WithDeliveryLog(redislog.New(rdb, redislog.Options{Timeout: 200 * time.Millisecond})))
	srv.Mount(ns)
	ts := rtkittest.Start(t, srv)
	c := ts.Dial(t, "/chaos")
	box := rtkittest.Listen(c, chaos.TickEvent)
	require.NoError(t, rtkit.Emit(ns.To("feed"), chaos.TickEvent, chaos.Tick{N: 1}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := box.Next(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, got.N)

	rs.Stop()
	start := time.Now()
	require.NoError(t, rtkit.Emit(ns.To("feed"), chaos.TickEvent, chaos.Tick{N: 2}))
	assert.Less(t, time.Since(start), 3*time.Second, "the emit is bounded in time")
	got, err = box.Next(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, got.N, "delivered without the log")
}
