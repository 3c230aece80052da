package leakcheck_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rtkit-go/rtkit/internal/engine"
	"github.com/rtkit-go/rtkit/internal/leakcheck"
	"github.com/stretchr/testify/require"
)

// quiet hands over the connections it opens.
type quiet struct{ opens chan *engine.Conn }

func (q quiet) OnOpen(c *engine.Conn)              { q.opens <- c }
func (quiet) OnMessage(*engine.Conn, []byte, bool) {}
func (quiet) OnClose(*engine.Conn, string)         {}

// A websocket the engine closed gracefully lingers, half closed, with the
// epoll poller (or its reader goroutine) watching it, until the client
// closes its side. Check waits for it instead of failing: here the
// connection (not the server, whose Close would wait) is closed, and the
// client closes its side a second and a half later, longer than goleak's
// own retries last; once it has, nothing is left.
func TestCheckWaitsForLingeringWebsocket(t *testing.T) {
	for _, o := range []engine.Options{{}, {DisableEpoll: true}} {
		q := quiet{opens: make(chan *engine.Conn, 1)}
		s := engine.NewServer(q, o)
		hs := httptest.NewServer(s)
		url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/?EIO=4&transport=websocket"
		ws, _, err := websocket.DefaultDialer.Dial(url, nil)
		require.NoError(t, err)
		_, _, err = ws.ReadMessage() // open packet
		require.NoError(t, err)
		hs.Close()
		(<-q.opens).Close("")
		// A timer runs no goroutine until it fires; the client then
		// closes, and the server's reader sees the connection end.
		time.AfterFunc(1500*time.Millisecond, func() { _ = ws.Close() })
		require.NoError(t, leakcheck.Check(), "DisableEpoll: %v", o.DisableEpoll)
		require.NoError(t, s.Close(context.Background()))
	}
}
