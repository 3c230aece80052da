package engine

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

type nopHandler struct{ closed chan string }

func (nopHandler) OnOpen(*Conn)                  {}
func (nopHandler) OnMessage(*Conn, []byte, bool) {}
func (h nopHandler) OnClose(_ *Conn, why string) { h.closed <- why }

// The output a connection holds for a client that does not read never
// passes MaxBuffered, whatever is sent to it: the Send that would pass it
// closes the connection instead.
func TestUnsentOutputNeverPassesMaxBuffered(t *testing.T) {
	const maxBuffered = 128 << 10
	h := nopHandler{closed: make(chan string, 1)}
	s := NewServer(h, Options{MaxBuffered: maxBuffered})
	hs := httptest.NewServer(s)
	defer hs.Close()
	defer CloseForTest(t, s)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/?EIO=4&transport=websocket", nil)
	require.NoError(t, err)
	defer ws.Close()
	var c *Conn
	for c == nil {
		s.mu.RLock()
		for _, x := range s.conns {
			c = x
		}
		s.mu.RUnlock()
	}
	msg := []byte(strings.Repeat("m", 3000))
	peak := 0
	for c.Send(msg, false) == nil {
		c.mu.Lock()
		held := c.outLen() + c.inflight
		c.mu.Unlock()
		require.LessOrEqual(t, held, maxBuffered)
		peak = max(peak, held)
	}
	select {
	case why := <-h.closed:
		require.Equal(t, ReasonWriteBufferFull, why)
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose")
	}
	require.Greater(t, peak, maxBuffered-len(msg)-20, "the bound was reached, not something else")
	c.mu.Lock()
	require.Nil(t, c.out, "the buffer is released on close")
	c.mu.Unlock()
}
