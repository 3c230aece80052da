package adapter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestGatherDuringOutage: while Redis is down, a count returns this
// server's sockets and an error wrapping ErrUnavailable within the
// adapter's timeout, and acknowledgements still come from this server's
// sockets; once Redis is back, counts cross servers again by themselves.
func TestGatherDuringOutage(t *testing.T) {
	r := redistest.Start(t)
	a := redisNode(t, r, adapter.Options{Logger: quiet(), Timeout: 300 * time.Millisecond})
	b := redisNode(t, r, adapter.Options{Logger: quiet(), Timeout: 300 * time.Millisecond})
	here := a.dial(t, "r:1")
	rtkittest.Answer(here, askChat, func(q Question) Answer { return Answer{N: len(q.Q)} })
	b.dial(t, "r:1")
	count := func() (int, error) { return a.count("r:1", 3*time.Second) }
	require.Eventually(t, func() bool { n, err := count(); return err == nil && n == 2 },
		5*time.Second, 20*time.Millisecond)

	r.Stop()
	began := time.Now()
	n, err := count()
	assert.ErrorIs(t, err, adapter.ErrUnavailable)
	assert.Equal(t, 1, n, "this server's socket")
	assert.Less(t, time.Since(began), 2*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	acks, err := rtkit.EmitWithAcks(ctx, a.ns.To("r:1"), askChat, Question{Q: "ab"})
	assert.True(t, errors.Is(err, adapter.ErrUnavailable), "err = %v", err)
	require.Len(t, acks, 1)
	assert.Equal(t, 2, acks[0].Data.N)

	r.Restart()
	require.Eventually(t, func() bool { n, err := count(); return err == nil && n == 2 },
		15*time.Second, 100*time.Millisecond, "counts cross servers again")
}

// TestLinkHostileMessages: whatever anyone publishes on the request and
// answer channels (no envelope, unknown requesters, answers to requests
// nobody made, requests that are not rtkit's) is dropped, and the servers
// keep answering each other.
func TestLinkHostileMessages(t *testing.T) {
	r := redistest.Start(t)
	a := redisNode(t, r, adapter.Options{Logger: quiet()})
	b := redisNode(t, r, adapter.Options{Logger: quiet()})
	b.dial(t, "r:1")
	count := func() (int, error) { return a.count("r:1", 3*time.Second) }
	require.Eventually(t, func() bool { n, err := count(); return err == nil && n == 1 },
		5*time.Second, 20*time.Millisecond)

	rdb := r.Client(t)
	ctx := context.Background()
	for _, m := range []string{
		"", "\n", "\n\n", "x", "from\n", "from\nid", "from\nid\nnot json",
		"from\nid\n" + `{"op":"count","ns":"/chat"}`, // answered to a server that does not exist
		"from\nid\n" + `{"op":"acks","ns":"/chat","event":"note:ask","payload":{"q":""},"rooms":["r:1"],"waitMs":100}`,
		"from\nid\n" + `{"op":"count","ns":"/chat","waitMs":-5}`,
	} {
		require.NoError(t, rdb.SPublish(ctx, "{socket.io}#rtkit#req#", m).Err())
	}
	list, err := rdb.PubSubShardChannels(ctx, "{socket.io}#rtkit#res#*").Result()
	require.NoError(t, err)
	require.Len(t, list, 2, "one answer channel per server")
	for _, ch := range list {
		for _, m := range []string{"", "unknown\n{}", "\n", "no newline"} {
			require.NoError(t, rdb.SPublish(ctx, ch, m).Err())
		}
	}
	n, err := count()
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// TestGatherRedisLateStart: a server started while Redis is down starts at
// once, and takes part in gathering operations once Redis is up.
func TestGatherRedisLateStart(t *testing.T) {
	r := redistest.Start(t)
	r.Stop()
	began := time.Now()
	a := redisNode(t, r, adapter.Options{Logger: quiet(), Timeout: 300 * time.Millisecond})
	assert.Less(t, time.Since(began), 2*time.Second, "NewServer does not wait for Redis")
	r.Restart()
	b := redisNode(t, r, adapter.Options{Logger: quiet()})
	a.dial(t, "r:1")
	require.Eventually(t, func() bool {
		n, err := b.count("r:1", time.Second)
		return err == nil && n == 1
	}, 15*time.Second, 100*time.Millisecond, "the late server answers counts")
}
