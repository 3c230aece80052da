package rtkit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func TestRoomsJoinLeaveAndDisconnect(t *testing.T) {
	// Every disconnection is reported, also of a connection attempt the
	// test client abandoned and retried: the test looks at a's and b's.
	type gone struct{ id, reason string }
	reasons := make(chan gone, 64)
	ns := newTestNamespace(rtkit.OnDisconnect(func(s *rtkit.Socket, reason string) {
		select {
		case reasons <- gone{s.ID(), reason}:
		default:
		}
	}))
	ts := startWithNamespace(t, ns)
	a, b, outsider := ts.Dial(t, "/test"), ts.Dial(t, "/test"), ts.Dial(t, "/test")
	for _, c := range []*rtkittest.Client{a, b} {
		_, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "team"})
		require.Nil(t, err)
	}
	boxes := []*rtkittest.Inbox[Note]{rtkittest.Listen(a, evNote), rtkittest.Listen(b, evNote), rtkittest.Listen(outsider, evNote)}

	// The server puts the team's sockets in a room no policy would let
	// them join themselves.
	ns.To("channel:team").Join("staff")
	require.NoError(t, rtkit.Emit(ns.To("staff"), evNote, Note{Seq: 1}))
	require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 2}))
	for i, box := range boxes {
		got, err := box.Next(ctx5(t))
		require.NoError(t, err)
		if i < 2 {
			assert.Equal(t, 1, got.Seq, "client %d is in staff", i)
			got, err = box.Next(ctx5(t))
			require.NoError(t, err)
		}
		assert.Equal(t, 2, got.Seq)
	}

	ns.To("channel:team").Leave("staff")
	require.NoError(t, rtkit.Emit(ns.To("staff"), evNote, Note{Seq: 3}))
	require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 4}))
	got, err := boxes[0].Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, 4, got.Seq, "staff is empty again")

	// The client forgets its id once disconnected: take them first.
	team := map[string]bool{a.ID(): true, b.ID(): true}
	clientReasons := make(chan string, 2)
	for _, c := range []*rtkittest.Client{a, b} {
		_ = c.Raw().Once("disconnect", func(args ...any) { clientReasons <- fmt.Sprint(args[0]) })
	}
	ns.To("channel:team").Disconnect()
	for len(team) > 0 {
		select {
		case g := <-reasons:
			// The server's reason may read "transport close" for a
			// socket closed through the adapter: the library writes the
			// DISCONNECT packet before it closes the socket on its side,
			// and the client can close its transport in between. The
			// clients' reason is exact.
			delete(team, g.id)
		case <-time.After(3 * time.Second):
			t.Fatal("the team was not disconnected")
		}
	}
	for range 2 {
		select {
		case r := <-clientReasons:
			assert.Equal(t, "io server disconnect", r, "the client is told the server disconnected it")
		case <-time.After(3 * time.Second):
			t.Fatal("a team client saw no disconnect")
		}
	}
	require.Eventually(t, func() bool { return !a.Connected() && !b.Connected() }, 3*time.Second, 10*time.Millisecond)
	assert.True(t, outsider.Connected())
	assert.Equal(t, 1, ts.RT.Health(context.Background()).Sockets["/test"])
}
