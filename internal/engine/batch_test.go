package engine

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
)

// While a connection's writes are deferred (Batch.FlushSoon, the flusher
// not running yet), its output is written as soon as it reaches flushAt:
// a burst larger than MaxBuffered to clients that read neither closes them
// nor waits for the flusher, and each client gets every packet in order.
func TestDeferredOutputIsWrittenAtFlushAt(t *testing.T) {
	const maxBuffered = 3 * flushAt
	const n, size = 300, 1000 // 300 KB per connection: over MaxBuffered
	h := nopHandler{closed: make(chan string, 2)}
	s := NewServer(h, Options{MaxBuffered: maxBuffered})
	hs := httptest.NewServer(s)
	defer hs.Close()
	defer CloseForTest(t, s)
	var got [2]atomic.Int64
	var conns []*Conn
	for i := range 2 {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/?EIO=4&transport=websocket", nil)
		require.NoError(t, err)
		defer ws.Close()
		_, _, err = ws.ReadMessage() // open packet
		require.NoError(t, err)
		go func() {
			for {
				_, b, err := ws.ReadMessage()
				if err != nil {
					return
				}
				if want := "4" + strconv.Itoa(int(got[i].Load())) + ":"; !strings.HasPrefix(string(b), want) {
					t.Errorf("client %d: got %.10q, want %q first", i, b, want)
					return
				}
				got[i].Add(1)
			}
		}()
	}
	s.mu.RLock()
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.RUnlock()
	require.Len(t, conns, 2)

	s.flusher.mu.Lock()
	s.flusher.running = true // held: FlushSoon starts no flusher
	s.flusher.mu.Unlock()
	var b Batch
	pad := strings.Repeat("x", size)
	for i := range n {
		msg := []byte(strconv.Itoa(i) + ":" + pad)
		for _, c := range conns {
			b.Send(c, msg, false)
		}
		b.FlushSoon()
	}
	for i := range got {
		waitFor(t, "the client gets what passed flushAt", func() bool { return got[i].Load() >= n-flushAt/size-1 })
		require.Less(t, got[i].Load(), int64(n), "the rest waits for the flusher")
	}
	s.flusher.mu.Lock()
	s.flusher.running = false
	s.flusher.mu.Unlock()
	s.flusher.add(nil) // the flusher writes what is left
	for i := range got {
		waitFor(t, "the client gets everything", func() bool { return got[i].Load() == n })
	}
	select {
	case why := <-h.closed:
		t.Fatalf("closed: %s", why)
	default:
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
