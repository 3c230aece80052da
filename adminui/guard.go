package adminui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rtkit-go/rtkit"
)

// The refusals the UI understands: it asks for the password again on
// "invalid credentials".
func errInvalidCredentials() *rtkit.Error {
	return rtkit.NewError(rtkit.CodeUnauthorized, "invalid credentials")
}

func errThrottled(wait time.Duration) *rtkit.Error {
	return &rtkit.Error{Code: rtkit.CodeRateLimited, Message: "too many failed logins, retry later", RetryAfter: wait}
}

// maxCompares bounds the bcrypt comparisons running at once: each costs
// tens of milliseconds of CPU, and a flood of logins must not take the
// server's cores.
const maxCompares = 2

// maxSessions and maxTracked bound the memory sessions and failure counts
// can take.
const (
	maxSessions = 1000
	maxTracked  = 10000
)

// guard admits sockets to the admin namespace.
type guard struct {
	cfg      Config
	compares chan struct{}

	mu       sync.Mutex
	sessions map[string]time.Time      // sessionKey(id) → expiry
	failures map[string]*failureWindow // client address →
	now      func() time.Time
	// compare is bcrypt.CompareHashAndPassword (tests count its calls).
	compare func(hash, password []byte) error
	// peers asks the other servers for a session this one does not know
	// (sessions_shared.go); nil when none are asked.
	peers   func(ctx context.Context, key string) (ttl time.Duration, ok bool)
	lookups chan struct{}
}

// failureWindow counts the failed logins of one address since start.
type failureWindow struct {
	start time.Time
	count int
}

func newGuard(cfg Config) *guard {
	return &guard{
		cfg: cfg, compares: make(chan struct{}, maxCompares),
		sessions: map[string]time.Time{}, failures: map[string]*failureWindow{}, now: time.Now,
		compare: bcrypt.CompareHashAndPassword, lookups: make(chan struct{}, maxLookups),
	}
}

// admit is the admin namespace's connection middleware.
func (g *guard) admit(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
	hs := s.Handshake()
	if !g.sameOrigin(hs) {
		return ctx, rtkit.NewError(rtkit.CodeForbidden, "origin not allowed")
	}
	if g.cfg.NoAuth {
		return ctx, nil
	}
	id, _ := hs.Auth["sessionId"].(string)
	if id != "" && g.validSession(id) {
		return ctx, nil
	}
	addr := clientAddress(hs.RemoteAddr)
	if wait := g.blocked(addr); wait > 0 {
		return ctx, errThrottled(wait)
	}
	if id != "" && g.sharedSession(ctx, id) {
		return ctx, nil
	}
	user, _ := hs.Auth["username"].(string)
	pass, _ := hs.Auth["password"].(string)
	ok, busy := g.check(user, pass)
	if busy {
		return ctx, errThrottled(time.Second)
	}
	if !ok {
		g.failed(addr)
		return ctx, errInvalidCredentials()
	}
	return context.WithValue(ctx, newSessionKey{}, g.newSession()), nil
}

// newSessionKey carries the session id a password login opened, for the
// "session" event.
type newSessionKey struct{}

// check compares the credentials: always one bcrypt comparison, whatever
// the username, and the username in constant time, so that the time taken
// does not say whether the username was right. busy reports that too many
// comparisons are running: the attempt is refused without one.
func (g *guard) check(user, pass string) (ok, busy bool) {
	select {
	case g.compares <- struct{}{}:
	default:
		return false, true
	}
	defer func() { <-g.compares }()
	passOK := g.compare([]byte(g.cfg.PasswordHash), []byte(pass)) == nil
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(g.cfg.Username)) == 1
	return passOK && userOK, false
}

// blocked returns how long addr must wait before its next attempt: zero
// when it may try now.
func (g *guard) blocked(addr string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.failures[addr]
	if f == nil {
		return 0
	}
	end := f.start.Add(g.cfg.FailureWindow)
	if !g.now().Before(end) {
		delete(g.failures, addr)
		return 0
	}
	if f.count < g.cfg.MaxFailures {
		return 0
	}
	return end.Sub(g.now())
}

// failed counts a failed login of addr.
func (g *guard) failed(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	f := g.failures[addr]
	if f == nil || !now.Before(f.start.Add(g.cfg.FailureWindow)) {
		if len(g.failures) >= maxTracked {
			g.sweepFailures(now)
		}
		f = &failureWindow{start: now}
		g.failures[addr] = f
	}
	f.count++
}

// sweepFailures forgets ended windows; when all are current (a flood from
// many addresses), it forgets them all rather than grow. mu held.
func (g *guard) sweepFailures(now time.Time) {
	for a, f := range g.failures {
		if !now.Before(f.start.Add(g.cfg.FailureWindow)) {
			delete(g.failures, a)
		}
	}
	if len(g.failures) >= maxTracked {
		clear(g.failures)
	}
}

// newSession opens a session and returns its id.
func (g *guard) newSession() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	g.keep(sessionKey(id), g.cfg.SessionTTL)
	return id
}

// keep records the session of key for ttl, within the bound on sessions.
func (g *guard) keep(key string, ttl time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if len(g.sessions) >= maxSessions {
		for k, exp := range g.sessions {
			if !now.Before(exp) {
				delete(g.sessions, k)
			}
		}
	}
	if len(g.sessions) >= maxSessions {
		// Full of live sessions: the oldest goes.
		var oldest string
		for k, exp := range g.sessions {
			if oldest == "" || exp.Before(g.sessions[oldest]) {
				oldest = k
			}
		}
		delete(g.sessions, oldest)
	}
	g.sessions[key] = now.Add(ttl)
}

// validSession reports whether id is a live session of this server. The
// lookup is a map access by the id's SHA-256: its timing tells nothing of
// how much of a real id an attacker guessed.
func (g *guard) validSession(id string) bool {
	_, ok := g.session(sessionKey(id))
	return ok
}

// session returns how long the session of key has left, if it is live.
func (g *guard) session(key string) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	exp, ok := g.sessions[key]
	if !ok {
		return 0, false
	}
	left := exp.Sub(g.now())
	if left <= 0 {
		delete(g.sessions, key)
		return 0, false
	}
	return left, true
}

// sessionKey is what a server keeps of a session id, and what servers
// ask each other about: its SHA-256, so that neither memory nor the
// adapter's messages hold a usable id.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// sameOrigin reports whether the handshake came from the server's own
// origin, from one of Config.Origins, or from no browser page at all. The
// rtkit server already refused other origins than its own and WithCORS's;
// this refuses WithCORS's too, which are the application's, not the
// admin's. A browser vouches for its own origin with Sec-Fetch-Site
// "same-origin"; a browser that sends an Origin without Fetch Metadata
// (older ones) cannot be told apart from a page of a CORS origin, and is
// refused unless Config.Origins lists its origin.
func (g *guard) sameOrigin(hs *rtkit.Handshake) bool {
	origin := hs.Header.Get("Origin")
	if origin != "" && slices.Contains(g.cfg.Origins, origin) {
		return true
	}
	switch hs.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
		return origin == "" // not a browser
	default:
		return false
	}
}

// clientAddress is the host part of a "host:port" address.
func clientAddress(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
