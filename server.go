package rtkit

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtkit-go/rtkit/internal/mailbox"
)

// Server serves typed namespaces over Socket.IO. Create it with NewServer,
// Mount namespaces, serve Handler on an http.Server, and call Shutdown
// before shutting that http.Server down. Its methods are safe for
// concurrent use.
type Server struct {
	cfg  serverConfig
	log  *slog.Logger
	core serverCore

	baseCtx    context.Context
	cancelBase context.CancelFunc

	mu         sync.Mutex
	namespaces []*Namespace

	// inflight counts running handlers. A handler counts itself, then
	// checks closing; Shutdown sets closing, then waits for zero. Either
	// the handler sees closing and backs out, or Shutdown sees its count.
	inflight atomic.Int64
	// overdue counts handlers still running past their deadline
	// (deadline.go); they no longer count in inflight.
	overdue atomic.Int64
	// lastEvent is when the last event arrived during Shutdown (unix ns).
	lastEvent atomic.Int64
	closing   atomic.Bool
	closed    atomic.Bool

	// linkSem bounds the work done for other servers (cluster_local.go).
	linkSem chan struct{}

	// workers run the sockets' mailboxes.
	workers mailbox.Pool

	// obs is WithObserver's Observer, nil when none (observer.go).
	obs Observer
}

// NewServer returns a server with the given options. Defaults: path
// "/socket.io/", polling and websocket, ping 25 s / 20 s (see WithPing), 1 MB messages,
// connection state recovery for 2 minutes, in-memory adapter, no CORS
// origins, outbound validation on.
func NewServer(opts ...ServerOption) *Server {
	cfg := serverConfig{
		path:            "/socket.io/",
		pingInterval:    25 * time.Second,
		recovery:        2 * time.Minute,
		ackTimeout:      defaultAckTimeout,
		disconnectBatch: 500,
		maxPending:      defaultMaxPending,
		maxOverdue:      defaultMaxOverdue,
	}
	for _, o := range opts {
		o.applyServer(&cfg)
	}
	if !strings.HasSuffix(cfg.path, "/") {
		cfg.path += "/"
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.adapter == nil {
		cfg.adapter = memoryAdapter{}
	}
	if cfg.ackTimeout <= 0 {
		cfg.ackTimeout = defaultAckTimeout
	}
	for _, t := range cfg.transports {
		if t != Polling && t != WebSocket {
			panic(fmt.Sprintf("rtkit: NewServer: unknown transport %q", t))
		}
	}
	s := &Server{cfg: cfg, log: cfg.logger, linkSem: make(chan struct{}, maxLinkWork), obs: cfg.observer}
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	s.cfg.recoveryOff, s.cfg.deliveryLog = recoveryLog(&cfg)
	s.core = newNCore(s)
	if s.obs != nil {
		s.obs.Attach(s)
	}
	return s
}

// Logger returns the server's logger (WithLogger, or slog.Default()), for
// companion packages that log on the server's behalf.
func (s *Server) Logger() *slog.Logger { return s.log }

// Path returns the HTTP path prefix the handler serves, with a trailing
// slash ("/socket.io/").
func (s *Server) Path() string { return s.cfg.path }

// Handler returns the http.Handler of the Socket.IO endpoint. Mount it on
// the server's Path: mux.Handle(srv.Path(), srv.Handler()). Requests
// outside that path get 404. JSONP polling gets 400, and requests a
// browser sends from an origin that is neither the server's nor one of
// WithCORS's get 403, before any session exists (see docs/security.md).
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, s.cfg.path) && r.URL.Path != strings.TrimSuffix(s.cfg.path, "/") {
			http.NotFound(w, r)
			return
		}
		if s.refuseCrossSite(w, r) { // crosssite.go
			return
		}
		s.core.ServeHTTP(w, r)
	})
}

// Mount serves the namespaces on s. It panics if a namespace is already
// mounted (on s or another server) or if two namespaces share a name.
func (s *Server) Mount(namespaces ...*Namespace) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range namespaces {
		if n.srv != nil {
			n.panicf("mounted twice")
		}
		for _, m := range s.namespaces {
			if m.name == n.name {
				n.panicf("a namespace with this name is already mounted")
			}
		}
		n.mount(s)
		s.namespaces = append(s.namespaces, n)
	}
}

// enter registers an in-flight handler; it refuses once Shutdown has
// begun, and beyond the bound on concurrently running handlers.
func (s *Server) enter() *Error {
	running := s.inflight.Add(1)
	switch {
	case s.closing.Load():
		s.inflight.Add(-1)
		return errShuttingDown()
	case s.cfg.maxHandlers > 0 && running > s.cfg.maxHandlers:
		s.inflight.Add(-1)
		return errServerBusy()
	}
	return nil
}

// Errors of the server's own limits: a new value each time, since an
// *Error is never shared (errors.go).
func errShuttingDown() *Error { return NewError(CodeUnavailable, "server is shutting down") }

func errServerBusy() *Error {
	return &Error{Code: CodeRateLimited, Message: "server busy, retry later", RetryAfter: overloadRetry}
}

func errQueueFull() *Error {
	return &Error{Code: CodeRateLimited, Message: "too many events waiting, retry later", RetryAfter: overloadRetry}
}

// overloadRetry is the retry delay suggested when a bound on waiting or
// running handlers refuses an event.
const overloadRetry = 250 * time.Millisecond

func (s *Server) leave() { s.inflight.Add(-1) }

// obsOrNil returns the server's Observer, nil when there is none or s is
// nil (a namespace not mounted).
func (s *Server) obsOrNil() Observer {
	if s == nil {
		return nil
	}
	return s.obs
}

// Sockets iterates over the sockets connected to every namespace of s, at
// the time of the call. Use it to act on a set of sockets (disconnect every
// socket of a revoked session, say).
func (s *Server) Sockets() iter.Seq[*Socket] {
	return func(yield func(*Socket) bool) {
		for _, n := range s.Namespaces() {
			for sock := range n.Sockets() {
				if !yield(sock) {
					return
				}
			}
		}
	}
}

// Namespaces returns the mounted namespaces, in mount order.
func (s *Server) Namespaces() []*Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Namespace(nil), s.namespaces...)
}
