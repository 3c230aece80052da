package engine_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// clientSide ignores the test's HTTP client and the httptest server's
// own goroutines: only the engine's are looked for.
var clientSide = []goleak.Option{
	goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
	goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
	goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1"),
}

// Server.Close returns only once the server runs nothing any more. Here
// it has a websocket whose client closes its side two seconds after the
// test began to close the server (the server's side lingers meanwhile, on
// a reader goroutine or on the poller), an idle websocket whose client
// closes at once, a websocket probe in progress and a long-polling
// session with a GET waiting (usually: the GET may also come after). When Close returns, goleak finds no
// goroutine of the server, with no allowance beyond its own retries (well
// under the two seconds the lingering client takes). The clients run no
// goroutine of their own meanwhile: their closes are timers.
func TestCloseWaitsForWhatTheServerRuns(t *testing.T) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			rec := newRecorder(t, false)
			s := startUnclosed(t, rec, engine.Options{DisableEpoll: mode.disableEpoll})
			srv := s.Server
			slow, _ := s.dialOpen(t)
			idle, _ := s.dialOpen(t)
			probe := s.probe(t, s.handshake(t).Sid)
			defer probe.Close()
			pollSid := s.handshake(t).Sid
			polled := make(chan string, 1)
			go func() {
				_, body, _ := get(s.url + "?EIO=4&transport=polling&sid=" + pollSid)
				polled <- body
			}()
			for range 4 {
				rec.nextOpen(t)
			}

			time.AfterFunc(2*time.Second, func() { _ = slow.Close() })
			time.AfterFunc(0, func() { _ = idle.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			require.NoError(t, srv.Close(ctx))
			next(t, polled) // the close packet, or 400 if the GET came after Close
			require.NoError(t, goleak.Find(append(clientSide, before)...), "left running after Close")
			http.DefaultClient.CloseIdleConnections()
		})
	}
}

// When ctx ends before everything has, Close cuts what remains (here a
// websocket whose client neither reads nor closes, with output the server
// is still trying to write) and returns ctx's error; what the server ran
// then ends on its own, within goleak's short retries.
func TestCloseCutsWhatRemainsWhenCtxEnds(t *testing.T) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			rec := newRecorder(t, false)
			s := startUnclosed(t, rec, engine.Options{DisableEpoll: mode.disableEpoll, MaxBuffered: 64 << 20})
			srv := s.Server
			stuck := s.dialStuck(t, rec)
			defer stuck.Close()

			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			require.ErrorIs(t, srv.Close(ctx), context.DeadlineExceeded)
			require.NoError(t, goleak.Find(append(clientSide, before)...), "left running after the cut")
			require.Zero(t, srv.Len())
		})
	}
}

// A client that answers the server's close frame (gorilla/websocket does,
// as browsers do) and then waits for the server to close the TCP
// connection, as RFC 6455 has it, is not kept waiting until the linger
// timeout (stretched here to an hour): the answer ends the connection,
// and Close returns.
// The same holds when the client sends a message before its answer.
func TestCloseFrameAnswerEndsLingering(t *testing.T) {
	for _, mode := range readerModes {
		for _, before := range []string{"", "4late"} {
			t.Run(mode.name+"/"+before, func(t *testing.T) {
				rec := newRecorder(t, false)
				s := startTestServer(t, rec, engine.Options{DisableEpoll: mode.disableEpoll})
				engine.SetLingerTimeout(s.Server, time.Hour)
				ws, _ := s.dialOpen(t)
				rec.nextOpen(t)
				if before != "" {
					// what the client sends after the session closed is
					// skipped, and its close frame still found behind it
					ws.SetCloseHandler(func(code int, _ string) error {
						_ = ws.WriteMessage(websocket.TextMessage, []byte(before))
						return ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), time.Now().Add(wait))
					})
				}
				done := make(chan error, 1)
				go func() { done <- s.Close(context.Background()) }()
				waitClosed(t, ws) // reads the close frame and answers it
				// With an hour's linger, Close returns only because the
				// answer ended the connection.
				require.NoError(t, next(t, done))
			})
		}
	}
}

// Clients get the linger timeout (stretched down here) to take their last
// output, then Close cuts what remains and returns nil: a websocket whose
// client neither reads nor closes, with output the server is still
// trying to write; one whose client does not answer the close frame; a
// long-polling session with output queued and no GET coming for it.
// Nothing of the server runs afterwards, and the cut session is gone.
func TestCloseCutsWhatOutlivesTheGrace(t *testing.T) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			rec := newRecorder(t, false)
			s := startUnclosed(t, rec, engine.Options{DisableEpoll: mode.disableEpoll, MaxBuffered: 64 << 20})
			srv := s.Server
			engine.SetLingerTimeout(srv, 300*time.Millisecond)
			stuck := s.dialStuck(t, rec)
			defer stuck.Close()
			mute, _ := s.dialOpen(t)
			defer mute.Close()
			rec.nextOpen(t)
			sid := s.handshake(t).Sid
			require.NoError(t, rec.nextOpen(t).Send([]byte("never fetched"), false))

			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			begun := time.Now()
			require.NoError(t, srv.Close(ctx))
			// nothing here ends on its own: only the cut, after the grace
			require.GreaterOrEqual(t, time.Since(begun), 300*time.Millisecond, "Close cut before the grace")
			require.NoError(t, goleak.Find(append(clientSide, before)...), "left running after Close")
			status, _ := s.poll(t, sid)
			require.Equal(t, http.StatusBadRequest, status, "the session was cut")
			http.DefaultClient.CloseIdleConnections()
		})
	}
}

// startUnclosed starts a server that the test closes itself (Close is
// what it tests); only the HTTP server is closed at the end.
func startUnclosed(t *testing.T, h engine.Handler, o engine.Options) *testServer {
	t.Helper()
	srv := engine.NewServer(h, o)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return &testServer{Server: srv, http: hs, url: hs.URL + "/"}
}

// dialStuck opens a websocket whose client neither reads nor closes, and
// queues more output for it than the sockets' buffers take: a drain
// waits, still trying to write.
func (s *testServer) dialStuck(t *testing.T, rec *recorder) *websocket.Conn {
	t.Helper()
	ws, _ := s.dialOpen(t)
	c := rec.nextOpen(t)
	big := []byte(strings.Repeat("x", 1<<20))
	for range 16 {
		require.NoError(t, c.Send(big, false))
	}
	return ws
}
