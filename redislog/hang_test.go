package redislog_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
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

// TestRedisHang stops redis-server with SIGSTOP (it accepts connections
// and answers nothing, unlike a Redis that is down): an append, a range
// and a session take fail within about Options.Timeout, an emit still
// reaches the server's own sockets at once, and after SIGCONT the log
// appends, reads and delivers again. For a client created with
// ContextTimeoutEnabled and for one without it (go-redis's ReadTimeout,
// 5 s, bounded these before). The upper bounds are sanity bounds
// (redistest.HangBound), not speed goals.
//
// A command that timed out has an unknown outcome: Redis may carry it
// out when it resumes. Without ContextTimeoutEnabled that is likely, as
// the command stays on its open connection until the client's
// ReadTimeout; the test accepts (and logs) the timed-out emit's entry
// delivered once more after SIGCONT.
func TestRedisHang(t *testing.T) {
	const timeout = redistest.HangTimeout
	redistest.ForEachDeadlineMode(t, func(t *testing.T, rs *redistest.Server, rdb *redis.Client) {
		log := redislog.New(rdb, redislog.Options{Timeout: timeout})
		l, collected := logtest.Open(t, log, "/h")

		quiet := slog.New(slog.DiscardHandler)
		ns := chaos.Namespace()
		srv := rtkit.NewServer(rtkit.WithLogger(quiet),
			rtkit.WithAdapter(adapter.Redis(rdb, adapter.Options{Logger: quiet, Timeout: timeout})),
			rtkit.WithDeliveryLog(log))
		srv.Mount(ns)
		ts := rtkittest.Start(t, srv)
		box := rtkittest.Listen(ts.Dial(t, "/chaos"), chaos.TickEvent)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, rtkit.Emit(ns.To("feed"), chaos.TickEvent, chaos.Tick{N: 1}))
		got, err := box.Next(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, got.N)

		rs.Freeze()

		redistest.FailsWithin(t, "an append", func() error {
			return l.Append(context.Background(), rtkit.LogEntry{Event: "note", Payload: note(1)})
		})
		redistest.FailsWithin(t, "a range", func() error {
			return l.Range(context.Background(), l.Head(), "", nil)
		})
		redistest.FailsWithin(t, "a session take", func() error {
			_, _, err := l.TakeSession(context.Background(), "p")
			return err
		})

		// An emit: the append fails, then the adapter's publish does;
		// the server's own socket gets the event meanwhile.
		began := time.Now()
		require.NoError(t, rtkit.Emit(ns.To("feed"), chaos.TickEvent, chaos.Tick{N: 2}))
		assert.Less(t, time.Since(began), redistest.HangBound, "the emit is bounded by the timeouts")
		got, err = box.Next(ctx)
		require.NoError(t, err, "local delivery goes on without the log")
		assert.Equal(t, 2, got.N)

		rs.Thaw()
		require.Eventually(t, func() bool {
			return l.Append(context.Background(), rtkit.LogEntry{Event: "note", Payload: note(2)}) == nil
		}, 10*time.Second, 50*time.Millisecond, "appends succeed after SIGCONT")
		require.Eventually(t, func() bool {
			for _, e := range collected.Entries() {
				if string(e.Payload) == string(note(2)) {
					return true
				}
			}
			return false
		}, 10*time.Second, 10*time.Millisecond, "the reader delivers again")
		require.NoError(t, l.Range(context.Background(), l.Head(), "", nil))
		require.NoError(t, rtkit.Emit(ns.To("feed"), chaos.TickEvent, chaos.Tick{N: 3}))
		var before []int
		for {
			got, err = box.Next(ctx)
			require.NoError(t, err)
			if got.N == 3 {
				break
			}
			before = append(before, got.N)
		}
		// The append that timed out may still be carried out once Redis
		// resumes (without ContextTimeoutEnabled, its connection stays
		// open until go-redis's ReadTimeout): the reader then delivers
		// tick 2 again, with its offset. Nothing else arrives.
		t.Logf("received after SIGCONT, before tick 3: %v", before)
		assert.LessOrEqual(t, len(before), 1)
		for _, n := range before {
			assert.Equal(t, 2, n)
		}
	})
}
