package engine_test

// One test per MUST of the Engine.IO v4 specification
// (docs/engine.io-protocol/v4-current.md in socketio/socket.io), named
// after it, over real HTTP and websocket connections on 127.0.0.1.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func requireError(t *testing.T, status int, body string, wantStatus, wantCode int) {
	t.Helper()
	require.Equal(t, wantStatus, status, body)
	var e errorBody
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	require.Equal(t, wantCode, e.Code, body)
	require.NotEmpty(t, e.Message)
}

// "If a mandatory query parameter is missing, then the server MUST respond
// with an HTTP 400 error status." (long-polling)
func TestPollingMissingMandatoryQueryParameterIs400(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{})
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"transport=polling", 5},         // no EIO
		{"EIO=abc&transport=polling", 5}, // EIO not 4
		{"EIO=3&transport=polling", 5},
		{"EIO=4", 0},               // no transport
		{"EIO=4&transport=abc", 0}, // unknown transport
		{"EIO=4&transport=polling&sid=nope", 1},
	} {
		status, body, _ := do(t, http.MethodGet, s.url+"?"+tc.query, "", nil)
		requireError(t, status, body, http.StatusBadRequest, tc.code)
	}
}

// "If a mandatory query parameter is missing, then the server MUST close
// the WebSocket connection."
func TestWebsocketMissingMandatoryQueryParameterClosesConnection(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{})
	for _, q := range []string{"transport=websocket", "EIO=abc&transport=websocket", "EIO=4", "EIO=4&transport=abc"} {
		ws, resp, err := s.dial(t, q, nil)
		require.Error(t, err, q)
		require.Nil(t, ws)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
	}
	require.Zero(t, s.Len())
}

// "When sending binary data, the sender (client or server) MUST include a
// Content-Type: application/octet-stream header." In v4 the server sends
// binary over long-polling as base64 text, so its payloads are text; a
// binary POST body is accepted as a payload too.
func TestPollingBinaryDataContentType(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	c := rec.nextOpen(t)
	require.NoError(t, c.Send([]byte{1, 2, 3, 4}, true))
	status, body, h := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling&sid="+sid, "", nil)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "bAQIDBA==", body)
	require.True(t, strings.HasPrefix(h.Get("Content-Type"), "text/plain"), h.Get("Content-Type"))

	status, body, _ = do(t, http.MethodPost, s.url+"?EIO=4&transport=polling&sid="+sid, "bAQIDBA==",
		http.Header{"Content-Type": {"application/octet-stream"}})
	require.Equal(t, http.StatusOK, status, body)
	m := rec.nextMessage(t)
	require.True(t, m.binary)
	require.Equal(t, "\x01\x02\x03\x04", m.data)
}

// "To send some packets, a client MUST create an HTTP POST request with the
// packets encoded in the request body" and "To indicate success, the server
// MUST return an HTTP 200 response, with the string ok in the response body."
func TestPollingPostReturns200OK(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	status, body := s.push(t, sid, "4hello\x1e4world")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "ok", body)
	require.Equal(t, "hello", rec.nextMessage(t).data)
	require.Equal(t, "world", rec.nextMessage(t).data)
}

// "The server MUST return an HTTP 400 response if the session ID (from the
// sid query parameter) is not known." (POST and GET)
func TestPollingUnknownSessionIDIs400(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{})
	status, body := s.push(t, "unknown", "4hello")
	requireError(t, status, body, http.StatusBadRequest, 1)
	status, body = s.poll(t, "unknown")
	requireError(t, status, body, http.StatusBadRequest, 1)
}

// startSlowPost sends a POST whose body never completes, so that it stays
// active on the server; it returns once the server is reading it.
func startSlowPost(t *testing.T, s *testServer, sid string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", s.http.Listener.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	_, err = fmt.Fprintf(conn, "POST /engine.io/?EIO=4&transport=polling&sid=%s HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n4par", sid)
	require.NoError(t, err)
	return conn
}

// "To ensure packet ordering, a client MUST NOT have more than one active
// POST request. Should it happen, the server MUST return an HTTP 400 error
// status and close the session."
func TestPollingSecondActivePostIs400AndClosesSession(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	rec.nextOpen(t)
	slow := startSlowPost(t, s, sid) // stays active once the server reads it
	// Fast POSTs until one overlaps the slow one: whichever of the two the
	// server saw second is refused with 400 and closes the session.
	var status int
	var body string
	eventually(t, "two POSTs overlap", func() bool {
		status, body = s.push(t, sid, "4fast")
		return status != http.StatusOK
	})
	if status == http.StatusBadRequest && strings.Contains(body, `"code":1`) {
		// the session was already closed: the slow POST came second
		require.NoError(t, slow.SetReadDeadline(time.Now().Add(wait)))
		resp, err := http.ReadResponse(bufio.NewReader(slow), nil)
		require.NoError(t, err)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		status, body = resp.StatusCode, string(b)
	}
	requireError(t, status, body, http.StatusBadRequest, 3)
	require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason)
	status, body = s.poll(t, sid)
	requireError(t, status, body, http.StatusBadRequest, 1)
}

