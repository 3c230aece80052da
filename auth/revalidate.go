package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Revalidator is implemented by an Authenticator that remembers answers
// (Session's cache): Revalidate asks the identity source itself, and
// updates or forgets what it remembered. Live sockets are re-validated
// with it (WithRevalidation), and so is the token of auth:refresh.
// Authenticators without it are asked with Authenticate.
type Revalidator interface {
	Revalidate(ctx context.Context, c Credentials) (Principal, error)
}

// WithRevalidation re-validates every live socket's credentials at the
// identity source every interval, so that a session ended there (sign-out,
// password change, ban) ends its sockets too: they get auth:expired with
// reason "revoked" and are disconnected within the interval (plus the
// time of one request).
//
// Sockets that presented the same credentials share one check: the
// sockets of one session (its tabs, its namespaces) cost one request per
// interval, not one each. The first check of a session comes after between
// half the interval and the interval, so that sessions that connected
// together spread their checks.
//
// Live sockets fail open: when the identity source cannot answer (an error
// wrapping ErrUnavailable, or the timeout), nobody is disconnected and the
// next interval asks again. New handshakes fail closed (UNAVAILABLE). A
// successful check updates the principal (its role, its expiry); one that
// names another user ends the sockets.
//
// Each server checks its own sockets: N servers behind an adapter send N
// times the requests. An interval of zero or less turns re-validation off
// (the default). It is meant for authenticators that ask a service
// (Session, a Func that looks sessions up); a JWT or JWKS check only
// verifies the same token again, which its expiry already bounds.
func WithRevalidation(interval time.Duration) Option {
	return optionFunc(func(g *guard) { g.revalidate = interval })
}

// maxRevalidations bounds the checks one guard runs at once.
const maxRevalidations = 16

// liveSet holds a guard's authenticated sockets, grouped by the
// credentials they presented, and checks each group every interval.
type liveSet struct {
	g     *guard
	every time.Duration
	sem   chan struct{} // bounds the checks in flight

	mu     sync.Mutex
	groups map[string]*liveGroup
	of     map[*state]*liveGroup
}

// liveGroup is the sockets that presented the same credentials.
type liveGroup struct {
	key     string // credentialsKey(creds)
	creds   Credentials
	members map[*state]*rtkit.Socket
	timer   *time.Timer
}

func newLiveSet(g *guard, every time.Duration) *liveSet {
	return &liveSet{g: g, every: every, sem: make(chan struct{}, maxRevalidations),
		groups: map[string]*liveGroup{}, of: map[*state]*liveGroup{}}
}

// credentialsKey digests what a check presents, so that the set holds no
// token as a key.
func credentialsKey(c Credentials) string {
	h := sha256.New()
	h.Write([]byte(c.AuthToken + "\x00" + c.Bearer))
	for _, k := range c.Cookies {
		h.Write([]byte("\x00" + k.Name + "=" + k.Value))
	}
	return string(h.Sum(nil))
}

// add puts the socket of st in the group of c, leaving the one it was in
// (after a refresh).
func (ls *liveSet) add(st *state, s *rtkit.Socket, c Credentials) {
	c.Handshake, c.Refresh = nil, false // kept for as long as the socket lives: only what a check needs
	key := credentialsKey(c)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.removeLocked(st)
	gr := ls.groups[key]
	if gr == nil {
		gr = &liveGroup{key: key, creds: c, members: map[*state]*rtkit.Socket{}}
		ls.groups[key] = gr
		first := ls.every/2 + rand.N(ls.every/2+1)
		gr.timer = time.AfterFunc(first, func() { ls.check(gr) })
	}
	gr.members[st] = s
	ls.of[st] = gr
}

// remove takes the socket of st out of its group (it went away).
func (ls *liveSet) remove(st *state) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.removeLocked(st)
}

func (ls *liveSet) removeLocked(st *state) {
	gr := ls.of[st]
	if gr == nil {
		return
	}
	delete(ls.of, st)
	delete(gr.members, st)
	if len(gr.members) == 0 {
		gr.timer.Stop()
		delete(ls.groups, gr.key)
	}
}

// check re-validates the group's credentials once and applies the answer
// to every socket of the group, then schedules the next check.
func (ls *liveSet) check(gr *liveGroup) {
	ls.sem <- struct{}{}
	defer func() { <-ls.sem }()
	ls.mu.Lock()
	if ls.groups[gr.key] != gr {
		ls.mu.Unlock()
		return // every socket of the group went away
	}
	c := gr.creds
	ls.mu.Unlock()

	p, err := ls.g.authenticate(context.Background(), c, "", true)
	ls.mu.Lock()
	members := make(map[*state]*rtkit.Socket, len(gr.members))
	for st, s := range gr.members {
		members[st] = s
	}
	if ls.groups[gr.key] == gr {
		gr.timer.Reset(ls.every)
	}
	ls.mu.Unlock()
	ls.g.applyCheck(members, p, err)
}

// applyCheck applies the answer of a check to the sockets that presented
// the credentials.
func (g *guard) applyCheck(members map[*state]*rtkit.Socket, p Principal, err error) {
	if err != nil && errors.Is(err, ErrUnavailable) {
		g.log.Warn("auth: re-validation: identity source unavailable, live sockets stay connected",
			"sockets", len(members), "err", err)
		return
	}
	for st, s := range members {
		if err == nil && g.renew(st, s, p) {
			continue
		}
		old, hit := st.closeIf(func(Principal) bool { return true })
		if !hit {
			continue
		}
		reason := err
		if reason == nil {
			reason = errors.New("auth: the identity source answered for another user")
		}
		g.log.Info("auth: session ended at the identity source, disconnecting", "namespace", s.Namespace(),
			"socket", s.ID(), "user", old.UserID, "session", old.SessionID, "err", reason)
		end(s, ReasonRevoked)
	}
}

// renew replaces the principal of a live socket with the one a check
// returned, when it is the same user; false when it is not.
func (g *guard) renew(st *state, s *rtkit.Socket, p Principal) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed || !st.ok {
		return true // going away already, or anonymous again: nothing to do
	}
	if st.p.UserID != p.UserID {
		return false
	}
	st.p = p
	g.scheduleLocked(st, s)
	return true
}
