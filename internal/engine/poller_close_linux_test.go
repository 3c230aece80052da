//go:build linux

package engine

import (
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// A reader that hands its connection back to the poller while the
// connection closes (its idle deadline expiring as the server closes it)
// is refused: watched again, the connection would stay in the poller's
// map once its descriptor is gone, the poller would never see its last
// connection leave, and its goroutine and epoll descriptor would outlive
// the server. The hand-over runs in the middle of the close, after the
// poller forgot the connection and before its descriptor closes, while
// another connection keeps the poller running; once refused, the reader
// reads on and ends, and the poller stops when the other one leaves.
func TestPollerRefusesHandOverDuringClose(t *testing.T) {
	h := echoHandler{closed: make(chan string, 1)}
	s, url := startPollerServer(t, h)
	seen := map[*wsTransport]bool{}
	dial := func() (*websocket.Conn, *wsTransport) {
		ws, tr := dialNewConn(t, s, url, seen)
		waitFor(t, "watched", func() bool { return s.poller.watched(tr) != 0 })
		return ws, tr
	}
	keepWS, _ := dial()
	defer keepWS.Close()
	ws, tr := dial()
	defer ws.Close()

	handed := false
	testHookCloseNet = func(c *wsTransport) {
		if c != tr {
			return
		}
		require.Zero(t, s.poller.watched(tr), "forgotten before its descriptor closes")
		// The reader the poller started for it hits its idle deadline now.
		tr.serveMu.Lock()
		handed = tr.watch()
		tr.serveMu.Unlock()
	}
	tr.closeNet()
	testHookCloseNet = nil // before any other connection closes
	require.False(t, handed, "a closing connection is not handed over")
	require.Zero(t, s.poller.watched(tr), "a closed connection is not watched")
	tr.serve() // the refused reader reads on, finds the connection closed and ends
	require.Equal(t, ReasonTransportClose, <-h.closed)

	require.NoError(t, keepWS.Close())
	require.Equal(t, ReasonTransportClose, <-h.closed)
	waitFor(t, "the poller stopped with its last connection", func() bool { return !s.poller.running() })
}
