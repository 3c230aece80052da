package engine

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

const (
	readBufSize      = 16 << 10
	handshakeTimeout = 10 * time.Second
	probeWriteWait   = 10 * time.Second
	lingerTimeout    = 5 * time.Second
)

var readPool = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

var (
	errFrame      = errors.New("engine: invalid websocket frame")
	errTooLarge   = errors.New("engine: message over MaxPayload")
	errPeerClosed = errors.New("engine: websocket closed by the client")
	errBadProbe   = errors.New("engine: unexpected packet during upgrade")
)

// wsTransport is one websocket connection: its reader state and its
// network connection. Only its reader (run, see reader.go) touches the
// reader state; serveMu orders the successive readers that the poller
// starts.
type wsTransport struct {
	c  *Conn
	nc net.Conn
	// rc lets the reader wait for data without holding a buffer and the
	// writer write without blocking; nil when the connection has none
	// (a *tls.Conn): then reads block on a buffer and writes go to a drain
	// goroutine.
	rc syscall.RawConn
	// The raw callbacks and their results live here, so that a read or a
	// write allocates no closure.
	readFn, writeFn func(fd uintptr) bool
	rbuf            *[]byte
	rn, wn          int
	rerr, werr      error
	wbuf            []byte

	pending    []byte    // an incomplete frame
	skip       int64     // after the close: payload bytes still to skip (see skipFrames)
	msg        []byte    // fragments of an incomplete message
	msgOp      ws.OpCode // the fragmented message's opcode
	fragmented bool
	hdr        [ws.MaxHeaderSize]byte
	br         bytes.Reader

	probing bool // upgrade from long-polling not complete
	probed  bool // "2probe" answered
	stopped bool // the session closed: what the client sends is discarded
	// warm is set once the reader goroutine has delivered a batch: it may
	// then run work after the next ones (Conn.RunAfterBatch).
	warm bool
	// after is the work to run once the current batch is delivered.
	after func()
	// inline counts the reader's runs of such work: odd while one runs
	// (see runAfter, handOver). A count, not a flag: a goroutine whose
	// work was handed over must not, when its work returns, take the
	// connection back from a later reader running work of its own.
	inline atomic.Uint64

	ep      epollLink // its registration with the server's poller
	idleAt  time.Time // the read deadline the reader set last
	serveMu sync.Mutex
	linger  atomic.Pointer[time.Timer] // closes a half-closed connection

	closeOnce sync.Once
}

// newWSTransport counts the websocket for Server.Close until it is
// started (or abandoned).
func newWSTransport(c *Conn, nc net.Conn) *wsTransport {
	t := &wsTransport{c: c, nc: nc}
	c.srv.gs.start()
	if sc, ok := nc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			t.rc = rc
			t.readFn, t.writeFn = t.doRead, t.doWrite
		}
	}
	return t
}

// upgradeWebsocket completes the websocket handshake and returns the
// transport and the bytes the client sent after it; nil when it failed
// (gobwas/ws then answered the client).
func upgradeWebsocket(w http.ResponseWriter, r *http.Request, c *Conn) (*wsTransport, []byte) {
	nc, rw, _, err := ws.HTTPUpgrader{Timeout: handshakeTimeout}.Upgrade(r, w)
	if err != nil {
		if nc != nil {
			_ = nc.Close()
		}
		return nil, nil
	}
	return newWSTransport(c, nc), buffered(rw)
}

// buffered copies what the HTTP server had read past the handshake.
func buffered(rw *bufio.ReadWriter) []byte {
	n := rw.Reader.Buffered()
	if n == 0 {
		return nil
	}
	b, _ := rw.Reader.Peek(n)
	return append([]byte(nil), b...)
}

// closeNet closes the network connection, once, having taken it out of
// the poller for good: an event for it still in flight then finds no
// connection, and its reader, should it hand it over meanwhile, is
// refused (it then reads on and ends on the closed connection).
func (t *wsTransport) closeNet() {
	t.closeOnce.Do(func() {
		if tm := t.linger.Load(); tm != nil {
			tm.Stop()
		}
		if p := t.c.srv.poller; p != nil {
			p.close(t)
		}
		if testHookCloseNet != nil {
			testHookCloseNet(t)
		}
		_ = t.nc.Close()
		t.c.srv.lingering.remove(t)
	})
}

