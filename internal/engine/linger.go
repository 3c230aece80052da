package engine

import (
	"errors"
	"io"

	"github.com/gobwas/ws"
)

// After a graceful close the websocket lingers, half closed (closeWrite),
// and its reader discards what the client still sends. RFC 6455 has the
// server close the TCP connection once it has sent and received a close
// frame: a client that answered the server's close frame has read all
// the output before it and sends nothing more, so the reader closes the
// connection when that answer arrives instead of waiting for the client
// to close its side (which browsers and the Go clients leave to the
// server) until lingerTimeout. Server.Close waits for that moment.

// skipFrames scans what the client sent after the session closed, frame
// by frame without reading payloads, and reports whether a close frame is
// among it. Frame boundaries carry over between calls (pending holds a
// partial header, skip the rest of a payload); bytes that are no frame
// count as the end too: nothing worth waiting for follows them.
func (t *wsTransport) skipFrames(chunk []byte) bool {
	for len(chunk) > 0 {
		if t.skip > 0 {
			n := min(t.skip, int64(len(chunk)))
			t.skip -= n
			chunk = chunk[n:]
			continue
		}
		data := chunk
		if len(t.pending) > 0 {
			t.pending = append(t.pending, chunk...)
			data = t.pending
		}
		t.br.Reset(data)
		h, err := ws.ReadHeaderBuffer(&t.br, t.hdr[:])
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			t.keep(data, 0)
			return false
		}
		if err != nil || h.OpCode == ws.OpClose {
			return true
		}
		rest := data[len(data)-t.br.Len():]
		t.pending = nil // rest may still point into its array: it is only read
		t.skip = h.Length
		chunk = rest
	}
	return false
}

// closeAnswered skips chunk (skipFrames) and reports whether the client
// has answered the server's close: a close frame came and the session is
// fully closed, its own close frame out. The connection can then be
// closed.
func (t *wsTransport) closeAnswered(chunk []byte) bool {
	if !t.skipFrames(chunk) {
		return false
	}
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateClosed
}
