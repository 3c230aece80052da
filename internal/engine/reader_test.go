package engine_test

// Hostile and unlucky clients against the websocket reader, in both of its
// modes (the epoll poller and a goroutine per connection): half closes,
// partial frames, floods while a connection's reader is busy, and the
// server closing a connection while input for it is in flight.

import (
	"errors"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// eachReaderMode runs f once per reader mode, with o set for it.
func eachReaderMode(t *testing.T, o engine.Options, f func(t *testing.T, o engine.Options)) {
	for _, mode := range readerModes {
		t.Run(mode.name, func(t *testing.T) {
			o := o
			o.DisableEpoll = mode.disableEpoll
			f(t, o)
		})
	}
}

// clientFrame is one masked frame as a client sends it.
func clientFrame(op ws.OpCode, p string) []byte {
	return ws.MustCompileFrame(ws.MaskFrameInPlaceWith(ws.NewFrame(op, true, []byte(p)), [4]byte{7, 1, 3, 9}))
}

// rawDial opens a websocket session over a plain TCP connection and reads
// its open packet.
func (s *testServer) rawDial(t *testing.T) *rawClient {
	t.Helper()
	c := dialRaw(t, s.wsURL("EIO=4&transport=websocket"))
	t.Cleanup(func() { _ = c.conn.Close() })
	return c
}

// readUntilEOF reads what the server still sends until it closes the
// connection; it fails the test if that takes longer than wait.
func readUntilEOF(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(wait)))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the server did not close the connection")
		}
		if err != nil {
			return
		}
	}
}

// A client that half closes its side (a FIN, no close frame) ends its
// session with "transport close", and the server closes the connection.
func TestWebsocketHalfCloseEndsSession(t *testing.T) {
	eachReaderMode(t, engine.Options{}, func(t *testing.T, o engine.Options) {
		rec := newRecorder(t, false)
		s := startTestServer(t, rec, o)
		c := s.rawDial(t)
		rec.nextOpen(t)
		_, err := c.conn.Write(clientFrame(ws.OpText, "4before"))
		require.NoError(t, err)
		require.Equal(t, "before", rec.nextMessage(t).data)
		require.NoError(t, c.conn.(*net.TCPConn).CloseWrite())
		require.Equal(t, engine.ReasonTransportClose, rec.nextClose(t).reason)
		readUntilEOF(t, c.conn)
		eventually(t, "no connection left", func() bool { return s.Len() == 0 })
	})
}

// A client that sends the start of a frame and then nothing (not even
// pongs) is closed at its heartbeat's timeout, and nothing of it stays.
func TestWebsocketPartialFrameThenSilenceTimesOut(t *testing.T) {
	o := engine.Options{PingInterval: 200 * time.Millisecond, PingTimeout: 200 * time.Millisecond}
	eachReaderMode(t, o, func(t *testing.T, o engine.Options) {
		rec := newRecorder(t, false)
		s := startTestServer(t, rec, o)
		c := s.rawDial(t)
		rec.nextOpen(t)
		f := clientFrame(ws.OpText, "4"+string(make([]byte, 300)))
		_, err := c.conn.Write(f[:5]) // a header that announces 301 bytes, then a byte of them
		require.NoError(t, err)
		require.Equal(t, engine.ReasonPingTimeout, rec.nextClose(t).reason)
		readUntilEOF(t, c.conn)
		eventually(t, "no connection left", func() bool { return s.Len() == 0 })
		require.Empty(t, rec.msgs)
	})
}

// A client that closes its connection in the middle of a frame ends its
// session with "transport close"; the partial frame is never delivered.
func TestWebsocketCloseMidFrame(t *testing.T) {
	eachReaderMode(t, engine.Options{}, func(t *testing.T, o engine.Options) {
		rec := newRecorder(t, false)
		s := startTestServer(t, rec, o)
		for range 20 {
			c := s.rawDial(t)
			rec.nextOpen(t)
			f := clientFrame(ws.OpText, "4"+string(make([]byte, 2000)))
			_, err := c.conn.Write(f[:len(f)/2])
			require.NoError(t, err)
			require.NoError(t, c.conn.Close())
			require.Equal(t, engine.ReasonTransportClose, rec.nextClose(t).reason)
		}
		eventually(t, "no connection left", func() bool { return s.Len() == 0 })
		require.Empty(t, rec.msgs)
	})
}

// gateHandler blocks the reader of the first connection it opens on its
// first message until gate closes, and records every message.
type gateHandler struct {
	gate    chan struct{}
	blocked atomic.Pointer[engine.Conn]
	msgs    chan message
	opens   chan *engine.Conn
	closes  chan string
}

func (h *gateHandler) OnOpen(c *engine.Conn) {
	h.blocked.CompareAndSwap(nil, c)
	h.opens <- c
}

func (h *gateHandler) OnMessage(c *engine.Conn, data []byte, binary bool) {
	if h.blocked.Load() == c {
		<-h.gate
	}
	h.msgs <- message{c, string(data), binary}
}

func (h *gateHandler) OnClose(_ *engine.Conn, reason string) { h.closes <- reason }

