package hostile_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/hostile"
)

// worker is a client that must get total Slow events answered with
// success, whatever happens to the node it is connected to: it keeps up
// to three events in flight, stops sending as soon as it learns that its
// node is going away (an UNAVAILABLE answer or a DISCONNECT), and resends
// what was refused or never answered to the next node.
type worker struct {
	user  string
	total int
	ms    int

	succeeded    int
	lost         int           // sent to the first node, never answered
	resent       int           // refused as UNAVAILABLE or cut by a kill, sent again
	bad          []string      // any other answer
	reconnect    time.Duration // from the end of the first connection to the next CONNECT
	okAfterTerm  int           // successes the first node sent after the signal
	nodesVisited int
}

// fleet is what every worker shares: when the first node was signalled.
type fleet struct {
	signalled atomic.Int64 // unix nanoseconds, 0 before
}

// run works through urls in order until total successes.
func (w *worker) run(f *fleet, urls []string) {
	queue := make([]int, 0, w.total)
	for i := range w.total {
		queue = append(queue, i)
	}
	var ended time.Time
	for _, url := range urls {
		if w.succeeded == w.total {
			return
		}
		conn, err := joinRaw(url, hostile.Token(soakKey, w.user, "s-"+w.user, "", time.Hour))
		if err != nil {
			w.bad = append(w.bad, fmt.Sprintf("connect to %s: %v", url, err))
			continue
		}
		w.nodesVisited++
		if !ended.IsZero() && w.reconnect == 0 {
			w.reconnect = time.Since(ended)
		}
		queue = w.session(f, conn, queue, url == urls[0])
		_ = conn.Close()
		ended = time.Now()
	}
}

// session sends queue's events on conn until they are all answered with
// success or the connection ends; it returns what must be sent again.
func (w *worker) session(f *fleet, conn *websocket.Conn, queue []int, first bool) []int {
	frames := make(chan string, 64)
	go func() {
		defer close(frames)
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				return
			}
			frames <- string(b)
		}
	}()
	defer func() {
		_ = conn.Close()
		for range frames { // let the reader end
		}
	}()
	type inflight struct{ seq int }
	pending := map[uint64]inflight{}
	var nextID uint64
	noticed := false
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		for !noticed && len(pending) < 3 && len(queue) > 0 {
			nextID++
			seq := queue[0]
			queue = queue[1:]
			frame := fmt.Sprintf(`42/app,%d["slow",{"ms":%d,"seq":%d}]`, nextID, w.ms, seq)
			_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
				queue = append(queue, seq)
				noticed = true
				break
			}
			pending[nextID] = inflight{seq: seq}
		}
		if len(pending) == 0 && (noticed || len(queue) == 0) {
			return queue
		}
		var fr string
		var open bool
		select {
		case fr, open = <-frames:
		case <-tick.C:
			continue
		}
		if !open || strings.HasPrefix(fr, "41/app,") {
			// The connection ended: what it did not answer goes again.
			for _, p := range pending {
				if first {
					w.lost++ // sent, never answered
				}
				queue = append(queue, p.seq)
				w.resent++
			}
			return queue
		}
		switch {
		case fr == "2":
			_ = conn.WriteMessage(websocket.TextMessage, []byte("3"))
		case strings.HasPrefix(fr, "43/app,"):
			rest := fr[len("43/app,"):]
			i := strings.IndexByte(rest, '[')
			id, _ := strconv.ParseUint(rest[:i], 10, 64)
			p, ok := pending[id]
			if !ok {
				w.bad = append(w.bad, "unexpected ack "+fr)
				continue
			}
			delete(pending, id)
			var env []struct {
				Success bool `json:"success"`
				Error   struct {
					Code string `json:"code"`
				} `json:"error"`
			}
			_ = json.Unmarshal([]byte(rest[i:]), &env)
			switch {
			case len(env) == 1 && env[0].Success:
				w.succeeded++
				if first && f.signalled.Load() != 0 {
					w.okAfterTerm++
				}
			case len(env) == 1 && env[0].Error.Code == "RATE_LIMITED":
				// Over the budget: send it again after a pause.
				queue = append(queue, p.seq)
				time.Sleep(50 * time.Millisecond)
			case len(env) == 1 && env[0].Error.Code == "UNAVAILABLE":
				noticed = true
				queue = append(queue, p.seq)
				w.resent++
			default:
				w.bad = append(w.bad, "answer "+rest)
			}
		}
	}
}

