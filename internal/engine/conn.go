package engine

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is one Engine.IO session. Its methods are safe for concurrent use.
type Conn struct {
	srv      *Server
	id       string
	header   http.Header
	rawQuery string // parsed by Query: an idle connection keeps no map for it
	remote   string
	value    atomic.Pointer[any]

	// rmu is held by whoever delivers packets to the Handler (a websocket
	// reader, a long-polling POST, the handshake's OnOpen, the OnClose
	// delivery), so that Handler calls for one Conn never overlap.
	rmu sync.Mutex
	// batch is the websocket reader delivering a batch that may run work
	// after it (RunAfterBatch); under rmu.
	batch *wsTransport

	mu        sync.Mutex
	state     connState
	reason    string // why it closed
	transport string
	opened    bool // OnOpen was called
	closeSent bool // OnClose was called (or will not be: never opened)

	out       *[]byte // unsent output, encoded for the current transport; nil when empty
	inflight  int     // bytes a drain goroutine is writing
	reading   bool    // a reader is delivering a batch and flushes at its end
	scheduled bool    // a Batch holds this Conn and will flush it
	draining  bool    // a goroutine is writing the output out
	linger    bool    // closing gracefully: half close the websocket at the end
	hdr       [14]byte

	ws           *wsTransport // the websocket once it is the transport
	probe        *wsTransport // a websocket being probed for an upgrade
	upgradeTimer *time.Timer  // ends a probe that does not complete
	poll         pollState

	timer     *time.Timer // heartbeat: ping interval, then ping timeout
	due       time.Time   // when the timer's current phase ends
	awaitPong bool
}

type connState uint8

const (
	stateOpen    connState = iota
	stateClosing           // no more output accepted; what is buffered is being written
	stateClosed
)

// ID returns the Engine.IO session id.
func (c *Conn) ID() string { return c.id }

// Transport returns the current transport: "polling" or "websocket".
func (c *Conn) Transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.transport
}

// RemoteAddr returns the handshake request's remote address.
func (c *Conn) RemoteAddr() string { return c.remote }

// Header returns the handshake request's headers; do not modify them.
func (c *Conn) Header() http.Header { return c.header }

// Query returns the handshake request's query, parsed anew by each call.
func (c *Conn) Query() url.Values {
	q, _ := url.ParseQuery(c.rawQuery)
	return q
}

// SetValue stores the upper layer's per-connection state.
func (c *Conn) SetValue(v any) { c.value.Store(&v) }

// Value returns what SetValue stored, or nil.
func (c *Conn) Value() any {
	if p := c.value.Load(); p != nil {
		return *p
	}
	return nil
}

// Send queues one message packet (text unless binary) and writes it out now:
// one non-blocking write attempt, the rest written later without blocking
// the caller. While the connection's reader is delivering a batch of
// packets, the write happens at the end of that batch instead; on
// long-polling the packet waits for the client's next GET. It returns
// ErrClosed once the connection is closed, and closes the connection with
// ReasonWriteBufferFull (returning ErrClosed) when the packet would take its
// unsent output past Options.MaxBuffered.
func (c *Conn) Send(data []byte, binary bool) error {
	c.mu.Lock()
	return c.sendLocked(c.enqueueLocked(pktMessage, data, binary))
}

// SendGroup queues a text message and the binary messages that follow it
// (a Socket.IO packet and its attachments) as one unit: nothing sent to c
// from elsewhere lands between them, and MaxBuffered counts them together.
// Otherwise as Send.
func (c *Conn) SendGroup(text []byte, binaries [][]byte) error {
	c.mu.Lock()
	return c.sendLocked(c.enqueueGroupLocked(text, binaries))
}

// SendGroupSoon queues as SendGroup but leaves the write to the server's
// flusher (see Batch.FlushSoon), so that what the caller sends next, to
// this connection or others, can share it. For a caller that knows more
// output follows at once: the acknowledgement of an event with others
// queued behind it.
func (c *Conn) SendGroupSoon(text []byte, binaries [][]byte) error {
	c.mu.Lock()
	ok := c.enqueueGroupLocked(text, binaries)
	schedule := c.deferLocked(ok)
	if !ok {
		return ErrClosed
	}
	if schedule {
		c.srv.flusher.add1(c)
	}
	return nil
}

