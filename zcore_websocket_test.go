package rtkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	ws "github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingConn counts the writes that reach a real TCP connection.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes int
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *countingConn) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	server := <-accepted
	require.NotNil(t, server)
	t.Cleanup(func() { _ = client.Close(); _ = server.Close() })
	return server, client
}

// readN reads exactly n bytes from c.
func readN(t *testing.T, c net.Conn, n int) []byte {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, n)
	_, err := io.ReadFull(c, b)
	require.NoError(t, err)
	return b
}

// TestCorkConnWritesAHeldBatchOnce checks the write gathering on a real
// connection: writes pass straight through until hold, are gathered until
// release and then written with one call, in order; a batch larger than
// maxHeld is written as it grows.
func TestCorkConnWritesAHeldBatchOnce(t *testing.T) {
	server, client := tcpPair(t)
	counted := &countingConn{Conn: server}
	c := &corkConn{Conn: counted}

	_, err := c.Write([]byte("a"))
	require.NoError(t, err)
	assert.Equal(t, 1, counted.count(), "not held: written at once")

	c.hold()
	for _, s := range []string{"b", "cc", "ddd"} {
		n, err := c.Write([]byte(s))
		require.NoError(t, err)
		assert.Equal(t, len(s), n)
	}
	assert.Equal(t, 1, counted.count(), "held: nothing written yet")
	require.NoError(t, c.release())
	assert.Equal(t, 2, counted.count(), "released: one write for the batch")
	assert.Equal(t, "abccddd", string(readN(t, client, 7)))

	c.hold()
	big := bytes.Repeat([]byte("x"), maxHeld)
	_, err = c.Write(big)
	require.NoError(t, err)
	assert.Equal(t, 3, counted.count(), "a batch over maxHeld is written as it grows")
	_, err = c.Write([]byte("y"))
	require.NoError(t, err)
	require.NoError(t, c.release())
	assert.Equal(t, 4, counted.count())
	got := readN(t, client, maxHeld+1)
	assert.Equal(t, byte('y'), got[maxHeld])
	require.NoError(t, c.release(), "release without hold does nothing")
	assert.Equal(t, 4, counted.count())
}

// TestCorkConnReportsAFailedBatch checks that a batch written to a closed
// connection fails on release.
func TestCorkConnReportsAFailedBatch(t *testing.T) {
	server, _ := tcpPair(t)
	c := &corkConn{Conn: server}
	c.hold()
	_, err := c.Write([]byte("lost"))
	require.NoError(t, err)
	_ = server.Close()
	assert.ErrorIs(t, c.release(), net.ErrClosed)
}

// TestWebSocketBatchesArriveInOrder runs a real server and a raw websocket
// client: the server's websocket transport is rtkit's, and a burst of
// emits to the socket arrives complete and in order, one message per
// packet. The client reads only once the burst is queued: the server's
// writes block on the full connection, and the packets that queue up
// meanwhile go out in batches.
func TestWebSocketBatchesArriveInOrder(t *testing.T) {
	type tick struct {
		N   int    `json:"n"`
		Pad string `json:"pad"`
	}
	ev := NewEvent[tick, struct{}]("tick")
	ns := NewNamespace("/burst")
	Emits(ns, ev)
	srv := NewServer(WithRecovery(0), withCore("zishang"))
	srv.Mount(ns)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)

	u := "ws" + strings.TrimPrefix(hs.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := ws.DefaultDialer.Dial(u, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	read := func() string {
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, b, err := conn.ReadMessage()
		require.NoError(t, err)
		return string(b)
	}
	require.True(t, strings.HasPrefix(read(), "0{"), "engine open")
	require.NoError(t, conn.WriteMessage(ws.TextMessage, []byte("40/burst,")))
	require.True(t, strings.HasPrefix(read(), "40/burst,"), "namespace connect")

	var s *Socket
	for x := range ns.Sockets() {
		s = x
	}
	require.NotNil(t, s)
	_, batched := s.raw.(*zSocket).raw.Conn().Transport().(*batchedWebSocket)
	require.True(t, batched, "the websocket transport is rtkit's")

	const n = 2000
	pad := strings.Repeat("p", 4000) // 8 MB in all: more than the connection buffers
	for i := range n {
		require.NoError(t, Emit(s, ev, tick{N: i, Pad: pad}))
	}
	for i := range n {
		msg := read()
		for msg == "2" { // a ping, if the test is slow
			require.NoError(t, conn.WriteMessage(ws.TextMessage, []byte("3")))
			msg = read()
		}
		var args []json.RawMessage
		require.True(t, strings.HasPrefix(msg, "42/burst,"), msg)
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(msg, "42/burst,")), &args), msg)
		require.Len(t, args, 2)
		assert.JSONEq(t, `"tick"`, string(args[0]))
		require.JSONEq(t, fmt.Sprintf(`{"n":%d,"pad":%q}`, i, pad), string(args[1]), "message %d", i)
	}
	assert.Positive(t, s.raw.(*zSocket).raw.Conn().Transport().(*batchedWebSocket).batches.Load(), "packets went out in batches")
	_ = conn.Close()
	require.NoError(t, srv.Shutdown(t.Context()))
}
