package adapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
)

// pipelinePair opens namespace /chat on two adapters with Options.Pipeline
// over r (sharded or classic) and waits until each counts both servers.
func pipelinePair(t *testing.T, r *redistest.Server, classic bool, opts adapter.Options) (a, b rtkit.NamespaceAdapter, recB *recorder) {
	t.Helper()
	ctx := context.Background()
	opts.Pipeline, opts.Classic = true, classic
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	open := func(rec *recorder) rtkit.NamespaceAdapter {
		ad := adapter.Redis(r.Client(t), opts)
		t.Cleanup(func() { _ = ad.Close(ctx) })
		ns, err := ad.Open(ctx, "/chat", rec)
		require.NoError(t, err)
		t.Cleanup(func() { _ = ns.Close() })
		return ns
	}
	recB = newRecorder()
	a, b = open(newRecorder()), open(recB)
	for _, ns := range []rtkit.NamespaceAdapter{a, b} {
		require.Eventually(t, func() bool {
			n, err := ns.ServerCount(ctx)
			return err == nil && n == 2
		}, 10*time.Second, 20*time.Millisecond)
	}
	return a, b, recB
}

// TestPipelineInOrder: broadcasts queued back to back reach the other
// server all, in the order emitted, and a room change made after them
// (which waits for its own publication) reaches it after them, not
// before.
func TestPipelineInOrder(t *testing.T) {
	for _, classic := range []bool{false, true} {
		t.Run(map[bool]string{false: "Sharded", true: "Classic"}[classic], func(t *testing.T) {
			r := redistest.Start(t)
			a, _, recB := pipelinePair(t, r, classic, adapter.Options{})
			ctx := context.Background()
			const n = 600 // more than one pipeline's worth
			for i := range n {
				require.NoError(t, a.Broadcast(ctx, rtkit.Packet{Args: []any{"e", json.RawMessage(strconv.Itoa(i))}},
					rtkit.Selection{Rooms: []string{"r"}}))
			}
			joined := make(chan error, 1)
			go func() { joined <- a.SocketsJoin(ctx, rtkit.Selection{Rooms: []string{"r"}}, []string{"late"}) }()
			for i := range n {
				c, ok := recB.next(5 * time.Second)
				require.True(t, ok, "broadcast %d of %d", i, n)
				require.Equal(t, "deliver", c.op, "call %d", i)
				require.Equal(t, []any{"e", json.RawMessage(strconv.Itoa(i))}, c.args, "in the order emitted")
				assert.Equal(t, []string{"r"}, c.sel.Rooms)
			}
			c, ok := recB.next(5 * time.Second)
			require.True(t, ok)
			assert.Equal(t, "join", c.op, "the join comes after the broadcasts emitted before it")
			assert.Equal(t, []string{"late"}, c.rooms)
			require.NoError(t, <-joined)
		})
	}
}

// TestPipelineOutage: with Redis gone, broadcasts never wait for it: once
// the adapter has seen the outage they fail at once with ErrUnavailable,
// operations that wait for their publication fail within Options.Timeout,
// the failure is logged and State reports it.
func TestPipelineOutage(t *testing.T) {
	r := redistest.Start(t)
	logs := &countingHandler{}
	a, _, _ := pipelinePair(t, r, false, adapter.Options{Timeout: 200 * time.Millisecond, Logger: slog.New(logs)})
	r.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, sel := rtkit.Packet{Args: []any{"e"}}, rtkit.Selection{}
	require.Eventually(t, func() bool {
		return errors.Is(a.Broadcast(ctx, p, sel), adapter.ErrUnavailable)
	}, 5*time.Second, 10*time.Millisecond, "the outage is seen by the queued publications")
	err := a.SocketsJoin(ctx, sel, []string{"x"})
	assert.ErrorIs(t, err, adapter.ErrUnavailable)
	_, err = a.ServerSideEmit(ctx, []any{"e"}, func([]any) {})
	assert.ErrorIs(t, err, adapter.ErrUnavailable)
	assert.Positive(t, logs.count(), "the failed publications were logged")
}

