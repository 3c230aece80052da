package adapter_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
)

// TestAdapterPair: between two rtkit servers, what Node's protocol has no
// room for still crosses: exact 64-bit integers, the Logged mark, the
// socket of each acknowledgement and the sockets that left before
// answering; and a socket's description keeps its fields.
func TestAdapterPair(t *testing.T) {
	for _, classic := range []bool{false, true} {
		t.Run(map[bool]string{false: "Sharded", true: "Classic"}[classic], func(t *testing.T) {
			r := redistest.Start(t)
			ctx := context.Background()
			open := func(rec *recorder) rtkit.NamespaceAdapter {
				a := adapter.Redis(r.Client(t), adapter.Options{Classic: classic, Logger: quiet()})
				t.Cleanup(func() { _ = a.Close(ctx) })
				ns, err := a.Open(ctx, "/chat", rec)
				require.NoError(t, err)
				t.Cleanup(func() { _ = ns.Close() })
				return ns
			}
			when := time.UnixMilli(1_700_000_000_123)
			recA := newRecorder()
			recB := newRecorder(rtkit.RemoteSocket{ID: "b1", Rooms: []string{"r:1", "r:2"}, Address: "10.0.0.2",
				Query: map[string][]string{"k": {"1", "2"}}, Connected: when})
			a, _ := open(recA), open(recB)
			require.Eventually(t, func() bool {
				n, err := a.ServerCount(ctx)
				return err == nil && n == 2
			}, 10*time.Second, 20*time.Millisecond)

			big := json.RawMessage(`{"id":1152921504606846977,"neg":-9223372036854775808,"f":0.1}`)
			require.NoError(t, a.Broadcast(ctx, rtkit.Packet{Args: []any{"note:new", big}},
				rtkit.Selection{Rooms: []string{"r:1"}, Except: []string{"r:x"}, Logged: true}))
			c, ok := recB.next(5 * time.Second)
			require.True(t, ok)
			assert.Equal(t, "deliver", c.op)
			assert.Equal(t, []any{"note:new", big}, c.args, "integers exact, key order kept")
			assert.Equal(t, rtkit.Selection{Rooms: []string{"r:1"}, Except: []string{"r:x"}, Logged: true}, c.sel)
			_, echoed := recA.next(100 * time.Millisecond)
			assert.False(t, echoed, "a server does not receive its own broadcast")

			fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			var got []rtkit.RemoteSocket
			servers, err := a.FetchSockets(fctx, rtkit.Selection{}, func(s []rtkit.RemoteSocket) { got = append(got, s...) })
			require.NoError(t, err)
			assert.Equal(t, 1, servers)
			require.Len(t, got, 1)
			assert.Equal(t, "b1", got[0].ID)
			assert.Equal(t, []string{"r:1", "r:2"}, got[0].Rooms)
			assert.Equal(t, "10.0.0.2", got[0].Address)
			assert.Equal(t, []string{"1", "2"}, got[0].Query["k"])
			assert.True(t, when.Equal(got[0].Connected), "%v", got[0].Connected)

			var counts []int
			var answers []rtkit.AckAnswer
			servers, err = a.BroadcastWithAck(fctx, rtkit.Packet{Args: []any{"note:ask", json.RawMessage(`{"q":"?"}`)}},
				rtkit.Selection{}, func(n int) { counts = append(counts, n) }, func(a rtkit.AckAnswer) { answers = append(answers, a) })
			require.NoError(t, err)
			assert.Equal(t, 1, servers)
			assert.Equal(t, []int{1}, counts)
			assert.Equal(t, []rtkit.AckAnswer{{Socket: "rtkit-1", Args: []any{json.RawMessage(`{"n":7}`)}}}, answers)
			c, _ = recB.next(time.Second)
			assert.Equal(t, "acks", c.op)

			var replies [][]any
			servers, err = a.ServerSideEmit(fctx, []any{"node:who", json.RawMessage(`{}`)}, func(args []any) { replies = append(replies, args) })
			require.NoError(t, err)
			assert.Equal(t, 1, servers)
			require.Len(t, replies, 1)
			assert.Equal(t, []any{json.RawMessage(`{"data":{"pid":1},"success":true}`)}, replies[0])
		})
	}
}

// TestAdapterOutage: with Redis gone, operations fail at once or within
// Options.Timeout with ErrUnavailable, and gathering operations do not
// wait for their deadline.
func TestAdapterOutage(t *testing.T) {
	r := redistest.Start(t)
	a := adapter.Redis(r.Client(t), adapter.Options{Timeout: 200 * time.Millisecond, Logger: quiet()})
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	ns, err := a.Open(context.Background(), "/chat", newRecorder())
	require.NoError(t, err)
	t.Cleanup(func() { _ = ns.Close() })
	require.Eventually(t, func() bool {
		n, err := ns.ServerCount(context.Background())
		return err == nil && n == 1
	}, 5*time.Second, 20*time.Millisecond)
	r.Stop()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	err = ns.Broadcast(ctx, rtkit.Packet{Args: []any{"e"}}, rtkit.Selection{})
	assert.ErrorIs(t, err, adapter.ErrUnavailable)
	_, err = ns.FetchSockets(ctx, rtkit.Selection{}, func([]rtkit.RemoteSocket) {})
	assert.ErrorIs(t, err, adapter.ErrUnavailable)
	_, err = ns.ServerSideEmit(ctx, []any{"e"}, func([]any) {})
	assert.ErrorIs(t, err, adapter.ErrUnavailable)
	assert.Less(t, time.Since(began), 2*time.Second, "bounded by Options.Timeout, not by ctx")
	assert.False(t, a.State(context.Background()).Healthy)
}
