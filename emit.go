package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Target is where Emit sends an event: a *Socket, a *Namespace (every
// socket in it), a room selection from Namespace.To, or sockets served by
// other processes (Namespace.Via).
type Target interface {
	// selection returns the namespace and the sockets selected: one
	// socket, or those in any of rooms (all when rooms is empty) minus
	// those in any of except.
	selection() (ns *Namespace, rooms, except []string, s *Socket)
}

// Rooms selects the sockets in any of a set of rooms, minus those in any
// excluded room. A socket in several selected rooms gets one copy. Rooms
// values are immutable: Except returns a new one.
type Rooms struct {
	ns     *Namespace
	rooms  []string
	except []string
}

// To selects the sockets in any of rooms.
func (n *Namespace) To(rooms ...string) Rooms {
	return Rooms{ns: n, rooms: append([]string(nil), rooms...)}
}

// Except returns the selection without the sockets in any of rooms.
func (r Rooms) Except(rooms ...string) Rooms {
	return Rooms{ns: r.ns, rooms: r.rooms, except: append(append([]string(nil), r.except...), rooms...)}
}

func (r Rooms) selection() (*Namespace, []string, []string, *Socket) {
	return r.ns, r.rooms, r.except, nil
}

func (n *Namespace) selection() (*Namespace, []string, []string, *Socket) {
	return n, nil, nil, nil
}

func (s *Socket) selection() (*Namespace, []string, []string, *Socket) {
	return s.ns, nil, nil, s
}

// prepare checks that ev may be emitted on ns by this server and encodes
// (and validates) the payload once.
func prepare(ns *Namespace, d *eventDesc, payload any) (json.RawMessage, error) {
	if ns.srv == nil {
		return nil, fmt.Errorf("%w: %s", ErrNotMounted, ns.name)
	}
	if ns.srv.closed.Load() {
		return nil, ErrServerClosed
	}
	return encodeEmit(ns, d, payload)
}

// encodeEmit checks that ev is declared on ns and encodes the payload,
// validated unless the event or the server (when ns is mounted) turned it
// off. It is shared by local emits and emits through a Publisher.
func encodeEmit(ns *Namespace, d *eventDesc, payload any) (json.RawMessage, error) {
	if d == nil {
		return nil, errors.New("rtkit: Emit: zero Event")
	}
	if ns.emits[d.name] != d {
		err := fmt.Errorf("%w: %s on %s (declare it with rtkit.Emits)", ErrNotDeclared, d.name, ns.name)
		if ns.srv != nil {
			ns.srv.log.Error("rtkit: emit of an undeclared event, nothing sent", "namespace", ns.name, "event", d.name, "err", err)
		}
		return nil, err
	}
	return encodeOutgoing(ns, d, payload)
}

// Emit sends a server → client event to t: a socket, a namespace, or rooms.
// The payload is validated (unless turned off) and encoded once, whatever
// the number of recipients. It returns an error wrapping ErrNotDeclared if
// ev was not declared with Emits on the target's namespace, ErrNotMounted
// before the namespace is mounted, and an error describing the offending
// fields if payload does not match the event's schema; nothing is sent
// then. Emit is safe for concurrent use.
func Emit[In, Out any](t Target, ev Event[In, Out], payload In) error {
	return EmitContext(context.Background(), t, ev, payload)
}

// EmitContext is Emit with a context for the server's Observer: a handler
// that emits with its own ctx has the emit traced as part of its event
// (package otelrtkit links it to the handler's span). The context does
// not bound the emit, which never waits for the client.
func EmitContext[In, Out any](ctx context.Context, t Target, ev Event[In, Out], payload In) error {
	ns, _, _, _ := t.selection()
	err := emit(t, ev.d, payload)
	if ns != nil && ns.srv != nil && ns.srv.obs != nil && ev.d != nil {
		ns.srv.obs.Emitted(ctx, EmitObservation{Namespace: ns.name, Event: ev.d.name, Target: targetKind(t), Err: err})
	}
	return err
}

// emit is EmitContext without the observer.
func emit(t Target, d *eventDesc, payload any) error {
	if r, ok := t.(Remote); ok {
		return r.publish(d, payload)
	}
	ns, rooms, except, s := t.selection()
	b, err := prepare(ns, d, payload)
	if err != nil {
		return err
	}
	if s != nil {
		rooms = []string{s.ID()}
	}
	if r := ns.recovery; r != nil && r.emit(rooms, except, d, b, s == nil) {
		return nil
	}
	return ns.sendEvent(rooms, except, s, d, b)
}

// targetKind names t for EmitObservation.Target.
func targetKind(t Target) string {
	switch t.(type) {
	case *Socket:
		return "socket"
	case *Namespace:
		return "namespace"
	case Remote:
		return "remote"
	}
	return "rooms"
}

// EmitWithAck sends a server → client event to one socket and waits for
// the client's acknowledgement, validated against Out's schema. It returns
// a TIMEOUT *Error when ctx ends first (the server's ack timeout applies
// when ctx has no deadline, or only its handler's: WithHandlerTimeout does
// not lengthen it), ErrDisconnected if the socket goes away, and a
// VALIDATION_ERROR *Error when the client's answer does not match Out.
//
// It may be called from one of s's own handlers: the client's answer is
// processed while the handler waits.
func EmitWithAck[In, Out any](ctx context.Context, s *Socket, ev Event[In, Out], payload In) (Out, error) {
	o := s.ns.srv.obsOrNil()
	if o == nil {
		return emitWithAck(ctx, s, ev, payload)
	}
	start := time.Now()
	out, err := emitWithAck(ctx, s, ev, payload)
	if ev.d != nil {
		o.AckAwaited(ctx, s, ev.d.name, time.Since(start), err)
	}
	return out, err
}

func emitWithAck[In, Out any](ctx context.Context, s *Socket, ev Event[In, Out], payload In) (Out, error) {
	var zero Out
	b, err := prepare(s.ns, ev.d, payload)
	if err != nil {
		return zero, err
	}
	if ev.d.out == nil {
		return zero, fmt.Errorf("rtkit: EmitWithAck: event %s is declared without acknowledgement (NoAck)", ev.d.name)
	}
	if !callerDeadline(ctx) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.ns.srv.cfg.ackTimeout)
		defer cancel()
	}
	answer := make(chan []any, 1)
	// The context is the timer; an answer after it is dropped.
	err = s.raw.emitAck([]any{ev.d.name, s.ns.wireArg(ev.d.in, ev.d.name, b)}, func(args []any) {
		select {
		case answer <- args:
		default:
		}
	})
	if err != nil {
		return zero, err
	}
	select {
	case args := <-answer:
		var v any
		if len(args) > 0 {
			v = args[0]
		}
		out, verr := codec[In, Out]{ev.d}.answer(v)
		if verr != nil {
			return zero, verr
		}
		return out, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return zero, NewError(CodeTimeout, "no acknowledgement before the deadline").WithCause(ctx.Err())
		}
		return zero, ctx.Err()
	case <-s.ctx.Done():
		return zero, ErrDisconnected
	}
}

// defaultAckTimeout applies to EmitWithAck without a deadline.
const defaultAckTimeout = 10 * time.Second
