package engine_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// Over TLS (a *tls.Conn has no raw file descriptor) both transports and the
// upgrade still work: reads block on a buffer, writes go through drains.
func TestTLS(t *testing.T) {
	rec := newRecorder(t, true)
	srv := engine.NewServer(rec, engine.Options{})
	hs := httptest.NewTLSServer(srv)
	t.Cleanup(func() {
		engine.CloseForTest(t, srv)
		hs.Close()
	})
	client := hs.Client()
	resp, err := client.Get(hs.URL + "/?EIO=4&transport=polling")
	require.NoError(t, err)
	body := make([]byte, 512)
	n, _ := resp.Body.Read(body)
	resp.Body.Close()
	sid := parseOpen(t, string(body[:n])).Sid

	dialer := websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: client.Transport.(*http.Transport).TLSClientConfig.RootCAs}}
	ws, _, err := dialer.Dial("wss"+strings.TrimPrefix(hs.URL, "https")+"/?EIO=4&transport=websocket&sid="+sid, nil)
	require.NoError(t, err)
	defer ws.Close()
	writeText(t, ws, "2probe")
	require.Equal(t, "3probe", readText(t, ws))
	writeText(t, ws, "5")
	for i := range 100 {
		writeText(t, ws, "4msg"+strconv.Itoa(i))
	}
	for i := range 100 {
		require.Equal(t, "4msg"+strconv.Itoa(i), readText(t, ws))
	}
	big := strings.Repeat("y", 500_000)
	writeText(t, ws, "4"+big)
	require.Equal(t, "4"+big, readText(t, ws))

	// A direct websocket over TLS keeps its reader goroutine (no poller
	// without a raw descriptor): it still reads after idling for longer
	// than a reader waits before handing a connection to the poller.
	direct, _, err := dialer.Dial("wss"+strings.TrimPrefix(hs.URL, "https")+"/?EIO=4&transport=websocket", nil)
	require.NoError(t, err)
	defer direct.Close()
	parseOpen(t, readText(t, direct))
	time.Sleep(100 * time.Millisecond)
	writeText(t, direct, "4after idling")
	require.Equal(t, "4after idling", readText(t, direct))
}

// Send is safe from many goroutines; each one's packets arrive in its order.
func TestSendFromManyGoroutines(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	ws, _ := s.dialOpen(t)
	c := rec.nextOpen(t)
	const senders, each = 8, 200
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				require.NoError(t, c.Send([]byte(fmt.Sprintf("%d:%d", g, i)), false))
			}
		})
	}
	next := make([]int, senders)
	for range senders * each {
		var g, i int
		_, err := fmt.Sscanf(readText(t, ws), "4%d:%d", &g, &i)
		require.NoError(t, err)
		require.Equal(t, next[g], i, "sender %d out of order", g)
		next[g]++
	}
	wg.Wait()
}

// A Batch queues a packet on many connections and writes each once.
func TestBatchDeliversToEveryConnection(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	const n = 20
	wss := make([]*websocket.Conn, n)
	conns := make([]*engine.Conn, n)
	for i := range n {
		wss[i], _ = s.dialOpen(t)
		conns[i] = rec.nextOpen(t)
	}
	sid := s.handshake(t).Sid
	pc := rec.nextOpen(t)
	var b engine.Batch
	for round := range 3 {
		for _, c := range conns {
			b.Send(c, []byte("round "+strconv.Itoa(round)), false)
		}
		b.Send(pc, []byte("round "+strconv.Itoa(round)), false)
	}
	b.Flush()
	for _, ws := range wss {
		for round := range 3 {
			require.Equal(t, "4round "+strconv.Itoa(round), readText(t, ws))
		}
	}
	status, body := s.poll(t, sid)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "4round 0\x1e4round 1\x1e4round 2", body)

	conns[0].Close("gone")
	rec.nextClose(t)
	b.Send(conns[0], []byte("to a closed one"), false) // dropped, no panic
	b.Flush()
}

// Batches handed to the flusher (FlushSoon) from several goroutines, mixed
// with direct sends, reach every connection, websocket and long-polling,
// each sender's packets in order.
func TestBatchFlushSoonDeliversInOrder(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	const n, senders, each = 10, 3, 50
	wss := make([]*websocket.Conn, n)
	conns := make([]*engine.Conn, 0, n+1)
	for i := range n {
		wss[i], _ = s.dialOpen(t)
		conns = append(conns, rec.nextOpen(t))
	}
	sid := s.handshake(t).Sid
	pc := rec.nextOpen(t)
	conns = append(conns, pc)
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			var b engine.Batch
			for i := range each {
				msg := []byte(fmt.Sprintf("%d:%d", g, i))
				if i%5 == 4 {
					for _, c := range conns {
						require.NoError(t, c.Send(msg, false))
					}
					continue
				}
				for _, c := range conns {
					b.Send(c, msg, false)
				}
				b.FlushSoon()
			}
		})
	}
	check := func(next []int, text string) {
		var g, i int
		_, err := fmt.Sscanf(text, "4%d:%d", &g, &i)
		require.NoError(t, err, text)
		require.Equal(t, next[g], i, "sender %d out of order", g)
		next[g]++
	}
	for _, ws := range wss {
		next := make([]int, senders)
		for range senders * each {
			check(next, readText(t, ws))
		}
	}
	wg.Wait()
	next := make([]int, senders)
	for got := 0; got < senders*each; {
		status, body := s.poll(t, sid)
		require.Equal(t, http.StatusOK, status)
		for _, p := range strings.Split(body, "\x1e") {
			check(next, p)
			got++
		}
	}
}

