package adapter_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	"github.com/zishang520/socket.io/adapters/redis/v3/emitter"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// TestUpstreamEmitterSendsRawMessageAsBinary records why NewEmitter does
// not wrap the upstream emitter: with its default MessagePack encoding a
// json.RawMessage reaches clients as a binary attachment, not JSON. If
// this test fails, upstream changed and the package doc needs updating.
func TestUpstreamEmitterSendsRawMessageAsBinary(t *testing.T) {
	r := redistest.Start(t)
	srv := redisNode(t, r, adapter.Options{})
	raw := sioraw.Join(t, srv.srv.URL, "/chat", map[string]any{"rooms": "r:1"})

	opts := emitter.DefaultEmitterOptions()
	opts.SetSharded(true)
	opts.SetSubscriptionMode(sioredis.StaticSubscriptionMode)
	em := emitter.NewEmitter(sioredis.NewRedisClient(context.Background(), r.Client(t)), opts, "/chat")
	require.NoError(t, em.To("r:1").Emit("note:new", json.RawMessage(`{"text":"x","id":1}`)))

	_ = raw.Conn().SetReadDeadline(time.Now().Add(5 * time.Second))
	typ, b, err := raw.Conn().ReadMessage()
	require.NoError(t, err)
	require.Equal(t, websocket.TextMessage, typ)
	assert.True(t, strings.HasPrefix(string(b), "451-/chat,"), "a binary event header: %s", b)
}

// TestUpstreamRequestsSeeOneServer records why rtkit gathers answers over
// its own channels: the namespace adapter's ServerCount (this package's,
// which the Socket.IO broadcast operator calls) counts both servers, but
// the upstream cluster adapter's FetchSockets reads its base ServerCount,
// which says 1, and never publishes its request. If this test fails,
// upstream changed and the package doc needs updating.
func TestUpstreamRequestsSeeOneServer(t *testing.T) {
	r := redistest.Start(t)
	var nsps []socket.Namespace
	for range 2 {
		a := adapter.Redis(r.Client(t), adapter.Options{Logger: quiet()})
		o := socket.DefaultServerOptions()
		o.SetAdapter(a.Constructor())
		io := socket.NewServer(nil, o)
		t.Cleanup(func() {
			done := make(chan struct{})
			io.Close(func(error) { close(done) })
			<-done
			_ = a.Close(context.Background())
		})
		nsps = append(nsps, io.Of("/up", nil))
	}
	require.Eventually(t, func() bool { return nsps[0].Adapter().ServerCount() == 2 },
		5*time.Second, 20*time.Millisecond, "both servers subscribed")

	spy := r.Client(t).SSubscribe(context.Background(), "socket.io#/up#")
	t.Cleanup(func() { _ = spy.Close() })
	_, err := spy.Receive(context.Background())
	require.NoError(t, err)
	published := spy.Channel()

	fetched := make(chan int, 1)
	nsps[0].FetchSockets()(func(ss []*socket.RemoteSocket, err error) {
		assert.NoError(t, err)
		fetched <- len(ss)
	})
	assert.Equal(t, 0, <-fetched)
	select {
	case m := <-published:
		t.Fatalf("upstream FetchSockets asked the other servers: %.80q", m.Payload)
	case <-time.After(300 * time.Millisecond):
	}

	// Control: a broadcast is published on the same channel.
	require.NoError(t, nsps[0].To("x").Emit("e", 1))
	select {
	case <-published:
	case <-time.After(5 * time.Second):
		t.Fatal("the spy saw no broadcast either")
	}
}
