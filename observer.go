package rtkit

import (
	"context"
	"sync/atomic"
	"time"
)

// Observer watches a server at work: handshakes, events, emits,
// acknowledgements, recovery and the bytes on the wire. Package otelrtkit
// implements it with OpenTelemetry metrics and traces; any other
// monitoring can implement it too. Set it with WithObserver.
//
// rtkit calls an Observer from many goroutines at once (connection
// readers, socket mailboxes, emitters): implementations must be safe for
// concurrent use, quick, and must not call back into the server's
// blocking methods (Shutdown). They must not keep the *Socket values
// beyond the call, nor modify them. A server without an Observer pays one
// nil check per hook and allocates nothing for it; with one, an event's
// observation shares the allocation of its handler's run, and its
// duration is read from the monotonic clock alone.
//
// The methods run in this order for one socket: HandshakeStart,
// HandshakeEnd; then per event EventStart and EventEnd (EventStart and
// EventEnd also frame an event refused before it reaches its handler);
// Disconnected last. Replayed and Resynced run once the client has its
// connection, before its first event.
type Observer interface {
	// Attach is called once by NewServer, before any other method, with
	// the server being built (for instruments that read Server.Health).
	Attach(srv *Server)

	// HandshakeStart is called when a client asks to connect to a
	// namespace, before the connection middleware runs. The context it
	// returns is the one the middleware gets, and from which the socket's
	// context derives.
	HandshakeStart(ctx context.Context, s *Socket) context.Context
	// HandshakeEnd reports the outcome of the handshake: err is nil when
	// the socket is admitted, the connect_error sent otherwise. ctx is
	// HandshakeStart's.
	HandshakeEnd(ctx context.Context, s *Socket, err *Error)
	// Disconnected is called once when an admitted socket leaves, with
	// the Socket.IO reason.
	Disconnected(s *Socket, reason string)

	// EventStart is called when an event is taken off the socket's queue
	// (or refused on arrival) with the socket's context (Socket.Context);
	// the context it returns is the handler's.
	EventStart(ctx context.Context, s *Socket, e EventObservation) context.Context
	// EventEnd is called once the event's outcome is sent, with e filled
	// in (Code, Duration, Acked, Panicked, Refusal). ctx is EventStart's.
	EventEnd(ctx context.Context, s *Socket, e EventObservation)

	// Emitted reports an emit through Emit, EmitContext or a Remote: ctx
	// is EmitContext's (context.Background for Emit).
	Emitted(ctx context.Context, e EmitObservation)
	// AckAwaited reports the end of an EmitWithAck wait: err is nil when
	// the client answered validly, a TIMEOUT *Error at the deadline,
	// ErrDisconnected, or the answer's VALIDATION_ERROR.
	AckAwaited(ctx context.Context, s *Socket, event string, took time.Duration, err error)

	// Sent reports packets the server queued for its clients on
	// namespace: messages is the number of recipients, bytes the Socket.IO
	// packet bytes summed over them (Engine.IO framing not counted).
	Sent(namespace string, messages, bytes int)
	// Received reports the bytes of one Socket.IO packet or attachment a
	// client sent.
	Received(bytes int)

	// Replayed reports a recovered socket's replay: the entries of the
	// delivery log it was sent.
	Replayed(s *Socket, entries int)
	// Resynced reports an rtkit:resync event sent to s.
	Resynced(s *Socket, reason ResyncReason)
	// Published reports one write towards other processes: operation is
	// "log_append" (the delivery log), "broadcast", "join", "leave" or
	// "disconnect" (through the namespace adapter, to the other servers),
	// or "publish" (a Publisher, through Namespace.Via); err is the
	// write's error.
	Published(ctx context.Context, namespace, operation string, took time.Duration, err error)
}

// EventObservation describes one event a client sent, for an Observer.
type EventObservation struct {
	// Event is the event's name as the client sent it (at most 128
	// bytes). It is a declared name only when Declared is set: count
	// undeclared names together, or a client could create metric series
	// at will.
	Event    string
	Declared bool
	// Traceparent and Tracestate are the W3C trace context the client sent
	// with the event, as a trailing argument {"traceparent": …,
	// "tracestate": …} after the payload (see the package documentation,
	// "Observability"). Empty when it sent none.
	Traceparent string
	Tracestate  string
	// QueueDepth is how many events of the socket were waiting or running
	// when this one arrived, itself included.
	QueueDepth int

	// Set for EventEnd:

	// Code is the outcome: "" on success, else the code the client got
	// (TIMEOUT, reported at the deadline, for a handler past its
	// deadline: see WithHandlerTimeout).
	Code Code
	// Duration is how long the event took from EventStart to its answer.
	Duration time.Duration
	// Acked reports that an acknowledgement was sent.
	Acked bool
	// Panicked reports that the handler (or middleware) panicked: Code is
	// INTERNAL.
	Panicked bool
	// Refusal says why the event was refused before its handler ran:
	// RefusedQueueFull, RefusedServerBusy, RefusedShuttingDown or
	// RefusedOverdue; empty when the handler (or its middleware) decided.
	Refusal string
}

