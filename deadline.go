package rtkit

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Handler deadlines. Every handler (its event middleware included) runs
// under a deadline: WithHandlerTimeout's for the server, HandlerTimeout's
// for one event. At the deadline:
//
//   - the handler's context is cancelled (context.Cause: ErrHandlerTimeout);
//   - the client gets TIMEOUT (in the acknowledgement, or the "error" event);
//   - the handler's slot of WithMaxConcurrentHandlers is freed;
//   - a handler that ignores its context (still running overdueGrace after
//     the deadline) is overdue: the socket's queue goes on with its next
//     event on another goroutine, while the handler keeps its own until it
//     returns, counted (Server.Health); its result is logged and dropped.
//
// Overdue handlers are bounded, so that a client that found a handler that
// hangs cannot grow the server's goroutines: a socket with
// maxOverduePerSocket overdue handlers whose next handler passes its
// deadline is disconnected instead of going on, and an event with
// WithMaxOverdueHandlers overdue handlers is refused with UNAVAILABLE until
// some of them return.

// ErrHandlerTimeout is the cause (context.Cause) of a handler context
// cancelled at the handler's deadline.
var ErrHandlerTimeout = errors.New("rtkit: handler deadline exceeded")

// Defaults of WithHandlerTimeout and WithMaxOverdueHandlers, and the bound
// on overdue handlers per socket.
const (
	defaultHandlerTimeout = 30 * time.Second
	defaultMaxOverdue     = 100
	maxOverduePerSocket   = 2
	// overdueGrace is how long after its deadline a handler may take to
	// return before it is overdue: a handler that honours its context
	// needs a moment to notice.
	overdueGrace = 50 * time.Millisecond
)

// WithHandlerTimeout sets the deadline of every handler (default 30 s),
// counted from when the handler starts (after the event waited in its
// socket's queue), event middleware included. HandlerTimeout overrides it
// for one event. Zero or less turns the default deadline off: handlers
// then run until they return, and the socket's later events wait for them.
//
// See the package documentation ("Handler deadlines") for what happens at
// the deadline. EmitWithAck is not affected: it waits under its own
// context (WithAckTimeout).
func WithHandlerTimeout(d time.Duration) ServerOption {
	return serverOptionFunc(func(c *serverConfig) {
		c.handlerTimeout = d
		if d <= 0 {
			c.handlerTimeout = -1
		}
	})
}

// WithMaxOverdueHandlers bounds, per event and across the server, the
// handlers still running past their deadline (default 100). While an
// event has that many, it is refused at once with UNAVAILABLE, without
// running its handler; other events are served as usual. Zero or less
// removes the bound, which lets a client that found a handler that hangs
// grow the server's goroutines without limit.
func WithMaxOverdueHandlers(n int) ServerOption {
	return serverOptionFunc(func(c *serverConfig) {
		c.maxOverdue = int32(n)
		if n <= 0 {
			c.maxOverdue = -1
		}
	})
}

// HandlerTimeout sets the deadline of this event's handler, over the
// server's WithHandlerTimeout. Zero or less means no deadline for this
// event (a long-running handler that returns when its work is done): the
// socket's later events wait for it. It has no effect on server → client
// events: EmitWithAck waits under its own context.
func HandlerTimeout(d time.Duration) EventOption {
	return eventOptionFunc(func(e *eventDesc) {
		e.timeout = d
		if d <= 0 {
			e.timeout = -1
		}
	})
}

// handlerTimeout returns the deadline of handlers of d (nil: an unknown
// event), 0 for none.
func (s *Server) handlerTimeout(d *eventDesc) time.Duration {
	t := s.cfg.handlerTimeout
	if d != nil && d.timeout != 0 {
		t = d.timeout
	}
	switch {
	case t == 0:
		return defaultHandlerTimeout
	case t < 0:
		return 0
	}
	return t
}

func errHandlerTimeout() *Error { return NewError(CodeTimeout, "the handler did not finish in time") }

func errOverdue() *Error {
	return NewError(CodeUnavailable, "too many handlers of this event are past their deadline, retry later")
}

