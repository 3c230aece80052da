package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// goroutines counts what Server.Close waits for: the goroutines the
// server starts (websocket readers, drains, the flusher, the poller) and
// the websockets whose handshake is done but that are not yet handed to a
// reader or the poller. Whoever starts one counts it before the go
// statement, from a goroutine that is itself counted or from a request
// the http.Server serves, so that the count never reaches zero while
// something of the server still runs or is about to.
type goroutines struct{ n atomic.Int64 }

func (g *goroutines) start() { g.n.Add(1) }
func (g *goroutines) end()   { g.n.Add(-1) }

// closePoll is how often Close looks whether everything has ended.
const closePoll = time.Millisecond

// socketSet is a set of websockets.
type socketSet struct {
	mu sync.Mutex
	m  map[*wsTransport]struct{}
}

func (l *socketSet) add(t *wsTransport) {
	l.mu.Lock()
	if l.m == nil {
		l.m = map[*wsTransport]struct{}{}
	}
	l.m[t] = struct{}{}
	l.mu.Unlock()
}

func (l *socketSet) remove(t *wsTransport) {
	l.mu.Lock()
	delete(l.m, t)
	l.mu.Unlock()
}

func (l *socketSet) list() []*wsTransport {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := make([]*wsTransport, 0, len(l.m))
	for t := range l.m {
		ts = append(ts, t)
	}
	return ts
}

// Close refuses new sessions, closes every connection with
// ReasonServerShutdown (each writes out what it has queued first), and
// waits until the server runs nothing any more: every session fully
// closed, no websocket reader, drain or flusher goroutine, no poller.
//
// Clients get lingerTimeout (5 s) to take their last output: a websocket
// whose client has neither answered the close frame nor closed its side,
// output a client does not read, a long-polling session whose client has
// not come back for its last GET are cut then, and Close waits only for
// what still ends after the cut (a reader inside a Handler call, until it
// returns). When ctx ends first, Close cuts what is left at once and
// returns ctx.Err() without waiting further. Long-polling requests belong
// to the http.Server; a GET waiting at Close is answered at once. Calling
// Close again waits again.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	conns := s.connList()
	s.mu.Unlock()
	for _, c := range conns {
		c.Close(ReasonServerShutdown)
	}
	grace := time.NewTimer(s.cfg.lingerTimeout)
	defer grace.Stop()
	tick := time.NewTicker(closePoll)
	defer tick.Stop()
	for s.gs.n.Load() > 0 || s.Len() > 0 {
		select {
		case <-tick.C:
		case <-grace.C:
			s.cut()
		case <-ctx.Done():
			s.cut()
			return ctx.Err()
		}
	}
	return nil
}

// cut closes what Close found still open, without writing more: the
// sessions not yet closed (a drain still writing, a long-polling session
// waiting for its last GET) and the websockets that linger.
func (s *Server) cut() {
	s.mu.RLock()
	conns := s.connList()
	s.mu.RUnlock()
	for _, c := range conns {
		c.closeNow(ReasonServerShutdown)
	}
	for _, t := range s.lingering.list() {
		t.closeNet()
	}
}

// connList returns the sessions not yet fully closed (the caller holds mu).
func (s *Server) connList() []*Conn {
	conns := make([]*Conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}
