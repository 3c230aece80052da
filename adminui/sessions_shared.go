package adminui

import (
	"context"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Sessions across servers: a server keeps the sessions it opened, and
// asks the others about a session id it does not know (the UI reconnected
// to another server behind the load balancer). The question carries the
// id's SHA-256, never the id; the answer, how long the session has left.
// A server that learns of a session keeps it for that long.

// maxLookups bounds the questions a server asks at once: sessions ids
// made up by a flood of handshakes cost each server a map lookup, and no
// more than this many wait for answers; the failed-login throttle (per
// address) applies before any question.
const maxLookups = 4

// sessionQuery asks the other servers about a session.
type sessionQuery struct {
	// Key is the SHA-256 of the session id, in hex.
	Key string `json:"key" jsonschema:"minLength=64,maxLength=64,pattern=^[0-9a-f]{64}$"`
}

// sessionAnswer says whether a server knows the session, and for how long
// it stays valid.
type sessionAnswer struct {
	Known bool  `json:"known"`
	TTLms int64 `json:"ttlMs" jsonschema:"minimum=0"`
}

// sessionEvent is the server event of the question.
var sessionEvent = rtkit.NewEvent[sessionQuery, sessionAnswer]("adminui:session",
	rtkit.Summary("Ask the other servers whether they opened a session"))

// shareSessions lets the Admin's guard ask the other servers, and answers
// their questions.
func (a *Admin) shareSessions() {
	g := a.guard
	rtkit.HandleServer(a.ns, sessionEvent, func(_ context.Context, q sessionQuery) (sessionAnswer, error) {
		left, ok := g.session(q.Key)
		return sessionAnswer{Known: ok, TTLms: left.Milliseconds()}, nil
	})
	g.peers = func(ctx context.Context, key string) (time.Duration, bool) {
		ctx, cancel := context.WithTimeout(ctx, askWait)
		defer cancel()
		answers, _ := rtkit.EmitServers(ctx, a.ns, sessionEvent, sessionQuery{Key: key})
		for _, ans := range answers {
			if ans.Known && ans.TTLms > 0 {
				return time.Duration(ans.TTLms) * time.Millisecond, true
			}
		}
		return 0, false
	}
}

// sharedSession reports whether another server opened the session id,
// and keeps it here for the rest of its life (never longer than this
// server's SessionTTL). It asks nothing when maxLookups questions are
// waiting already.
func (g *guard) sharedSession(ctx context.Context, id string) bool {
	if g.peers == nil {
		return false
	}
	select {
	case g.lookups <- struct{}{}:
	default:
		return false
	}
	defer func() { <-g.lookups }()
	key := sessionKey(id)
	ttl, ok := g.peers(ctx, key)
	if !ok {
		return false
	}
	g.keep(key, min(ttl, g.cfg.SessionTTL))
	return true
}
