package engine_test

// Hostile and misconfigured clients: what bypasses CORS, what refuses a
// handshake, what is too large, what is not a packet.

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// JSONP polling answers with a script any page may load, cookies included:
// it would bypass CORS, so a "j" parameter is refused and opens nothing.
func TestJSONPIsRefused(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{})
	status, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling&j=0", "", nil)
	requireError(t, status, body, http.StatusBadRequest, 3)
	sid := s.handshake(t).Sid
	status, body, _ = do(t, http.MethodPost, s.url+"?EIO=4&transport=polling&j=0&sid="+sid, "d=4hello", nil)
	requireError(t, status, body, http.StatusBadRequest, 3)
	require.Equal(t, 1, s.Len())
}

func TestCORSAllowedOriginGetsCredentialedHeaders(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{AllowedOrigins: []string{"https://app.example"}})
	origin := http.Header{"Origin": {"https://app.example"}}
	status, _, h := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", origin)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "https://app.example", h.Get("Access-Control-Allow-Origin"))
	require.Equal(t, "true", h.Get("Access-Control-Allow-Credentials"))

	pre := http.Header{"Origin": {"https://app.example"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"content-type"}}
	status, _, h = do(t, http.MethodOptions, s.url+"?EIO=4&transport=polling", "", pre)
	require.Equal(t, http.StatusNoContent, status)
	require.Contains(t, h.Get("Access-Control-Allow-Methods"), "POST")
	require.Equal(t, "content-type", h.Get("Access-Control-Allow-Headers"))

	ws, _, err := s.dial(t, "EIO=4&transport=websocket", origin)
	require.NoError(t, err)
	parseOpen(t, readText(t, ws))
}

// A page on another origin can send "simple" cross-site requests (a
// text/plain POST, a websocket) with the user's cookies: both are refused
// with 403, before any session exists.
func TestCORSForeignOriginIsForbidden(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{AllowedOrigins: []string{"https://app.example"}})
	evil := http.Header{"Origin": {"https://evil.example"}}
	status, body, h := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", evil)
	requireError(t, status, body, http.StatusForbidden, 4)
	require.Empty(t, h.Get("Access-Control-Allow-Origin"))

	sid := s.handshake(t).Sid
	status, body, _ = do(t, http.MethodPost, s.url+"?EIO=4&transport=polling&sid="+sid, "4x", evil)
	requireError(t, status, body, http.StatusForbidden, 4)

	_, resp, err := s.dial(t, "EIO=4&transport=websocket", evil)
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Equal(t, 1, s.Len())
}

// Without AllowedOrigins there are no CORS headers, and only same-origin
// browsers (and non-browser clients) connect.
func TestNoAllowedOriginsMeansSameOriginOnly(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{})
	same := http.Header{"Origin": {s.http.URL}}
	status, _, h := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", same)
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, h.Get("Access-Control-Allow-Origin"))
	_, resp, err := s.dial(t, "EIO=4&transport=websocket", http.Header{"Origin": {"https://other.example"}})
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	_, _, err = s.dial(t, "EIO=4&transport=websocket", same)
	require.NoError(t, err)
}

func TestAllowRequestRefusesHandshakeWith403(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{AllowRequest: func(r *http.Request) error {
		if r.Header.Get("Authorization") != "ok" {
			return errors.New("secret detail: bad token")
		}
		return nil
	}})
	status, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", nil)
	requireError(t, status, body, http.StatusForbidden, 4)
	require.NotContains(t, body, "secret")
	_, resp, err := s.dial(t, "EIO=4&transport=websocket", nil)
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Zero(t, s.Len())

	status, _, _ = do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", http.Header{"Authorization": {"ok"}})
	require.Equal(t, http.StatusOK, status)
	rec.nextOpen(t)
}

