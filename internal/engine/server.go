package engine

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/ws"
)

// Handler receives a Server's connections. Its methods for one connection
// are called one at a time, in order (never concurrently for the same
// Conn): OnMessage from the connection's reader, OnClose from whoever
// closed it — inside Conn.Close, Server.Close or a Send that overflowed,
// when no reader is delivering — or from the reader once its batch ends.
// So OnClose must not wait for locks that callers of those hold.
type Handler interface {
	// OnOpen is called after the open packet has gone out.
	OnOpen(c *Conn)
	// OnMessage is called for one Engine.IO message packet; data is valid
	// only during the call (copy to keep it). Output it queues on any
	// connection with Send is written at the end of the reader's batch.
	OnMessage(c *Conn, data []byte, binary bool)
	// OnClose is called exactly once for a Conn that was opened; no call
	// for c follows it.
	OnClose(c *Conn, reason string)
}

// UpgradeHandler is a Handler that is also told when a connection moves
// from long-polling to WebSocket. OnUpgrade runs on the WebSocket's
// reader, once, after the upgrade; it may run while OnMessage delivers the
// last polling messages of the same Conn, and never after OnClose began.
type UpgradeHandler interface {
	OnUpgrade(c *Conn)
}

// Server is an Engine.IO v4 server: an http.Handler for its path prefix.
// Its methods are safe for concurrent use.
type Server struct {
	h   Handler
	cfg config
	// openTail is the open packet's JSON after the sid, per transport.
	openTailPolling, openTailWS string

	mu     sync.RWMutex
	conns  map[string]*Conn
	closed bool

	flusher flusher // Batch.FlushSoon
	poller  *poller // watches idle websockets (Linux); nil with Options.DisableEpoll
	gs      goroutines
	// lingering are the websockets closed gracefully whose clients have
	// not closed their side yet, for Close to cut when its context ends.
	lingering socketSet
}

// NewServer returns a Server that hands its connections to h. It panics
// when o names an unknown transport.
func NewServer(h Handler, o Options) *Server {
	s := &Server{h: h, cfg: newConfig(o), conns: map[string]*Conn{}}
	s.flusher.gs = &s.gs
	if !o.DisableEpoll {
		s.poller = newPoller(&s.gs)
	}
	tail := `,"pingInterval":` + strconv.FormatInt(s.cfg.PingInterval.Milliseconds(), 10) +
		`,"pingTimeout":` + strconv.FormatInt(s.cfg.PingTimeout.Milliseconds(), 10) +
		`,"maxPayload":` + strconv.Itoa(s.cfg.MaxPayload) + `}`
	s.openTailWS = `","upgrades":[]` + tail
	s.openTailPolling = s.openTailWS
	if s.cfg.websocket {
		s.openTailPolling = `","upgrades":["websocket"]` + tail
	}
	return s
}

// Len returns the number of connections not yet fully closed.
func (s *Server) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.conns)
}

// ioTimeout bounds one blocking read or write for a connection: a client
// that takes longer would have missed its heartbeat anyway.
func (s *Server) ioTimeout() time.Duration { return s.cfg.PingInterval + s.cfg.PingTimeout }

func (s *Server) forget(c *Conn) {
	s.mu.Lock()
	if s.conns[c.id] == c {
		delete(s.conns, c.id)
	}
	s.mu.Unlock()
}

func (s *Server) lookup(sid string) *Conn {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.conns[sid]
}

// ServeHTTP serves the Engine.IO path: handshakes, long-polling requests
// and websocket connections.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.checkOrigin(w, r) {
		refuse(w, r, errForbidden)
		return
	}
	if r.Method == http.MethodOptions { // CORS preflight
		w.WriteHeader(http.StatusNoContent)
		return
	}
	q := r.URL.Query()
	switch {
	case q.Has("j"): // JSONP polling: refused, it bypasses CORS
		refuse(w, r, errBadRequest)
		return
	case q.Get("EIO") != "4":
		refuse(w, r, errBadVersion)
		return
	}
	transport := q.Get("transport")
	if !(transport == TransportPolling && s.cfg.polling) && !(transport == TransportWebsocket && s.cfg.websocket) {
		refuse(w, r, errUnknownTransport)
		return
	}
	if _, ok := q["sid"]; !ok {
		s.handshake(w, r, q, transport)
		return
	}
	c := s.lookup(q.Get("sid"))
	if c == nil {
		refuse(w, r, errUnknownSid)
		return
	}
	switch {
	case transport == TransportWebsocket:
		s.upgrade(w, r, c)
	case r.Method == http.MethodGet:
		c.serveGet(w, r)
	case r.Method == http.MethodPost:
		c.servePost(w, r)
	default:
		refuse(w, r, errBadRequest)
	}
}