// joinRaw opens a websocket to base and joins /app with tok.
func joinRaw(base, tok string) (*websocket.Conn, error) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, resp, err := websocket.DefaultDialer.Dial(url, http.Header{})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer func() { _ = conn.SetReadDeadline(time.Time{}) }()
	if _, b, err := conn.ReadMessage(); err != nil || !strings.HasPrefix(string(b), "0{") {
		_ = conn.Close()
		return nil, fmt.Errorf("open packet %q: %v", b, err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`40/app,{"token":"`+tok+`"}`)); err != nil {
		_ = conn.Close()
		return nil, err
	}
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			_ = conn.Close()
			return nil, err
		}
		switch f := string(b); {
		case strings.HasPrefix(f, "40/app,"):
			return conn, nil
		case strings.HasPrefix(f, "44/app,"):
			_ = conn.Close()
			return nil, fmt.Errorf("refused: %s", f)
		}
	}
}

// runFleet starts n workers against a then b, calls fault once they are
// all busy on a, and returns the workers when they are done.
func runFleet(t *testing.T, n, total, ms int, a, b *node, fault func()) []*worker {
	f := &fleet{}
	workers := make([]*worker, n)
	var wg sync.WaitGroup
	for i := range workers {
		workers[i] = &worker{user: fmt.Sprintf("fault-%d", i), total: total, ms: ms}
		wg.Go(func() { workers[i].run(f, []string{a.url, b.url}) })
	}
	time.Sleep(time.Second)
	f.signalled.Store(time.Now().UnixNano())
	fault()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("workers still running after 60 s")
	}
	return workers
}

// summary adds the workers up and checks what every fault test requires:
// each worker got all its events answered with success, on two nodes.
func summary(t *testing.T, workers []*worker) (lost, resent, okAfter int, slowest time.Duration) {
	t.Helper()
	for _, w := range workers {
		assert.Empty(t, w.bad, w.user)
		assert.Equal(t, w.total, w.succeeded, "%s: every event answered with success in the end", w.user)
		assert.Equal(t, 2, w.nodesVisited, "%s moved to the other node", w.user)
		lost += w.lost
		resent += w.resent
		okAfter += w.okAfterTerm
		slowest = max(slowest, w.reconnect)
	}
	return lost, resent, okAfter, slowest
}

// TestSIGTERMUnderLoad sends SIGTERM to a node while 40 clients each
// have up to three events in flight on it (handlers that take 150 ms):
// every event the node had received is answered (in-flight handlers
// finish and answer with success, later ones get UNAVAILABLE at once),
// the node exits cleanly, the clients reconnect to the other node and
// resend what was refused, and nothing is lost.
func TestSIGTERMUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	a, b := startNode(t, "a"), startNode(t, "b")
	workers := runFleet(t, 40, 30, 150, a, b, func() {
		require.NoError(t, a.Cmd.Process.Signal(syscall.SIGTERM))
	})
	require.NoError(t, a.Wait(t, 30*time.Second), "the node exits cleanly")
	lost, resent, okAfter, slowest := summary(t, workers)
	t.Logf("SIGTERM: %d in-flight events answered with success after the signal, %d refused (UNAVAILABLE) or cut and resent, %d lost; slowest reconnection %v",
		okAfter, resent, lost, slowest.Round(time.Millisecond))
	assert.Zero(t, lost, "no event the node received goes unanswered")
	assert.Positive(t, okAfter, "in-flight handlers finish after the signal")
	for _, w := range workers {
		// After a graceful shutdown nothing is cut: what was not handled
		// was refused with UNAVAILABLE, in an answer.
		assert.Zero(t, w.lost, w.user)
	}
}

// TestNodeKilled kills a node (SIGKILL) with 40 clients connected and
// busy: they notice at once, reconnect to the other node and resend what
// the dead node never answered. (Events the dead node had received are
// lost with it; the clients resend them.)
func TestNodeKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	a, b := startNode(t, "a"), startNode(t, "b")
	workers := runFleet(t, 40, 60, 60, a, b, func() {
		require.NoError(t, a.Cmd.Process.Kill())
	})
	_ = a.Wait(t, 10*time.Second)
	lost, _, _, slowest := summary(t, workers)
	t.Logf("SIGKILL: %d events cut by the kill and resent to the other node; slowest reconnection %v", lost, slowest.Round(time.Millisecond))
	assert.Less(t, slowest, 5*time.Second)
}
