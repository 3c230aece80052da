package auth

import (
	"sync"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Revoker ends sessions on live sockets and remembers them, so that a
// revoked session can neither connect again nor recover its sockets through
// connection state recovery. Give it to Required or Optional with
// WithRevoker. The zero value is ready to use; a Revoker is safe for
// concurrent use.
//
// A socket whose handshake was under way when a revocation ran (not yet
// registered with its namespace, so not found) is ended as soon as it is
// registered, provided the Revoker was given with WithRevoker.
//
// The sockets of this server get auth:expired before they go. With an
// adapter that reaches other servers (package adapter), the sockets of the
// user or session there are disconnected too, with the same notice first
// when the servers share a delivery log (package redislog); the other
// servers do not remember the revocation: revoke at the identity source as
// well, which every handshake consults.
type Revoker struct {
	// Retention is how long a revoked session stays refused when its
	// expiry is unknown (default 24 hours). A session whose principal had
	// an expiry is remembered until then.
	Retention time.Duration

	protected sync.Map // *rtkit.Namespace → struct{}: see protect

	mu       sync.Mutex
	sessions map[string]time.Time // session id → refused until
	sockets  map[string]time.Time // socket id → refused until
	users    map[string]time.Time // user id → when RevokeUser last ran
}

// userMemory is how long RevokeUser's time is kept: long enough for a
// socket that passed its handshake before the revocation to finish
// connecting (rtkit bounds that to a few seconds).
const userMemory = time.Minute

// RevokeSession ends session id: every socket of srv (in every namespace)
// whose principal has that SessionID gets auth:expired with reason
// "revoked" and is disconnected, and the session is refused from now on.
// It returns how many sockets of this server it disconnected.
func (rv *Revoker) RevokeSession(srv *rtkit.Server, id string) int {
	if id == "" {
		return 0
	}
	rv.remember(Principal{SessionID: id}, "")
	ended := rv.disconnect(srv, func(p Principal) bool { return p.SessionID == id })
	rv.endRoom(srv, sessionRoomPrefix+id, ended) // the session's sockets on other servers
	return len(ended)
}

// RevokeUser ends every session of user id that has a socket on srv: those
// sockets get auth:expired with reason "revoked" and are disconnected, and
// their sessions are refused from now on. Sessions of the user with no
// socket on srv are not known here; revoke them at the identity source or
// with RevokeSession. It returns how many sockets of this server it
// disconnected.
func (rv *Revoker) RevokeUser(srv *rtkit.Server, id string) int {
	if id == "" {
		return 0
	}
	now := time.Now()
	rv.mu.Lock()
	rv.initLocked()
	rv.pruneLocked(now)
	rv.users[id] = now
	rv.mu.Unlock()
	ended := rv.disconnect(srv, func(p Principal) bool { return p.UserID == id })
	rv.endRoom(srv, userRoomPrefix+id, ended) // the user's sockets on other servers
	return len(ended)
}

// disconnect ends the sockets of srv whose principal matches and returns
// their ids.
func (rv *Revoker) disconnect(srv *rtkit.Server, match func(Principal) bool) []string {
	var ended []string
	for s := range srv.Sockets() {
		st := stateFrom(s.Context())
		if st == nil {
			continue
		}
		if p, hit := st.closeIf(match); hit {
			rv.remember(p, s.ID())
			end(s, ReasonRevoked)
			ended = append(ended, s.ID())
		}
	}
	return ended
}

// endRoom ends the sockets in an identity room on every server the adapter
// reaches, but for those this server already ended: in the namespaces a
// guard with this Revoker protects, they get auth:expired ("revoked")
// first. With a delivery log (package redislog) the disconnection travels
// through the log behind the notice, so every socket gets the notice
// before it goes; without one, a Redis adapter carries the two on separate
// channels and other servers' sockets may be disconnected first.
func (rv *Revoker) endRoom(srv *rtkit.Server, room string, ended []string) {
	for _, ns := range srv.Namespaces() {
		sel := ns.To(room).Except(ended...)
		if _, ok := rv.protected.Load(ns); ok {
			_ = rtkit.Emit(sel, ExpiredEvent, ExpiredNotice{Reason: ReasonRevoked})
		}
		sel.Disconnect()
	}
}

// protect records that a guard with this Revoker protects ns, which
// therefore declares ExpiredEvent.
func (rv *Revoker) protect(ns *rtkit.Namespace) { rv.protected.Store(ns, struct{}{}) }

// remember records p's session and the socket id as revoked.
func (rv *Revoker) remember(p Principal, socketID string) {
	now := time.Now()
	keep := rv.Retention
	if keep <= 0 {
		keep = 24 * time.Hour
	}
	until := now.Add(keep)
	if !p.ExpiresAt.IsZero() && p.ExpiresAt.Before(until) {
		until = p.ExpiresAt.Add(time.Minute) // clock skew of the identity source
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.initLocked()
	rv.pruneLocked(now)
	if p.SessionID != "" && rv.sessions[p.SessionID].Before(until) {
		rv.sessions[p.SessionID] = until
	}
	if socketID != "" {
		rv.sockets[socketID] = until
	}
}

func (rv *Revoker) initLocked() {
	if rv.sessions == nil {
		rv.sessions, rv.sockets, rv.users = map[string]time.Time{}, map[string]time.Time{}, map[string]time.Time{}
	}
}

// pruneLocked forgets what no longer needs refusing.
func (rv *Revoker) pruneLocked(now time.Time) {
	for k, until := range rv.sessions {
		if now.After(until) {
			delete(rv.sessions, k)
		}
	}
	for k, until := range rv.sockets {
		if now.After(until) {
			delete(rv.sockets, k)
		}
	}
	for k, at := range rv.users {
		if now.Sub(at) > userMemory {
			delete(rv.users, k)
		}
	}
}

// refuses reports whether p's session, or the socket (a recovering one
// keeps its id), was revoked. A nil Revoker refuses nothing.
func (rv *Revoker) refuses(p Principal, socketID string) bool {
	if rv == nil {
		return false
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	return rv.refusesLocked(p, socketID, time.Now())
}

// refusesLocked is refuses with rv.mu held.
func (rv *Revoker) refusesLocked(p Principal, socketID string, now time.Time) bool {
	if until, ok := rv.sessions[p.SessionID]; ok && p.SessionID != "" && now.Before(until) {
		return true
	}
	until, ok := rv.sockets[socketID]
	return ok && socketID != "" && now.Before(until)
}

// revokedSince reports whether p, authenticated at a handshake at time hs,
// was revoked since: its session or socket, or its user by a RevokeUser
// that ran after the handshake began.
func (rv *Revoker) revokedSince(p Principal, socketID string, hs time.Time) bool {
	if rv == nil {
		return false
	}
	rv.mu.Lock()
	defer rv.mu.Unlock()
	if rv.refusesLocked(p, socketID, time.Now()) {
		return true
	}
	at, ok := rv.users[p.UserID]
	return ok && !hs.After(at)
}
