package adapter_test

import (
	"context"
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

// TestRedisCluster runs two rtkit servers against a Redis Cluster of three
// primaries on 127.0.0.1, each with an adapter from FromURL (the cluster
// form of the URL): broadcasts, acknowledgements and counts cross servers
// through the cluster, and the connections each server holds do not grow
// with the number of rooms.
func TestRedisCluster(t *testing.T) {
	c := redistest.StartCluster(t, 3)
	newNode := func(name string) node {
		a, err := adapter.FromURL(c.URL()+"&client_name="+name, adapter.Options{Logger: quiet()})
		require.NoError(t, err)
		return startNode(t, a, nil)
	}
	a, b := newNode("rtkit-a"), newNode("rtkit-b")

	onB := b.dial(t, "r:1")
	in := rtkittest.Listen(onB, noteNew)
	rtkittest.Answer(onB, askChat, func(q Question) Answer { return Answer{N: len(q.Q)} })
	require.Eventually(t, func() bool {
		n, err := a.count("r:1", 5*time.Second)
		return err == nil && n == 1
	}, 10*time.Second, 50*time.Millisecond, "A counts B's socket through the cluster")

	require.Eventually(t, func() bool {
		if err := rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: "probe"}); err != nil {
			return false
		}
		got, err := next(in, 200*time.Millisecond)
		return err == nil && got.Text == "probe"
	}, 10*time.Second, 50*time.Millisecond, "a broadcast from A reaches B's socket")
	drainLate(in)

	require.NoError(t, rtkit.Emit(a.ns.To("r:1"), noteNew, Note{Text: "room", ID: 1<<40 + 1}))
	require.NoError(t, rtkit.Emit(a.ns, noteNew, Note{Text: "all"}))
	got := []Note{mustNext(t, in), mustNext(t, in)}
	assert.Equal(t, []Note{{Text: "room", ID: 1<<40 + 1}, {Text: "all"}}, got)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	acks, err := rtkit.EmitWithAcks(ctx, a.ns.To("r:1"), askChat, Question{Q: "abc"})
	require.NoError(t, err)
	require.Len(t, acks, 1)
	assert.Equal(t, Answer{N: 3}, acks[0].Data)
	assert.Equal(t, onB.ID(), acks[0].Socket)

	// Connections per server, summed over the cluster's nodes: with
	// sockets in 1 room, then in 1,000 rooms that each get an emit.
	conns := func(name string) int {
		total := 0
		for i := range c.Addrs() {
			list, err := c.NodeClient(t, i).ClientList(context.Background()).Result()
			require.NoError(t, err)
			total += strings.Count(list, "name="+name+" ")
		}
		return total
	}
	oneA, oneB := conns("rtkit-a"), conns("rtkit-b")
	emitToRooms(t, a, b, 1000)
	manyA, manyB := conns("rtkit-a"), conns("rtkit-b")
	t.Logf("Redis Cluster connections per server (A emits, B receives): A %d, B %d with 1 room; A %d, B %d with 1,000 rooms",
		oneA, oneB, manyA, manyB)
	assert.Equal(t, oneA, manyA, "server A's connections grew with rooms")
	assert.Equal(t, oneB, manyB, "server B's connections grew with rooms")
}

func mustNext(t *testing.T, in *rtkittest.Inbox[Note]) Note {
	t.Helper()
	n, err := next(in, 5*time.Second)
	require.NoError(t, err)
	return n
}

// drainLate drops what is waiting in an inbox after a short quiet period
// (late copies of probe emits).
func drainLate(in *rtkittest.Inbox[Note]) {
	for {
		if _, err := next(in, 200*time.Millisecond); err != nil {
			return
		}
	}
}
