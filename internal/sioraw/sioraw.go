// Package sioraw speaks Engine.IO v4 / Socket.IO v5 by hand over a
// websocket, for rtkit's tests: to send what no well-behaved client would,
// and to see frames exactly as the server wrote them (before any client
// decodes numbers into float64 or turns binary attachments into values).
package sioraw

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// Client is one websocket connection to a Socket.IO server, closed when the
// test ends.
type Client struct {
	t    testing.TB
	conn *websocket.Conn
}

// Dial opens a websocket to the server at baseURL ("http://127.0.0.1:PORT",
// default path) with header, and reads the Engine.IO open packet.
func Dial(t testing.TB, baseURL string, header http.Header) *Client {
	t.Helper()
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, resp, err := websocket.DefaultDialer.Dial(url, header)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	require.NoError(t, err)
	c := &Client{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.Close() })
	open := c.Read()
	require.True(t, strings.HasPrefix(open, "0{"), "open packet, got %q", open)
	return c
}

// Join dials and connects to namespace nsp with auth, failing the test if
// the server refuses.
func Join(t testing.TB, baseURL, nsp string, auth any) *Client {
	t.Helper()
	c := Dial(t, baseURL, nil)
	reply := c.Connect(nsp, auth)
	require.True(t, strings.HasPrefix(reply, "40"+nsp+","), "connect to %s: %s", nsp, reply)
	return c
}

// Connect sends a namespace CONNECT (with auth, unless nil) and returns the
// server's CONNECT or CONNECT_ERROR frame.
func (c *Client) Connect(nsp string, auth any) string {
	c.t.Helper()
	frame := "40" + nsp + ","
	if auth != nil {
		b, err := json.Marshal(auth)
		require.NoError(c.t, err)
		frame += string(b)
	}
	c.Send(frame)
	return c.Read()
}

// Send writes one text frame.
func (c *Client) Send(frame string) {
	c.t.Helper()
	require.NoError(c.t, c.conn.WriteMessage(websocket.TextMessage, []byte(frame)))
}

// Read returns the next text frame that is not a ping (pings are answered),
// failing the test on an error, a binary frame or 5 s of silence.
func (c *Client) Read() string {
	c.t.Helper()
	s, err := c.TryRead(5 * time.Second)
	require.NoError(c.t, err)
	return s
}

// TryRead is Read that returns what went wrong instead of failing.
func (c *Client) TryRead(d time.Duration) (string, error) {
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(d))
		typ, b, err := c.conn.ReadMessage()
		if err != nil {
			return "", err
		}
		if typ != websocket.TextMessage {
			return "", fmt.Errorf("sioraw: a binary frame arrived (%d bytes)", len(b))
		}
		if string(b) == "2" {
			_ = c.conn.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		return string(b), nil
	}
}

// Ack reads frames until the acknowledgement with the given id on nsp and
// returns its JSON arguments.
func (c *Client) Ack(nsp string, id int) string {
	c.t.Helper()
	head := fmt.Sprintf("43%s,%d", nsp, id)
	for {
		// The arguments follow the id at once: "43/nsp,1[" is not "43/nsp,12[".
		if f := c.Read(); strings.HasPrefix(f, head+"[") {
			return f[len(head):]
		}
	}
}

// Closed reports whether the server closed the connection within d,
// whatever it sent before.
func (c *Client) Closed(d time.Duration) bool {
	_ = c.conn.SetReadDeadline(time.Now().Add(d))
	for {
		if _, _, err := c.conn.ReadMessage(); err != nil {
			return !Timeout(err)
		}
	}
}

// Timeout reports whether err, from TryRead, is a read deadline passing
// (the connection is still open) rather than the connection ending.
func Timeout(err error) bool {
	te, ok := err.(interface{ Timeout() bool })
	return ok && te.Timeout()
}

// Conn returns the websocket, for what the methods do not cover.
func (c *Client) Conn() *websocket.Conn { return c.conn }
