package hostile_test

import (
	"io"
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
// unless the application checks; rtkit refuses it, 403.) In a real
// browser: TestCrossSiteHijackInBrowser.
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

	t.Run("no CORS origins", func(t *testing.T) {
		s := start(t, func(c *hostile.Config) { c.TokenCookie = "sid" })
		for _, origin := range []string{"https://evil.example", "null", "http://127.0.0.1.evil.example", "file://"} {
			assert.Equal(t, http.StatusForbidden, wsDial(t, s.URL, header(origin)), origin)
		}
		same := "http://" + strings.TrimPrefix(s.URL, "http://")
		assert.Equal(t, http.StatusSwitchingProtocols, wsDial(t, s.URL, header(same)), "same origin")
		assert.Equal(t, http.StatusSwitchingProtocols, wsDial(t, s.URL, header("")), "no Origin (not a browser)")

		// The cookie does authenticate: the refusal above is what stops
		// the attack.
		c := s.Dial(t, hostile.Namespace, rtkittestCookie(cookie))
		c.Close()

		// Polling from the foreign origin is refused before a session
		// exists, and without CORS headers.
		_, resp, _ := s.openPolling(t, header("https://evil.example"))
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
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
			assert.Equal(t, http.StatusForbidden, wsDial(t, s.URL, header(origin)), origin)
		}
		_, resp, _ := s.openPolling(t, header("https://evil.example"))
		assert.Equal(t, http.StatusForbidden, resp.StatusCode)
		assert.NotEqual(t, "https://evil.example", resp.Header.Get("Access-Control-Allow-Origin"))
		_, resp, _ = s.openPolling(t, header("https://app.example"))
		assert.Equal(t, "https://app.example", resp.Header.Get("Access-Control-Allow-Origin"))
		assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
	})
}

// httpGet sends a GET to rawURL with header and returns the status and
// body.
func httpGet(t *testing.T, rawURL string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	req.Header = header
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, string(b)
}

// TestJSONPRefused: JSONP polling answers with scripts, which any page may
// load with the victim's cookies and run, reading the session id and every
// packet (TestCrossSiteHijackInBrowser does it in Chromium). rtkit refuses
// it however the "j" parameter is spelt, from any client.
func TestJSONPRefused(t *testing.T) {
	s := start(t, func(c *hostile.Config) { c.TokenCookie = "sid" })
	base := s.URL + "/socket.io/?EIO=4&transport=polling"
	cookie := http.Header{"Cookie": {"sid=" + token(user())}}
	for _, q := range []string{"&j=0", "&j=", "&j", "&%6A=1", "&t=1;j=0", "&j=0&sid=abc"} {
		status, body := httpGet(t, base+q, cookie)
		assert.Equal(t, http.StatusBadRequest, status, q)
		assert.JSONEq(t, `{"code":3,"message":"JSONP polling is not supported"}`, body, q)
	}
	status, body := httpGet(t, base+"&jj=0&J=1", cookie)
	assert.Equal(t, http.StatusOK, status, "parameters that only look like j: %s", body)
}

// TestCrossSitePolling: long-polling requests that a browser sends from
// another origin without asking first (a <script> GET, a text/plain or
// form POST, a no-cors fetch) carry the victim's cookies, and SameSite
// does not stop pages of the same site (another port, a sibling
// subdomain). rtkit refuses what a browser marks as coming from another
// origin (Sec-Fetch-Site, Origin) unless WithCORS lists that origin;
// clients that are not browsers send neither header.
func TestCrossSitePolling(t *testing.T) {
	s := start(t, func(c *hostile.Config) {
		c.TokenCookie = "sid"
		c.Options = []rtkit.ServerOption{rtkit.WithCORS("https://app.example")}
	})
	host := strings.TrimPrefix(s.URL, "http://")
	cookie := "sid=" + token(user())
	h := func(kv ...string) http.Header {
		out := http.Header{"Cookie": {cookie}}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	refused := map[string]http.Header{
		"script tag of a same-site page":        h("Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "no-cors"),
		"script tag of a cross-site page":       h("Sec-Fetch-Site", "cross-site"),
		"fetch from another port":               h("Sec-Fetch-Site", "same-site", "Origin", "http://127.0.0.1:1"),
		"look-alike origin":                     h("Sec-Fetch-Site", "cross-site", "Origin", "https://app.example.evil"),
		"older browser, foreign Origin":         h("Origin", "http://evil.example"),
		"older browser, Origin of another port": h("Origin", "http://127.0.0.1:1"),
		"older browser, null Origin":            h("Origin", "null"),
		"an unknown Sec-Fetch-Site":             h("Sec-Fetch-Site", "cross-galaxy"),
		"a listed origin in other case":         h("Sec-Fetch-Site", "same-site", "Origin", "https://APP.example"),
	}
	for name, header := range refused {
		_, resp, body := s.openPolling(t, header)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s: %s", name, body)
		assert.JSONEq(t, `{"code":4,"message":"cross-site request refused"}`, body, name)
	}
	allowed := map[string]http.Header{
		"not a browser":              h(),
		"same origin":                h("Sec-Fetch-Site", "same-origin", "Origin", "http://"+host),
		"typed by the user":          h("Sec-Fetch-Site", "none"),
		"older browser, same origin": h("Origin", "http://"+host),
		"listed origin":              h("Sec-Fetch-Site", "cross-site", "Origin", "https://app.example"),
	}
	for name, header := range allowed {
		p, resp, body := s.openPolling(t, header)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", name, body)
		assert.NotEmpty(t, p.sid, name)
	}

	// A form POST (text/plain) from a foreign page into a session that a
	// non-browser opened: refused before the engine reads the body.
	p, _, _ := s.openPolling(t, nil)
	require.NotEmpty(t, p.sid)
	resp, body := p.do(http.MethodPost, "40/app,", h("Sec-Fetch-Site", "same-site", "Origin", "http://127.0.0.1:1"))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = p.do(http.MethodPost, "40/app,", h("Origin", "http://evil.example"))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, body)
	resp, body = p.send("40/app,")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
}
