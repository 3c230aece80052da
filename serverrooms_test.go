package rtkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// ServerRooms are joined before the client is told it is connected (the
// connect hooks already see them, and an emit right after the client's
// connection reaches it), without room policies, and clients cannot join
// them themselves.
func TestServerRooms(t *testing.T) {
	hooked := make(chan []string, 1)
	ns := newTestNamespace(
		// A slow connect hook first: rooms joined by a hook (after the
		// client was told it is connected) would miss the emit below.
		rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) {
			hooked <- s.Rooms()
			time.Sleep(300 * time.Millisecond)
		}),
		rtkit.ServerRooms(func(_ context.Context, s *rtkit.Socket) []string { return []string{"channel:secret"} }),
	)
	ts := startWithNamespace(t, ns)
	c := ts.Dial(t, "/test")
	box := rtkittest.Listen(c, evNote)

	require.NoError(t, rtkit.Emit(ns.To("channel:secret"), evNote, Note{Seq: 1}))
	got, err := box.Next(ctx5(t))
	require.NoError(t, err)
	assert.Equal(t, 1, got.Seq)
	assert.Contains(t, <-hooked, "channel:secret", "joined before the connect hooks ran")

	// The policy still refuses "channel:secret" to clients.
	_, cerr := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "secret"})
	require.NotNil(t, cerr)
	assert.Equal(t, rtkit.CodeForbidden, cerr.Code)
}
