package rtkit

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"

	ws "github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/v3/pkg/queue"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// The websocket transport, with one write system call per batch.
//
// The engine hands its transport the packets that queued up for a socket
// while the previous write was in progress, as one batch. The underlying
// websocket transport writes each packet with a system call of its own;
// under load (several acknowledgements in flight, broadcasts in quick
// succession) those calls were about 40 % of the server's CPU. rtkit's
// transport writes the frames of a batch into one buffer and the buffer
// with one call. Everything else (reading, upgrades, closing) is the
// underlying transport's.

// webSocketTransport builds rtkit's websocket transport; the server uses it
// in place of the engine's.
type webSocketTransport struct{ transports.WebSocketBuilder }

// New returns the transport for an upgraded connection: the engine's own
// when the connection was not taken over through rtkit's handler.
func (b *webSocketTransport) New(ctx *types.HttpContext) transports.Transport {
	inner := b.WebSocketBuilder.New(ctx)
	w, ok := inner.(transports.Websocket)
	if !ok || ctx.Websocket == nil {
		return inner
	}
	cc, ok := ctx.Websocket.UnderlyingConn().(*corkConn)
	if !ok {
		return inner
	}
	return &batchedWebSocket{Websocket: w, conn: ctx.Websocket, cork: cc, queue: queue.New()}
}

// batchedWebSocket is the engine's websocket transport with its own Send.
type batchedWebSocket struct {
	transports.Websocket
	conn  *types.WebSocketConn
	cork  *corkConn
	queue *queue.Queue // the writes, in order, off the caller's goroutine
	// batches counts the sends of more than one packet.
	batches atomic.Int64
}

// Send writes packets, in order, as the engine's transport does: the
// transport is not writable until they are written, then it emits "drain"
// and "ready".
func (w *batchedWebSocket) Send(packets []*packet.Packet) {
	w.SetWritable(false)
	w.queue.Enqueue(func() { w.send(packets) })
}

func (w *batchedWebSocket) send(packets []*packet.Packet) {
	defer func() {
		w.Emit("drain")
		w.SetWritable(true)
		w.Emit("ready")
	}()
	if len(packets) > 1 {
		w.batches.Add(1)
		w.cork.hold()
	}
	for _, p := range packets {
		if err := w.write(p); err != nil {
			_ = w.cork.release()
			w.fail(err)
			return
		}
	}
	if len(packets) > 1 {
		if err := w.cork.release(); err != nil {
			w.fail(err)
		}
	}
}

// write writes p as one websocket message.
func (w *batchedWebSocket) write(p *packet.Packet) error {
	// A text message is its type digit and its data: both go straight
	// into the websocket's buffer, without the engine's copy of them.
	if sb, ok := p.Data.(*types.StringBuffer); ok && p.Type == packet.MESSAGE && w.PerMessageDeflate() == nil &&
		(p.Options == nil || p.Options.WsPreEncodedFrame == nil) {
		mw, err := w.conn.NextWriter(ws.TextMessage)
		if err != nil {
			return err
		}
		if _, err := mw.Write(messageDigit); err != nil {
			return err
		}
		if _, err := mw.Write(sb.Bytes()); err != nil {
			return err
		}
		return mw.Close()
	}
	mt, data, compress, err := w.frame(p)
	if err != nil {
		return err
	}
	w.conn.EnableWriteCompression(compress)
	return w.conn.WriteMessage(mt, data)
}

// messageDigit starts an Engine.IO message packet.
var messageDigit = []byte{'4'}

// frame returns the websocket message of p: the frame the sender encoded
// already, or the engine's encoding of p.
func (w *batchedWebSocket) frame(p *packet.Packet) (mt int, data []byte, compress bool, err error) {
	compress = true
	if o := p.Options; o != nil {
		if o.Compress != nil && !*o.Compress {
			compress = false
		}
		if pre := o.WsPreEncodedFrame; pre != nil && w.PerMessageDeflate() == nil {
			return messageType(pre), pre.Bytes(), compress, nil
		}
	}
	buf, err := w.Parser().EncodePacket(p, w.SupportsBinary())
	if err != nil {
		return 0, nil, false, err
	}
	if d := w.PerMessageDeflate(); d != nil && buf.Len() < d.Threshold {
		compress = false
	}
	return messageType(buf), buf.Bytes(), compress, nil
}

func messageType(b types.BufferInterface) int {
	if _, ok := b.(*types.StringBuffer); ok {
		return ws.TextMessage
	}
	return ws.BinaryMessage
}

// fail reports a write error the way the engine's transport does: a
// closed connection closes the transport, any other error is an error.
func (w *batchedWebSocket) fail(err error) {
	if ws.IsUnexpectedCloseError(err) || errors.Is(err, net.ErrClosed) {
		w.conn.Emit("close")
	} else {
		w.conn.Emit("error", err)
	}
}

// corkConn is a websocket's network connection that can hold writes back
// and send them with one system call.
type corkConn struct {
	net.Conn
	mu   sync.Mutex
	held *[]byte // non-nil while holding
}

// maxHeld is how much a held connection gathers before it writes anyway.
const maxHeld = 64 << 10

var heldBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Write writes p, or appends it to what is held.
func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		return c.Conn.Write(p)
	}
	*c.held = append(*c.held, p...)
	if len(*c.held) >= maxHeld {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// hold makes writes gather until release.
func (c *corkConn) hold() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		c.held = heldBuffers.Get().(*[]byte)
	}
}

// release writes what was held and stops holding.
func (c *corkConn) release() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held == nil {
		return nil
	}
	err := c.flushLocked()
	b := c.held
	c.held = nil
	if cap(*b) <= maxHeld*2 {
		heldBuffers.Put(b)
	}
	return err
}

func (c *corkConn) flushLocked() error {
	b := *c.held
	*c.held = b[:0]
	if len(b) == 0 {
		return nil
	}
	_, err := c.Conn.Write(b)
	return err
}
