package engine_test

// Work run on a websocket's reader after its batch (Conn.RunAfterBatch)
// and the hand-over of the reading while it runs (Conn.HandOver).

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/engine"
)

// afterHandler asks for work after the batch of every message: the work
// answers "after:<message>", the message itself "ok:<message>" when the
// reader took the work and "no:<message>" when it did not. The work of a
// message that starts with "block" waits for gate. It records the order of
// messages and work, and fails the test when two messages of a connection
// are delivered at once.
type afterHandler struct {
	t       *testing.T
	gate    chan struct{}
	started chan string
	opens   chan *engine.Conn

	mu         sync.Mutex
	log        []string
	delivering atomic.Bool
}

func newAfterHandler(t *testing.T) *afterHandler {
	return &afterHandler{t: t, gate: make(chan struct{}), started: make(chan string, 16), opens: make(chan *engine.Conn, 4)}
}

func (h *afterHandler) record(s string) {
	h.mu.Lock()
	h.log = append(h.log, s)
	h.mu.Unlock()
}

func (h *afterHandler) OnOpen(c *engine.Conn) { h.opens <- c }

func (h *afterHandler) OnClose(*engine.Conn, string) {}

func (h *afterHandler) OnMessage(c *engine.Conn, data []byte, _ bool) {
	if h.delivering.Swap(true) {
		h.t.Error("two messages of one connection delivered at once")
	}
	defer h.delivering.Store(false)
	m := string(data)
	h.record("msg:" + m)
	work := func() {
		if strings.HasPrefix(m, "block") {
			h.started <- m
			<-h.gate
		}
		h.record("after:" + m)
		_ = c.Send([]byte("after:"+m), false)
	}
	if !c.RunAfterBatch(work) {
		_ = c.Send([]byte("no:"+m), false)
		return
	}
	if c.RunAfterBatch(func() { h.t.Error("a second work ran after one batch") }) {
		h.t.Error("the reader took two works for one batch")
	}
	_ = c.Send([]byte("ok:"+m), false)
}

// send writes m and returns whether the reader took its work; it reads the
// work's answer too.
func sendAfter(t *testing.T, ws *websocket.Conn, m string) bool {
	t.Helper()
	writeText(t, ws, "4"+m)
	switch got := readText(t, ws); got {
	case "4no:" + m:
		return false
	case "4ok:" + m:
		require.Equal(t, "4after:"+m, readText(t, ws), "the work answers after the batch's output")
		return true
	default:
		t.Fatalf("unexpected answer %q to %q", got, m)
		return false
	}
}

// The reader runs the work after the batch's output is written and before
// it delivers the next message; never on a reader goroutine's first batch.
func TestRunAfterBatchOrder(t *testing.T) {
	eachReaderMode(t, engine.Options{}, func(t *testing.T, o engine.Options) {
		h := newAfterHandler(t)
		s := startTestServer(t, h, o)
		ws, _ := s.dialOpen(t)
		next(t, h.opens)
		assert.False(t, sendAfter(t, ws, "m0"), "a reader's first batch runs no work")
		taken := 0
		for i := 1; i < 50; i++ {
			if sendAfter(t, ws, "m"+strconv.Itoa(i)) {
				taken++
			}
		}
		assert.Positive(t, taken, "a warm reader runs the work")
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, e := range h.log {
			if m, ok := strings.CutPrefix(e, "after:"); ok {
				require.Equal(t, "msg:"+m, h.log[i-1], "the work runs right after its message's batch")
			}
		}
	})
}

// While the work blocks, HandOver starts another reader: the next message
// is delivered before the work returns; then one reader goes on.
func TestHandOverWhileWorkBlocks(t *testing.T) {
	eachReaderMode(t, engine.Options{}, func(t *testing.T, o engine.Options) {
		h := newAfterHandler(t)
		s := startTestServer(t, h, o)
		ws, _ := s.dialOpen(t)
		c := next(t, h.opens)
		c.HandOver() // nothing runs: no effect
		sendAfter(t, ws, "warm")
		var blocked string
		for i := 0; blocked == ""; i++ {
			require.Less(t, i, 50, "the reader never took the work")
			m := "block" + strconv.Itoa(i)
			writeText(t, ws, "4"+m)
			switch got := readText(t, ws); got {
			case "4ok:" + m:
				blocked = m
			case "4no:" + m: // a reader that went idle meanwhile: try again
			default:
				t.Fatalf("unexpected answer %q", got)
			}
		}
		require.Equal(t, blocked, next(t, h.started))
		writeText(t, ws, "4next")
		c.HandOver()
		assert.Equal(t, "4no:next", readText(t, ws), "delivered by a new reader (its first batch) while the work blocks")
		close(h.gate)
		assert.Equal(t, "4after:"+blocked, readText(t, ws))
		for i := range 20 {
			sendAfter(t, ws, "n"+strconv.Itoa(i))
		}
		c.HandOver()
		sendAfter(t, ws, "last")
	})
}

// A long-polling request runs no work after its batch.
func TestRunAfterBatchPolling(t *testing.T) {
	h := newAfterHandler(t)
	s := newTestServer(t, h, engine.Options{})
	open := s.handshake(t)
	next(t, h.opens)
	status, _ := s.push(t, open.Sid, "4a")
	require.Equal(t, 200, status)
	status, body := s.poll(t, open.Sid)
	require.Equal(t, 200, status)
	assert.Equal(t, "4no:a", body)
}
