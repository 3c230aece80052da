package adapter_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rtkit-go/rtkit/internal/sioraw"

	"github.com/rtkit-go/rtkit/internal/redistest"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	"github.com/zishang520/socket.io/adapters/redis/v3/emitter"

	"github.com/rtkit-go/rtkit/adapter"
)

// TestUpstreamEmitterSendsRawMessageAsBinary records why NewEmitter does
// not wrap the upstream emitter: with its default MessagePack encoding a
// json.RawMessage reaches clients as a binary attachment, not JSON. If
// this test fails, upstream changed and the package doc needs updating.
func TestUpstreamEmitterSendsRawMessageAsBinary(t *testing.T) {
	r := redistest.Start(t)
	srv := startNode(t, adapter.Redis(r.Client(t), adapter.Options{}), nil)
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