// "To ensure packet ordering, a client MUST NOT have more than one active
// GET request. Should it happen, the server MUST return an HTTP 400 error
// status and close the session."
func TestPollingSecondActiveGetIs400AndClosesSession(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	c := rec.nextOpen(t)
	type result struct {
		status int
		body   string
	}
	results := make(chan result, 2)
	for range 2 { // whichever arrives second is refused
		go func() {
			status, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling&sid="+sid, "", nil)
			results <- result{status, body}
		}()
	}
	a, b := <-results, <-results
	if a.status != http.StatusOK {
		a, b = b, a
	}
	require.Equal(t, result{http.StatusOK, "1"}, a) // the waiting GET is told the session closed
	requireError(t, b.status, b.body, http.StatusBadRequest, 3)
	require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason)
	require.ErrorIs(t, c.Send([]byte("late"), false), engine.ErrClosed)
	status, body := s.poll(t, sid)
	requireError(t, status, body, http.StatusBadRequest, 1)
}

// "A client MUST NOT open more than one WebSocket connection per session.
// Should it happen, the server MUST close the WebSocket connection."
func TestWebsocketSecondConnectionPerSessionIsClosed(t *testing.T) {
	rec := newRecorder(t, true)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	ws1, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid, nil)
	require.NoError(t, err)
	writeText(t, ws1, "2probe")
	require.Equal(t, "3probe", readText(t, ws1))

	// a second websocket while the first one probes
	ws2, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid, nil)
	require.NoError(t, err)
	waitClosed(t, ws2)

	writeText(t, ws1, "5")
	// and one after the upgrade
	ws3, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid, nil)
	require.NoError(t, err)
	waitClosed(t, ws3)

	writeText(t, ws1, "4still here")
	require.Equal(t, "4still here", readText(t, ws1))
}

// "To establish a connection, the client MUST send an HTTP GET request to
// the server": a handshake by any other method is refused (code 2).
func TestHandshakeMustBeGet(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{})
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		status, body, _ := do(t, m, s.url+"?EIO=4&transport=polling", "4x", nil)
		requireError(t, status, body, http.StatusBadRequest, 2)
	}
	require.Zero(t, s.Len())
}

// "If the server accepts the connection, then it MUST respond with an open
// packet with the following JSON-encoded payload" (both transports).
func TestHandshakeMustRespondWithOpenPacket(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{PingInterval: 1500 * time.Millisecond, PingTimeout: time.Second, MaxPayload: 4096})
	status, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", nil)
	require.Equal(t, http.StatusOK, status)
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(body[1:]), &raw))
	require.Len(t, raw, 5)
	o := parseOpen(t, body)
	assert.NotEmpty(t, o.Sid)
	assert.Equal(t, []string{"websocket"}, o.Upgrades)
	assert.Equal(t, 1500, o.PingInterval)
	assert.Equal(t, 1000, o.PingTimeout)
	assert.Equal(t, 4096, o.MaxPayload)

	_, wo := s.dialOpen(t)
	assert.NotEmpty(t, wo.Sid)
	assert.NotEqual(t, o.Sid, wo.Sid)
	assert.Equal(t, []string{}, wo.Upgrades)
	assert.Equal(t, 1500, wo.PingInterval)
}

// "The client MUST send the sid value in the query parameters of all
// subsequent requests": a request without it is a new handshake, so a
// POST without sid is refused as a bad handshake method.
func TestSubsequentRequestsMustCarrySid(t *testing.T) {
	s := newTestServer(t, newRecorder(t, false), engine.Options{})
	s.handshake(t)
	status, body, _ := do(t, http.MethodPost, s.url+"?EIO=4&transport=polling", "4hello", nil)
	requireError(t, status, body, http.StatusBadRequest, 2)
}

// The upgrade: "The server MUST: send a noop packet to any pending GET
// request (if applicable) to cleanly close HTTP long-polling transport;
// respond with a pong packet with the string probe in the payload". Then
// "the client MUST send a upgrade packet to complete the upgrade", after
// which packets flow over the websocket, the ones queued meanwhile first.
func TestUpgradeMustNoopPendingGetAndAnswerProbe(t *testing.T) {
	rec := newRecorder(t, true)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	c := rec.nextOpen(t)
	pending := make(chan string, 1)
	go func() {
		_, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling&sid="+sid, "", nil)
		pending <- body
	}()
	time.Sleep(50 * time.Millisecond) // let the GET wait (if not, it gets the noop at once: same result)
	ws := s.probe(t, sid)
	require.Equal(t, "6", <-pending)
	require.Equal(t, engine.TransportPolling, c.Transport())

	// queued while upgrading: moved to the websocket, in order
	require.NoError(t, c.Send([]byte("queued"), false))
	require.NoError(t, c.Send([]byte{9, 8}, true))
	writeText(t, ws, "5")
	require.Equal(t, "4queued", readText(t, ws))
	typ, b := readFrame(t, ws)
	require.Equal(t, websocket.BinaryMessage, typ)
	require.Equal(t, []byte{9, 8}, b)
	require.Equal(t, engine.TransportWebsocket, c.Transport())

	writeText(t, ws, "4over ws")
	require.Equal(t, "4over ws", readText(t, ws))
	// long-polling requests of the upgraded session are refused, the session stays
	status, body := s.poll(t, sid)
	requireError(t, status, body, http.StatusBadRequest, 3)
	writeText(t, ws, "4again")
	require.Equal(t, "4again", readText(t, ws))
}