// deferLocked finishes queuing packets (ok) or their refusal for a write
// left to a flush; it unlocks c.mu. It marks c scheduled unless a flush or
// the reader's batch will write it already, and then reports that the
// caller must hand c to a flush. A connection whose output reached flushAt
// is written now (one non-blocking attempt), whoever holds it.
func (c *Conn) deferLocked(ok bool) (schedule bool) {
	schedule = ok && !c.scheduled && !c.reading
	if schedule {
		c.scheduled = true
	}
	if ok && c.outLen() >= flushAt {
		c.flushLocked()
	}
	closed := c.state != stateOpen
	c.mu.Unlock()
	if !ok || closed {
		c.afterClose()
	}
	return schedule
}

// sendLocked finishes a Send whose packets were queued (ok) or refused;
// it unlocks c.mu. It writes at once, even when a Batch or the flusher
// will write too (that write then finds less or nothing to do), unless
// the connection's reader is delivering a batch and writes at its end.
func (c *Conn) sendLocked(ok bool) error {
	if !ok {
		c.mu.Unlock()
		c.afterClose()
		return ErrClosed
	}
	if !c.reading {
		c.flushLocked()
	}
	closed := c.state != stateOpen
	c.mu.Unlock()
	if closed {
		c.afterClose()
	}
	return nil
}

// RunAfterBatch asks the websocket reader that is delivering the current
// batch of packets to run f on its own goroutine once the batch is
// delivered and its output written, before it reads again: work that
// would otherwise be handed to another goroutine. Call it only from
// Handler.OnMessage. It returns false, and f will not run, when the
// reader cannot take it: a long-polling request, a websocket being
// probed, a reader goroutine on its first batch (its stack is still
// small: deep work would grow it, and a connection that has just woken
// up is likely to go idle again), or another f already asked for in this
// batch.
//
// While f runs the connection is not read: no client packet is delivered
// (no acknowledgement, no pong, no close). Whoever depends on the client
// while f runs calls HandOver, which starts another reader; so must a
// deadline on f, so that f cannot stop the connection's input for long.
func (c *Conn) RunAfterBatch(f func()) bool {
	t := c.batch
	if t == nil || t.after != nil {
		return false
	}
	t.after = f
	return true
}

// HandOver makes sure the connection is being read: if its websocket
// reader is running work after its batch (RunAfterBatch), another
// goroutine takes over the reading at once, and the one running the work
// leaves the connection when the work returns. Otherwise it does nothing.
// Safe for concurrent use.
func (c *Conn) HandOver() {
	c.mu.Lock()
	t := c.ws
	c.mu.Unlock()
	if t != nil {
		t.handOver()
	}
}

// Close closes the connection after writing out what is already queued
// (for at most the ping interval plus the ping timeout; on long-polling,
// the client's next GET within the ping timeout gets it); idempotent.
// OnClose follows with reason (ReasonForcedClose when empty).
func (c *Conn) Close(reason string) {
	if reason == "" {
		reason = ReasonForcedClose
	}
	c.mu.Lock()
	c.closeLocked(reason, true)
	c.mu.Unlock()
	c.afterClose()
}

// closeNow closes without writing out queued output (peer gone or hostile).
func (c *Conn) closeNow(reason string) {
	c.mu.Lock()
	c.closeLocked(reason, false)
	c.mu.Unlock()
	c.afterClose()
}

// closeLocked marks the connection closed for reason (the first reason
// wins) and releases or hands over its transport. With graceful, queued
// output (and a close packet) is still written.
func (c *Conn) closeLocked(reason string, graceful bool) {
	if c.state != stateOpen {
		if !graceful && c.state == stateClosing {
			c.linger = false
			c.finishLocked()
		}
		return
	}
	c.reason = reason
	c.state = stateClosing
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.probe != nil {
		c.probe.closeNet()
		c.endProbeLocked()
	}
	if c.transport == TransportPolling {
		c.closePollingLocked(graceful)
		return
	}
	if !graceful {
		c.finishLocked()
		return
	}
	c.linger = true
	c.appendWSClose()
	c.flushLocked()
	if !c.draining {
		c.finishLocked()
	}
}