// A connection whose handler blocks while its client floods holds up only
// itself: another connection's messages are delivered meanwhile, and once
// the handler goes on, the flood arrives complete and in order.
func TestWebsocketFloodWhileReaderBusy(t *testing.T) {
	eachReaderMode(t, engine.Options{}, func(t *testing.T, o engine.Options) {
		const flood = 3000
		h := &gateHandler{gate: make(chan struct{}), msgs: make(chan message, flood+10), opens: make(chan *engine.Conn, 2), closes: make(chan string, 2)}
		s := startTestServer(t, h, o)
		a := s.rawDial(t)
		ca := <-h.opens
		b := s.rawDial(t)
		cb := <-h.opens
		var wg sync.WaitGroup
		wg.Go(func() { // blocks once the kernel's buffers are full, until the gate opens
			for i := range flood {
				if _, err := a.conn.Write(clientFrame(ws.OpText, "4a"+strconv.Itoa(i)+string(make([]byte, 200)))); err != nil {
					t.Errorf("flood: %v", err)
					return
				}
			}
		})
		for range 3 {
			_, err := b.conn.Write(clientFrame(ws.OpText, "4b"))
			require.NoError(t, err)
			select {
			case m := <-h.msgs:
				require.Same(t, cb, m.conn, "only b's messages get through while a's reader is blocked")
				require.Equal(t, "b", m.data)
			case <-time.After(wait):
				t.Fatal("b's message did not arrive while a's reader was blocked")
			}
		}
		close(h.gate)
		for i := range flood {
			m := <-h.msgs
			require.Same(t, ca, m.conn)
			require.Equal(t, "a"+strconv.Itoa(i), m.data[:len(m.data)-200])
		}
		wg.Wait()
	})
}

// The server closes connections while their input is in flight (a close
// racing with an epoll event or a read): each session closes once, no
// handler call follows OnClose, and the next connection — which gets the
// closed one's descriptor number back — only ever sees its own input.
func TestWebsocketServerCloseWhileInputInFlight(t *testing.T) {
	eachReaderMode(t, engine.Options{}, func(t *testing.T, o engine.Options) {
		rec := newRecorder(t, false)
		s := startTestServer(t, rec, o)
		for i := range 50 {
			a := s.rawDial(t)
			ca := rec.nextOpen(t)
			var wg sync.WaitGroup
			wg.Go(func() {
				for range 20 {
					if _, err := a.conn.Write(clientFrame(ws.OpText, "4a")); err != nil {
						return // closed by the server
					}
				}
			})
			if i%2 == 0 {
				ca.Close("kicked")
			} else {
				wg.Wait()
				ca.Close("kicked")
			}
			e := rec.nextClose(t)
			require.Same(t, ca, e.conn)
			require.Equal(t, "kicked", e.reason)
			wg.Wait()
			_ = a.conn.Close()

			b := s.rawDial(t)
			cb := rec.nextOpen(t)
			want := "b" + strconv.Itoa(i)
			_, err := b.conn.Write(clientFrame(ws.OpText, "4"+want))
			require.NoError(t, err)
			for {
				m := rec.nextMessage(t)
				if m.conn == ca {
					require.Equal(t, "a", m.data)
					continue
				}
				require.Same(t, cb, m.conn)
				require.Equal(t, want, m.data)
				break
			}
			cb.Close("next")
			require.Equal(t, "next", rec.nextClose(t).reason)
			_ = b.conn.Close()
		}
		eventually(t, "no connection left", func() bool { return s.Len() == 0 })
	})
}

// A websocket that joined a long-polling session is read by a goroutine
// while it is a probe and handed over to the poller once it is the
// session's transport: 20 upgraded sessions leave no goroutine each, and
// still read.
func TestUpgradedWebsocketMovesToPoller(t *testing.T) {
	const n = 20
	rec := newRecorder(t, true)
	s := startTestServer(t, rec, engine.Options{})
	sids := make([]string, n)
	for i := range sids {
		sids[i] = s.handshake(t).Sid
		rec.nextOpen(t)
	}
	http.DefaultClient.CloseIdleConnections()
	before := goroutinesAtMost(t, runtime.NumGoroutine())
	conns := make([]*websocket.Conn, n)
	for i, sid := range sids {
		c, _, err := s.dial(t, "EIO=4&transport=websocket&sid="+sid, nil)
		require.NoError(t, err)
		writeText(t, c, "2probe")
		require.Equal(t, "3probe", readText(t, c))
		writeText(t, c, "5")
		conns[i] = c
	}
	for i, c := range conns {
		msg := "4after upgrade " + strconv.Itoa(i)
		writeText(t, c, msg)
		require.Equal(t, msg, readText(t, c))
		rec.nextMessage(t)
	}
	http.DefaultClient.CloseIdleConnections()
	goroutinesAtMost(t, before+1) // the poller
	for _, c := range conns {
		c.Close()
	}
	for range conns {
		require.Equal(t, engine.ReasonTransportClose, rec.nextClose(t).reason)
	}
}

// After a graceful close the server half closes the websocket and waits
// for the client to close its side; a client that never does (it reads
// the close frame and the FIN, then stays silent) is let go at the
// linger timeout all the same: the server's goroutines go back to what
// they were (no reader, no poller left for it), and what the client
// sends afterwards is refused with a reset.
func TestLingeringCloseEndsWithoutTheClient(t *testing.T) {
	eachReaderMode(t, engine.Options{}, func(t *testing.T, o engine.Options) {
		rec := newRecorder(t, false)
		s := startTestServer(t, rec, o)
		http.DefaultClient.CloseIdleConnections()
		before := goroutinesAtMost(t, runtime.NumGoroutine())
		c := s.rawDial(t)
		conn := rec.nextOpen(t)
		conn.Close("bye")
		require.Equal(t, "bye", rec.nextClose(t).reason)
		readUntilEOF(t, c.conn) // the close frame, then the server's FIN
		goroutinesAtMost(t, before)
		eventually(t, "a reset for what the client sends", func() bool {
			_, err := c.conn.Write(clientFrame(ws.OpText, "4late"))
			return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
		})
		require.Empty(t, rec.msgs)
	})
}
