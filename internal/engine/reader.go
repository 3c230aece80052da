package engine

import (
	"errors"
	"os"
	"time"
)

// The websocket reader. A connection has a reader goroutine while input
// arrives; with the server's epoll poller (Linux, see poller_linux.go) the
// goroutine hands the connection over to the poller once it has waited
// idleAfter/2 to idleAfter without input, and the poller starts a new one
// when input comes. An active connection thus reads as fast as with a
// goroutine of its own (no epoll system call per message), and an idle one
// costs no goroutine. Without a poller the goroutine lives as long as the
// connection.

// idleAfter is how long a reader goroutine waits for input before it hands
// its connection over to the poller: long enough that a client in a
// conversation (an acknowledgement, then its next event) keeps its reader,
// short enough that few goroutines exist beside the active connections.
const idleAfter = 20 * time.Millisecond

// start begins reading a connection whose handshake is done: on the
// server's poller when there is nothing to deliver first and the
// connection is not a probe, otherwise on a reader goroutine.
func (t *wsTransport) start(initial []byte) {
	defer t.c.srv.gs.end() // handed over: the reader or the poller counts now
	if len(initial) == 0 && !t.probing {
		t.serveMu.Lock()
		ok := t.watch()
		t.serveMu.Unlock()
		if ok {
			return
		}
	}
	t.c.srv.gs.start()
	go t.run(initial)
}

// abandon closes a websocket that is never started.
func (t *wsTransport) abandon() {
	t.closeNet()
	t.c.srv.gs.end()
}

// serve is the reader the poller starts when a watched connection becomes
// readable.
func (t *wsTransport) serve() { t.run(nil) }

// pollable reports whether the reader may hand the connection over to the
// poller (the caller is the reader).
func (t *wsTransport) pollable() bool {
	return t.c.srv.poller != nil && t.rc != nil && !t.probing && !t.ep.refused
}

// watch hands the connection over to the server's poller (the caller is
// its reader, holding serveMu); false when the reader must go on: epoll
// refused it (it then keeps its reader goroutine) or it is closed.
func (t *wsTransport) watch() bool {
	p := t.c.srv.poller
	if p == nil || t.rc == nil {
		return false
	}
	if !p.add(t) {
		t.ep.refused = true
		return false
	}
	if p.arm(t) != nil {
		p.remove(t)
		t.ep.added = false // a new registration if it is ever watched again
		return false
	}
	return true
}

// extendIdleDeadline makes the read deadline idleAfter from now, unless it
// is at least half of that away still: a connection is handed over after
// idleAfter/2 to idleAfter without input, and a busy one moves its
// deadline (a runtime timer) once per idleAfter/2 rather than per read.
// The check reads the monotonic clock only (idleAt carries a monotonic
// reading): half the clock reads of time.Now, on every read.
func (t *wsTransport) extendIdleDeadline() {
	if time.Until(t.idleAt) >= idleAfter/2 {
		return
	}
	t.idleAt = time.Now().Add(idleAfter)
	_ = t.nc.SetReadDeadline(t.idleAt)
}

// run is the connection's reader: it reads, delivers every complete
// message of what arrived as one batch, and ends with the connection, or
// when it hands the connection over to the poller or to another reader
// (see runAfter). serveMu orders it after the reader before it (which may
// have run on another goroutine).
func (t *wsTransport) run(initial []byte) {
	defer t.c.srv.gs.end()
	t.serveMu.Lock()
	if t.loop(initial) {
		t.serveMu.Unlock()
	}
}

// loop is run's body; it returns whether the caller still holds serveMu.
func (t *wsTransport) loop(initial []byte) bool {
	t.warm = false // a new goroutine: its first batch is not run after (see Conn.RunAfterBatch)
	if len(initial) > 0 {
		if held, ok := t.settle(t.consume(initial)); !ok {
			return held
		}
	}
	for {
		pollable := t.pollable()
		if pollable {
			t.extendIdleDeadline()
		}
		buf, n, err := t.read()
		if pollable && errors.Is(err, os.ErrDeadlineExceeded) {
			if t.watch() {
				return true // the poller starts the next reader
			}
			// Closed (the next read says so), or refused: without the
			// idle deadline from now on (a lingering close has its timer).
			_ = t.nc.SetReadDeadline(time.Time{})
			t.idleAt = time.Time{}
			continue
		}
		if err != nil {
			if !t.stopped {
				t.fail(errPeerClosed)
			}
			t.closeNet() // once the reader ends, nothing else needs the connection
			return true
		}
		switch {
		case !t.stopped:
			err = t.consume((*buf)[:n])
		case t.closeAnswered((*buf)[:n]):
			readPool.Put(buf)
			t.closeNet() // the client answered the close: it has read everything
			return true
		}
		readPool.Put(buf)
		if held, ok := t.settle(err); !ok {
			return held
		}
		t.warm = true
	}
}

// settle finishes a batch that consume delivered with err: it handles the
// error, then runs the work asked for after the batch. It returns whether
// the caller still holds serveMu, and whether it goes on reading.
func (t *wsTransport) settle(err error) (held, ok bool) {
	ok = err == nil || t.stop(err)
	if ok && err != nil { // errStop: the session closed during the batch
		// What followed the frame that found it closed is skipped, and
		// may hold the client's answer to the close.
		rest := t.pending
		t.pending = nil
		ok = !t.closeAnswered(rest)
	}
	if !ok {
		t.closeNet()
	}
	if !t.runAfter() {
		return false, false
	}
	return true, ok
}

// runAfter runs the work the Handler asked for during the batch just
// delivered (Conn.RunAfterBatch), if any, on the reader's goroutine (the
// caller, holding serveMu). While it runs the connection is not read: it
// holds no lock, so that Conn.HandOver can start another reader at any
// moment. It returns false when that happened: the caller no longer owns
// the connection and must leave it alone.
func (t *wsTransport) runAfter() bool {
	f := t.after
	if f == nil {
		return true
	}
	t.after = nil
	v := t.inline.Add(1) // odd while f runs
	t.serveMu.Unlock()
	f()
	if t.inline.CompareAndSwap(v, v+1) {
		t.serveMu.Lock()
		return true
	}
	return false // handed over: another goroutine reads the connection
}

// handOver starts a reader goroutine in place of the one running work
// after its batch, if one is; it is a no-op otherwise. Safe for
// concurrent use.
func (t *wsTransport) handOver() {
	v := t.inline.Load()
	if v&1 == 1 && t.inline.CompareAndSwap(v, v+1) {
		t.c.srv.gs.start()
		go t.run(nil)
	}
}
