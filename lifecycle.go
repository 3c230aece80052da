package rtkit

import (
	"context"
	"fmt"
	"time"
)

// Shutdown stops the server in the order that loses nothing:
//
//  1. new connections and new events are refused (UNAVAILABLE);
//  2. handlers already running finish (until ctx ends; handlers past
//     their deadline, whose clients already got TIMEOUT, are waited for
//     too, and abandoned when ctx ends), events waiting
//     behind them are answered UNAVAILABLE, and, once all is answered,
//     the server waits until no event has arrived for 50 ms (at most a
//     second), so that clients sending before they heard are answered;
//  3. sockets are disconnected in batches, so that clients do not all
//     reconnect elsewhere at the same instant;
//  4. the Socket.IO server is closed: Shutdown waits until every
//     connection has ended and the server's goroutines with it; clients
//     get 5 s to take their last output and answer the close, what
//     remains then (or when ctx ends) is cut;
//  5. the adapter is closed.
//
// Call it before http.Server.Shutdown: websocket connections are hijacked
// and invisible to the http.Server. Shutdown returns ctx's error if the
// handlers did not finish in time, or the connections did not end in time
// (the rest still happens). Calling it again returns nil at once.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.closing.Swap(true) {
		return nil
	}
	err := s.drain(ctx)

	for _, n := range s.Namespaces() {
		var batch []*Socket
		n.sockets.Range(func(_, v any) bool {
			batch = append(batch, v.(*Socket))
			if len(batch) >= s.cfg.disconnectBatch {
				disconnectAll(batch)
				batch = batch[:0]
				pause(ctx)
			}
			return true
		})
		disconnectAll(batch)
	}
	s.closed.Store(true)
	if cerr := s.core.close(ctx); cerr != nil && err == nil {
		err = cerr
	}
	for _, n := range s.Namespaces() {
		if err := n.others().Close(); err != nil {
			s.log.Warn("rtkit: shutdown: namespace adapter", "namespace", n.name, "err", err)
		}
		if n.recovery != nil {
			n.recovery.close()
		}
	}
	s.cancelBase()
	s.workers.Stop()
	if cerr := s.cfg.adapter.Close(ctx); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// drain waits until no handler is running and no event is waiting in a
