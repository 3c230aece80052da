package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// The untyped escape hatch: events as Socket.IO carries them, for what
// typed events deliberately refuse — several arguments, binary
// attachments outside Binary fields, acknowledgements with any arguments. It serves clients
// being migrated to typed events and checks of the protocol itself. Raw
// events have no schema, no validation, no envelope and no place in Spec;
// they are never logged for recovery. Typed events keep all their rules.
//
// Arguments are what encoding/json makes of the client's JSON
// (map[string]any, []any, float64, string, bool, nil), with []byte for each
// binary attachment; []byte values sent are binary attachments.

// RawHandler handles an untyped event: args are every argument the client
// sent (without the acknowledgement). Its result is the acknowledgement's
// arguments, sent as they are when the client asked for one. An error is
// answered as a typed handler's is: the failure envelope as the only
// acknowledgement argument, or the "error" event.
type RawHandler func(ctx context.Context, s *Socket, args []any) ([]any, error)

// HandleRaw registers fn as n's handler of the untyped event named event.
// Event middleware runs before fn as for typed events (Request.Payload is
// the first argument; Request.Event.Declared is false). Handlers of one
// socket run one at a time, in arrival order. HandleRaw panics if the name
// is reserved or already handled on n, if fn is nil, or if n is mounted.
func HandleRaw(n *Namespace, event string, fn RawHandler) {
	if n.srv != nil {
		n.panicf("raw event %s: HandleRaw after Mount", event)
	}
	if reservedEvent(event) || event == "error" || event == "" || len(event) > maxEventNameLen {
		n.panicf("raw event %q: name reserved or invalid", event)
	}
	if _, dup := n.handlers[event]; dup {
		n.panicf("event %s registered twice", event)
	}
	if fn == nil {
		n.panicf("raw event %s: nil handler", event)
	}
	info := &EventInfo{Namespace: n.name, Name: event}
	n.handlers[event] = &handlerEntry{info: info, typed: func(ctx context.Context, s *Socket, req *Request) (json.RawMessage, error) {
		out, err := fn(ctx, s, req.args)
		if err != nil {
			return nil, err
		}
		req.raw, req.rawOut = true, out
		if req.rawOut == nil {
			req.rawOut = []any{}
		}
		return nil, nil
	}}
}

// EmitRaw sends the untyped event named event with args as they are to t:
// a socket, a namespace or rooms of this server (not other servers, and
// not a Remote). It returns ErrNotMounted before Mount and
// ErrServerClosed after Shutdown.
func EmitRaw(t Target, event string, args ...any) error {
	ns, rooms, except, s := t.selection()
	if err := checkRaw(ns, event); err != nil {
		return err
	}
	if _, remote := t.(Remote); remote {
		return errors.New("rtkit: EmitRaw: a Remote target is not supported")
	}
	packet := append([]any{event}, args...)
	if s != nil {
		s.raw.send(packet)
		return nil
	}
	ns.core.deliver(rooms, except, packet)
	return nil
}

// EmitRawWithAck sends the untyped event named event with args to one
// socket and returns the arguments of the client's acknowledgement, as
// they are. It returns a TIMEOUT *Error when ctx ends first (the server's
// acknowledgement timeout applies when ctx has no deadline) and
// ErrDisconnected if the socket goes away.
func EmitRawWithAck(ctx context.Context, s *Socket, event string, args ...any) ([]any, error) {
	if err := checkRaw(s.ns, event); err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.ns.srv.cfg.ackTimeout)
		defer cancel()
	}
	answer := make(chan []any, 1)
	err := s.raw.emitAck(append([]any{event}, args...), func(a []any) {
		select {
		case answer <- a:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	select {
	case a := <-answer:
		return a, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, NewError(CodeTimeout, "no acknowledgement before the deadline").WithCause(ctx.Err())
		}
		return nil, ctx.Err()
	case <-s.ctx.Done():
		return nil, ErrDisconnected
	}
}

// checkRaw refuses raw emits before Mount, after Shutdown, and with a
// reserved name.
func checkRaw(ns *Namespace, event string) error {
	switch {
	case ns.srv == nil:
		return fmt.Errorf("%w: %s", ErrNotMounted, ns.name)
	case ns.srv.closed.Load():
		return ErrServerClosed
	case event == "" || reservedEvent(event):
		return fmt.Errorf("rtkit: EmitRaw: event name %q is reserved", event)
	}
	return nil
}
