package engine

import (
	"runtime"
	"sync"
)

// Batch defers writes so that several packets to many connections become
// one write per connection: a broadcast queues its packet on every
// recipient, then Flush writes each recipient's output once, or FlushSoon
// leaves the writes to the server's flusher so that the broadcasts that
// follow share them. A Batch is used by one goroutine at a time; its zero
// value is ready to use and it may be reused after Flush or FlushSoon.
type Batch struct {
	dirty []*Conn
}

// flushAt is the output a scheduled connection may gather before it is
// written without waiting for its flush: it keeps the output poolable
// (maxPooledOut) and far below MaxBuffered while writes are deferred.
const flushAt = maxPooledOut / 2

// Send queues one message packet on c (as Conn.Send, without writing it
// yet). Errors are those of Conn.Send and are dropped: a connection that
// closed meanwhile reports its close to the Handler.
func (b *Batch) Send(c *Conn, data []byte, binary bool) {
	c.mu.Lock()
	b.queued(c, c.enqueueLocked(pktMessage, data, binary))
}

// SendGroup queues a text message and binary messages on c as one unit,
// as Conn.SendGroup, without writing them yet.
func (b *Batch) SendGroup(c *Conn, text []byte, binaries [][]byte) {
	c.mu.Lock()
	b.queued(c, c.enqueueGroupLocked(text, binaries))
}

// queued adds c to the Batch after its packets were queued (ok) or
// refused, unless a flush will write it already; it unlocks c.mu.
func (b *Batch) queued(c *Conn, ok bool) {
	if c.deferLocked(ok) {
		b.dirty = append(b.dirty, c)
	}
}

// Flush writes the queued output of every connection the Batch touched
// (one non-blocking attempt each) and empties the Batch.
func (b *Batch) Flush() {
	flushConns(b.dirty)
	b.dirty = b.dirty[:0]
}

// FlushSoon hands the connections the Batch touched to their server's
// flusher and empties the Batch. The flusher is a goroutine per server,
// started when it has work and ended when it has none; it writes each
// connection's output once (one non-blocking attempt). Packets queued on a
// connection before the flusher reaches it go out with the same write:
// with one processor, a goroutine that broadcasts several times in a row
// has all its broadcasts written once it blocks or is preempted; with
// several, the flusher writes on another processor while the next
// broadcasts queue up. A Batch of one connection is flushed at once.
func (b *Batch) FlushSoon() {
	if len(b.dirty) <= 1 {
		b.Flush()
		return
	}
	start := 0
	for i := 1; i <= len(b.dirty); i++ {
		if i == len(b.dirty) || b.dirty[i].srv != b.dirty[start].srv {
			b.dirty[start].srv.flusher.add(b.dirty[start:i])
			start = i
		}
	}
	clear(b.dirty)
	b.dirty = b.dirty[:0]
}

// flushConns writes each connection's output (one non-blocking attempt
// each) and clears the slice. The connections were scheduled.
func flushConns(conns []*Conn) {
	for i, c := range conns {
		c.mu.Lock()
		c.scheduled = false
		c.flushLocked()
		closed := c.state != stateOpen
		c.mu.Unlock()
		if closed {
			c.afterClose()
		}
		conns[i] = nil
	}
}

// yieldEvery is how many connections the flusher writes before it lets
// the other goroutines run: with one processor, a goroutine that
// broadcasts again meanwhile queues its packet on the connections not
// written yet, which then take both in one write, and readers and
// handlers do not wait for the end of a long pass.
const yieldEvery = 64

// flusher writes the connections handed to FlushSoon, on a goroutine that
// runs while there are some.
type flusher struct {
	gs      *goroutines
	mu      sync.Mutex
	pending []*Conn
	spare   []*Conn
	running bool
}

// add queues scheduled connections and starts the flusher if it is not
// running.
func (f *flusher) add(conns []*Conn) {
	f.mu.Lock()
	f.pending = append(f.pending, conns...)
	start := !f.running
	f.running = true
	f.mu.Unlock()
	if start {
		f.gs.start()
		go f.run()
	}
}

// add1 is add for one connection.
func (f *flusher) add1(c *Conn) {
	f.mu.Lock()
	f.pending = append(f.pending, c)
	start := !f.running
	f.running = true
	f.mu.Unlock()
	if start {
		f.gs.start()
		go f.run()
	}
}

func (f *flusher) run() {
	defer f.gs.end()
	for {
		f.mu.Lock()
		conns := f.pending
		if len(conns) == 0 {
			f.running = false
			f.mu.Unlock()
			return
		}
		f.pending, f.spare = f.spare[:0], nil
		f.mu.Unlock()
		for i := 0; i < len(conns); i += yieldEvery {
			if i > 0 {
				runtime.Gosched() // between chunks, not after the last
			}
			flushConns(conns[i:min(i+yieldEvery, len(conns))])
		}
		f.mu.Lock()
		f.spare = conns[:0]
		f.mu.Unlock()
	}
}