// "Binary payloads MUST be base64-encoded and prefixed with a b character"
// (long-polling, both directions), and packets of a payload are separated
// by the record separator.
func TestPollingBinaryPayloadsMustBeBase64WithPrefix(t *testing.T) {
	rec := newRecorder(t, true)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	status, body := s.push(t, sid, "4hello\x1ebAQIDBA==\x1e4€")
	require.Equal(t, http.StatusOK, status, body)
	status, body = s.poll(t, sid)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "4hello\x1ebAQIDBA==\x1e4€", body)
}

// "Each packet (read or write) is sent its own WebSocket frame", binary
// payloads as is.
func TestWebsocketEachPacketInItsOwnFrame(t *testing.T) {
	rec := newRecorder(t, true)
	s := newTestServer(t, rec, engine.Options{})
	ws, _ := s.dialOpen(t)
	writeText(t, ws, "4one")
	require.NoError(t, ws.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2}))
	writeText(t, ws, "4three")
	require.Equal(t, "4one", readText(t, ws))
	typ, b := readFrame(t, ws)
	require.Equal(t, websocket.BinaryMessage, typ)
	require.Equal(t, []byte{0, 1, 2}, b)
	require.Equal(t, "4three", readText(t, ws))
}

// Heartbeat: the server pings every pingInterval and "if the server does
// not receive a pong packet back, then it SHOULD consider that the
// connection is closed".
func TestHeartbeatPingPongAndTimeout(t *testing.T) {
	rec := newRecorder(t, false)
	// The pong window is generous: a loaded machine may delay the client.
	s := newTestServer(t, rec, engine.Options{PingInterval: 50 * time.Millisecond, PingTimeout: time.Second})
	ws, _ := s.dialOpen(t)
	c := rec.nextOpen(t)
	for range 3 {
		require.Equal(t, "2", readText(t, ws))
		writeText(t, ws, "3")
	}
	require.Equal(t, "2", readText(t, ws)) // not answered
	e := rec.nextClose(t)
	require.Same(t, c, e.conn)
	require.Equal(t, engine.ReasonPingTimeout, e.reason)
	waitClosed(t, ws)

	sid := s.handshake(t).Sid
	rec.nextOpen(t)
	status, body := s.poll(t, sid)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "2", body)
	require.Equal(t, engine.ReasonPingTimeout, rec.nextClose(t).reason)
	status, body = s.poll(t, sid)
	requireError(t, status, body, http.StatusBadRequest, 1)
}

// A ping from the client is an error in v4 (only the server pings), except
// the upgrade probe.
func TestClientPingIsRefused(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	ws, _ := s.dialOpen(t)
	writeText(t, ws, "2")
	require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason)
	waitClosed(t, ws)
}

// The close packet: the client's "1" closes the session; a GET waiting
// meanwhile ends with a noop.
func TestClosePacketClosesSession(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	ws, _ := s.dialOpen(t)
	writeText(t, ws, "1")
	require.Equal(t, engine.ReasonTransportClose, rec.nextClose(t).reason)
	waitClosed(t, ws)

	sid := s.handshake(t).Sid
	pending := make(chan string, 1)
	go func() {
		_, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling&sid="+sid, "", nil)
		pending <- body
	}()
	time.Sleep(20 * time.Millisecond)
	status, body := s.push(t, sid, "1")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "6", <-pending)
	require.Equal(t, engine.ReasonTransportClose, rec.nextClose(t).reason)
	status, body = s.poll(t, sid)
	require.Equal(t, http.StatusBadRequest, status, body)
}

// A POST refused while its body is still coming (here: the second of two
// active POSTs, both trickling) is answered at once, not after net/http
// has waited for the rest of the body.
func TestRefusedPostIsAnsweredWithoutItsBody(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	sid := s.handshake(t).Sid
	rec.nextOpen(t)
	a, b := startSlowPost(t, s, sid), startSlowPost(t, s, sid)
	answers := make(chan int, 2)
	for _, conn := range []net.Conn{a, b} {
		go func() {
			_ = conn.SetReadDeadline(time.Now().Add(wait))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				answers <- 0 // the active one: its request never completes
				return
			}
			resp.Body.Close()
			answers <- resp.StatusCode
		}()
	}
	select {
	case status := <-answers:
		require.Equal(t, http.StatusBadRequest, status)
	case <-time.After(wait):
		t.Fatal("the refused POST was not answered")
	}
	require.Equal(t, engine.ReasonTransportError, rec.nextClose(t).reason)
	a.Close()
	b.Close()
	<-answers
}
