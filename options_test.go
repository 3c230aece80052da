package rtkit_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func TestCustomPath(t *testing.T) {
	ts := startWithNamespace(t, newTestNamespace(), rtkit.WithPath("/rt"))
	assert.Equal(t, "/rt/", ts.RT.Path())
	c := ts.Dial(t, "/test") // rtkittest follows the server's path
	_, err := rtkittest.Call(ctx5(t), c, evSubscribe, SubscribeIn{Channel: "a"})
	require.Nil(t, err)

	resp, herr := http.Get(ts.URL + "/socket.io/?EIO=4&transport=polling")
	require.NoError(t, herr)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "the default path is not served")
}

func wsURL(ts *rtkittest.Server) string {
	return "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
}

func TestCORSOriginsGateWebsockets(t *testing.T) {
	ts := startWithNamespace(t, newTestNamespace(), rtkit.WithCORS("https://app.example"))

	conn, resp, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {"https://app.example"}})
	require.NoError(t, err, "an allowed origin connects")
	_ = conn.Close()
	_ = resp.Body.Close()

	_, resp, err = websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {"https://evil.example"}})
	require.Error(t, err, "a foreign origin is refused")
	if resp != nil {
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		_ = resp.Body.Close()
	}
}

func TestNoCORSRefusesCrossOriginWebsockets(t *testing.T) {
	ts := startWithNamespace(t, newTestNamespace())
	_, resp, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {"https://evil.example"}})
	require.Error(t, err)
	if resp != nil {
		_ = resp.Body.Close()
	}
}

func TestWebsocketOnlyTransport(t *testing.T) {
	ts := startWithNamespace(t, newTestNamespace(), rtkit.WithTransports(rtkit.WebSocket))
	resp, err := http.Get(ts.URL + "/socket.io/?EIO=4&transport=polling")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "polling is refused")
	ts.Dial(t, "/test")
	assert.Panics(t, func() { rtkit.NewServer(rtkit.WithTransports("carrier-pigeon")) })
}