// TestPipelineQueueBound: while Redis does not answer (paused), the
// publications queued for it are bounded: past the bound, Broadcast fails
// at once with ErrUnavailable instead of holding more. Once Redis answers
// again, broadcasts flow again.
func TestPipelineQueueBound(t *testing.T) {
	r := redistest.Start(t)
	a, _, recB := pipelinePair(t, r, false, adapter.Options{Timeout: 10 * time.Second})
	ctx := context.Background()
	// Well below go-redis's read timeout (5 s by default, which bounds the
	// wait for a reply of a client without ContextTimeoutEnabled): the
	// paused pipeline must end with its replies, not a timeout.
	require.NoError(t, r.Client(t).Do(ctx, "CLIENT", "PAUSE", "1500", "ALL").Err())

	// The sending goroutine takes what is queued and then waits for the
	// paused Redis: the queue fills up behind it.
	accepted, limit := 0, 3*4096
	var refused error
	for refused == nil && accepted < limit {
		refused = a.Broadcast(ctx, rtkit.Packet{Args: []any{"e", json.RawMessage(strconv.Itoa(accepted))}}, rtkit.Selection{})
		if refused == nil {
			accepted++
		}
	}
	require.ErrorIs(t, refused, adapter.ErrUnavailable, "past the bound, a broadcast is refused")
	assert.Contains(t, refused.Error(), "waiting for Redis")
	assert.LessOrEqual(t, accepted, 2*4096, "one queue, plus what the sending goroutine holds")

	// Once the pause ends, what was accepted is published, and a new
	// broadcast gets through.
	require.Eventually(t, func() bool {
		return a.Broadcast(ctx, rtkit.Packet{Args: []any{"after"}}, rtkit.Selection{}) == nil
	}, 10*time.Second, 50*time.Millisecond)
	for got := 0; ; got++ {
		c, ok := recB.next(10 * time.Second)
		require.True(t, ok, "the broadcast after the pause arrives")
		if c.args[0] == "after" {
			assert.Equal(t, accepted, got, "every accepted broadcast arrived before it")
			break
		}
	}
}

// TestPipelineCloseWithQueue: closing an adapter whose publications wait
// for a Redis that does not answer at all (stopped) returns within its
// context, although each command's own bound (Timeout) is longer than that
// context: it drops the queue rather than waiting for Redis. It leaves no
// goroutine behind (TestMain), and the namespace refuses broadcasts
// afterwards.
func TestPipelineCloseWithQueue(t *testing.T) {
	r := redistest.Start(t)
	ctx := context.Background()
	a := adapter.Redis(r.Client(t), adapter.Options{Pipeline: true, Timeout: time.Minute, Logger: quiet()})
	ns, err := a.Open(ctx, "/chat", newRecorder())
	require.NoError(t, err)
	r.Freeze() // thawed at cleanup, before the server stops
	for i := range 1000 {
		require.NoError(t, ns.Broadcast(ctx, rtkit.Packet{Args: []any{"e", json.RawMessage(strconv.Itoa(i))}}, rtkit.Selection{}))
	}
	require.NoError(t, ns.Close())
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, a.Close(cctx))
	assert.NoError(t, cctx.Err(), "Close returned before its deadline")
	assert.ErrorIs(t, ns.Broadcast(ctx, rtkit.Packet{Args: []any{"e"}}, rtkit.Selection{}), adapter.ErrUnavailable)
}

// TestPipelineBroadcastDoesNotWait: a broadcast returns once queued, even
// while Redis answers nothing (without Pipeline it would wait for the
// reply and fail at Options.Timeout).
func TestPipelineBroadcastDoesNotWait(t *testing.T) {
	r := redistest.Start(t)
	a, _, _ := pipelinePair(t, r, false, adapter.Options{Timeout: 2 * time.Second})
	r.Freeze()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, a.Broadcast(ctx, rtkit.Packet{Args: []any{"e"}}, rtkit.Selection{Rooms: []string{"r"}}),
		"queued without waiting for Redis")
}
