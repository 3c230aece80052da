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

// Call returns a command's result when it finished in time, and the zero
// value when it stopped waiting for it; Do bounds the command by its
// timeout, also on a context without a deadline.
func TestCallAndDo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	v, err := redisdeadline.Call(ctx, false, func(context.Context) (int, error) { return 7, nil })
	assert.NoError(t, err)
	assert.Equal(t, 7, v, "finished in time: its result")
	boom := errors.New("boom")
	v, err = redisdeadline.Call(ctx, false, func(context.Context) (int, error) { return 3, boom })
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 3, v, "finished in time with an error: its result too")

	release := make(chan struct{})
	left := make(chan struct{})
	began := time.Now()
	v, err = redisdeadline.Do(context.Background(), false, 50*time.Millisecond, func(ctx context.Context) (int, error) {
		defer close(left)
		<-release
		return 9, nil
	})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 0, v, "abandoned: the zero value, never the late result")
	assert.Less(t, time.Since(began), 2*time.Second, "returned at the timeout (sanity bound)")
	close(release)
	<-left // the command left behind ends

	v, err = redisdeadline.Do(context.Background(), true, time.Minute, func(ctx context.Context) (int, error) {
		_, ok := ctx.Deadline()
		assert.True(t, ok, "the command's context carries the timeout")
		return 5, nil
	})
	assert.NoError(t, err)
	assert.Equal(t, 5, v)
}