// testHookCloseNet, when set by a test, runs in closeNet between the
// poller's forgetting the connection and the descriptor's closing.
var testHookCloseNet func(*wsTransport)

// closeWrite half closes the connection after the last output; the reader
// closes it when the client has answered the close frame or closed its
// side, or at lingerTimeout: the
// read deadline ends a reader goroutine's wait, the timer (no goroutine
// until it fires) a connection that the poller watches.
func (t *wsTransport) closeWrite() {
	// Listed before the half close: once it is done the reader may close
	// the connection at any moment, and closeNet's one removal must find
	// it listed.
	t.c.srv.lingering.add(t)
	cw, ok := t.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		t.closeNet()
		t.c.srv.lingering.remove(t) // closeNet may have run before the add
		return
	}
	d := t.c.srv.cfg.lingerTimeout
	_ = t.nc.SetReadDeadline(time.Now().Add(d))
	t.linger.Store(time.AfterFunc(d, t.closeNet))
}

// tryWrite writes what the socket takes without blocking (under Conn.mu).
func (t *wsTransport) tryWrite(b []byte) (int, error) {
	if t.rc == nil {
		return 0, nil
	}
	t.wbuf, t.wn = b, 0 // a closed descriptor runs no callback: nothing written
	err := t.rc.Write(t.writeFn)
	n, werr := max(t.wn, 0), t.werr
	t.wbuf, t.werr = nil, nil
	if err != nil {
		return n, err
	}
	if werr == syscall.EAGAIN {
		werr = nil
	}
	return n, werr
}

// doWrite is the raw write callback; it never asks to wait.
func (t *wsTransport) doWrite(fd uintptr) bool {
	for {
		t.wn, t.werr = writeNonblocking(fd, t.wbuf)
		if t.werr != syscall.EINTR {
			return true
		}
	}
}

func (t *wsTransport) writeBlocking(b []byte, timeout time.Duration) error {
	_ = t.nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err := t.nc.Write(b)
	return err
}

// read returns the next bytes from the client in a pooled buffer. With a
// raw connection it waits for readability without holding a buffer.
func (t *wsTransport) read() (*[]byte, int, error) {
	if t.rc == nil {
		b := readPool.Get().(*[]byte)
		n, err := t.nc.Read(*b)
		if n > 0 {
			return b, n, nil
		}
		readPool.Put(b)
		if err == nil {
			err = io.EOF
		}
		return nil, 0, err
	}
	err := t.rc.Read(t.readFn)
	buf, n := t.rbuf, t.rn
	t.rbuf = nil
	if err == nil {
		err = t.rerr
	}
	if err == nil && n <= 0 {
		err = io.EOF
	}
	if err != nil {
		if buf != nil {
			readPool.Put(buf)
		}
		return nil, 0, err
	}
	return buf, n, nil
}

// doRead is the raw read callback: it takes a pooled buffer only when
// there is something to read, and otherwise asks to wait holding nothing.
func (t *wsTransport) doRead(fd uintptr) bool {
	b := readPool.Get().(*[]byte)
	for {
		t.rn, t.rerr = syscall.Read(int(fd), *b)
		if t.rerr != syscall.EINTR {
			break
		}
	}
	if t.rerr == syscall.EAGAIN {
		readPool.Put(b)
		return false
	}
	t.rbuf = b
	return true
}

// stop handles an error of consume; true means: keep reading, and
// discarding, because the session closed while its last output may still
// be going out (see Conn.finishLocked).
func (t *wsTransport) stop(err error) bool {
	if errors.Is(err, errStop) && !t.probing {
		t.stopped = true
		return true
	}
	t.fail(err)
	return false
}

// consume handles the bytes of one read (which it does not keep).
func (t *wsTransport) consume(chunk []byte) error {
	data := chunk
	if len(t.pending) > 0 {
		t.pending = append(t.pending, chunk...)
		data = t.pending
	}
	used, err := t.process(data)
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	t.keep(data, used) // after errStop, the frames that follow (see settle)
	return err
}

// keep retains the incomplete frame at the end of data for the next read.
func (t *wsTransport) keep(data []byte, used int) {
	rest := data[used:]
	switch {
	case len(rest) == 0:
		t.pending = nil
	case len(t.pending) > 0: // data is t.pending
		t.pending = t.pending[:copy(t.pending, rest)]
	default:
		t.pending = append(make([]byte, 0, len(rest)+readBufSize), rest...)
	}
}