// handshake opens a new session.
func (s *Server) handshake(w http.ResponseWriter, r *http.Request, q url.Values, transport string) {
	if r.Method != http.MethodGet {
		refuse(w, r, errBadHandshake)
		return
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		refuse(w, r, errShuttingDown)
		return
	}
	if transport == TransportWebsocket && !isWebsocketRequest(r) {
		refuse(w, r, errBadRequest)
		return
	}
	if s.cfg.AllowRequest != nil {
		if err := s.cfg.AllowRequest(r); err != nil {
			s.cfg.Logger.Debug("engine: handshake refused", "remote", r.RemoteAddr, "err", err)
			refuse(w, r, errForbidden)
			return
		}
	}
	c := &Conn{srv: s, id: newSid(), header: r.Header, rawQuery: r.URL.RawQuery, remote: r.RemoteAddr, transport: transport}
	if transport == TransportPolling {
		c.poll.wake = make(chan struct{}, 1)
		if !s.register(c) {
			refuse(w, r, errShuttingDown)
			return
		}
		c.rmu.Lock()
		writePayload(w, []byte("0"+`{"sid":"`+c.id+s.openTailPolling))
		c.open()
		c.unlockReader()
		return
	}
	t, initial := upgradeWebsocket(w, r, c)
	if t == nil {
		return
	}
	c.ws = t
	if !s.register(c) {
		t.abandon()
		return
	}
	c.rmu.Lock()
	c.mu.Lock()
	open := `{"sid":"` + c.id + s.openTailWS
	if c.enqueueLocked(pktOpen, []byte(open), false) {
		c.flushLocked()
	}
	c.mu.Unlock()
	c.open()
	c.unlockReader()
	// The poller or a fresh goroutine reads, so that the HTTP server's
	// goroutine ends and lets go of what it held for the request (its
	// buffers, the request itself): measured, 1.5 KiB per idle connection
	// instead of 14 KiB.
	t.start(initial)
}

// open starts the heartbeat and tells the Handler (the caller holds rmu).
func (c *Conn) open() {
	c.mu.Lock()
	ok := c.state == stateOpen
	c.opened = ok
	c.mu.Unlock()
	if !ok {
		return
	}
	c.startHeartbeat()
	c.srv.h.OnOpen(c)
}

// upgrade takes a websocket that joins an existing long-polling session.
func (s *Server) upgrade(w http.ResponseWriter, r *http.Request, c *Conn) {
	if !isWebsocketRequest(r) {
		refuse(w, r, errBadRequest)
		return
	}
	t, initial := upgradeWebsocket(w, r, c)
	if t == nil {
		return
	}
	if !c.startProbe(t) { // already upgraded, or upgrading over another websocket
		t.probing = true
		_ = t.writeDirect(ws.OpClose, ws.NewCloseFrameBody(ws.StatusPolicyViolation, "session has its transport"))
		t.abandon()
		return
	}
	t.start(initial) // a probe: on a reader goroutine until it is the transport
}

func (s *Server) register(c *Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c.id] = c
	return true
}

func isWebsocketRequest(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// newSid returns 120 random bits, URL-safe.
func newSid() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// checkOrigin applies AllowedOrigins: CORS headers for an allowed origin;
// false when the request comes from an origin that is neither allowed nor
// its own host.
func (s *Server) checkOrigin(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	exact := origin != "*" && s.cfg.origins[origin]
	if exact || s.cfg.anyOrigin {
		h := w.Header()
		if exact {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Add("Vary", "Origin")
		} else {
			h.Set("Access-Control-Allow-Origin", "*")
		}
		if r.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			if rh := r.Header.Get("Access-Control-Request-Headers"); rh != "" {
				h.Set("Access-Control-Allow-Headers", rh)
			}
			h.Set("Access-Control-Max-Age", "600")
		}
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