// finishLocked ends a closing connection: its network connection, its buffers.
// After a graceful close the websocket is only half closed: the client
// gets its last output, a close frame and a FIN, and the reader goes on
// until the client answers the close frame or closes its side (or
// lingerTimeout passes; see linger.go), so that
// nothing the client still sends makes the kernel reset the connection
// under the output it has not read yet.
func (c *Conn) finishLocked() {
	c.state = stateClosed
	c.releaseOut()
	c.wakePollLocked() // a GET still waiting ends with a close packet
	switch {
	case c.ws == nil:
	case c.linger:
		c.ws.closeWrite()
	default:
		c.ws.closeNet()
	}
}

// afterClose runs, outside c.mu, what follows a close: the Handler hears
// of it once, and the server forgets the session once nothing more is
// written for it. Called after any operation that may have closed c.
func (c *Conn) afterClose() {
	c.mu.Lock()
	st, sent := c.state, c.closeSent
	c.mu.Unlock()
	if st == stateOpen {
		return
	}
	if st == stateClosed {
		c.srv.forget(c)
	}
	if !sent {
		c.deliverClose()
	}
}

// deliverClose calls OnClose once, unless someone delivering packets holds
// rmu: that one calls deliverClose again when it lets go.
func (c *Conn) deliverClose() {
	if !c.rmu.TryLock() {
		return
	}
	c.mu.Lock()
	call := c.state != stateOpen && !c.closeSent && c.opened
	if c.state != stateOpen {
		c.closeSent = true
	}
	reason := c.reason
	c.mu.Unlock()
	if call {
		if log := c.srv.cfg.Logger; log.Enabled(context.Background(), slog.LevelDebug) {
			log.Debug("engine: connection closed", "sid", c.id, "remote", c.remote, "reason", reason)
		}
		c.srv.h.OnClose(c, reason)
	}
	c.rmu.Unlock()
}

// unlockReader lets go of rmu and delivers a close that happened meanwhile.
func (c *Conn) unlockReader() {
	c.rmu.Unlock()
	c.afterClose()
}

// isOpen reports whether packets may still be delivered.
func (c *Conn) isOpen() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateOpen
}

// ---- heartbeat: one runtime timer per connection, no goroutine while armed ----

func (c *Conn) startHeartbeat() {
	c.mu.Lock()
	if c.state == stateOpen {
		c.due = time.Now().Add(c.srv.cfg.PingInterval)
		c.timer = time.AfterFunc(c.srv.cfg.PingInterval, c.onTimer)
	}
	c.mu.Unlock()
}

func (c *Conn) onTimer() {
	c.mu.Lock()
	if c.state == stateClosing && c.transport == TransportPolling && !c.poll.getActive {
		// closed, and the client did not come for what was left
		c.state = stateClosed
		c.releaseOut()
		c.mu.Unlock()
		c.afterClose()
		return
	}
	if c.state != stateOpen {
		c.mu.Unlock()
		return
	}
	if c.awaitPong {
		c.closeLocked(ReasonPingTimeout, false)
		c.mu.Unlock()
		c.afterClose()
		return
	}
	c.awaitPong = true
	// The deadline counts from when the ping was due, not from when this
	// callback ran, so that a late timer does not lengthen the timeout.
	c.due = c.due.Add(c.srv.cfg.PingTimeout)
	c.timer.Reset(time.Until(c.due))
	if c.enqueueLocked(pktPing, nil, false) && !c.reading && !c.scheduled {
		c.flushLocked()
	}
	c.mu.Unlock()
	c.afterClose()
}

func (c *Conn) onPong() {
	c.mu.Lock()
	if c.awaitPong && c.state == stateOpen {
		c.awaitPong = false
		c.due = time.Now().Add(c.srv.cfg.PingInterval)
		c.timer.Reset(c.srv.cfg.PingInterval)
	}
	c.mu.Unlock()
}

// checkPingDeadlineLocked closes a connection whose pong is overdue even
// if its timer has not run yet (a long-polling request must not find a
// session that already timed out).
func (c *Conn) checkPingDeadlineLocked() {
	if c.state == stateOpen && c.awaitPong && time.Now().After(c.due) {
		c.closeLocked(ReasonPingTimeout, false)
	}
}
