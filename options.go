package rtkit

import (
	"context"
	"log/slog"
	"time"
)

// ServerOption configures a Server.
type ServerOption interface {
	applyServer(*serverConfig)
}

// NamespaceOption configures a Namespace.
type NamespaceOption interface {
	applyNamespace(*Namespace)
}

// Option configures either a Server (then it applies to every namespace the
// server mounts, before the namespace's own options) or a Namespace.
type Option interface {
	ServerOption
	NamespaceOption
}

type serverOptionFunc func(*serverConfig)

func (f serverOptionFunc) applyServer(c *serverConfig) { f(c) }

type namespaceOptionFunc func(*Namespace)

func (f namespaceOptionFunc) applyNamespace(n *Namespace) { f(n) }

// bothOption applies to a namespace directly, or to every namespace of a
// server.
type bothOption struct{ fn func(*Namespace) }

func (o bothOption) applyNamespace(n *Namespace) { o.fn(n) }
func (o bothOption) applyServer(c *serverConfig) { c.nsOptions = append(c.nsOptions, o) }

// Options combines options into one, applied in order: how a companion
// package returns middleware, hooks and annotations as a single option.
func Options(opts ...Option) Option { return multiOption(opts) }

type multiOption []Option

func (m multiOption) applyNamespace(n *Namespace) {
	for _, o := range m {
		o.applyNamespace(n)
	}
}

func (m multiOption) applyServer(c *serverConfig) {
	for _, o := range m {
		o.applyServer(c)
	}
}

// WithConnectFunc adds connection middleware, run in order at handshake.
// Server-level ones run before the namespace's own.
func WithConnectFunc(fns ...ConnectFunc) Option {
	return bothOption{func(n *Namespace) { n.connectFns = append(n.connectFns, fns...) }}
}

// WithMiddleware adds event middleware, applied in order (the first one
// sees the event first). Server-level ones wrap the namespace's own.
func WithMiddleware(mws ...Middleware) Option {
	return bothOption{func(n *Namespace) { n.middleware = append(n.middleware, mws...) }}
}

// OnConnect registers a hook that runs once a socket is connected (after
// connection middleware, room re-checks and auto-joins). It runs on the
// socket's event queue, before the socket's first event is handled.
func OnConnect(fn func(ctx context.Context, s *Socket)) Option {
	return bothOption{func(n *Namespace) { n.onConnect = append(n.onConnect, fn) }}
}

// OnDisconnect registers a hook that runs when a socket disconnects, with
// the Socket.IO reason ("client namespace disconnect", "transport close",
// "ping timeout", "server shutting down", …). It may run while a handler of
// the same socket is still executing; that handler's context is already
// cancelled.
func OnDisconnect(fn func(s *Socket, reason string)) Option {
	return bothOption{func(n *Namespace) { n.onDisconnect = append(n.onDisconnect, fn) }}
}

// WithSetup runs fn on the namespace while it is being built: given to
// NewNamespace, once its other options are applied; given to NewServer, for
// every namespace at Mount, before it is mounted. fn may register handlers
// and emitted events (Handle, Emits), which is how companion packages add
// their own events to the namespaces they protect.
func WithSetup(fn func(ns *Namespace)) Option {
	return bothOption{func(n *Namespace) { n.setups = append(n.setups, fn) }}
}

// WithAnnotation attaches a value to the namespace that appears in Spec
// when it implements SpecAnnotator (what a companion package enforces on
// the namespace, for the generated docs).
func WithAnnotation(v any) Option {
	return bothOption{func(n *Namespace) { n.annotations = append(n.annotations, v) }}
}

// NamespaceDescription sets the namespace's description for generated docs.
func NamespaceDescription(s string) NamespaceOption {
	return namespaceOptionFunc(func(n *Namespace) { n.description = s })
}

// Transport names a Socket.IO transport.
type Transport string

// The transports a server can accept.
const (
	Polling   Transport = "polling"
	WebSocket Transport = "websocket"
)