// handlerRun is one handler call under a deadline: begin starts it, end
// finishes it, and expire runs at the deadline if end has not come first.
//
// It is also the handler's context (runctx.go): a context cancelled at
// the deadline (expire) that reports the deadline, and whose Value knows
// the run (callerDeadline).
type handlerRun struct {
	n   *Namespace
	s   *Socket
	ack ackSender
	// stuck counts the overdue handlers of the event.
	stuck *atomic.Int32
	// obs is the event's observation (observer.go), nil without an
	// Observer.
	obs *eventObs
	// req is what the handler and its middleware get: it shares the run's
	// allocation.
	req Request

	// parent is the context the handler's context derives from: its
	// socket's, or the Observer's.
	parent   context.Context
	deadline time.Time
	// The handler's own context and its cancel function, made on first
	// use (runctx.go): set under cmu before made.
	ownCtx    context.Context
	ownCancel context.CancelCauseFunc
	cmu       sync.Mutex // orders making the context with cancelling before it exists
	mu        sync.Mutex

	// timed is set when the handler has a deadline: its context is then
	// its own, cancelled at the deadline and when the handler returns.
	timed bool
	// inline is set when the handler runs on its connection's reader
	// (inline.go): the timer first goes off inlineHandOver after the
	// start, to hand the reading over.
	inline  bool
	done    bool        // end came first (under mu)
	overdue bool        // expire came first (under mu)
	made    atomic.Bool // ownCtx exists
	ended   uint8       // how the run was cancelled before ownCtx existed (under cmu)
	cut     atomic.Bool // the socket went away before the deadline (runTimer.cut)

	returned chan struct{} // set by expire (once), closed by end
}

// begin admits a handler call of s for event ev, whose handler gets req
// (req.Event.desc is nil for an unknown or raw event; stuck is its
// overdue count), and arms its deadline. When the server has an Observer,
// ob is not nil and begin starts the event's observation once the call is
// admitted: the handler's context derives from the Observer's, and the
// observation hears of a TIMEOUT at the deadline. It returns the error to
// answer with instead when the call is refused (nothing observed yet).
func (n *Namespace) begin(s *Socket, ev incoming, req *Request, stuck *atomic.Int32, ob *obsStart) (*handlerRun, *Error) {
	srv := n.srv
	timeout := srv.handlerTimeout(req.Event.desc)
	if timeout > 0 && srv.cfg.maxOverdue > 0 && stuck.Load() >= srv.cfg.maxOverdue && !srv.closing.Load() {
		return nil, errOverdue()
	}
	if err := srv.enter(); err != nil {
		return nil, err
	}
	var now time.Time // one clock reading for the deadline and the observation
	if timeout > 0 {
		now = time.Now()
	}
	var r *handlerRun
	parent := s.ctx
	if ob != nil {
		or := new(observedRun)
		r = &or.handlerRun
		r.obs = &or.obs
		parent = or.obs.begin(n, s, ev, *ob, "", monoAt(now))
	} else {
		r = new(handlerRun)
	}
	r.parent, r.n, r.s, r.ack, r.stuck = parent, n, s, ev.ack, stuck
	r.req = *req
	if timeout > 0 {
		r.timed = true
		r.deadline = now.Add(timeout)
		first := timeout
		if ev.inline {
			r.inline = true
			first = min(timeout, inlineHandOver)
		}
		s.timer.arm(s, r, first)
	}
	return r, nil
}

// runTimer is a socket's deadline timer, one for all its handlers: they
// run one at a time, and a handler past its deadline needs it no more.
// Reusing it spares two allocations per event.
type runTimer struct {
	t   atomic.Pointer[time.Timer] // set by the socket's first handler with a deadline
	run atomic.Pointer[handlerRun]
}

// arm starts the deadline of r, the socket's running handler. Only the
// socket's queue calls it, one handler at a time.
func (rt *runTimer) arm(s *Socket, r *handlerRun, d time.Duration) {
	rt.run.Store(r)
	if t := rt.t.Load(); t != nil {
		t.Reset(d)
		return
	}
	// Stored before it is started: a firing that comes before arm
	// returns (d may be 1 ms, and this goroutine may be descheduled)
	// re-arms the timer it finds here.
	t := time.AfterFunc(time.Duration(math.MaxInt64), rt.fire)
	rt.t.Store(t)
	t.Reset(d)
}

// disarm stops the deadline of r, the socket's running handler, which
// returned in time. (An overdue handler never disarms: once the socket's
// queue went on without it, the next handler may arm the timer at any
// moment.)
func (rt *runTimer) disarm(r *handlerRun) {
	if rt.run.CompareAndSwap(r, nil) {
		rt.t.Load().Stop()
	}
}

// fire runs when the timer goes off. A firing that was already under way
// when the timer was stopped or re-armed finds no handler, or a handler
// whose deadline is still to come: it does nothing, but for handing the
// reading of a handler run on its connection's reader over (inline.go).
func (rt *runTimer) fire() {
	r := rt.run.Load()
	if r == nil {
		return
	}
	if r.inline {
		r.s.raw.handOver()
	}
	if !r.cut.Load() {
		if left := time.Until(r.deadline); left > 0 {
			rt.t.Load().Reset(left) // in case a cut re-armed it for another run
			return
		}
	}
	r.expire()
}

