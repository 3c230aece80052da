package adminui

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// BenchmarkEventSentWatched is what each recipient of a broadcast costs
// while a UI watches in development mode (the OnSocketChange hook's
// EventSent): queued in a batch with room, or dropped once the batch is
// full, as in a broadcast storm. Without an Admin, the server pays a
// length check per emit.
func BenchmarkEventSentWatched(b *testing.B) {
	a, err := New(Config{NoAuth: true})
	if err != nil {
		b.Fatal(err)
	}
	app := rtkit.NewNamespace("/app")
	srv := rtkit.NewServer(a.Option(), rtkit.WithLogger(slog.New(slog.DiscardHandler)))
	srv.Mount(a.Namespace(), app)
	ts, err := rtkittest.NewServer(srv)
	if err != nil {
		b.Fatal(err)
	}
	defer ts.Close()
	c, err := ts.Connect("/app")
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var sock *rtkit.Socket
	for s := range app.Sockets() {
		sock = s
	}
	a.loop.on.Store(true) // as if a UI were connected (no flush sends anything)
	defer a.loop.on.Store(false)
	change := rtkit.SocketChange{Kind: rtkit.EventSent, Event: "tick", Args: []any{json.RawMessage(`{"n":1}`)}}

	b.Run("batch with room", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			if i%maxBatch == 0 {
				a.feed.mu.Lock()
				a.feed.pending, a.feed.bytes = a.feed.pending[:0], 0
				a.feed.full.Store(false)
				a.feed.mu.Unlock()
			}
			a.observeChange(sock, change)
		}
	})
	b.Run("batch full", func(b *testing.B) {
		b.ReportAllocs()
		a.feed.full.Store(true)
		for range b.N {
			a.observeChange(sock, change)
		}
	})
}
