//go:build linux

package engine

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// echoHandler echoes every message and reports closes.
type echoHandler struct{ closed chan string }

func (echoHandler) OnOpen(*Conn)                           {}
func (echoHandler) OnMessage(c *Conn, data []byte, b bool) { _ = c.Send(data, b) }
func (h echoHandler) OnClose(_ *Conn, why string)          { h.closed <- why }

// watched returns t's id in the poller, 0 when the poller does not watch it.
func (p *poller) watched(t *wsTransport) uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if t.ep.id != 0 && p.conns[t.ep.id] == t {
		return t.ep.id
	}
	return 0
}

// startPollerServer serves s with h over httptest, closed when the test
// ends, and returns it with its websocket URL.
func startPollerServer(t *testing.T, h Handler) (*Server, string) {
	s := NewServer(h, Options{})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	t.Cleanup(func() { CloseForTest(t, s) })
	return s, "ws" + strings.TrimPrefix(hs.URL, "http") + "/?EIO=4&transport=websocket"
}

// dialNewConn opens a websocket to url, reads its open packet and returns
// it with the server's transport for it: the one not in seen, which it
// adds there.
func dialNewConn(t *testing.T, s *Server, url string, seen map[*wsTransport]bool) (*websocket.Conn, *wsTransport) {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	require.NoError(t, err)
	_, _, err = ws.ReadMessage() // open packet
	require.NoError(t, err)
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, c := range s.conns {
		if !seen[c.ws] {
			seen[c.ws] = true
			return ws, c.ws
		}
	}
	t.Fatal("no new connection")
	return nil, nil
}

func (p *poller) running() bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.ep != nil
}

// A connection the server closed leaves the poller at once, so that an
// event for it still in flight finds nothing; a reader of it that comes
// late (an event dispatched just before the close) neither re-arms it
// (RawConn.Control refuses a closed descriptor, so its number, which the
// next connection got, is not touched) nor disturbs the next connection;
// ids are not reused; and the poller stops once it watches nothing.
func TestPollerForgetsClosedConnection(t *testing.T) {
	h := echoHandler{closed: make(chan string, 2)}
	s, url := startPollerServer(t, h)
	seen := map[*wsTransport]bool{}
	dial := func() (*websocket.Conn, *wsTransport) {
		ws, tr := dialNewConn(t, s, url, seen)
		s.mu.RLock()
		require.Len(t, s.conns, 1, "the previous connection is gone")
		s.mu.RUnlock()
		return ws, tr
	}
	fd := func(t *wsTransport) (n uintptr) {
		_ = t.rc.Control(func(fd uintptr) { n = fd })
		return n
	}

	// Another test's connection closing meanwhile may take the number;
	// a few attempts see it reused.
	reused := false
	for attempt := 0; attempt < 5 && !reused; attempt++ {
		wsA, a := dial()
		waitFor(t, "a watched", func() bool { return s.poller.watched(a) != 0 })
		idA, fdA := s.poller.watched(a), fd(a)

		a.c.closeNow(ReasonForcedClose)
		require.Equal(t, ReasonForcedClose, <-h.closed)
		require.Zero(t, s.poller.watched(a), "forgotten at close")
		waitFor(t, "a forgotten by the server", func() bool { return s.Len() == 0 })
		require.NoError(t, wsA.Close()) // its descriptor, below the server side's, goes to b's client

		wsB, b := dial()
		waitFor(t, "b watched", func() bool { return s.poller.watched(b) != 0 })
		require.Greater(t, s.poller.watched(b), idA, "ids are not reused")
		reused = fd(b) == fdA

		a.serveMu.Lock()
		err := s.poller.arm(a) // as a late reader of a would
		a.serveMu.Unlock()
		require.Error(t, err)
		a.serve() // a reader the poller started for a just before the close
		require.NotZero(t, s.poller.watched(b))

		require.NoError(t, wsB.WriteMessage(websocket.TextMessage, []byte("4still here")))
		_, msg, err := wsB.ReadMessage()
		require.NoError(t, err)
		require.Equal(t, "4still here", string(msg))
		require.True(t, s.poller.running())

		require.NoError(t, wsB.Close())
		require.Equal(t, ReasonTransportClose, <-h.closed)
		waitFor(t, "the poller stopped", func() bool { return !s.poller.running() })
	}
	require.True(t, reused, "the next connection never got the closed one's descriptor number")
}
