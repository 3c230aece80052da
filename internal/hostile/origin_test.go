package hostile_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/hostile"
)

// wsDial opens a websocket with header and returns the HTTP status of the
// upgrade (101 when it succeeded).
func wsDial(t *testing.T, baseURL string, header http.Header) int {
	t.Helper()
	url := "ws" + strings.TrimPrefix(baseURL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, resp, err := websocket.DefaultDialer.Dial(url, header)
	if conn != nil {
		_ = conn.Close()
	}
	if resp == nil {
		require.NoError(t, err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestCrossSiteWebSocket is cross-site websocket hijacking: a page on a
// foreign origin opens a websocket to the server, and the browser adds the
// victim's cookies. Browsers do not apply CORS to websockets, so the server
// must check Origin itself. (The official server accepts such a websocket
// unless the application checks; rtkit refuses it.)
func TestCrossSiteWebSocket(t *testing.T) {
	u := user()
	cookie := "sid=" + token(u)
	header := func(origin string) http.Header {
		h := http.Header{"Cookie": {cookie}}
		if origin != "" {
			h.Set("Origin", origin)
		}
		return h
	}

	// How a foreign origin's websocket is refused: 400 on the zishang520
	// core (its websocket library's origin check), 403 on rtkit's own.
	refusedOrigin := []int{http.StatusBadRequest, http.StatusForbidden}

	t.Run("no CORS origins", func(t *testing.T) {
		s := start(t, func(c *hostile.Config) { c.TokenCookie = "sid" })
		for _, origin := range []string{"https://evil.example", "null", "http://127.0.0.1.evil.example", "file://"} {
			assert.Contains(t, refusedOrigin, wsDial(t, s.URL, header(origin)), origin)
		}
		same := "http://" + strings.TrimPrefix(s.URL, "http://")
		assert.Equal(t, http.StatusSwitchingProtocols, wsDial(t, s.URL, header(same)), "same origin")
		assert.Equal(t, http.StatusSwitchingProtocols, wsDial(t, s.URL, header("")), "no Origin (not a browser)")

		// The cookie does authenticate: the refusal above is what stops
		// the attack.
		c := s.Dial(t, hostile.Namespace, rtkittestCookie(cookie))
		c.Close()

		// Polling from the foreign origin: the handshake may complete, but
		// without CORS headers the page cannot read the session id.
		_, resp, _ := s.openPolling(t, header("https://evil.example"))
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Empty(t, resp.Header.Get("Access-Control-Allow-Credentials"))
	})

	t.Run("allowed origin", func(t *testing.T) {
		s := start(t, func(c *hostile.Config) {
			c.TokenCookie = "sid"
			c.Options = []rtkit.ServerOption{rtkit.WithCORS("https://app.example")}
		})
		assert.Equal(t, http.StatusSwitchingProtocols, wsDial(t, s.URL, header("https://app.example")))
		for _, origin := range []string{"https://evil.example", "https://app.example.evil.example", "https://APP.example.evil", "null"} {
			assert.Contains(t, refusedOrigin, wsDial(t, s.URL, header(origin)), origin)
		}
		_, resp, _ := s.openPolling(t, header("https://evil.example"))
		assert.NotEqual(t, "https://evil.example", resp.Header.Get("Access-Control-Allow-Origin"))
		_, resp, _ = s.openPolling(t, header("https://app.example"))
		assert.Equal(t, "https://app.example", resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
	})
}
