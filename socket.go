package rtkit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/rtkit-go/rtkit/internal/mailbox"
)

// Socket is one client's connection to one namespace. It is safe for
// concurrent use: emits, joins and disconnects may come from any goroutine.
type Socket struct {
	raw    socketCore
	ns     *Namespace
	hs     *Handshake
	ctx    context.Context
	cancel context.CancelCauseFunc
	// box runs the socket's events in order.
	box mailbox.Box[incoming]
	// disconnecting is set when the server disconnects the socket itself.
	disconnecting atomic.Bool
	// identity is who the socket belongs to (SetIdentity).
	identity atomic.Pointer[string]
	// overdue counts the socket's handlers past their deadline
	// (deadline.go).
	overdue atomic.Int32
	// timer is the deadline of the running handler (deadline.go).
	timer runTimer
	// inlined holds the event to run on the connection's reader
	// (inline.go); only that reader uses it.
	inlined *inlineSlot
}

// Handshake is what the client sent when it connected: the Socket.IO auth
// object, the HTTP request's headers, query and cookies, and its address.
// It is read-only.
type Handshake struct {
	// Auth is the client's handshake auth object (io(url, {auth: {…}})).
	Auth map[string]any
	// Header holds the HTTP headers of the request that opened the
	// connection; the sockets of one connection share it.
	Header http.Header
	// Query holds the URL query of that request.
	Query url.Values
	// RemoteAddr is the peer's "ip:port" as seen by the server (no
	// X-Forwarded-For processing).
	RemoteAddr string
	// Time is when the handshake happened.
	Time time.Time
}

// Cookie returns the value of the named cookie sent with the handshake.
func (h *Handshake) Cookie(name string) (string, bool) {
	c, err := (&http.Request{Header: h.Header}).Cookie(name)
	if err != nil {
		return "", false
	}
	return c.Value, true
}

// ID returns the socket id. It is the same after a recovered reconnection.
func (s *Socket) ID() string { return s.raw.id() }

// SetIdentity states who the socket belongs to: a key naming its principal
// (package auth sets the authenticated user id). Connection middleware
// calls it. A saved recovery session belongs to the identity of the socket
// that left it: a reconnecting socket whose identity differs never gets it
// (it starts a fresh session instead), so a stolen session id is worth
// nothing to another user. Without a call the identity is empty, and
// sessions saved without one are recovered as before.
func (s *Socket) SetIdentity(key string) { s.identity.Store(&key) }

// Identity returns the key SetIdentity stated, "" when none was.
func (s *Socket) Identity() string {
	if k := s.identity.Load(); k != nil {
		return *k
	}
	return ""
}

// Namespace returns the name of the socket's namespace.
func (s *Socket) Namespace() string { return s.ns.name }

// Handshake returns what the client sent when it connected.
func (s *Socket) Handshake() *Handshake { return s.hs }

// Context returns the socket's context: it carries what connection
// middleware added and is cancelled when the socket disconnects.
func (s *Socket) Context() context.Context { return s.ctx }

// Recovered reports whether this connection resumed an earlier session
// through connection state recovery (same id, rooms restored).
func (s *Socket) Recovered() bool { return s.raw.recovered() }

// Transport returns the transport the socket's connection uses now:
// Polling until it upgrades, then WebSocket.
func (s *Socket) Transport() Transport {
	t, _ := s.raw.connInfo()
	return Transport(t)
}

// ClientID names the socket's underlying connection, which the sockets of
// one client in several namespaces share: 12 hexadecimal digits derived
// from the Engine.IO session id, from which that id (a secret that
// polling requests present) cannot be found. Admin and monitoring tools
// use it to group sockets by client.
func (s *Socket) ClientID() string {
	_, sid := s.raw.connInfo()
	return clientID(sid)
}

// clientID derives a connection's public name from its session id.
func clientID(sid string) string {
	if sid == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("rtkit client id\x00" + sid))
	return hex.EncodeToString(sum[:6])
}

// Rooms returns the rooms the socket is in, without its own id room.
func (s *Socket) Rooms() []string {
	out := s.raw.rooms()
	slices.Sort(out)
	return out
}

// Disconnect closes the socket's namespace connection. The client's
// "disconnect" reason is "io server disconnect": it does not reconnect on
// its own. The client gets the events emitted to the socket before
// Disconnect first: with a delivery log, whose deliveries are
// asynchronous, the disconnection is delivered through it, after them
// (and, should the log not deliver it within its timeout, done directly).
func (s *Socket) Disconnect() {
	s.disconnecting.Store(true)
	if a := s.ns.recovery; a != nil && a.disconnect([]string{s.ID()}, nil) {
		time.AfterFunc(logTimeout, func() {
			if s.ctx.Err() == nil {
				s.disconnectNow()
			}
		})
		return
	}
	s.raw.disconnect()
}

// disconnectNow closes the socket's namespace connection at once.
func (s *Socket) disconnectNow() {
	s.disconnecting.Store(true)
	s.raw.disconnect()
}

// Sockets iterates over the sockets connected to n, in no particular order.
func (n *Namespace) Sockets() iter.Seq[*Socket] {
	return func(yield func(*Socket) bool) {
		n.sockets.Range(func(_, v any) bool { return yield(v.(*Socket)) })
	}
}

// Server returns the server n is mounted on, or nil before Mount.
func (n *Namespace) Server() *Server { return n.srv }

// Server returns the server the socket belongs to.
func (s *Socket) Server() *Server { return s.ns.srv }
