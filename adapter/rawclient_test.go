package adapter_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// rawClient speaks Engine.IO v4 / Socket.IO v5 by hand over a websocket, to
// see frames exactly as a server wrote them (a binary attachment would be
// a "45…" frame followed by a binary message; numbers are seen as text,
// before any client decodes them into float64).
type rawClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialRaw(t *testing.T, baseURL, nsp string, auth any) *rawClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	require.NoError(t, err)
	c := &rawClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.Close() })
	require.True(t, strings.HasPrefix(c.read(), "0{"), "open packet")
	b, err := json.Marshal(auth)
	require.NoError(t, err)
	require.NoError(t, conn.WriteMessage(websocket.TextMessage, []byte("40"+nsp+","+string(b))))
	require.True(t, strings.HasPrefix(c.read(), "40"+nsp+","), "connected")
	return c
}

// read returns the next frame that is not a ping (pings are answered).
func (c *rawClient) read() string {
	c.t.Helper()
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		typ, b, err := c.conn.ReadMessage()
		require.NoError(c.t, err)
		require.Equal(c.t, websocket.TextMessage, typ, "a binary frame arrived")
		if string(b) == "2" {
			_ = c.conn.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		return string(b)
	}
}