// SendGroupSoon leaves the write to the flusher: the group arrives whole
// and in order with what is sent directly afterwards, and after the close
// it is refused.
func TestSendGroupSoon(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	conn, _ := s.dialOpen(t)
	c := rec.nextOpen(t)
	for i := range 20 {
		require.NoError(t, c.SendGroupSoon([]byte("soon "+strconv.Itoa(i)), [][]byte{{byte(i)}}))
	}
	require.NoError(t, c.Send([]byte("now"), false))
	for i := range 20 {
		require.Equal(t, "4soon "+strconv.Itoa(i), readText(t, conn))
		typ, b := readFrame(t, conn)
		require.Equal(t, websocket.BinaryMessage, typ)
		require.Equal(t, []byte{byte(i)}, b)
	}
	require.Equal(t, "4now", readText(t, conn))
	c.Close("done")
	rec.nextClose(t)
	require.ErrorIs(t, c.SendGroupSoon([]byte("late"), nil), engine.ErrClosed)
}

// Connection accessors reflect the handshake request.
func TestConnAccessors(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	status, _, _ := do(t, http.MethodGet, s.url+"?EIO=4&transport=polling&token=abc", "", http.Header{"X-Test": {"yes"}})
	require.Equal(t, http.StatusOK, status)
	c := rec.nextOpen(t)
	require.Equal(t, "abc", c.Query().Get("token"))
	require.Equal(t, "yes", c.Header().Get("X-Test"))
	require.True(t, strings.HasPrefix(c.RemoteAddr(), "127.0.0.1:"))
	require.Equal(t, engine.TransportPolling, c.Transport())
	require.Nil(t, c.Value())
	c.SetValue(42)
	require.Equal(t, 42, c.Value())
}

// Websocket control frames: a ping is answered with a pong carrying its
// payload, even between the fragments of a message.
func TestWebsocketPingFrameAndFragments(t *testing.T) {
	rec := newRecorder(t, true)
	s := newTestServer(t, rec, engine.Options{})
	conn, _ := s.dialOpen(t)
	pong := make(chan string, 1)
	conn.SetPongHandler(func(data string) error { pong <- data; return nil })
	var raw bytes.Buffer
	for _, f := range []ws.Frame{
		ws.NewFrame(ws.OpText, false, []byte("4frag")),
		ws.NewPingFrame([]byte("hi")),
		ws.NewFrame(ws.OpContinuation, false, []byte("mented ")),
		ws.NewFrame(ws.OpContinuation, true, []byte("message")),
	} {
		require.NoError(t, ws.WriteFrame(&raw, ws.MaskFrameInPlace(f)))
	}
	_, err := conn.UnderlyingConn().Write(raw.Bytes())
	require.NoError(t, err)
	require.Equal(t, "4fragmented message", readText(t, conn)) // the pong is handled while reading
	require.Equal(t, "hi", <-pong)
}

// SendGroup keeps a text message and its binary messages together, in
// order, whatever other goroutines send to the same connection meanwhile.
func TestSendGroupIsNotInterleaved(t *testing.T) {
	rec := newRecorder(t, false)
	s := newTestServer(t, rec, engine.Options{})
	conn, _ := s.dialOpen(t)
	c := rec.nextOpen(t)
	const senders, each = 4, 100
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			var b engine.Batch
			for i := range each {
				text := []byte(fmt.Sprintf("%d:%d", g, i))
				bins := [][]byte{{byte(g), byte(i), 0}, {byte(g), byte(i), 1}}
				if i%2 == 0 {
					require.NoError(t, c.SendGroup(text, bins))
				} else {
					b.SendGroup(c, text, bins)
					b.Flush()
				}
				require.NoError(t, c.Send([]byte("single"), false))
			}
		})
	}
	for range senders * each {
		var g, i int
		text := readText(t, conn)
		for text == "4single" {
			text = readText(t, conn)
		}
		_, err := fmt.Sscanf(text, "4%d:%d", &g, &i)
		require.NoError(t, err, text)
		for k := range 2 {
			typ, b := readFrame(t, conn)
			require.Equal(t, websocket.BinaryMessage, typ, "attachment %d of %s", k, text)
			require.Equal(t, []byte{byte(g), byte(i), byte(k)}, b)
		}
	}
	wg.Wait()

	sid := s.handshake(t).Sid
	pc := rec.nextOpen(t)
	require.NoError(t, pc.SendGroup([]byte("head"), [][]byte{{1}, {2}}))
	status, body := s.poll(t, sid)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "4head\x1ebAQ==\x1ebAg==", body)
}
