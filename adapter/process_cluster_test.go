package adapter_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/chatcontract"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// The operations that gather answers from every server, across separate
// OS processes: a server of this (test) process asks the node processes.

// TestProcessesGather runs a server in this process and one or two node
// processes (two and three processes in all), on one redis-server:
// acknowledgements, counts, listings and server events reach and come back
// from the other processes; a node killed with SIGKILL is no longer
// expected to answer.
func TestProcessesGather(t *testing.T) {
	r := redistest.Start(t)
	bin := buildNode(t)
	for _, k := range []int{1, 2} {
		t.Run(fmt.Sprintf("%dProcesses", k+1), func(t *testing.T) { testProcGather(t, r, bin, k) })
	}
}

func testProcGather(t *testing.T, r *redistest.Server, bin string, k int) {
	d := newProcDialer(t)
	var nodes []*nodeProc
	for i := range k {
		nodes = append(nodes, startNodeProc(t, bin, r, fmt.Sprint("node", i+1)))
	}
	waitSubscribers(t, r, int64(k))
	here := startNode(t, adapter.Redis(r.Client(t), adapter.Options{Logger: quiet()}), nil)
	waitSubscribers(t, r, int64(k+1))

	var clients []*rtkittest.Client
	for i, p := range nodes {
		c, _ := d.dial(t, p, "r:1")
		rtkittest.Answer(c, askChat, func(q Question) Answer { return Answer{N: len(q.Q) + 10*(i+1)} })
		clients = append(clients, c)
		d.dial(t, p, "r:2")
	}
	local := here.dial(t, "r:1")
	rtkittest.Answer(local, askChat, func(q Question) Answer { return Answer{N: len(q.Q)} })

	ctx := func(d time.Duration) context.Context {
		c, cancel := context.WithTimeout(context.Background(), d)
		t.Cleanup(cancel)
		return c
	}

	n, err := here.ns.To("r:1").Count(ctx(5 * time.Second))
	require.NoError(t, err)
	assert.Equal(t, k+1, n, "r:1 sockets of every process")
	n, err = here.ns.To().Count(ctx(5 * time.Second))
	require.NoError(t, err)
	assert.Equal(t, 2*k+1, n, "all sockets")

	infos, err := here.ns.To("r:1").Fetch(ctx(5 * time.Second))
	require.NoError(t, err)
	var ids, want []string
	for _, in := range infos {
		ids = append(ids, in.ID)
	}
	for _, c := range append(clients, local) {
		want = append(want, c.ID())
	}
	slices.Sort(ids)
	slices.Sort(want)
	assert.Equal(t, want, ids)

	acks, err := rtkit.EmitWithAcks(ctx(5*time.Second), here.ns.To("r:1"), askChat, Question{Q: "abc"})
	require.NoError(t, err)
	var got []int
	for _, a := range acks {
		require.NoError(t, a.Err)
		got = append(got, a.Data.N)
	}
	slices.Sort(got)
	assert.Equal(t, []int{3, 13, 23}[:k+1], got, "one answer per socket, from every process")

	whos, err := rtkit.EmitServers(ctx(5*time.Second), here.ns, chatcontract.ServerWho, chatcontract.Who{})
	require.NoError(t, err)
	var pids, wantPIDs []int
	for _, w := range whos {
		pids = append(pids, w.PID)
	}
	for _, p := range nodes {
		wantPIDs = append(wantPIDs, p.Cmd.Process.Pid)
	}
	slices.Sort(pids)
	slices.Sort(wantPIDs)
	assert.Equal(t, wantPIDs, pids, "every node process ran its handler")

	// A process that is gone is no longer expected to answer.
	require.Error(t, nodes[k-1].Kill(), "the node was killed")
	waitSubscribers(t, r, int64(k))
	acks, err = rtkit.EmitWithAcks(ctx(5*time.Second), here.ns.To("r:1"), askChat, Question{Q: "abc"})
	require.NoError(t, err)
	assert.Len(t, acks, k)
}

// TestProcessesSilentServer: a subscriber of the namespace's channel that
// never answers (a server that hangs) makes Count and EmitWithAcks return at
// their deadline with a TIMEOUT error and what the others answered.
func TestProcessesSilentServer(t *testing.T) {
	r := redistest.Start(t)
	bin := buildNode(t)
	d := newProcDialer(t)
	node := startNodeProc(t, bin, r, "node1")
	waitSubscribers(t, r, 1)
	here := startNode(t, adapter.Redis(r.Client(t), adapter.Options{Logger: quiet()}), nil)
	c, _ := d.dial(t, node, "r:1")
	rtkittest.Answer(c, askChat, func(q Question) Answer { return Answer{N: len(q.Q)} })

	// The silent server: subscribed, never answering.
	silent := r.Client(t).SSubscribe(context.Background(), chatChannel)
	t.Cleanup(func() { _ = silent.Close() })
	_, err := silent.Receive(context.Background())
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	n, err := here.ns.To("r:1").Count(ctx)
	assert.Equal(t, rtkit.CodeTimeout, rtkit.CodeOf(err), "err = %v", err)
	assert.Contains(t, fmt.Sprint(err), "1 of 2 other servers answered")
	assert.Equal(t, 1, n, "the node process's socket was counted")
	assert.Less(t, time.Since(began), 2*time.Second)

	ctx2, cancel2 := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel2()
	acks, err := rtkit.EmitWithAcks(ctx2, here.ns.To("r:1"), askChat, Question{Q: "ab"})
	assert.Equal(t, rtkit.CodeTimeout, rtkit.CodeOf(err), "err = %v", err)
	require.Len(t, acks, 1)
	assert.Equal(t, 2, acks[0].Data.N)
}

// BenchmarkCrossProcessGather measures, between a server of this process
// and a node process on one redis-server: the round trip of an
// acknowledgement from a socket of the node process (EmitWithAcks to a room
// whose one socket is there), and a Count across both.
func BenchmarkCrossProcessGather(b *testing.B) {
	r := redistest.Start(b)
	bin := buildNode(b)
	node := startNodeProc(b, bin, r, "node1")
	waitSubscribers(b, r, 1)
	here := startNode(b, adapter.Redis(r.Client(b), adapter.Options{Logger: quiet()}), nil)
	waitSubscribers(b, r, 2)
	c := rtkittest.Remote(node.url, "").Dial(b, "/chat", rtkittest.WithAuth(map[string]any{"rooms": "r:1"}))
	rtkittest.Answer(c, askChat, func(q Question) Answer { return Answer{N: len(q.Q)} })

	b.Run("AckRoundTrip", func(b *testing.B) {
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			acks, err := rtkit.EmitWithAcks(ctx, here.ns.To("r:1"), askChat, Question{Q: "q"})
			cancel()
			if err != nil || len(acks) != 1 {
				b.Fatalf("%d acks, %v", len(acks), err)
			}
		}
	})
	b.Run("Count", func(b *testing.B) {
		for b.Loop() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			n, err := here.ns.To().Count(ctx)
			cancel()
			if err != nil || n != 1 {
				b.Fatalf("count %d, %v", n, err)
			}
		}
	})
}
