package engine

// Batch defers writes so that several packets to many connections become
// one write per connection: a broadcast queues its packet on every
// recipient, then Flush writes each recipient's output once. A Batch is
// used by one goroutine at a time; its zero value is ready to use and it
// may be reused after Flush.
type Batch struct {
	dirty []*Conn
}

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

// queued schedules c after its packets were queued (ok) or refused; it
// unlocks c.mu.
func (b *Batch) queued(c *Conn, ok bool) {
	schedule := ok && !c.scheduled && !c.reading
	if schedule {
		c.scheduled = true
	}
	c.mu.Unlock()
	if !ok {
		c.afterClose()
		return
	}
	if schedule {
		b.dirty = append(b.dirty, c)
	}
}

// Flush writes the queued output of every connection the Batch touched
// (one non-blocking attempt each) and empties the Batch.
func (b *Batch) Flush() {
	for i, c := range b.dirty {
		c.mu.Lock()
		c.scheduled = false
		c.flushLocked()
		closed := c.state != stateOpen
		c.mu.Unlock()
		if closed {
			c.afterClose()
		}
		b.dirty[i] = nil
	}
	b.dirty = b.dirty[:0]
}
