package engine_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// wait is the generous deadline of every wait in these tests: they wait
// for events, never assert on time.
const wait = 10 * time.Second

type message struct {
	conn   *engine.Conn
	data   string
	binary bool
}

type closeEvent struct {
	conn   *engine.Conn
	reason string
}

// recorder is a Handler that records every call, optionally echoes
// messages, and fails the test when calls for one Conn overlap or follow
// OnClose.
type recorder struct {
	t      *testing.T
	echo   bool
	opens  chan *engine.Conn
	msgs   chan message
	closes chan closeEvent

	mu     sync.Mutex
	busy   map[*engine.Conn]bool
	closed map[*engine.Conn]bool
	calls  atomic.Int64
}

func newRecorder(t *testing.T, echo bool) *recorder {
	return &recorder{
		t: t, echo: echo,
		opens:  make(chan *engine.Conn, 4096),
		msgs:   make(chan message, 4096),
		closes: make(chan closeEvent, 4096),
		busy:   map[*engine.Conn]bool{},
		closed: map[*engine.Conn]bool{},
	}
}

func (r *recorder) enter(c *engine.Conn, closing bool) {
	r.calls.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.busy[c] {
		r.t.Errorf("handler calls overlap for %s", c.ID())
	}
	if r.closed[c] {
		r.t.Errorf("handler call for %s after OnClose", c.ID())
	}
	r.busy[c] = true
	if closing {
		r.closed[c] = true
	}
}

func (r *recorder) leave(c *engine.Conn) {
	r.mu.Lock()
	r.busy[c] = false
	r.mu.Unlock()
}

func (r *recorder) OnOpen(c *engine.Conn) {
	r.enter(c, false)
	defer r.leave(c)
	r.opens <- c
}

func (r *recorder) OnMessage(c *engine.Conn, data []byte, binary bool) {
	r.enter(c, false)
	defer r.leave(c)
	r.msgs <- message{c, string(data), binary}
	if r.echo {
		_ = c.Send(data, binary)
	}
}

func (r *recorder) OnClose(c *engine.Conn, reason string) {
	r.enter(c, true)
	defer r.leave(c)
	r.closes <- closeEvent{c, reason}
}

func (r *recorder) nextOpen(t *testing.T) *engine.Conn {
	t.Helper()
	select {
	case c := <-r.opens:
		return c
	case <-time.After(wait):
		t.Fatal("no OnOpen")
		return nil
	}
}

func (r *recorder) nextMessage(t *testing.T) message {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(wait):
		t.Fatal("no OnMessage")
		return message{}
	}
}

func (r *recorder) nextClose(t *testing.T) closeEvent {
	t.Helper()
	select {
	case e := <-r.closes:
		return e
	case <-time.After(wait):
		t.Fatal("no OnClose")
		return closeEvent{}
	}
}

// testServer is an engine.Server on an httptest server at 127.0.0.1.
type testServer struct {
	*engine.Server
	http *httptest.Server
	url  string // the Engine.IO path, http://127.0.0.1:port/engine.io/
}

// goroutineReaders reports whether the tests run with a reader goroutine
// per websocket (RTKIT_ENGINE_READERS=goroutine) instead of the default
// epoll poller: .ci/test.sh runs the package in both modes.
func goroutineReaders() bool { return os.Getenv("RTKIT_ENGINE_READERS") == "goroutine" }

// readerModes are the two ways a websocket is read, for tests that name
// their mode themselves.
var readerModes = []struct {
	name         string
	disableEpoll bool
}{{"epoll", false}, {"goroutine", true}}

func newTestServer(t *testing.T, h engine.Handler, o engine.Options) *testServer {
	t.Helper()
	if goroutineReaders() {
		o.DisableEpoll = true
	}
	return startTestServer(t, h, o)
}

// startTestServer is newTestServer with o as given (the reader mode too).
func startTestServer(t *testing.T, h engine.Handler, o engine.Options) *testServer {
	t.Helper()
	srv := engine.NewServer(h, o)
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", srv)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		engine.CloseForTest(t, srv)
		hs.Close()
	})
	return &testServer{Server: srv, http: hs, url: hs.URL + "/engine.io/"}
}

func (s *testServer) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(s.url, "http") + "?" + query
}

type openPacket struct {
	Sid          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

func parseOpen(t *testing.T, body string) openPacket {
	t.Helper()
	require.True(t, strings.HasPrefix(body, "0"), "open packet %q", body)
	var o openPacket
	require.NoError(t, json.Unmarshal([]byte(body[1:]), &o))
	return o
}

func do(t *testing.T, method, url, body string, header http.Header) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

// handshake opens a long-polling session and returns its open packet.
func (s *testServer) handshake(t *testing.T) openPacket {
	t.Helper()
	status, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", nil)
	require.Equal(t, http.StatusOK, status, body)
	return parseOpen(t, body)
}

func (s *testServer) poll(t *testing.T, sid string) (int, string) {
	t.Helper()
	status, body, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling&sid="+sid, "", nil)
	return status, body
}

func (s *testServer) push(t *testing.T, sid, payload string) (int, string) {
	t.Helper()
	status, body, _ := do(t, http.MethodPost, s.url+"?EIO=4&transport=polling&sid="+sid, payload, nil)
	return status, body
}

// dial opens a websocket; it returns the HTTP response when refused.
func (s *testServer) dial(t *testing.T, query string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(s.wsURL(query), header)
	if ws != nil {
		t.Cleanup(func() { ws.Close() })
	}
	return ws, resp, err
}

// dialOpen opens a websocket session and reads its open packet.
func (s *testServer) dialOpen(t *testing.T) (*websocket.Conn, openPacket) {
	t.Helper()
	ws, _, err := s.dial(t, "EIO=4&transport=websocket", nil)
	require.NoError(t, err)
	return ws, parseOpen(t, readText(t, ws))
}

// probe opens the websocket of polling session sid and has its probe
// answered: the session then waits for the upgrade packet.
func (s *testServer) probe(t *testing.T, sid string) *websocket.Conn {
	t.Helper()
	ws, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid, nil)
	require.NoError(t, err)
	writeText(t, ws, "2probe")
	require.Equal(t, "3probe", readText(t, ws))
	return ws
}

func readFrame(t *testing.T, ws *websocket.Conn) (int, []byte) {
	t.Helper()
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(wait)))
	typ, b, err := ws.ReadMessage()
	require.NoError(t, err)
	return typ, b
}

func readText(t *testing.T, ws *websocket.Conn) string {
	t.Helper()
	typ, b := readFrame(t, ws)
	require.Equal(t, websocket.TextMessage, typ)
	return string(b)
}

func writeText(t *testing.T, ws *websocket.Conn, s string) {
	t.Helper()
	require.NoError(t, ws.WriteMessage(websocket.TextMessage, []byte(s)))
}

// waitClosed reads until the server closes the websocket.
func waitClosed(t *testing.T, ws *websocket.Conn) {
	t.Helper()
	require.NoError(t, ws.SetReadDeadline(time.Now().Add(wait)))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the server did not close the websocket")
			}
			return
		}
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// next receives from ch, or fails the test when nothing arrives within
// wait (a Close on another goroutine that does not return, a message
// that does not come).
func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatal("nothing arrived within", wait)
		var zero T
		return zero
	}
}
