package rtkit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/rtkit-go/rtkit/internal/engine"
	"github.com/rtkit-go/rtkit/internal/sioproto"
)

// nCore is rtkit's own Socket.IO v5 core on internal/engine: no goroutine
// per socket beyond the connection's reader (none while a websocket is idle,
// on Linux), no writer goroutine (output
// is queued on the connection and written by whoever queued it, once per
// read batch or broadcast), timers that are not goroutines, plain method
// calls instead of event emitters.
type nCore struct {
	srv *Server
	eng *engine.Server

	mu  sync.RWMutex
	nss map[string]*nNamespace
}

func newNCore(s *Server) *nCore {
	cfg := &s.cfg
	c := &nCore{srv: s, nss: map[string]*nNamespace{}}
	o := engine.Options{
		PingInterval:   cfg.pingInterval,
		PingTimeout:    cfg.pingTimeout,
		MaxPayload:     int(cfg.maxPayload),
		AllowedOrigins: append([]string(nil), cfg.origins...),
		Logger:         s.log,
		AllowRequest: func(*http.Request) error {
			if s.closing.Load() {
				return ErrServerClosed
			}
			return nil
		},
	}
	for _, t := range cfg.transports {
		o.Transports = append(o.Transports, string(t))
	}
	c.eng = engine.NewServer(c, o)
	return c
}

var _ engine.UpgradeHandler = (*nCore)(nil)

func (c *nCore) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.eng.ServeHTTP(w, r) }

func (c *nCore) mount(n *Namespace) namespaceCore {
	ns := &nNamespace{n: n, core: c, sockets: map[string]*nSocket{}, rooms: map[string]map[*nSocket]struct{}{}}
	c.mu.Lock()
	c.nss[n.name] = ns
	c.mu.Unlock()
	return ns
}

func (c *nCore) namespace(name string) *nNamespace {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.nss[name]
}

func (c *nCore) close(ctx context.Context) error { return c.eng.Close(ctx) }

// connectTimeout is how long a connection may stay without a namespace.
func (c *nCore) connectTimeout() time.Duration {
	if d := c.srv.cfg.connectTimeout; d > 0 {
		return d
	}
	return defaultConnectTimeout
}

// defaultConnectTimeout is WithConnectTimeout's default.
const defaultConnectTimeout = 45 * time.Second

// OnOpen starts a connection's Socket.IO state.
func (c *nCore) OnOpen(ec *engine.Conn) {
	nc := &nConn{core: c, ec: ec}
	ec.SetValue(nc)
	nc.mu.Lock()
	nc.timer = time.AfterFunc(c.connectTimeout(), func() {
		nc.mu.Lock()
		idle := len(nc.sockets) == 0 && !nc.joined
		nc.mu.Unlock()
		if idle {
			ec.Close(engine.ReasonForcedClose)
		}
	})
	nc.mu.Unlock()
}

// onWorker runs fn on one of the server's mailbox workers and waits for
// it. The connection's reader hands it the deep work of a CONNECT (the
// connection middleware, room policies, JSON): a goroutine's stack grows
// to what it once needed and is only halved while it uses under a quarter
// of it, so the reader of an idle connection would keep a stack grown for
// that one packet (measured: 8 KiB instead of 4 KiB per connection).
func (c *nCore) onWorker(fn func() error) error {
	done := make(chan error, 1)
	c.srv.workers.Run(func() { done <- fn() })
	return <-done
}

// OnMessage handles one Socket.IO packet (or attachment) of a connection.
func (c *nCore) OnMessage(ec *engine.Conn, data []byte, binary bool) {
	nc, _ := ec.Value().(*nConn)
	if nc == nil {
		return
	}
	if o := c.srv.obs; o != nil {
		o.Received(len(data))
	}
	if err := nc.message(data, binary); err != nil {
		c.srv.log.Debug("rtkit: invalid Socket.IO packet; connection closed", "err", err)
		ec.Close(engine.ReasonParseError)
	}
}

// OnUpgrade tells the OnSocketChange hooks of the connection's sockets of
// its new transport.
func (c *nCore) OnUpgrade(ec *engine.Conn) {
	nc, _ := ec.Value().(*nConn)
	if nc == nil {
		return
	}
	nc.mu.Lock()
	var sockets []*nSocket
	for _, s := range nc.sockets {
		if len(s.ns.n.onChange) > 0 {
			sockets = append(sockets, s)
		}
	}
	nc.mu.Unlock()
	for _, s := range sockets {
		if !s.closed.Load() {
			s.ns.n.changed(s.sock, SocketChange{Kind: TransportUpgraded})
		}
	}
}

// OnClose disconnects every socket of a closed connection.
func (c *nCore) OnClose(ec *engine.Conn, reason string) {
	nc, _ := ec.Value().(*nConn)
	if nc == nil {
		return
	}
	nc.mu.Lock()
	if nc.timer != nil {
		nc.timer.Stop()
		nc.timer = nil
	}
	sockets := make([]*nSocket, 0, len(nc.sockets))
	for _, s := range nc.sockets {
		sockets = append(sockets, s)
	}
	nc.mu.Unlock()
	for _, s := range sockets {
		s.close(reason, recoverable(reason))
	}
}

// recoverable reports whether a socket closed for reason may recover its
// session (Socket.IO's list: the connection was lost, not left).
func recoverable(reason string) bool {
	switch reason {
	case engine.ReasonTransportClose, engine.ReasonTransportError, engine.ReasonPingTimeout,
		engine.ReasonForcedClose, engine.ReasonServerShutdown, engine.ReasonWriteBufferFull:
		return true
	}
	return false
}

// newID returns a random id of 20 URL-safe characters.
func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// encodePacket returns the text of a packet whose data is args, and its
// binary attachments.
func encodePacket(dst []byte, typ byte, nsp string, id int64, args []any) ([]byte, [][]byte, error) {
	if typ == sioproto.Event && len(args) >= 2 {
		// rtkit's own events: the name, a payload encoded already, and
		// the offset (or null) when logged.
		if name, ok := args[0].(string); ok {
			if payload, ok := args[1].(json.RawMessage); ok && len(args) == 2 {
				return sioproto.AppendEvent(dst, nsp, id, name, payload), nil, nil
			}
		}
	}
	if typ == sioproto.Ack && len(args) == 1 {
		// rtkit's acknowledgement envelope, encoded already.
		if payload, ok := args[0].(json.RawMessage); ok && json.Valid(payload) {
			if dst == nil {
				dst = make([]byte, 0, len(nsp)+len(payload)+24)
			}
			dst = sioproto.Append(dst, sioproto.Ack, nsp, id, 0, nil)
			dst = append(append(append(dst, '['), payload...), ']')
			return dst, nil, nil
		}
	}
	var atts [][]byte
	var v any = args
	if sioproto.HasBinary(v) {
		v = sioproto.Deconstruct(v, &atts)
		typ += sioproto.BinaryEvent - sioproto.Event
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	return sioproto.Append(dst, typ, nsp, id, len(atts), data), atts, nil
}
