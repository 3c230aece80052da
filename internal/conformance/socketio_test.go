package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/sioraw"
)

// The MUSTs of the Socket.IO v5 specification (docs/socket.io-protocol/
// v5-current.md), each checked against the conformance server over real
// websocket and long-polling connections, plus what rtkit adds where the
// specification leaves a choice (connect_error always carries data.code).

func startSocketIO(t *testing.T) string {
	t.Helper()
	srv := socketIOServer(slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), srv.Handler())
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return ts.URL
}

// handshake returns the keys and sid of a CONNECT answer's payload.
func handshake(t *testing.T, frame, nsp string) map[string]any {
	t.Helper()
	prefix := "40"
	if nsp != "/" {
		prefix += nsp + ","
	}
	body, ok := strings.CutPrefix(frame, prefix)
	require.True(t, ok, "CONNECT answer for %s, got %q", nsp, frame)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	return m
}

// "The server MUST respond with either a CONNECT packet if the connection
// is successful, with the session ID in the payload, or a CONNECT_ERROR
// packet": main and custom namespaces, with and without a payload.
func TestConnectAnsweredWithSessionID(t *testing.T) {
	url := startSocketIO(t)
	for _, tc := range []struct{ send, nsp, auth string }{
		{"40", "/", `{}`},
		{`40{"token":"123"}`, "/", `{"token":"123"}`},
		{"40/custom,", "/custom", `{}`},
		{`40/custom,{"token":"abc"}`, "/custom", `{"token":"abc"}`},
	} {
		c := sioraw.Dial(t, url, nil)
		c.Send(tc.send)
		m := handshake(t, c.Read(), tc.nsp)
		assert.Len(t, m, 1, "only the sid (recovery is off): %v", m)
		sid, _ := m["sid"].(string)
		assert.NotEmpty(t, sid)
		auth := c.Read()
		prefix := "42"
		if tc.nsp != "/" {
			prefix += tc.nsp + ","
		}
		assert.Equal(t, prefix+`["auth",`+tc.auth+`]`, auth, "the server saw the CONNECT payload")
	}
}

// Every CONNECT gets its own sid, and two connections never share one.
func TestSessionIDsAreDistinct(t *testing.T) {
	url := startSocketIO(t)
	seen := map[string]bool{}
	for range 20 {
		c := sioraw.Dial(t, url, nil)
		c.Send("40")
		sid := handshake(t, c.Read(), "/")["sid"].(string)
		assert.False(t, seen[sid], "sid %s handed out twice", sid)
		seen[sid] = true
	}
}

// The refusal is a CONNECT_ERROR with a message and, rtkit's rule, data
// with a code.
func TestUnknownNamespaceRefused(t *testing.T) {
	url := startSocketIO(t)
	c := sioraw.Dial(t, url, nil)
	c.Send("40/random,")
	assert.Equal(t, `44/random,{"data":{"code":"NOT_FOUND"},"message":"Invalid namespace"}`, c.Read())
	c.Send("40/custom,")
	handshake(t, c.Read(), "/custom") // the connection serves on
}

// "If the server does not receive a CONNECT packet first, then it MUST
// close the connection immediately."
func TestPacketBeforeConnectClosesTheConnection(t *testing.T) {
	url := startSocketIO(t)
	for _, frame := range []string{`42["message",1]`, `43/custom,1[]`, `41`, `4abc`} {
		c := sioraw.Dial(t, url, nil)
		c.Send(frame)
		assert.True(t, c.Closed(5*time.Second), "closed after %q", frame)
	}
}

// A connection that never sends CONNECT is closed (connectTimeout), even
// when it answers every ping.
func TestNoConnectIsClosed(t *testing.T) {
	url := startSocketIO(t)
	c := sioraw.Dial(t, url, nil)
	_, err := c.TryRead(10 * time.Second) // answers pings; ends with the close
	require.Error(t, err)
	assert.False(t, sioraw.Timeout(err), "the server closed it: %v", err)
}

// "The payload is mandatory and MUST be a non-empty array. If that's not
// the case, then the receiver MUST close the connection." The event name
// must be a string, and not one of the reserved names.
func TestEventPayloadMustBeANonEmptyArray(t *testing.T) {
	url := startSocketIO(t)
	for _, frame := range []string{`42`, `42[]`, `42{}`, `42"message"`, `42[1]`, `42[null]`, `42["connect"]`, `42[`, `42abc["message"]`} {
		c := sioraw.Dial(t, url, nil)
		c.Send("40")
		c.Read() // CONNECT
		c.Read() // auth
		c.Send(frame)
		assert.True(t, c.Closed(5*time.Second), "closed after %q", frame)
	}
}

