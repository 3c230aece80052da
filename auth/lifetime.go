package auth

import (
	"context"
	"errors"
	"time"

	"github.com/rtkit-go/rtkit"
)

// RefreshIn is the payload of auth:refresh: a new token for the session.
type RefreshIn struct {
	Token string `json:"token" jsonschema:"minLength=1,maxLength=8192"`
}

// RefreshOut acknowledges auth:refresh with the new expiry, absent when
// the new principal does not expire.
type RefreshOut struct {
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// ExpiredNotice is the payload of auth:expired.
type ExpiredNotice struct {
	// Reason is "expired" (the principal's expiry passed without a
	// refresh) or "revoked" (a Revoker ended the session).
	Reason string `json:"reason" jsonschema:"enum=expired,enum=revoked"`
}

// The reasons of ExpiredNotice.
const (
	ReasonExpired = "expired"
	ReasonRevoked = "revoked"
)

// RefreshEvent is the client → server event that replaces the principal of
// a connected socket with the one a new token authenticates, before the
// old one expires. The new principal must be the same user; the
// acknowledgement carries the new expiry. A refused token answers
// UNAUTHORIZED (UNAVAILABLE when the identity source is down) and leaves
// the socket as it was. On a namespace protected by Optional, an anonymous
// socket authenticates this way.
//
// A client that refreshed should also update the token it sends at
// handshake (socket.auth in the JavaScript client): a recovered socket is
// authenticated again with it.
//
// An Authenticator that is a Revalidator (Session) asks the identity
// service at every refresh, past its cache: bound how often a client may
// send events, auth:refresh included, with package ratelimit.
var RefreshEvent = rtkit.NewEvent[RefreshIn, RefreshOut]("auth:refresh",
	rtkit.Summary("Extend the session of this connection with a new token"),
	rtkit.Errors(rtkit.CodeUnauthorized, rtkit.CodeUnavailable))

// ExpiredEvent is the server → client event sent just before the server
// disconnects a socket whose session ended (expired or revoked). The
// client must authenticate again before reconnecting.
var ExpiredEvent = rtkit.NewEvent[ExpiredNotice, rtkit.NoAck]("auth:expired",
	rtkit.Summary("The session of this connection ended; the server disconnects it"))

// setup registers the auth events on a protected namespace.
func (g *guard) setup(ns *rtkit.Namespace) {
	g.namespaces.add(ns)
	rtkit.Handle(ns, RefreshEvent, g.refresh)
	rtkit.Emits(ns, ExpiredEvent)
	if g.revoker != nil {
		g.revoker.protect(ns)
	}
}

// watch schedules the socket's disconnection at its principal's expiry and
// stops the timer, and the socket's re-validation, when the socket goes
// away (ctx is the socket's).
func (g *guard) watch(ctx context.Context, st *state, s *rtkit.Socket) {
	st.mu.Lock()
	g.scheduleLocked(st, s)
	st.mu.Unlock()
	context.AfterFunc(ctx, func() {
		st.mu.Lock()
		st.closed = true
		if st.timer != nil {
			st.timer.Stop()
		}
		st.mu.Unlock()
		// After closed is set: a refresh, which checks it under st.mu,
		// cannot put the socket back in the live set once it is removed.
		if g.live != nil {
			g.live.remove(st)
		}
	})
}

// scheduleLocked (re)arms the expiry timer for st.p. st.mu is held.
func (g *guard) scheduleLocked(st *state, s *rtkit.Socket) {
	st.gen++
	if st.timer != nil {
		st.timer.Stop()
		st.timer = nil
	}
	if st.closed || !st.ok || st.p.ExpiresAt.IsZero() {
		return
	}
	gen := st.gen
	st.timer = time.AfterFunc(time.Until(st.p.ExpiresAt), func() { g.expire(st, s, gen) })
}

// expire runs when the timer of generation gen fires.
func (g *guard) expire(st *state, s *rtkit.Socket, gen uint64) {
	st.mu.Lock()
	if st.closed || st.gen != gen {
		st.mu.Unlock()
		return // refreshed or disconnected meanwhile
	}
	st.closed = true
	p := st.p
	st.mu.Unlock()
	g.logger(s).Info("auth: session expired, disconnecting", "namespace", s.Namespace(), "socket", s.ID(),
		"user", p.UserID, "session", p.SessionID)
	end(s, ReasonExpired)
}

// end tells the client why, then disconnects it. Both packets travel on
// the same connection, in this order.
func end(s *rtkit.Socket, reason string) {
	_ = rtkit.Emit(s, ExpiredEvent, ExpiredNotice{Reason: reason})
	s.Disconnect()
}

// refresh handles auth:refresh.
func (g *guard) refresh(ctx context.Context, s *rtkit.Socket, in RefreshIn) (RefreshOut, error) {
	st := stateFrom(ctx)
	if st == nil { // cannot happen: the connect func put it there
		return RefreshOut{}, rtkit.NewError(rtkit.CodeUnauthorized, msgInvalid)
	}
	c := Credentials{AuthToken: in.Token, RemoteAddr: s.Handshake().RemoteAddr, Refresh: true}
	p, err := g.authenticate(ctx, c, s.ID(), true)
	if err != nil {
		return RefreshOut{}, g.refuse(s, "refresh refused", err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return RefreshOut{}, rtkit.NewError(rtkit.CodeUnauthorized, msgInvalid)
	}
	if st.ok && st.p.UserID != p.UserID {
		return RefreshOut{}, g.refuse(s, "refresh refused",
			errors.Join(ErrInvalidCredentials, errors.New("auth: refresh token belongs to another user")))
	}
	st.p, st.ok = p, true
	g.scheduleLocked(st, s)
	g.joinIdentityRooms(s, p) // a refresh may bring a new session
	if g.live != nil {
		g.live.add(st, s, c) // checked with the new token from now on
	}
	var out RefreshOut
	if !p.ExpiresAt.IsZero() {
		exp := p.ExpiresAt.UTC()
		out.ExpiresAt = &exp
	}
	return out, nil
}