// socket's mailbox (those are answered UNAVAILABLE at once), or ctx ends.
// Then, if anything was answered or received since closing, it waits (at
// most drainQuietMax) until no event has arrived and no answer has left
// for drainQuiet: a client that sent before hearing UNAVAILABLE, or right
// after its last answer, gets an answer instead of losing the event to
// the disconnection.
func (s *Server) drain(ctx context.Context) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	busy := func() bool { return s.inflight.Load() > 0 || s.overdue.Load() > 0 || !s.mailboxesIdle() }
	worked := busy()
	for busy() {
		select {
		case <-tick.C:
		case <-ctx.Done():
			s.log.Warn("rtkit: shutdown: handlers still running at the deadline; they are abandoned",
				"running", s.inflight.Load(), "overdue", s.overdue.Load())
			return ctx.Err()
		}
	}
	if !worked && s.lastEvent.Load() == 0 {
		return nil // nothing was answered or received since closing
	}
	// Quiet means no event arrived and no answer left for drainQuiet.
	idle := time.Now()
	for limit := idle.Add(drainQuietMax); time.Now().Before(limit); {
		if busy() {
			idle = time.Now()
		} else if time.Since(idle) >= drainQuiet && time.Since(time.Unix(0, s.lastEvent.Load())) >= drainQuiet {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// mailboxesIdle reports whether no socket has an event waiting or running.
// Only Shutdown asks, so the events themselves count nothing server-wide.
func (s *Server) mailboxesIdle() bool {
	for sock := range s.Sockets() {
		if !sock.box.Idle() {
			return false
		}
	}
	return true
}

// How long Shutdown waits for events to stop arriving once handlers are
// done, and for how long at most.
const (
	drainQuiet    = 50 * time.Millisecond
	drainQuietMax = time.Second
)

// disconnectAll closes the sockets' connections the way a lost network
// does, so that clients reconnect on their own (to another node behind a
// load balancer) instead of treating it as a deliberate disconnect.
//
// A packet the engine is still writing (the acknowledgement of a handler
// that just finished) is not in its buffer any more, and closing would cut
// it: each socket waits, briefly, for its write in progress first.
func disconnectAll(batch []*Socket) {
	deadline := time.Now().Add(250 * time.Millisecond)
	for _, s := range batch {
		s.raw.drop(deadline)
	}
}

// pause spaces disconnect batches a little, unless the deadline is near.
func pause(ctx context.Context) {
	t := time.NewTimer(20 * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Health is a snapshot of the server's state, for health endpoints.
type Health struct {
	// Status is "ok", "degraded" or "shutting_down". It is "degraded"
	// while the adapter is unhealthy, while any handler is past its
	// deadline (HandlersHealth.Overdue ≥ 1: a goroutine the server cannot
	// reclaim, the sign of a handler or a dependency that ignores its
	// context), or while events pile up in the sockets' queues
	// (HandlersHealth.Waiting ≥ 1024, four full queues of the default
	// WithMaxPending). Reasons says which.
	Status string `json:"status"`
	// Reasons says why Status is "degraded", one sentence each.
	Reasons []string `json:"reasons,omitempty"`
	// Sockets counts connected sockets per namespace.
	Sockets map[string]int `json:"sockets"`
	// Adapter is the adapter's own report.
	Adapter AdapterState `json:"adapter"`
	// Handlers reports running handlers and the sockets' queues.
	Handlers HandlersHealth `json:"handlers"`
}

// HandlersHealth reports the handlers of a server (Health).
type HandlersHealth struct {
	// Running counts handlers running within their deadline.
	Running int `json:"running"`
	// Overdue counts handlers still running past their deadline: their
	// clients got TIMEOUT and their sockets went on without them (see
	// WithHandlerTimeout).
	Overdue int `json:"overdue"`
	// Waiting counts events waiting in the sockets' queues.
	Waiting int `json:"waiting"`
	// MaxWaiting is the longest queue of one socket.
	MaxWaiting int `json:"maxWaiting"`
}

// Health thresholds: Status is "degraded" from these values on.
const (
	degradedOverdue = 1
	degradedWaiting = 1024
)

// Health reports connected sockets per namespace, the adapter's state,
// handlers and queues.
func (s *Server) Health(ctx context.Context) Health {
	h := Health{Status: "ok", Sockets: map[string]int{}, Adapter: s.cfg.adapter.State(ctx)}
	for _, n := range s.Namespaces() {
		count := 0
		for sock := range n.Sockets() {
			count++
			w := sock.box.Len()
			h.Handlers.Waiting += w
			h.Handlers.MaxWaiting = max(h.Handlers.MaxWaiting, w)
		}
		h.Sockets[n.name] = count
	}
	h.Handlers.Running = int(max(s.inflight.Load(), 0))
	h.Handlers.Overdue = int(s.overdue.Load())
	if !h.Adapter.Healthy {
		h.Reasons = append(h.Reasons, "adapter unhealthy")
	}
	if h.Handlers.Overdue >= degradedOverdue {
		h.Reasons = append(h.Reasons, fmt.Sprintf("%d handlers past their deadline", h.Handlers.Overdue))
	}
	if h.Handlers.Waiting >= degradedWaiting {
		h.Reasons = append(h.Reasons, fmt.Sprintf("%d events waiting in socket queues", h.Handlers.Waiting))
	}
	switch {
	case s.closing.Load():
		h.Status = "shutting_down"
	case len(h.Reasons) > 0:
		h.Status = "degraded"
	}
	return h
}
