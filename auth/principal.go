package auth

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Principal is who a socket authenticated as.
//
// A Principal is a value: copies are independent, except Claims, which all
// copies share and nobody may modify once an Authenticator returned it.
type Principal struct {
	// UserID identifies the user. An Authenticator must set it: a
	// principal without one is refused.
	UserID string
	// Email and Name describe the user, when the identity source knows them.
	Email string
	Name  string
	// Role is the user's role. Several roles may be given separated by
	// commas ("admin,editor"), as better-auth's admin plugin stores them.
	Role string
	// SessionID identifies the session the credentials belong to, when
	// there is one. Revoker.RevokeSession matches on it.
	SessionID string
	// ExpiresAt is when the session ends; zero means it does not expire.
	// A socket is disconnected at that moment unless the client refreshes
	// it first (see RefreshEvent).
	ExpiresAt time.Time
	// Claims holds whatever else the identity source said (JWT claims, the
	// session service's user and session objects). Read-only.
	Claims map[string]any
}

// HasRole reports whether p holds role, Role being a comma-separated list.
func (p Principal) HasRole(role string) bool {
	for r := range strings.SplitSeq(p.Role, ",") {
		if strings.TrimSpace(r) == role && role != "" {
			return true
		}
	}
	return false
}

// hasAnyRole reports whether p holds one of roles.
func (p Principal) hasAnyRole(roles []string) bool {
	return slices.ContainsFunc(roles, p.HasRole)
}

// stateKey is the context key of a socket's *state.
type stateKey struct{}

// state is the authentication state of one socket. Contexts are immutable
// while a refresh changes the principal of a live socket, so the context
// carries this holder and the holder carries the principal. Its methods are
// safe for concurrent use: the expiry timer, the refresh handler and
// revocation run on different goroutines.
type state struct {
	mu     sync.Mutex
	p      Principal
	ok     bool        // p is set: the socket is authenticated
	timer  *time.Timer // fires at p.ExpiresAt
	gen    uint64      // bumped on every reschedule, so a stale timer does nothing
	closed bool        // the socket is gone or being disconnected
}

func stateFrom(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// principal returns a snapshot of the principal.
func (st *state) principal() (Principal, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.p, st.ok
}

// PrincipalFrom returns the principal of the socket whose context ctx is
// (or derives from), as Required or Optional authenticated it; false when
// the socket is anonymous or ctx is not a socket's. It reflects refreshes:
// after auth:refresh it returns the new expiry. Safe for concurrent use.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	if st := stateFrom(ctx); st != nil {
		return st.principal()
	}
	return Principal{}, false
}

// PrincipalOf returns the principal of s; see PrincipalFrom.
func PrincipalOf(s *rtkit.Socket) (Principal, bool) {
	return PrincipalFrom(s.Context())
}

// closeIf marks the socket as ending when it is authenticated, not already
// ending, and its principal matches; it stops the expiry timer and returns
// the principal.
func (st *state) closeIf(match func(Principal) bool) (Principal, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.ok || st.closed || !match(st.p) {
		return st.p, false
	}
	st.closed = true
	if st.timer != nil {
		st.timer.Stop()
	}
	return st.p, true
}