// Why an event was refused before any handler ran (EventObservation.Refusal).
const (
	RefusedQueueFull    = "queue_full"    // the socket's queue was at WithMaxPending
	RefusedServerBusy   = "server_busy"   // WithMaxConcurrentHandlers handlers were running
	RefusedShuttingDown = "shutting_down" // Shutdown had begun
	RefusedOverdue      = "overdue"       // WithMaxOverdueHandlers handlers of the event were past their deadline
)

// EmitObservation describes one emit, for an Observer.
type EmitObservation struct {
	// Namespace and Event name what was emitted.
	Namespace string
	Event     string
	// Target is "socket", "rooms", "namespace" or "remote".
	Target string
	// Err is the emit's error (nil when it was sent or handed on).
	Err error
}

// WithObserver sets the server's Observer (see package otelrtkit for
// OpenTelemetry). Without it the server observes nothing.
func WithObserver(o Observer) ServerOption {
	return serverOptionFunc(func(c *serverConfig) { c.observer = o })
}

// traceArg splits the trace context a client sent as an event's trailing
// argument off its arguments: an object with a "traceparent" string and,
// optionally, a "tracestate" string, and nothing else, after at least one
// other argument. Other arguments are returned as they are.
func traceArg(args []any) (rest []any, parent, state string) {
	if len(args) < 2 {
		return args, "", ""
	}
	m, ok := args[len(args)-1].(map[string]any)
	if !ok || len(m) == 0 || len(m) > 2 {
		return args, "", ""
	}
	parent, ok = m["traceparent"].(string)
	if !ok {
		return args, "", ""
	}
	if v, has := m["tracestate"]; has {
		if state, ok = v.(string); !ok {
			return args, "", ""
		}
	} else if len(m) != 1 {
		return args, "", ""
	}
	return args[:len(args)-1], parent, state
}

// eventObs is one event being observed: EventStart has run, EventEnd
// runs once, from the socket's queue or, for a handler past its
// deadline, from the deadline's timer (deadline.go). A handled event's
// eventObs shares its handlerRun's allocation (observedRun); a refused
// one lives on the stack of the refusal.
type eventObs struct {
	n     *Namespace
	s     *Socket
	ctx   context.Context
	ob    EventObservation
	start time.Duration // monoNow at EventStart
	acked bool
	done  atomic.Bool
}

// obsStart is what an observed event's EventStart needs besides the
// event itself: whether its name is declared and the trace context the
// client sent with it.
type obsStart struct {
	declared      bool
	parent, state string
}

// observedRun is a handler run and its event's observation in one
// allocation.
type observedRun struct {
	handlerRun
	obs eventObs
}

// clockBase is the origin of monoNow.
var clockBase = time.Now()

// monoNow reads the monotonic clock only: an event's duration needs no
// wall time, and reading both clocks (time.Now) costs about twice as much.
func monoNow() time.Duration { return time.Since(clockBase) }

// monoAt is monoNow at t, a time.Now reading (no clock read), or monoNow
// for the zero t.
func monoAt(t time.Time) time.Duration {
	if t.IsZero() {
		return monoNow()
	}
	return t.Sub(clockBase)
}

// begin starts observing an event of s (the server has an Observer) at
// start (monoNow) and returns EventStart's context.
func (e *eventObs) begin(n *Namespace, s *Socket, ev incoming, st obsStart, refusal string, start time.Duration) context.Context {
	e.n, e.s, e.acked, e.start = n, s, ev.ack != nil, start
	e.ob = EventObservation{
		Event: ev.name, Declared: st.declared, Traceparent: st.parent, Tracestate: st.state,
		QueueDepth: int(ev.depth), Refusal: refusal,
	}
	e.ctx = n.srv.obs.EventStart(s.ctx, s, e.ob)
	return e.ctx
}

// report hands the outcome to the observer's EventEnd, the first time
// only. A nil e reports nothing.
func (e *eventObs) report(code Code) {
	if e == nil || e.done.Swap(true) {
		return
	}
	e.ob.Code, e.ob.Acked, e.ob.Duration = code, e.acked, monoNow()-e.start
	e.n.srv.obs.EventEnd(e.ctx, e.s, e.ob)
}

// refusal names why begin refused an event, for EventObservation.Refusal.
func (n *Namespace) refusal(e *Error) string {
	switch {
	case e.Code == CodeRateLimited:
		return RefusedServerBusy
	case n.srv.closing.Load():
		return RefusedShuttingDown
	}
	return RefusedOverdue
}
