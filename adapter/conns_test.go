package adapter_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestRedisConnectionsDoNotGrowWithRooms counts the connections Redis sees
// from two servers with sockets in 1 room, then in 10,000 rooms that all
// receive an emit across nodes: static subscriptions keep the count flat
// (Node's default, dynamic mode, subscribes one channel per room).
func TestRedisConnectionsDoNotGrowWithRooms(t *testing.T) {
	r := redistest.Start(t)
	log := testLogger(t) // shown if the test fails
	// 10,000 publishes in a row on a loaded test machine: a generous
	// bound, so that one slow SPUBLISH does not open the fast-failure
	// window (publishes are at most once) in the middle of the count.
	opts := adapter.Options{Logger: log, Timeout: 5 * time.Second}
	a := startNode(t, adapter.Redis(r.Client(t), opts), log)
	b := startNode(t, adapter.Redis(r.Client(t), opts), log)
	admin := r.Client(t)
	ctx := context.Background()
	clients := func() int {
		list, err := admin.ClientList(ctx).Result()
		require.NoError(t, err)
		lines := strings.Count(strings.TrimSpace(list), "\n") + 1
		return lines - 1 // admin's own connection
	}

	one := rtkittest.Listen(b.dial(t, "r:0"), noteNew)
	require.NoError(t, rtkit.Emit(a.ns.To("r:0"), noteNew, Note{Text: "end"}))
	assert.Empty(t, drain(t, one))
	withOne := clients()

	emitToRooms(t, a, b, 10000)
	withMany := clients()

	t.Logf("redis connections from 2 servers: %d with 1 room, %d with 10,000 rooms", withOne, withMany)
	assert.Equal(t, withOne, withMany)
}

// emitToRooms connects a client to n rooms on b, emits once to each room
// from a, and checks that the client got one delivery per room. It drains
// the client's inbox every 200 rooms (an inbox holds a few thousand, and a
// socket's output queue is bounded).
func emitToRooms(t *testing.T, a, b node, n int) {
	t.Helper()
	rooms := make([]string, n)
	for i := range rooms {
		rooms[i] = fmt.Sprint("r:", i)
	}
	many := rtkittest.Listen(b.dial(t, strings.Join(rooms, ",")), noteNew)
	for start := 0; start < n; start += 200 {
		batch := rooms[start:min(start+200, n)]
		for _, room := range batch {
			require.NoError(t, rtkit.Emit(a.ns.To(room), noteNew, Note{Text: room}))
		}
		require.NoError(t, rtkit.Emit(a.ns.To(batch[len(batch)-1]), noteNew, Note{Text: "end"}))
		if got := drain(t, many); len(got) != len(batch) {
			t.Fatalf("rooms %d..%d: %d deliveries, want one per room", start, start+len(batch)-1, len(got))
		}
	}
}