// cut ends the running handler's time at once: its socket is gone. The
// handler's context is already cancelled; if it has not returned within
// overdueGrace, it is overdue, so that a client cannot trigger a handler
// that hangs and leave, socket after socket, without meeting
// WithMaxOverdueHandlers.
func (rt *runTimer) cut() {
	r := rt.run.Load()
	if r == nil {
		return
	}
	r.cut.Store(true)
	if t := rt.t.Load(); t != nil {
		t.Reset(0)
	}
}

// end finishes the call with the handler's result. It returns false when
// the handler was overdue: the client already got TIMEOUT, the result is
// dropped (and logged). A handler that failed because its deadline passed
// fails with TIMEOUT.
func (r *handlerRun) end(err *error) bool {
	srv := r.n.srv
	if !r.timed {
		srv.leave()
		return true
	}
	r.mu.Lock() // waits for an expire in progress, which detaches the socket's queue first
	overdue := r.overdue
	r.done = true
	if r.returned != nil {
		close(r.returned)
	}
	r.mu.Unlock()
	if !overdue {
		// Still the socket's running handler: nothing else arms the
		// timer meanwhile.
		r.s.timer.disarm(r)
		if *err != nil && context.Cause(r) == ErrHandlerTimeout {
			*err = errHandlerTimeout().WithCause(*err)
		}
		r.cancel(nil)
		srv.leave()
		return true
	}
	r.cancel(nil)
	r.obs.report(CodeTimeout) // unless expire did, at the deadline
	srv.overdue.Add(-1)
	r.stuck.Add(-1)
	r.s.overdue.Add(-1)
	srv.log.Warn("rtkit: handler returned after its deadline; its result is dropped",
		"namespace", r.n.name, "event", r.req.Event.Name, "socket", r.s.ID(),
		"late", time.Since(r.deadline).Round(time.Millisecond), "code", string(CodeOf(*err)), "err", *err)
	return false
}

// expire runs at the deadline, on a timer goroutine, while the handler is
// still running (unless end has just come first). A handler that returns
// within overdueGrace of its deadline (one that honours its context) is
// answered by end as usual; after that, it is overdue.
func (r *handlerRun) expire() {
	r.cancel(ErrHandlerTimeout) // Err: DeadlineExceeded
	r.mu.Lock()
	if r.done || r.returned != nil {
		r.mu.Unlock()
		return // returned, or already expiring or overdue
	}
	r.returned = make(chan struct{})
	r.mu.Unlock()
	grace := time.NewTimer(overdueGrace)
	defer grace.Stop()
	select {
	case <-r.returned:
		return
	case <-grace.C:
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	r.overdue = true
	n, s, srv := r.n, r.s, r.n.srv
	srv.leave() // the slot of WithMaxConcurrentHandlers goes to handlers in time
	srv.overdue.Add(1)
	r.stuck.Add(1)
	onSocket := s.overdue.Add(1)
	if s.ctx.Err() != nil {
		// The socket is gone (its context ended before the deadline):
		// nobody to answer, no queue to go on with.
		srv.log.Warn("rtkit: handler of a disconnected socket still runs; it is overdue until it returns",
			"namespace", n.name, "event", r.req.Event.Name, "socket", s.ID())
		return
	}
	r.obs.report(n.reply(s, r.ack, r.req.Event.Name, nil, errHandlerTimeout()))
	if onSocket > maxOverduePerSocket {
		srv.log.Warn("rtkit: handler passed its deadline; the socket has too many overdue handlers and is disconnected",
			"namespace", n.name, "event", r.req.Event.Name, "socket", s.ID(), "overdue", onSocket)
		s.Disconnect()
		return
	}
	srv.log.Warn("rtkit: handler passed its deadline; the socket's next events go on without it",
		"namespace", n.name, "event", r.req.Event.Name, "socket", s.ID())
	s.box.Detach()
}

// runKey is the key under which a handler's context returns its run.
type runKey struct{}

// callerDeadline reports whether ctx has a deadline other than the one of
// the handler it comes from: the caller's own.
func callerDeadline(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	if !ok {
		return false
	}
	r, _ := ctx.Value(runKey{}).(*handlerRun)
	return r == nil || !r.timed || !d.Equal(r.deadline)
}
