package rtkit

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// ServerLink is implemented by adapters whose servers can ask each other
// questions: the operations that gather answers from every server
// (EmitWithAcks, Rooms.Count, Rooms.Fetch, EmitServers) use it. An adapter
// without it (the in-memory one) makes them see this server only.
//
// It is being retired: rtkit's own adapter interface carries these operations
// (NamespaceAdapter's FetchSockets, ServerSideEmit and BroadcastWithAck,
// the operations of Node.js socket.io's adapters, so that they also see
// Node.js peers). ServerLink serves only the legacy Redis adapter on the
// zishang520 core, and goes with it.
//
// The messages are opaque to the link: rtkit encodes and checks them.
// Implementations must be safe for concurrent use.
type ServerLink interface {
	// ServeRequests makes the link pass every request of another server to
	// fn, until the adapter is closed; reply sends one answer back to the
	// requester (it may be called several times, from any goroutine, and
	// returns once the answer is handed over or failed). A server's own
	// requests are not passed to it. The server calls it once, from
	// NewServer; fn returns quickly (slow work runs elsewhere).
	ServeRequests(fn func(req []byte, reply func(answer []byte) error))
	// Request sends req to every other server and returns how many of
	// them received it. Their answers are passed to onAnswer, one call at
	// a time, until ctx is done; answers after that are dropped.
	Request(ctx context.Context, req []byte, onAnswer func(answer []byte)) (int, error)
}

// Operations between servers.
const (
	opAcks   = "acks"   // emit with acknowledgement to selected sockets
	opCount  = "count"  // count selected sockets
	opFetch  = "fetch"  // describe selected sockets
	opServer = "server" // run a server event's handler
)

// linkRequest is what a server asks the others.
type linkRequest struct {
	Op      string          `json:"op"`
	NS      string          `json:"ns"`
	Rooms   []string        `json:"rooms,omitempty"`
	Except  []string        `json:"except,omitempty"`
	Event   string          `json:"event,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
	// WaitMs is how long the requester waits: work beyond it is wasted.
	WaitMs int64 `json:"waitMs,omitempty"`
}

// linkAnswer is one answer of another server. For opAcks, a server first
// answers with Count (its number of recipients), then once per socket.
type linkAnswer struct {
	Count   *int            `json:"count,omitempty"`
	Socket  string          `json:"socket,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	Gone    bool            `json:"gone,omitempty"` // the socket disconnected first
	Error   *linkError      `json:"error,omitempty"`
	Sockets []SocketInfo    `json:"sockets,omitempty"`
}

// linkError is an *Error on its way between servers.
type linkError struct {
	Code    Code          `json:"code"`
	Message string        `json:"message"`
	Details []ErrorDetail `json:"details,omitempty"`
}

func toLinkError(e *Error) *linkError {
	return &linkError{Code: e.Code, Message: e.Message, Details: e.Details}
}

func (l *linkError) toError() *Error {
	return &Error{Code: l.Code, Message: l.Message, Details: l.Details}
}

// maxLinkWork bounds the requests of other servers this server works on at
// once; beyond it, requests are dropped (and their requesters time out).
const maxLinkWork = 256

// maxLinkWait bounds how long this server works for another's request.
const maxLinkWait = time.Minute

// linkTo starts answering other servers' requests when the adapter is a
// ServerLink. NewServer calls it.
func (s *Server) linkTo(a Adapter) {
	l, ok := a.(ServerLink)
	if !ok {
		return
	}
	s.link = l
	l.ServeRequests(s.serveLink)
}

// serveLink decodes another server's request and works on it in its own
// goroutine, within the request's wait.
func (s *Server) serveLink(raw []byte, reply func([]byte) error) {
	if s.closing.Load() {
		return
	}
	var req linkRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		s.log.Warn("rtkit: undecodable request from another server", "err", err)
		return
	}
	// A namespace not mounted here answers as one without sockets, so
	// that the requester does not wait for this server.
	n := s.namespace(req.NS)
	select {
	case s.linkSem <- struct{}{}:
	default:
		s.log.Warn("rtkit: too many requests from other servers; one dropped", "op", req.Op, "namespace", req.NS)
		return
	}
	wait := time.Duration(req.WaitMs) * time.Millisecond
	if wait <= 0 || wait > maxLinkWait {
		wait = maxLinkWait
	}
	send := func(a linkAnswer) {
		b, err := json.Marshal(a)
		if err == nil {
			err = reply(b)
		}
		if err != nil {
			s.log.Debug("rtkit: answer to another server failed", "op", req.Op, "err", err)
		}
	}
	go func() {
		defer func() { <-s.linkSem }()
		ctx, cancel := context.WithTimeout(s.baseCtx, wait)
		defer cancel()
		switch req.Op {
		case opCount:
			c := len(n.localMatches(req.Rooms, req.Except))
			send(linkAnswer{Count: &c})
		case opFetch:
			send(linkAnswer{Sockets: describe(n.localMatches(req.Rooms, req.Except), false)})
		case opAcks:
			serveAcks(ctx, n, req, send)
		case opServer:
			send(serveServerEvent(ctx, n, req))
		default:
			s.log.Warn("rtkit: unknown request from another server", "op", req.Op)
		}
	}()
}

// namespace returns the mounted namespace named name, or nil.
func (s *Server) namespace(name string) *Namespace {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.namespaces {
		if n.name == name {
			return n
		}
	}
	return nil
}

// ask sends req to the other servers and passes their answers to onAnswer
// until ctx ends or onAnswer reports completion by returning true. Calls
// of onAnswer are serialized and none happens after ask returns, so that
// they may use the caller's variables. ask returns how many servers
// received the request, and why none could be asked.
func (s *Server) ask(ctx context.Context, req linkRequest, onAnswer func(servers int, a linkAnswer) bool) (int, error) {
	if s.link == nil {
		return 0, nil
	}
	if d, ok := ctx.Deadline(); ok {
		req.WaitMs = max(time.Until(d).Milliseconds(), 1)
	}
	b, err := json.Marshal(req)
	if err != nil {
		return 0, fmt.Errorf("rtkit: encode request: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		servers  = -1 // unknown until Request returns
		early    []linkAnswer
		finished bool
	)
	done := make(chan struct{})
	deliver := func(a linkAnswer) { // with mu held
		if !finished && onAnswer(servers, a) {
			finished = true
			close(done)
		}
	}
	n, err := s.link.Request(ctx, b, func(raw []byte) {
		var a linkAnswer
		if json.Unmarshal(raw, &a) != nil {
			s.log.Warn("rtkit: undecodable answer from another server")
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if servers < 0 {
			early = append(early, a) // answered before Request returned
			return
		}
		deliver(a)
	})
	mu.Lock()
	if err != nil {
		finished = true
		mu.Unlock()
		return 0, fmt.Errorf("rtkit: other servers not reached: %w", err)
	}
	servers = n
	for _, a := range early {
		deliver(a)
	}
	if n == 0 && !finished {
		finished = true
		close(done)
	}
	mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
	}
	mu.Lock()
	finished = true
	mu.Unlock()
	return n, nil
}

// withWait gives ctx the server's acknowledgement timeout when it has no
// deadline: nothing waits for other servers without one.
func (s *Server) withWait(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.cfg.ackTimeout)
}