// "The receiver MUST respond with an ACK packet with the same event ID."
// Also for an event nobody handles: rtkit acknowledges it with
// UNKNOWN_EVENT rather than leaving the sender waiting.
func TestAckCarriesTheEventID(t *testing.T) {
	url := startSocketIO(t)
	c := sioraw.Dial(t, url, nil)
	c.Send("40")
	c.Read()
	c.Read()
	c.Send(`42456["message-with-ack",1,"2",{"3":[false]}]`)
	assert.Equal(t, `43456[1,"2",{"3":[false]}]`, c.Read())
	c.Send(`42457["message-with-ack"]`)
	assert.Equal(t, `43457[]`, c.Read(), "an empty array: the payload is mandatory")
	c.Send(`4212["nobody-handles-this"]`)
	ack := c.Read()
	require.True(t, strings.HasPrefix(ack, "4312["), ack)
	assert.Contains(t, ack, `"UNKNOWN_EVENT"`)
}

// A server → client acknowledgement: the client answers the id it was
// given; "the payload is mandatory and MUST be an array (possibly empty)",
// and a non-array answer closes the connection.
func TestServerAckRoundTrip(t *testing.T) {
	url := startSocketIO(t)
	c := sioraw.Dial(t, url, nil)
	c.Send("40/ask,")
	handshake(t, c.Read(), "/ask")
	ask := c.Read()
	require.Equal(t, `451-/ask,0["ask",1,"2",{"_placeholder":true,"num":0}]`, ask)
	typ, att, err := c.Conn().ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, websocket.BinaryMessage, typ)
	assert.Equal(t, []byte{3}, att)
	c.Send(`43/ask,0[]`)
	assert.Equal(t, `42/ask,["answer"]`, c.Read())

	c = sioraw.Dial(t, url, nil)
	c.Send("40/ask,")
	c.Read()
	c.Read()
	_, _, err = c.Conn().ReadMessage()
	require.NoError(t, err)
	c.Send(`43/ask,0{"not":"an array"}`)
	assert.True(t, c.Closed(5*time.Second))
}

// BINARY_EVENT and BINARY_ACK: attachments follow the packet, in order,
// and come back as they went.
func TestBinaryAttachments(t *testing.T) {
	url := startSocketIO(t)
	c := sioraw.Dial(t, url, nil)
	c.Send("40")
	c.Read()
	c.Read()
	send := func(b []byte) {
		require.NoError(t, c.Conn().WriteMessage(websocket.BinaryMessage, b))
	}
	readBinary := func() []byte {
		typ, b, err := c.Conn().ReadMessage()
		require.NoError(t, err)
		require.Equal(t, websocket.BinaryMessage, typ)
		return b
	}
	c.Send(`452-["message",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]`)
	send([]byte{1, 2, 3})
	send([]byte{4, 5, 6})
	assert.Equal(t, `452-["message-back",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]`, c.Read())
	assert.Equal(t, []byte{1, 2, 3}, readBinary())
	assert.Equal(t, []byte{4, 5, 6}, readBinary())

	c.Send(`451-789["message-with-ack",{"_placeholder":true,"num":0}]`)
	send([]byte{7})
	assert.Equal(t, `461-789[{"_placeholder":true,"num":0}]`, c.Read())
	assert.Equal(t, []byte{7}, readBinary())

	// A placeholder that numbers no attachment breaks the format.
	c.Send(`451-["message",{"_placeholder":true,"num":5}]`)
	send([]byte{8})
	assert.True(t, c.Closed(5*time.Second))
}

// "A client MAY be connected to multiple namespaces at the same time, with
// the same underlying WebSocket connection": leaving one keeps the other.
func TestMultiplexedNamespaces(t *testing.T) {
	url := startSocketIO(t)
	c := sioraw.Dial(t, url, nil)
	c.Send("40")
	c.Read()
	c.Read()
	c.Send("40/custom,")
	handshake(t, c.Read(), "/custom")
	c.Read()
	c.Send("41/custom,")
	c.Send(`42["message","to main"]`)
	assert.Equal(t, `42["message-back","to main"]`, c.Read())
	c.Send(`42/custom,["message"]`)
	assert.True(t, c.Closed(5*time.Second), "an event for a namespace it left")
}

// The same over HTTP long-polling.
func TestLongPolling(t *testing.T) {
	url := startSocketIO(t) + "/socket.io/?EIO=4&transport=polling"
	get := func(u string) string {
		resp, err := http.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		return string(b)
	}
	post := func(u, body string) {
		resp, err := http.Post(u, "text/plain;charset=UTF-8", strings.NewReader(body))
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	open := get(url)
	var o struct {
		SID string `json:"sid"`
	}
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(open, "0")), &o))
	u := url + "&sid=" + o.SID
	post(u, `40{"token":"p"}`)
	packets := strings.Split(get(u), "\x1e")
	for len(packets) < 2 {
		packets = append(packets, strings.Split(get(u), "\x1e")...)
	}
	m := handshake(t, packets[0], "/")
	assert.Contains(t, m, "sid")
	assert.Equal(t, `42["auth",{"token":"p"}]`, packets[1])
	post(u, "42[]")
	resp, err := http.Get(u)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.True(t, resp.StatusCode != http.StatusOK || strings.Contains(string(b), "1"),
		"the session is closed after an invalid packet: %d %q", resp.StatusCode, b)
}
