package engine

import (
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of the Options fields.
const (
	DefaultPingInterval   = 25 * time.Second
	DefaultPingTimeout    = 20 * time.Second
	DefaultUpgradeTimeout = 10 * time.Second
	DefaultMaxPayload     = 1_000_000
	// DefaultMaxBuffered is the output a connection may hold unsent: enough
	// for a few messages of DefaultMaxPayload, small enough that 10,000
	// stalled clients cannot take more than 40 GiB between them.
	DefaultMaxBuffered = 4 << 20
)

// Transport names, as in the "transport" query parameter.
const (
	TransportPolling   = "polling"
	TransportWebsocket = "websocket"
)

// Close reasons passed to Handler.OnClose. The Socket.IO layer passes them on
// as its disconnect reasons.
const (
	// ReasonTransportClose: the client closed the connection (a close packet,
	// a websocket close frame or the TCP connection ending).
	ReasonTransportClose = "transport close"
	// ReasonTransportError: the transport failed (a write error, an aborted
	// long-polling request, overlapping requests, a message over MaxPayload,
	// a websocket frame that breaks RFC 6455, a ping from the client).
	ReasonTransportError = "transport error"
	// ReasonPingTimeout: no pong within PingTimeout of a ping.
	ReasonPingTimeout = "ping timeout"
	// ReasonParseError: the client sent something that is not an Engine.IO
	// packet (an unknown type, an empty packet, text that is not UTF-8,
	// binary that is not base64).
	ReasonParseError = "parse error"
	// ReasonForcedClose: the server side closed the connection (Conn.Close
	// callers may pass their own reason instead).
	ReasonForcedClose = "forced close"
	// ReasonServerShutdown: Server.Close.
	ReasonServerShutdown = "server shutting down"
	// ReasonWriteBufferFull is rtkit's own: the client did not read its
	// output and the connection's unsent output would have passed
	// Options.MaxBuffered.
	ReasonWriteBufferFull = "write buffer full"
)

// ErrClosed is returned by Conn.Send once the connection is closed
// (including when that Send is what overflowed Options.MaxBuffered).
var ErrClosed = errors.New("engine: connection closed")

// Options configure a Server. The zero value of each field means its default.
type Options struct {
	PingInterval   time.Duration // default 25 s
	PingTimeout    time.Duration // default 20 s
	UpgradeTimeout time.Duration // default 10 s: from the websocket probe's arrival to the upgrade packet
	// MaxPayload is the largest message a client may send (a websocket
	// message, or a whole long-polling POST body); default 1e6 bytes.
	MaxPayload int
	// MaxBuffered is the output, in encoded bytes, that one connection may
	// hold unsent (queued for its next long-polling GET, or not yet taken by
	// its websocket's TCP connection). A Send that would pass it closes the
	// connection with ReasonWriteBufferFull. Default DefaultMaxBuffered.
	MaxBuffered int
	// Transports allowed: "polling", "websocket"; default both.
	Transports []string
	// AllowedOrigins: exact origins ("https://app.example") that may connect
	// from another origin; "*" allows every origin (CORS then answers with
	// "*" and without credentials). Long-polling responses to an allowed
	// origin carry CORS headers with credentials; empty means no CORS headers
	// at all. A request whose Origin header is neither allowed nor the
	// request's own host is refused with 403 on either transport (the
	// websocket Origin check, and no cross-site POSTs into a session).
	// Requests without an Origin header (non-browser clients) pass.
	AllowedOrigins []string
	// AllowRequest runs before a handshake (a new session, either
	// transport); a non-nil error refuses it with HTTP 403 and the Engine.IO
	// error body {"code":4,"message":"Forbidden"}. The error's text is
	// logged at debug level, never sent.
	AllowRequest func(r *http.Request) error
	// Logger receives debug records about refused requests and closes;
	// default slog.Default().
	Logger *slog.Logger
	// DisableEpoll keeps a reader goroutine for every websocket connection.
	// By default, on Linux, an idle websocket has no goroutine: the
	// server's epoll poller starts a reader when data arrives. Connections
	// without a raw descriptor (TLS served by the http.Server), websockets
	// being probed during an upgrade from long-polling, and other systems
	// always use a reader goroutine.
	DisableEpoll bool
}

// config is Options with the defaults applied and lookups prepared.
type config struct {
	Options
	polling, websocket bool
	anyOrigin          bool
	origins            map[string]bool
	probeNoopDelay     time.Duration // probeNoopDelay, or what a test set
	lingerTimeout      time.Duration // lingerTimeout, or what a test set
}

func newConfig(o Options) config {
	if o.PingInterval <= 0 {
		o.PingInterval = DefaultPingInterval
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = DefaultPingTimeout
	}
	if o.UpgradeTimeout <= 0 {
		o.UpgradeTimeout = DefaultUpgradeTimeout
	}
	if o.MaxPayload <= 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	if o.MaxBuffered <= 0 {
		o.MaxBuffered = DefaultMaxBuffered
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	c := config{Options: o, origins: map[string]bool{}, probeNoopDelay: probeNoopDelay, lingerTimeout: lingerTimeout}
	if len(o.Transports) == 0 {
		c.polling, c.websocket = true, true
	}
	for _, t := range o.Transports {
		switch t {
		case TransportPolling:
			c.polling = true
		case TransportWebsocket:
			c.websocket = true
		default:
			panic("engine: unknown transport " + t)
		}
	}
	for _, origin := range o.AllowedOrigins {
		if origin == "*" {
			c.anyOrigin = true
		}
		c.origins[origin] = true
	}
	return c
}
