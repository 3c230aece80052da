package rtkit_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func TestRecoveryRestoresRoomsAndReplaysMissedEmits(t *testing.T) {
	var allowSecond atomic.Bool
	allowSecond.Store(true)
	connects := make(chan *rtkit.Socket, 4)
	ns := rtkit.NewNamespace("/recover",
		rtkit.WithRoom("feed:{name}", func(_ context.Context, _ *rtkit.Socket, p rtkit.RoomParams) error {
			if p["name"] == "second" && !allowSecond.Load() {
				return rtkit.NewError(rtkit.CodeForbidden, "no longer allowed")
			}
			return nil
		}),
		rtkit.AutoJoin(func(context.Context, *rtkit.Socket) []string { return []string{"feed:first", "feed:second"} }),
		rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) { connects <- s }))
	rtkit.Emits(ns, evNote)
	ts := startWithNamespace(t, ns)

	c := ts.Dial(t, "/recover", rtkittest.WithReconnection())
	box := rtkittest.Listen(c, evNote)
	first := <-connects
	assert.Equal(t, []string{"feed:first", "feed:second"}, first.Rooms())

	// Recovery needs one delivered event: it carries the client's offset.
	require.NoError(t, rtkit.Emit(ns.To("feed:first"), evNote, Note{Seq: 1}))
	got, err := box.Next(ctx5(t))
	require.NoError(t, err)
	require.Equal(t, 1, got.Seq)

	allowSecond.Store(false) // the policy changes while the client is away
	c.DropTransport()
	require.Eventually(t, func() bool { return ts.RT.Health(context.Background()).Sockets["/recover"] == 0 },
		2*time.Second, 5*time.Millisecond)
	require.NoError(t, rtkit.Emit(ns.To("feed:first"), evNote, Note{Seq: 2}))
	// Missed, but in a room the policy no longer allows: not replayed.
	require.NoError(t, rtkit.Emit(ns.To("feed:second"), evNote, Note{Seq: 98}))
	require.NoError(t, rtkit.Emit(ns.To("feed:first"), evNote, Note{Seq: 3}))

	var again *rtkit.Socket
	select {
	case again = <-connects:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not reconnect")
	}
	assert.True(t, again.Recovered())
	assert.Equal(t, first.ID(), again.ID(), "same socket id after recovery")
	assert.Equal(t, []string{"feed:first"}, again.Rooms(),
		"feed:first restored; feed:second dropped by the re-checked policy (and refused again at auto-join)")
	for _, want := range []int{2, 3} {
		got, err := box.Next(ctx5(t))
		require.NoError(t, err)
		assert.Equal(t, want, got.Seq, "missed emits are replayed in order")
	}
	// Delivery goes on after recovery.
	require.NoError(t, rtkit.Emit(ns.To("feed:first"), evNote, Note{Seq: 4}))
	got, err = box.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, 4, got.Seq)
}

func TestRecoveryOff(t *testing.T) {
	connects := make(chan *rtkit.Socket, 4)
	ns := rtkit.NewNamespace("/norecover", rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) { connects <- s }))
	rtkit.Emits(ns, evNote)
	ts := startWithNamespace(t, ns, rtkit.WithRecovery(0))
	c := ts.Dial(t, "/norecover", rtkittest.WithReconnection())
	box := rtkittest.Listen(c, evNote)
	first := <-connects
	require.NoError(t, rtkit.Emit(ns, evNote, Note{Seq: 1}))
	_, err := box.Next(ctx5(t))
	require.NoError(t, err)
	c.DropTransport()
	again := <-connects
	assert.False(t, again.Recovered())
	assert.NotEqual(t, first.ID(), again.ID())
}
