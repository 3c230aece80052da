package engine

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// pollState is the long-polling side of a Conn (guarded by Conn.mu).
type pollState struct {
	getActive    bool
	postActive   bool
	wake         chan struct{} // capacity 1: output arrived, or the session changed
	clientClosed bool          // the client sent a close packet: a waiting GET gets a noop
	probed       bool          // a websocket probe was answered: GETs end with a noop after probeNoopDelay
	noopTimer    *time.Timer   // armed while a GET waits during an answered probe
	noopDue      bool          // noopTimer fired: the waiting GET ends with a noop
}

var errStop = errors.New("engine: connection closed while reading")

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (c *Conn) wakePollLocked() {
	if c.poll.getActive {
		select {
		case c.poll.wake <- struct{}{}:
		default:
		}
	}
}

// closePollingLocked closes a long-polling session: a waiting GET writes
// what is left (graceful) and a close packet, then the session is closed.
func (c *Conn) closePollingLocked(graceful bool) {
	if !graceful {
		c.releaseOut()
	}
	if c.poll.getActive {
		c.wakePollLocked()
		return
	}
	if (graceful && c.outLen() > 0 || c.poll.clientClosed) && c.timer != nil {
		// The client's next GET takes what is left and the close (or, when
		// the client closed, a noop: its GET may have raced its POST).
		c.timer.Reset(c.srv.cfg.PingTimeout)
		return
	}
	c.state = stateClosed
	c.releaseOut()
}

// serveGet answers a long-polling GET with the queued output, waiting for
// some when there is none.
func (c *Conn) serveGet(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.checkPingDeadlineLocked()
	if c.state == stateClosed {
		c.mu.Unlock()
		refuse(w, r, errUnknownSid)
		c.afterClose()
		return
	}
	if c.transport != TransportPolling {
		c.mu.Unlock()
		refuse(w, r, errBadRequest)
		return
	}
	if c.poll.getActive { // a second concurrent GET closes the session
		c.closeLocked(ReasonTransportError, false)
		c.mu.Unlock()
		refuse(w, r, errBadRequest)
		c.afterClose()
		return
	}
	c.poll.getActive = true
	for c.state == stateOpen && c.outLen() == 0 && !c.poll.noopDue && c.transport == TransportPolling {
		c.armProbeNoopLocked()
		c.mu.Unlock()
		select {
		case <-c.poll.wake:
			c.mu.Lock()
		case <-r.Context().Done(): // the client gave up the request
			c.mu.Lock()
			c.poll.getActive = false
			c.stopProbeNoopLocked()
			c.closeLocked(ReasonTransportError, false)
			c.mu.Unlock()
			c.afterClose()
			return
		}
	}
	body := c.takePollBodyLocked()
	c.poll.getActive = false
	c.stopProbeNoopLocked() // the next GET waits its own delay
	c.mu.Unlock()
	// a client that does not read its response holds only its own request
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(c.srv.ioTimeout()))
	writePayload(w, *body)
	*body = (*body)[:0]
	outPool.Put(body)
	c.afterClose()
}

// takePollBodyLocked takes the response for an ending GET.
func (c *Conn) takePollBodyLocked() *[]byte {
	var body *[]byte
	switch {
	case c.transport != TransportPolling || (c.state == stateOpen && c.outLen() == 0):
		body = outPool.Get().(*[]byte)
		*body = append(*body, pktNoop)
	case c.state == stateOpen:
		body, c.out = c.out, nil
	default: // closing: what is left, then close (or noop when the client closed)
		body, c.out = c.out, nil
		if body == nil {
			body = outPool.Get().(*[]byte)
		}
		end := pktClose
		if c.poll.clientClosed {
			end = pktNoop
		}
		*body = appendPayloadPacket(*body, end, nil, false)
		c.state = stateClosed
	}
	return body
}

func writePayload(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// servePost reads a long-polling payload and delivers its packets.
func (c *Conn) servePost(w http.ResponseWriter, r *http.Request) {
	// a client that trickles its body holds only its own request, and not
	// for longer than this
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(c.srv.ioTimeout()))
	c.mu.Lock()
	c.checkPingDeadlineLocked()
	switch {
	case c.state != stateOpen:
		c.mu.Unlock()
		refuse(w, r, errUnknownSid)
		c.afterClose()
		return
	case c.transport != TransportPolling:
		c.mu.Unlock()
		refuse(w, r, errBadRequest)
		return
	case c.poll.postActive: // a second concurrent POST closes the session
		c.closeLocked(ReasonTransportError, false)
		c.mu.Unlock()
		refuse(w, r, errBadRequest)
		c.afterClose()
		return
	}
	c.poll.postActive = true
	c.mu.Unlock()

	buf := bodyPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledOut {
			buf.Reset()
			bodyPool.Put(buf)
		}
	}()
	max := int64(c.srv.cfg.MaxPayload)
	_, err := buf.ReadFrom(io.LimitReader(r.Body, max+1))
	if err == nil && int64(buf.Len()) > max {
		c.endPost()
		c.closeNow(ReasonTransportError)
		refuse(w, r, errPayloadTooLarge)
		return
	}
	if err != nil {
		c.endPost()
		c.closeNow(ReasonTransportError)
		refuse(w, r, errBadRequest)
		return
	}

	c.rmu.Lock()
	c.beginRead()
	_, err = decodePayload(buf.Bytes(), nil, c.handlePacket)
	if errors.Is(err, errBadPacket) {
		c.closeNow(ReasonParseError)
	}
	c.endRead()
	c.endPost()
	c.unlockReader()
	if errors.Is(err, errBadPacket) {
		refuse(w, r, errBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, "ok")
}

func (c *Conn) endPost() {
	c.mu.Lock()
	c.poll.postActive = false
	c.mu.Unlock()
}

// beginRead marks a reader batch: output queued meanwhile is written at its end.
func (c *Conn) beginRead() {
	c.mu.Lock()
	c.reading = true
	c.mu.Unlock()
}

// endRead ends a reader batch and writes what it queued.
func (c *Conn) endRead() {
	c.mu.Lock()
	c.reading = false
	c.flushLocked()
	c.mu.Unlock()
}

// handlePacket delivers one packet from the client (either transport);
// errStop ends the batch because the connection closed.
func (c *Conn) handlePacket(p packet) error {
	if !c.isOpen() {
		return errStop
	}
	switch p.typ {
	case pktMessage:
		c.srv.h.OnMessage(c, p.data, p.binary)
	case pktPong:
		c.onPong()
	case pktClose:
		c.mu.Lock()
		c.poll.clientClosed = true
		c.mu.Unlock()
		c.closeNow(ReasonTransportClose)
		return errStop
	case pktPing: // only the server pings in Engine.IO v4
		c.closeNow(ReasonTransportError)
		return errStop
	}
	return nil // open, upgrade and noop packets carry nothing here
}
