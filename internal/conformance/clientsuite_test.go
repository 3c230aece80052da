package main

import (
	"context"
	"encoding/json"
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

// What socket.io-client's own tests rely on in their server
// (test/support/server.ts), checked on the rtkit server that stands in for
// it.

func startClientSuite(t *testing.T) string {
	t.Helper()
	srv := clientSuiteServer(slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), delayHandshakes(srv.Handler()))
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return ts.URL
}

// Middleware refusals carry the message the tests compare: "/no" always,
// "/" when the handshake's query has "fail".
func TestClientSuiteRefusals(t *testing.T) {
	url := startClientSuite(t)
	c := sioraw.Dial(t, url, nil)
	refusal := c.Connect("/no", nil)
	require.True(t, strings.HasPrefix(refusal, "44/no,"), refusal)
	var e struct{ Message string }
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(refusal, "44/no,")), &e))
	assert.Equal(t, "Auth failed (custom namespace)", e.Message)
	assert.True(t, strings.HasPrefix(c.Connect("/", nil), "40{"), "the main namespace admits a query without fail")

	ws := "ws" + strings.TrimPrefix(url, "http") + "/socket.io/?EIO=4&transport=websocket&fail=true"
	conn, resp, err := websocket.DefaultDialer.Dial(ws, nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	defer conn.Close()
	_, _, err = conn.ReadMessage() // the Engine.IO open packet
	require.NoError(t, err)
	require.NoError(t, conn.WriteMessage(websocket.TextMessage, []byte("40")))
	_, b, err := conn.ReadMessage()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"message":"Auth failed (main namespace)"`)
}

// The handshake object has Node's shape (query, auth), ids answer "getId",
// arguments come back from "echo", binary from "doge".
func TestClientSuiteEvents(t *testing.T) {
	url := startClientSuite(t)
	c := sioraw.Dial(t, url, nil)
	c.Send(`40/abc,{"a":"b"}`)
	require.True(t, strings.HasPrefix(c.Read(), "40/abc,"))
	var hs []struct{ Query, Auth map[string]any }
	frame := c.Read()
	body, ok := strings.CutPrefix(frame, `42/abc,["handshake",`)
	require.True(t, ok, frame)
	require.NoError(t, json.Unmarshal([]byte("["+body), &hs))
	assert.Equal(t, "b", hs[0].Auth["a"])
	assert.Equal(t, "websocket", hs[0].Query["transport"])

	connect := handshake(t, c.Connect("/", nil), "/")
	c.Send(`421["getId"]`)
	assert.Equal(t, `431["`+connect["sid"].(string)+`"]`, c.Read())
	c.Send(`422["echo",{"x":[1,"2"]}]`)
	assert.Equal(t, `432[{"x":[1,"2"]}]`, c.Read())
	c.Send(`42["doge"]`)
	assert.Equal(t, `451-["doge",{"_placeholder":true,"num":0}]`, c.Read())
	typ, att, err := c.Conn().ReadMessage()
	require.NoError(t, err)
	assert.Equal(t, websocket.BinaryMessage, typ)
	assert.Equal(t, "asdfasdf", string(att))
}

// "hi" comes back with an offset, and the session id and offset that a
// client presents after losing its connection recover the same socket:
// the client suite's connection state recovery test.
func TestClientSuiteRecovery(t *testing.T) {
	url := startClientSuite(t)
	c := sioraw.Dial(t, url, nil)
	first := handshake(t, c.Connect("/", nil), "/")
	pid, _ := first["pid"].(string)
	require.NotEmpty(t, pid, "recovery is on: the CONNECT carries a pid")
	c.Send(`42["hi"]`)
	var hi []any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(c.Read(), "42")), &hi))
	require.Len(t, hi, 3, "event, payload, offset: %v", hi)
	offset, _ := hi[2].(string)
	require.NotEmpty(t, offset)
	require.NoError(t, c.Conn().Close())

	again := sioraw.Dial(t, url, nil)
	b, err := json.Marshal(map[string]string{"pid": pid, "offset": offset})
	require.NoError(t, err)
	again.Send("40" + string(b))
	second := handshake(t, again.Read(), "/")
	assert.Equal(t, first["sid"], second["sid"], "the same socket, recovered")
}
