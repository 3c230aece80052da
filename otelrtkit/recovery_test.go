package otelrtkit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// A client that loses its connection and recovers gets what it missed:
// one replay of two entries. A client that presents a session the server
// does not know is told to resync, counted by reason.
func TestMetricsRecoveryAndResync(t *testing.T) {
	tm := newTelemetry(t, sdktrace.NeverSample())
	connects := make(chan *rtkit.Socket, 4)
	ns := testNamespace(nil, nil)
	srv := rtkit.NewServer(rtkit.WithObserver(tm.obs), rtkit.WithLogger(discard()),
		rtkit.WithNamespaceOptions(rtkit.OnConnect(func(_ context.Context, s *rtkit.Socket) { connects <- s })))
	srv.Mount(ns)
	ts := rtkittest.Start(t, srv)

	c := ts.Dial(t, "/ot", rtkittest.WithReconnection())
	notes := rtkittest.Listen(c, evNote)
	first := <-connects
	require.NoError(t, rtkit.Emit(first, evNote, Text{Text: "1"})) // gives the client its offset
	_, err := notes.Next(ctx5(t))
	require.NoError(t, err)

	c.DropTransport()
	require.Eventually(t, func() bool { return srv.Health(context.Background()).Sockets["/ot"] == 0 },
		5*time.Second, 5*time.Millisecond)
	require.NoError(t, rtkit.Emit(ns, evNote, Text{Text: "2"}))
	require.NoError(t, rtkit.Emit(ns, evNote, Text{Text: "3"}))
	select {
	case again := <-connects:
		require.True(t, again.Recovered())
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not reconnect")
	}
	for _, want := range []string{"2", "3"} {
		got, err := notes.Next(ctx5(t))
		require.NoError(t, err)
		require.Equal(t, want, got.Text)
	}
	tm.eventually(t, 1, "rtkit.recovery.replays", nsOT)
	assert.Equal(t, int64(2), tm.sum(t, "rtkit.recovery.replayed_entries", nsOT))
	n, _ := tm.histogram(t, "rtkit.adapter.publish.duration", nsOT, otelrtkit.KeyAdapterOperation.String("log_append"))
	assert.Equal(t, uint64(3), n, "three emits appended to the delivery log")
	assert.Equal(t, int64(1), tm.sum(t, "messaging.client.sent.messages", nsOT, event("note"),
		otelrtkit.KeyEmitTarget.String("socket")))
	assert.Equal(t, int64(2), tm.sum(t, "messaging.client.sent.messages", nsOT, event("note"),
		otelrtkit.KeyEmitTarget.String("namespace")))

	stranger := ts.Dial(t, "/ot", rtkittest.WithAuth(map[string]any{"pid": "not-a-session", "offset": "0-0"}))
	<-connects
	_ = stranger
	tm.eventually(t, 1, "rtkit.recovery.resyncs", nsOT,
		otelrtkit.KeyResyncReason.String(string(rtkit.ResyncUnknownSession)))
	assert.Equal(t, int64(1), tm.sum(t, "rtkit.recovery.replays", nsOT), "no replay for the stranger")
}
