package ratelimit_test

import (
	"testing"
	"time"

	"github.com/rtkit-go/rtkit/internal/redistest"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/ratelimit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func TestRedisStoreSharedByTwoServers(t *testing.T) {
	r := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	cfg := ratelimit.Config{
		User: ratelimit.PerMinute(10), UserKey: userFromAuth,
		Store: ratelimit.NewRedisStore(rdb, ratelimit.RedisOptions{Prefix: "test:" + t.Name() + ":"}),
	}
	one := start(t, newNamespace(ratelimit.Events(cfg)))
	two := start(t, newNamespace(ratelimit.Events(cfg)))
	a := one.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "ada"}))
	b := two.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "ada"}))
	for i := range 10 {
		c := a
		if i >= 5 {
			c = b
		}
		code, _ := call(t, c, evPing, i)
		require.Equal(t, rtkit.Code(""), code, "event %d", i+1)
	}
	for _, c := range []*rtkittest.Client{a, b} {
		code, wait := call(t, c, evPing, 10)
		assert.Equal(t, rtkit.CodeRateLimited, code, "one budget across both servers")
		assert.Positive(t, wait)
		assert.LessOrEqual(t, wait, 6*time.Second, "one event refills every 6 s")
	}
}

func TestRedisDownFailsClosedOrOpenWithoutHanging(t *testing.T) {
	r := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Addr: r.Addr(), MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	store := ratelimit.NewRedisStore(rdb, ratelimit.RedisOptions{Prefix: "test:" + t.Name() + ":", Timeout: 150 * time.Millisecond})
	closed, open := storeServer(t, store)

	r.Stop() // Redis goes away mid-test
	began := time.Now()
	code, wait := call(t, closed, evPing, 1)
	assert.Equal(t, rtkit.CodeRateLimited, code, "fail closed by default")
	assert.Equal(t, time.Second, wait)
	code, _ = call(t, open, evPing, 1)
	assert.Equal(t, rtkit.Code(""), code, "FailOpen lets the event through")
	assert.Less(t, time.Since(began), 2*time.Second, "bounded by the store timeout, no hang")

	r.Restart() // and comes back
	require.Eventually(t, func() bool {
		code, _ := call(t, closed, evPing, 2)
		return code == ""
	}, 5*time.Second, 50*time.Millisecond, "limits work again once Redis is back")
}