// serverConfig collects what the options set; zero values mean defaults.
type serverConfig struct {
	path            string
	origins         []string
	transports      []Transport
	pingInterval    time.Duration
	pingTimeout     time.Duration
	connectTimeout  time.Duration
	maxPayload      int64
	recovery        time.Duration
	recoveryOff     bool
	recoverySet     bool
	deliveryLog     DeliveryLog
	adapter         Adapter
	logger          *slog.Logger
	noOutbound      bool
	ackTimeout      time.Duration
	disconnectBatch int
	maxPending      int32
	maxHandlers     int64
	handlerTimeout  time.Duration // 0: default, < 0: none
	maxOverdue      int32         // < 0: no bound
	nsOptions       []NamespaceOption
	observer        Observer
}

// WithPath sets the HTTP path of the Socket.IO endpoint (default
// "/socket.io/"). Clients must use the same path.
func WithPath(p string) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.path = p })
}

// WithCORS allows cross-origin requests from these origins (exact match,
// such as "https://app.example"). Without it, browsers on other origins
// cannot connect: Server.Handler refuses requests a browser marks as
// coming from another origin (Sec-Fetch-Site, Origin), polling and
// websocket alike, even from the same site (another port, a sibling
// subdomain).
func WithCORS(origins ...string) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.origins = append(c.origins, origins...) })
}

// WithTransports restricts the transports clients may use (default: polling
// and websocket, as the official client expects).
func WithTransports(ts ...Transport) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.transports = ts })
}

// WithPing sets the heartbeat interval and timeout (defaults 25 s and 20 s,
// Socket.IO's usual ones). A dead client is noticed after interval +
// timeout.
func WithPing(interval, timeout time.Duration) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.pingInterval, c.pingTimeout = interval, timeout })
}

// WithConnectTimeout bounds the time between opening a connection and
// joining a namespace (default 45 s).
func WithConnectTimeout(d time.Duration) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.connectTimeout = d })
}

// WithMaxPayload sets the largest message, in bytes, a client may send
// (default 1 MB). A larger one closes the connection.
func WithMaxPayload(n int64) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.maxPayload = n })
}

// WithRecovery sets how long a disconnected socket's state (id, rooms,
// missed events) is kept for it to recover (default 2 minutes). Zero turns
// connection state recovery off. Recovery goes through the delivery log
// (WithDeliveryLog): on reconnect the client gets exactly the events it
// missed, in order, without duplicates, after authentication and room
// policies have been checked again, or ResyncEvent when that is impossible.
//
// With the in-memory adapter it is on by default. Behind a cluster adapter
// it is on only with a shared delivery log (package redislog), whatever
// WithRecovery says: a log each process keeps to itself cannot recover a
// client that reconnects elsewhere. NewServer then logs that recovery is
// off: an error when it was asked for (WithRecovery or WithDeliveryLog), a
// warning when it was on by default.
func WithRecovery(d time.Duration) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.recovery, c.recoveryOff, c.recoverySet = d, d <= 0, true })
}

// WithAdapter sets the adapter that delivers broadcasts (default: in
// memory, one process). With any adapter but the in-memory one, connection
// state recovery needs a shared delivery log (WithDeliveryLog).
func WithAdapter(a Adapter) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.adapter = a })
}

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.logger = l })
}

// WithOutboundValidation turns validation of outgoing payloads and
// acknowledgements on (the default) or off for the whole server.
func WithOutboundValidation(on bool) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.noOutbound = !on })
}

// WithAckTimeout sets the timeout EmitWithAck uses when its context has no
// deadline (default 10 s).
func WithAckTimeout(d time.Duration) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.ackTimeout = d })
}

// WithMaxPending bounds the events waiting in one socket's queue behind
// the handler that is running (default 256). An event beyond the bound is
// answered at once with RATE_LIMITED and not queued; zero or less removes
// the bound. The underlying server's own queue has none.
func WithMaxPending(n int) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.maxPending = int32(max(n, 0)) })
}

// WithMaxConcurrentHandlers bounds the handlers running at the same time
// across all sockets (default: no bound). An event that would exceed it is
// answered at once with RATE_LIMITED.
func WithMaxConcurrentHandlers(n int) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.maxHandlers = int64(max(n, 0)) })
}

// defaultMaxPending is the default of WithMaxPending.
const defaultMaxPending = 256

// WithNamespaceOptions applies namespace options (middleware, hooks) to
// every namespace the server mounts.
func WithNamespaceOptions(opts ...NamespaceOption) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.nsOptions = append(c.nsOptions, opts...) })
}
