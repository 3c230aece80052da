package engine

import (
	"sync"

	"github.com/gobwas/ws"
)

// Output of a connection: one pooled byte slice, encoded for the current
// transport (websocket frames, or a long-polling payload). It is written by
// whoever queued it (one non-blocking attempt), by the reader at the end of
// its batch, or by a Batch's Flush; what the socket does not take at once is
// written by a short-lived drain goroutine. Nothing is held when idle.

const maxPooledOut = 64 << 10 // larger buffers go to the garbage collector

var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// outWriter lets gobwas/ws write a frame header straight into c.out.
type outWriter struct{ c *Conn }

func (w outWriter) Write(p []byte) (int, error) {
	*w.c.out = append(*w.c.out, p...)
	return len(p), nil
}

// enqueueLocked appends one packet to the output. It returns false, having
// closed the connection, when the connection is not open or the packet
// would take the unsent output past MaxBuffered.
func (c *Conn) enqueueLocked(typ byte, data []byte, binary bool) bool {
	if !c.reserveLocked(c.encodedLen(data, binary)) {
		return false
	}
	c.appendLocked(typ, data, binary)
	return true
}

// enqueueGroupLocked appends a text message and binary messages as one unit.
func (c *Conn) enqueueGroupLocked(text []byte, binaries [][]byte) bool {
	need := c.encodedLen(text, false)
	for _, b := range binaries {
		need += c.encodedLen(b, true)
	}
	if !c.reserveLocked(need) {
		return false
	}
	c.appendLocked(pktMessage, text, false)
	for _, b := range binaries {
		c.appendLocked(pktMessage, b, true)
	}
	return true
}

// encodedLen bounds what a packet takes in the output.
func (c *Conn) encodedLen(data []byte, binary bool) int {
	if c.transport == TransportPolling {
		return payloadPacketLen(data, binary)
	}
	return len(data) + 1 + ws.MaxHeaderSize
}

// reserveLocked checks that need more bytes fit under MaxBuffered; when
// they do not (or the connection is not open) it closes and returns false.
func (c *Conn) reserveLocked(need int) bool {
	if c.state != stateOpen {
		return false
	}
	if c.outLen()+c.inflight+need > c.srv.cfg.MaxBuffered {
		c.closeLocked(ReasonWriteBufferFull, false)
		return false
	}
	if c.out == nil {
		c.out = outPool.Get().(*[]byte)
	}
	return true
}

func (c *Conn) appendLocked(typ byte, data []byte, binary bool) {
	if c.transport == TransportPolling {
		*c.out = appendPayloadPacket(*c.out, typ, data, binary)
		c.wakePollLocked()
		return
	}
	c.appendFrame(typ, data, binary)
}

// appendFrame appends one packet as a websocket frame: a text frame of the
// type digit and data, or a binary frame of the data alone.
func (c *Conn) appendFrame(typ byte, data []byte, binary bool) {
	h := ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(data) + 1)}
	if binary {
		h.OpCode, h.Length = ws.OpBinary, int64(len(data))
	}
	_ = ws.WriteHeaderBuffer(outWriter{c}, h, c.hdr[:]) // cannot fail: the writer appends
	if !binary {
		*c.out = append(*c.out, typ)
	}
	*c.out = append(*c.out, data...)
}

// appendWSClose queues a websocket close frame (normal closure).
func (c *Conn) appendWSClose() {
	if c.out == nil {
		c.out = outPool.Get().(*[]byte)
	}
	body := ws.NewCloseFrameBody(ws.StatusNormalClosure, "")
	_ = ws.WriteHeaderBuffer(outWriter{c}, ws.Header{Fin: true, OpCode: ws.OpClose, Length: int64(len(body))}, c.hdr[:])
	*c.out = append(*c.out, body...)
}

func (c *Conn) outLen() int {
	if c.out == nil {
		return 0
	}
	return len(*c.out)
}

func (c *Conn) releaseOut() {
	if c.out == nil {
		return
	}
	if cap(*c.out) <= maxPooledOut {
		*c.out = (*c.out)[:0]
		outPool.Put(c.out)
	}
	c.out = nil
}

// flushLocked writes the websocket output without blocking; the remainder
// goes to a drain goroutine. Long-polling output waits for a GET instead.
func (c *Conn) flushLocked() {
	if c.transport != TransportWebsocket || c.draining || c.outLen() == 0 || c.state == stateClosed {
		return
	}
	n, err := c.ws.tryWrite(*c.out)
	if n > 0 {
		rest := copy(*c.out, (*c.out)[n:])
		*c.out = (*c.out)[:rest]
	}
	switch {
	case err != nil:
		c.closeLocked(ReasonTransportError, false)
	case len(*c.out) == 0:
		c.releaseOut()
	default:
		c.draining = true
		c.srv.gs.start()
		go c.drain()
	}
}

// drain writes the output with blocking writes until it is empty, then ends.
func (c *Conn) drain() {
	defer c.srv.gs.end()
	for {
		c.mu.Lock()
		if c.state == stateClosed || c.outLen() == 0 {
			c.draining = false
			if c.state == stateClosing {
				c.finishLocked()
			}
			c.mu.Unlock()
			c.afterClose()
			return
		}
		buf := c.out
		c.out = nil
		c.inflight = len(*buf)
		t := c.ws
		c.mu.Unlock()

		err := t.writeBlocking(*buf, c.srv.ioTimeout())
		if cap(*buf) <= maxPooledOut {
			*buf = (*buf)[:0]
			outPool.Put(buf)
		}
		c.mu.Lock()
		c.inflight = 0
		if err != nil {
			c.closeLocked(ReasonTransportError, false) // also finishes a closing one
			c.draining = false
			c.mu.Unlock()
			c.afterClose()
			return
		}
		c.mu.Unlock()
	}
}
