package engine_test

// What a connection costs and that it gives it back: goroutines per idle
// websocket and per armed timer, abandoned long-polling sessions, clients
// that do not read.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// goroutinesAtMost waits until the process runs at most max goroutines
// (goroutines that are ending — an HTTP server's after a response or a
// hijack — may take a while to go on a loaded machine) and returns the
// count; it fails the test if the count stays above max.
func goroutinesAtMost(t *testing.T, max int) int {
	t.Helper()
	n := runtime.NumGoroutine()
	eventually(t, "goroutines down to the bound", func() bool {
		n = runtime.NumGoroutine()
		return n <= max
	})
	return n
}

// An idle websocket connection costs the server no goroutine with the
// epoll poller (one for the poller itself, whatever the number of
// connections), one (its reader) with Options.DisableEpoll; its armed
// heartbeat timer costs none. Either way the connections read.
func TestIdleWebsocketGoroutines(t *testing.T) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			const n = 50
			rec := newRecorder(t, false)
			s := engine.NewServer(rec, engine.Options{DisableEpoll: mode.disableEpoll})
			hs := httptest.NewServer(s)
			defer hs.Close()
			defer engine.CloseForTest(t, s)
			ts := &testServer{Server: s, http: hs, url: hs.URL + "/"}
			http.DefaultClient.CloseIdleConnections()
			time.Sleep(100 * time.Millisecond)
			before := runtime.NumGoroutine()
			conns := make([]*websocket.Conn, n)
			for i := range conns {
				conns[i], _ = ts.dialOpen(t) // the client side starts no goroutine of its own
				rec.nextOpen(t)
			}
			require.Equal(t, n, s.Len())
			if mode.disableEpoll {
				after := goroutinesAtMost(t, before+n)
				require.Greater(t, after-before, n/2, "the readers are there")
			} else {
				goroutinesAtMost(t, before+1) // the poller
			}
			for _, ws := range conns { // and they read
				writeText(t, ws, "4ping")
				rec.nextMessage(t)
			}
			for _, ws := range conns {
				ws.Close()
			}
			for range conns {
				rec.nextClose(t)
			}
		})
	}
}

// With the epoll poller, the goroutine count stays flat while idle
// websockets are added: 200 of them, counted after every 50, and each
// still reads and answers.
func TestIdleWebsocketsAddNoGoroutine(t *testing.T) {
	const n, step = 200, 50
	rec := newRecorder(t, true)
	s := engine.NewServer(rec, engine.Options{})
	hs := httptest.NewServer(s)
	defer hs.Close()
	defer engine.CloseForTest(t, s)
	ts := &testServer{Server: s, http: hs, url: hs.URL + "/"}
	first, _ := ts.dialOpen(t) // starts the poller
	rec.nextOpen(t)
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	base := goroutinesAtMost(t, runtime.NumGoroutine())
	conns := []*websocket.Conn{first}
	for len(conns) < n {
		ws, _ := ts.dialOpen(t)
		rec.nextOpen(t)
		conns = append(conns, ws)
		if len(conns)%step == 0 {
			got := goroutinesAtMost(t, base)
			t.Logf("%d idle websockets: %d goroutines (%d with one)", len(conns), got, base)
		}
	}
	require.Equal(t, n, s.Len())
	for i, ws := range conns {
		msg := "4m" + strconv.Itoa(i)
		writeText(t, ws, msg)
		require.Equal(t, msg, readText(t, ws))
		rec.nextMessage(t)
	}
	goroutinesAtMost(t, base)
	for _, ws := range conns {
		ws.Close()
	}
	for range conns {
		rec.nextClose(t)
	}
	eventually(t, "no connection left", func() bool { return s.Len() == 0 })
}

// An open long-polling session with its heartbeat armed and no request in
// flight costs no goroutine at all.
func TestArmedTimersCostNoGoroutine(t *testing.T) {
	const n = 50
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	http.DefaultClient.CloseIdleConnections()
	time.Sleep(100 * time.Millisecond)
	before := runtime.NumGoroutine()
	tr := &http.Transport{DisableKeepAlives: true}
	client := &http.Client{Transport: tr}
	for range n {
		resp, err := client.Get(s.url + "?EIO=4&transport=polling")
		require.NoError(t, err)
		resp.Body.Close()
		rec.nextOpen(t)
	}
	tr.CloseIdleConnections()
	require.Equal(t, n, s.Len())
	goroutinesAtMost(t, before)
}

// A long-polling session whose client went away is closed with "ping
// timeout" after ping interval + ping timeout, and nothing keeps it (or its
// buffered output) in memory afterwards.
func TestAbandonedPollingSessionIsCollected(t *testing.T) {
	h := &lifecycle{opens: make(chan *engine.Conn, 1), closes: make(chan string, 1)}
	s := newTestServer(t, h, engine.Options{PingInterval: 500 * time.Millisecond, PingTimeout: 500 * time.Millisecond})
	sid := s.handshake(t).Sid
	c := <-h.opens
	require.NoError(t, c.Send([]byte(strings.Repeat("x", 100_000)), false)) // buffered, never fetched
	ref := weak.Make(c)
	c = nil
	select {
	case reason := <-h.closes:
		require.Equal(t, engine.ReasonPingTimeout, reason)
	case <-time.After(wait):
		t.Fatal("no OnClose")
	}
	require.Zero(t, s.Len())
	eventually(t, "the abandoned session is garbage", func() bool {
		runtime.GC()
		return ref.Value() == nil
	})
	status, _ := s.poll(t, sid)
	require.Equal(t, http.StatusBadRequest, status)
}

// lifecycle is a Handler that keeps no reference to a Conn after OnOpen.
type lifecycle struct {
	opens  chan *engine.Conn
	closes chan string
}

