package rtkit_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// rawClient speaks Engine.IO v4 / Socket.IO v5 by hand over a websocket, to
// send what no well-behaved client would and to see frames exactly as the
// server wrote them.
type rawClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialRaw(t *testing.T, baseURL string, header map[string][]string) *rawClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, resp, err := websocket.DefaultDialer.Dial(url, header)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	require.NoError(t, err)
	c := &rawClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.Close() })
	open := c.read()
	require.True(t, strings.HasPrefix(open, "0{"), "open packet, got %q", open)
	return c
}

// connect joins a namespace and returns the CONNECT or CONNECT_ERROR frame.
func (c *rawClient) connect(nsp string, auth any) string {
	c.t.Helper()
	frame := "40" + nsp + ","
	if auth != nil {
		b, _ := json.Marshal(auth)
		frame += string(b)
	}
	c.send(frame)
	return c.read()
}

func (c *rawClient) send(frame string) {
	c.t.Helper()
	require.NoError(c.t, c.conn.WriteMessage(websocket.TextMessage, []byte(frame)))
}

func (c *rawClient) sendBinary(b []byte) {
	c.t.Helper()
	require.NoError(c.t, c.conn.WriteMessage(websocket.BinaryMessage, b))
}

// read returns the next frame that is not a ping (pings are answered).
func (c *rawClient) read() string {
	c.t.Helper()
	s, err := c.tryRead(5 * time.Second)
	require.NoError(c.t, err)
	return s
}

func (c *rawClient) tryRead(d time.Duration) (string, error) {
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(d))
		_, b, err := c.conn.ReadMessage()
		if err != nil {
			return "", err
		}
		if string(b) == "2" {
			_ = c.conn.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		return string(b), nil
	}
}

// ack reads frames until the acknowledgement with the given id and
// returns its JSON arguments.
func (c *rawClient) ack(nsp string, id int) string {
	c.t.Helper()
	prefix := fmt.Sprintf("43%s,%d", nsp, id)
	for {
		f := c.read()
		if strings.HasPrefix(f, prefix) {
			return strings.TrimPrefix(f, prefix)
		}
	}
}

// closed reports whether the server closed the connection within d.
func (c *rawClient) closed(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if _, err := c.tryRead(time.Until(deadline)); err != nil {
			return !isTimeout(err)
		}
	}
	return false
}

func isTimeout(err error) bool {
	type timeout interface{ Timeout() bool }
	te, ok := err.(timeout)
	return ok && te.Timeout()
}
