package rtkit

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ws "github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// An acknowledgement written while more events of the socket are queued
// is left to the engine's flusher, to share a write with theirs; it still
// reaches the client while the next handler blocks, here until the client
// has it.
func TestDeferredAckIsNotHeldByTheNextHandler(t *testing.T) {
	type empty struct{}
	first := NewEvent[empty, empty]("first")
	second := NewEvent[empty, empty]("second")
	release := make(chan struct{})
	ns := NewNamespace("/acks")
	Handle(ns, first, func(_ context.Context, s *Socket, _ empty) (empty, error) {
		// Answer only once "second" is queued, so that this answer is
		// one that waits for the flusher.
		deadline := time.Now().Add(5 * time.Second)
		for !s.box.Waiting() && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		return empty{}, nil
	})
	Handle(ns, second, func(ctx context.Context, _ *Socket, _ empty) (empty, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return empty{}, nil
	})
	srv := NewServer(WithLogger(quietTestLogger()), WithTransports(WebSocket), WithRecovery(0))
	srv.Mount(ns)
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	c, _, err := ws.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+srv.Path()+"?EIO=4&transport=websocket", nil)
	require.NoError(t, err)
	defer c.Close()
	read := func() string {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
		_, b, err := c.ReadMessage()
		require.NoError(t, err)
		return string(b)
	}
	require.True(t, strings.HasPrefix(read(), "0{"), "open packet")
	require.NoError(t, c.WriteMessage(ws.TextMessage, []byte("40/acks,")))
	require.True(t, strings.HasPrefix(read(), "40/acks,{"), "CONNECT")
	require.NoError(t, c.WriteMessage(ws.TextMessage, []byte(`42/acks,1["first",{}]`)))
	require.NoError(t, c.WriteMessage(ws.TextMessage, []byte(`42/acks,2["second",{}]`)))
	require.Equal(t, `43/acks,1[{"success":true,"data":{}}]`, read())
	close(release)
	require.Equal(t, `43/acks,2[{"success":true,"data":{}}]`, read())
}

func quietTestLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