func (h *lifecycle) OnOpen(c *engine.Conn)                 { h.opens <- c }
func (h *lifecycle) OnMessage(*engine.Conn, []byte, bool)  {}
func (h *lifecycle) OnClose(_ *engine.Conn, reason string) { h.closes <- reason }

// A client that does not read is closed with "write buffer full" once its
// unsent output would pass MaxBuffered; Send then reports ErrClosed.
func TestSlowReaderIsClosedAtMaxBuffered(t *testing.T) {
	const maxBuffered = 256 << 10
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{MaxBuffered: maxBuffered})
	ws, _ := s.dialOpen(t) // never read again
	c := rec.nextOpen(t)
	chunk := []byte(strings.Repeat("z", 16<<10))
	sent := 0
	var err error
	for sent < 1<<30 { // the kernel's buffers take some; then the bound closes it
		if err = c.Send(chunk, false); err != nil {
			break
		}
		sent += len(chunk)
	}
	require.ErrorIs(t, err, engine.ErrClosed)
	require.Equal(t, engine.ReasonWriteBufferFull, rec.nextClose(t).reason)
	require.ErrorIs(t, c.Send(chunk, false), engine.ErrClosed)
	t.Logf("accepted %d KiB before closing (kernel buffers + %d KiB bound)", sent>>10, maxBuffered>>10)
	_ = ws
	// A long-polling client that never fetches is bound the same way.
	sid := s.handshake(t).Sid
	pc := rec.nextOpen(t)
	for err = nil; err == nil; {
		err = pc.Send(chunk, false)
	}
	require.Equal(t, engine.ReasonWriteBufferFull, rec.nextClose(t).reason)
	status, _ := s.poll(t, sid)
	require.Equal(t, http.StatusBadRequest, status)
}

// Server.Close closes every connection with "server shutting down" after
// writing out what was queued, and refuses new sessions.
func TestServerCloseShutsDownConnections(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	ws, _ := s.dialOpen(t)
	wc := rec.nextOpen(t)
	sid := s.handshake(t).Sid
	pc := rec.nextOpen(t)
	require.NoError(t, wc.Send([]byte("last words"), false))
	require.NoError(t, pc.Send([]byte("last words"), false))
	done := make(chan error, 1)
	go func() { done <- s.Close(context.Background()) }()
	reasons := []string{rec.nextClose(t).reason, rec.nextClose(t).reason}
	require.Equal(t, []string{engine.ReasonServerShutdown, engine.ReasonServerShutdown}, reasons)
	require.Equal(t, "4last words", readText(t, ws))
	waitClosed(t, ws)
	require.NoError(t, ws.Close())
	status, body := s.poll(t, sid)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "4last words\x1e1", body)
	require.NoError(t, next(t, done), "Close returns once both sessions have ended")
	require.Zero(t, s.Len())

	status, body, _ = do(t, http.MethodGet, s.url+"?EIO=4&transport=polling", "", nil)
	requireError(t, status, body, http.StatusServiceUnavailable, 3)
	_, resp, err := s.dial(t, "EIO=4&transport=websocket", nil)
	require.Error(t, err)
	_ = resp
}

// Conn.Close writes out what was queued, then closes; OnClose gets the
// reason, once, even when Close races with the client closing.
func TestConnCloseFlushesAndReportsOnce(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	for range 20 {
		ws, _ := s.dialOpen(t)
		c := rec.nextOpen(t)
		require.NoError(t, c.Send([]byte("bye"), false))
		var wg sync.WaitGroup
		wg.Go(func() { c.Close("kicked") })
		wg.Go(func() { c.Close("kicked again") })
		wg.Wait()
		require.Equal(t, "4bye", readText(t, ws))
		waitClosed(t, ws)
		e := rec.nextClose(t)
		require.Same(t, c, e.conn)
		require.Contains(t, []string{"kicked", "kicked again"}, e.reason)
	}
	eventually(t, "no connection left", func() bool { return s.Len() == 0 })
	require.Empty(t, rec.closes)
}

// A server-side close reaches a client that is still sending (and a
// server that has not read all it sent): the client reads the last
// message and a normal close frame. (On loopback the output is in the
// client's socket before the server closes, so this cannot show a reset
// overtaking output still queued on a real network; the half close in
// Conn.finishLocked is there for that.)
func TestCloseReachesAClientThatKeepsSending(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, slowHandler{rec}, engine.Options{})
	for range 10 {
		ws, _ := s.dialOpen(t)
		c := rec.nextOpen(t)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			spam := []byte("4" + strings.Repeat("s", 1000))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if ws.WriteMessage(websocket.TextMessage, spam) != nil {
					return
				}
			}
		})
		for len(rec.msgs) < 5 {
			time.Sleep(time.Millisecond)
		}
		require.NoError(t, c.Send([]byte("final"), false))
		c.Close("bye")
		require.Equal(t, "4final", readText(t, ws))
		_, _, err := ws.ReadMessage()
		var ce *websocket.CloseError
		require.ErrorAs(t, err, &ce, "a close frame, not %v", err)
		require.Equal(t, websocket.CloseNormalClosure, ce.Code)
		close(stop)
		ws.Close()
		wg.Wait()
		require.Equal(t, "bye", rec.nextClose(t).reason)
		for len(rec.msgs) > 0 {
			<-rec.msgs
		}
	}
}

// slowHandler takes its time over each message, so that the server has
// unread input when it closes.
type slowHandler struct{ *recorder }

func (h slowHandler) OnMessage(c *engine.Conn, data []byte, binary bool) {
	time.Sleep(time.Millisecond)
	h.recorder.OnMessage(c, data, binary)
}