// fail ends the reader: a probe only closes itself, the session's own
// websocket closes the session with the matching reason.
func (t *wsTransport) fail(err error) {
	c := t.c
	if t.probing {
		t.closeNet()
		c.mu.Lock()
		if c.probe == t {
			c.endProbeLocked()
		}
		c.mu.Unlock()
		return
	}
	switch {
	case errors.Is(err, errStop):
	case errors.Is(err, errPeerClosed):
		c.closeNow(ReasonTransportClose)
	case errors.Is(err, errBadPacket):
		c.closeNow(ReasonParseError)
	default:
		c.closeNow(ReasonTransportError)
	}
}

// process handles every complete frame in data and returns the bytes used.
func (t *wsTransport) process(data []byte) (int, error) {
	c := t.c
	c.rmu.Lock()
	c.beginRead()
	if t.warm && !t.probing {
		c.batch = t
	}
	defer func() {
		c.batch = nil
		c.endRead()
		c.unlockReader()
	}()
	off := 0
	for {
		t.br.Reset(data[off:])
		h, err := ws.ReadHeaderBuffer(&t.br, t.hdr[:])
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return off, nil
		}
		if err != nil {
			return off, errFrame
		}
		state := ws.StateServerSide
		if t.fragmented {
			state |= ws.StateFragmented
		}
		if ws.CheckHeader(h, state) != nil {
			return off, errFrame
		}
		if h.Length > int64(c.srv.cfg.MaxPayload) {
			return off, errTooLarge
		}
		if int64(t.br.Len()) < h.Length {
			return off, nil
		}
		start := off + len(data[off:]) - t.br.Len()
		p := data[start : start+int(h.Length)]
		ws.Cipher(p, h.Mask, 0)
		off = start + int(h.Length)
		if err := t.frame(h, p); err != nil {
			return off, err
		}
	}
}

// frame handles one unmasked frame.
func (t *wsTransport) frame(h ws.Header, p []byte) error {
	switch h.OpCode {
	case ws.OpText, ws.OpBinary:
		if !h.Fin {
			t.fragmented, t.msgOp = true, h.OpCode
			t.msg = append(t.msg[:0], p...)
			return nil
		}
		return t.message(h.OpCode, p)
	case ws.OpContinuation:
		if len(t.msg)+len(p) > t.c.srv.cfg.MaxPayload {
			return errTooLarge
		}
		t.msg = append(t.msg, p...)
		if !h.Fin {
			return nil
		}
		t.fragmented = false
		err := t.message(t.msgOp, t.msg)
		t.msg = nil
		return err
	case ws.OpPing:
		return t.control(ws.OpPong, p)
	case ws.OpClose:
		if t.probing {
			return errPeerClosed
		}
		c := t.c
		c.mu.Lock()
		closed := c.state == stateClosed
		c.closeLocked(ReasonTransportClose, true) // answers with a close frame
		c.mu.Unlock()
		if closed {
			return errPeerClosed // the answer to the server's close frame (see linger.go)
		}
		return errStop
	}
	return nil // pong
}

// control answers a websocket ping.
func (t *wsTransport) control(op ws.OpCode, p []byte) error {
	if t.probing {
		return t.writeDirect(op, p)
	}
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen {
		return errStop
	}
	if c.out == nil {
		c.out = outPool.Get().(*[]byte)
	}
	_ = ws.WriteHeaderBuffer(outWriter{c}, ws.Header{Fin: true, OpCode: op, Length: int64(len(p))}, c.hdr[:])
	*c.out = append(*c.out, p...)
	return nil
}

// message handles one complete websocket message.
func (t *wsTransport) message(op ws.OpCode, m []byte) error {
	p := packet{typ: pktMessage, data: m, binary: true}
	if op == ws.OpText {
		if !utf8.Valid(m) {
			return errBadPacket
		}
		var err error
		if p, err = parseText(m); err != nil {
			return err
		}
	}
	if t.probing {
		return t.probePacket(p)
	}
	return t.c.handlePacket(p)
}

// writeDirect writes one frame on a probing websocket (not yet the
// session's transport, so not through its output).
func (t *wsTransport) writeDirect(op ws.OpCode, p []byte) error {
	var b bytes.Buffer
	_ = ws.WriteFrame(&b, ws.NewFrame(op, true, p))
	return t.writeBlocking(b.Bytes(), probeWriteWait)
}
