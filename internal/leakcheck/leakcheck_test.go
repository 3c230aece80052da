package leakcheck_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rtkit-go/rtkit/internal/engine"
	"github.com/rtkit-go/rtkit/internal/leakcheck"
	"github.com/stretchr/testify/require"
)

type quiet struct{}

func (quiet) OnOpen(*engine.Conn)                  {}
func (quiet) OnMessage(*engine.Conn, []byte, bool) {}
func (quiet) OnClose(*engine.Conn, string)         {}

// A websocket the engine closed gracefully lingers, half closed, with the
// epoll poller (or its reader goroutine) watching it, until the client
// closes its side. Check waits for it instead of failing: here the client
// closes its side a second and a half after the server closed, longer
// than goleak's own retries last; once it has, nothing is left.
func TestCheckWaitsForLingeringWebsocket(t *testing.T) {
	for _, o := range []engine.Options{{}, {DisableEpoll: true}} {
		s := engine.NewServer(quiet{}, o)
		hs := httptest.NewServer(s)
		url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/?EIO=4&transport=websocket"
		ws, _, err := websocket.DefaultDialer.Dial(url, nil)
		require.NoError(t, err)
		_, _, err = ws.ReadMessage() // open packet
		require.NoError(t, err)
		hs.Close()
		s.Close()
		// A timer runs no goroutine until it fires; the client then
		// closes, and the server's reader sees the connection end.
		time.AfterFunc(1500*time.Millisecond, func() { _ = ws.Close() })
		require.NoError(t, leakcheck.Check(), "DisableEpoll: %v", o.DisableEpoll)
	}
}
