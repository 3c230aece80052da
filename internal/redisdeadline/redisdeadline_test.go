package redisdeadline_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"

	"github.com/rtkit-go/rtkit/internal/redisdeadline"
)

// Honours reads each client kind's options: ContextTimeoutEnabled, and
// deadlines not disabled by a timeout of -2. Clients are never dialled.
func TestHonours(t *testing.T) {
	type wrapper struct{ redis.UniversalClient }
	on := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer on.Close()
	for _, tc := range []struct {
		name   string
		client redis.UniversalClient
		want   bool
	}{
		{"client", on, true},
		{"client without the option", redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), false},
		{"client without read deadlines", redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true, ReadTimeout: -2}), false},
		{"client without write deadlines", redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true, WriteTimeout: -2}), false},
		{"client without timeouts", redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true, ReadTimeout: -1}), true},
		{"cluster", redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true}), true},
		{"cluster without the option", redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}}), false},
		{"cluster without read deadlines", redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true, ReadTimeout: -2}), false},
		{"ring", redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}, ContextTimeoutEnabled: true}), true},
		{"ring without the option", redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}}), false},
		{"a wrapper it cannot inspect", wrapper{on}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, redisdeadline.Honours(tc.client))
			if _, ok := tc.client.(wrapper); !ok {
				_ = tc.client.Close()
			}
		})
	}
}

// Run returns at ctx's deadline without waiting for a command that
// ignores it, keeps a command's outcome when it finished in time, and
// leaves calls without a deadline, or on a client that honours it, alone.
func TestRun(t *testing.T) {
	release := make(chan struct{})
	stuck := func(context.Context) error { <-release; return nil }
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := redisdeadline.Run(ctx, false, stuck)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(began), 2*time.Second, "returned at the deadline (sanity bound)")
	close(release) // the command left behind ends

	boom := errors.New("boom")
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	assert.ErrorIs(t, redisdeadline.Run(ctx2, false, func(context.Context) error { return boom }), boom)

	ran := false
	assert.NoError(t, redisdeadline.Run(context.Background(), false, func(context.Context) error { ran = true; return nil }))
	assert.True(t, ran, "no deadline: run in place")
	ran = false
	assert.NoError(t, redisdeadline.Run(ctx, true, func(context.Context) error { ran = true; return nil }))
	assert.True(t, ran, "a client that honours deadlines: run in place, even past the deadline")

	cancelled, cancel3 := context.WithTimeout(context.Background(), time.Minute)
	cancel3()
	assert.ErrorIs(t, redisdeadline.Run(cancelled, false, func(context.Context) error { t.Error("ran"); return nil }), context.Canceled)
}
