package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/ratelimit"
)

// TestRedisHangFailsWithinTimeout stops redis-server with SIGSTOP: it
// accepts connections and answers nothing, unlike a Redis that is down.
// A check fails within about the store's Timeout (go-redis's ReadTimeout,
// 5 s, bounded it before), the event is refused (or let through with
// FailOpen), and limits work again after SIGCONT. For a client created
// with ContextTimeoutEnabled and for one without it. The upper bounds are
// sanity bounds (redistest.HangBound), not speed goals.
func TestRedisHangFailsWithinTimeout(t *testing.T) {
	redistest.ForEachDeadlineMode(t, func(t *testing.T, r *redistest.Server, rdb *redis.Client) {
		store := ratelimit.NewRedisStore(rdb, ratelimit.RedisOptions{Prefix: "test:" + t.Name() + ":", Timeout: redistest.HangTimeout})
		closed, open := storeServer(t, store)

		r.Freeze()

		redistest.FailsWithin(t, "Take", func() error {
			_, err := store.Take(context.Background(), "k", ratelimit.PerMinute(10), 1)
			return err
		})

		began := time.Now()
		code, wait := call(t, closed, evPing, 1)
		assert.Equal(t, rtkit.CodeRateLimited, code, "fail closed by default")
		assert.Equal(t, time.Second, wait)
		assert.Less(t, time.Since(began), redistest.HangBound, "the refused event does not wait for Redis")
		began = time.Now()
		code, _ = call(t, open, evPing, 1)
		assert.Equal(t, rtkit.Code(""), code, "FailOpen lets the event through")
		assert.Less(t, time.Since(began), redistest.HangBound, "the event let through does not wait for Redis")

		r.Thaw()
		require.Eventually(t, func() bool {
			code, _ := call(t, closed, evPing, 2)
			return code == ""
		}, 10*time.Second, 50*time.Millisecond, "limits work again after SIGCONT")
		_, err := store.Take(context.Background(), "k", ratelimit.PerMinute(10), 1)
		require.NoError(t, err)
	})
}