func TestTransportsOption(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{Transports: []string{engine.TransportWebsocket}})
	status, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", nil)
	requireError(t, status, body, http.StatusBadRequest, 0)
	s.dialOpen(t)

	p := newTestServer(t, newRecorder(t, false), engine.Options{Transports: []string{engine.TransportPolling}})
	require.Equal(t, []string{}, p.handshake(t).Upgrades)
	_, resp, err := p.dial(t, "EIO=4&transport=websocket", nil)
	require.Error(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

// "closes the session upon invalid packet format": 400 on long-polling,
// a closed websocket, reason "parse error", and nothing delivered.
func TestInvalidPacketClosesSession(t *testing.T) {
	for _, payload := range []string{"abc", "", "4ok\x1e", "\x1e4x", "7", "b!!!notbase64", "4ok\x1ez"} {
		rec := newRecorder(t, false)
		s := newTestServer(t, rec, engine.Options{})
		sid := s.handshake(t).Sid
		rec.nextOpen(t)
		status, body := s.push(t, sid, payload)
		requireError(t, status, body, http.StatusBadRequest, 3)
		require.Equal(t, engine.ReasonParseError, rec.nextClose(t).reason, "%q", payload)
		status, _ = s.poll(t, sid)
		require.Equal(t, http.StatusBadRequest, status)
		if strings.HasPrefix(payload, "4ok") {
			require.Equal(t, "ok", rec.nextMessage(t).data) // what came before the bad packet
		}
		require.Empty(t, rec.msgs)
	}
	for _, frame := range []string{"abc", "", "9", "\xff\xfe"} {
		rec := newRecorder(t, false)
		s := newTestServer(t, rec, engine.Options{})
		ws, _ := s.dialOpen(t)
		writeText(t, ws, frame)
		require.Equal(t, engine.ReasonParseError, rec.nextClose(t).reason, "%q", frame)
		waitClosed(t, ws)
	}
}

// maxPayload bounds a websocket message (fragments included) and a whole
// long-polling POST body.
func TestMaxPayload(t *testing.T) {
	rec := newRecorder(t, true)
	s := newTestServer(t, rec, engine.Options{MaxPayload: 1000})
	ws, _ := s.dialOpen(t)
	writeText(t, ws, "4"+strings.Repeat("a", 999))
	require.Len(t, readText(t, ws), 1000)
	writeText(t, ws, "4"+strings.Repeat("a", 1000))
	require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason)
	waitClosed(t, ws)

	ws, _ = s.dialOpen(t)
	w, err := ws.NextWriter(websocket.TextMessage)
	require.NoError(t, err)
	for range 3 { // fragments of 400 bytes, 1,200 in all
		_, err = w.Write([]byte(strings.Repeat("b", 400)))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason)
	waitClosed(t, ws)

	sid := s.handshake(t).Sid
	status, body := s.push(t, sid, "4"+strings.Repeat("c", 1000))
	requireError(t, status, body, http.StatusRequestEntityTooLarge, 3)
	require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason)
	for len(rec.msgs) > 0 {
		require.Len(t, (<-rec.msgs).data, 999) // only the first, allowed message
	}
}

// A websocket client that sends frames that break RFC 6455 (unmasked,
// reserved bits, a continuation without a start) is closed.
func TestWebsocketProtocolViolationCloses(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	for _, raw := range [][]byte{
		{0x81, 0x02, '4', 'x'},               // unmasked
		{0xC1, 0x82, 0, 0, 0, 0, '4', 'x'},   // RSV1 without an extension
		{0x80, 0x82, 0, 0, 0, 0, '4', 'x'},   // continuation without a start
		{0x89, 0xFE, 0x00, 0x80, 0, 0, 0, 0}, // ping over 125 bytes
		{0x83, 0x80, 0, 0, 0, 0},             // reserved opcode
	} {
		ws, _ := s.dialOpen(t)
		rec.nextOpen(t)
		_, err := ws.UnderlyingConn().Write(raw) // bypass the client's framing
		require.NoError(t, err)
		require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason, "% x", raw)
		waitClosed(t, ws)
	}
}
