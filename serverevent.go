package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// serverHandler is the untyped form of a HandleServer handler.
type serverHandler func(ctx context.Context, payload json.RawMessage) (json.RawMessage, error)

// HandleServer registers fn as n's handler of ev when another server of the
// deployment sends it with EmitServers: server → server events, for work
// every server must do (drop a cache, reload a setting). The payload is
// validated against In's schema and decoded before fn runs; fn's Out is
// validated (unless WithoutOutboundValidation or WithOutboundValidation(false)
// turns that off, as for what the server sends to clients) and returned to
// the sender, which validates it in turn. An error from fn reaches the
// sender: an *Error as it is, anything else as INTERNAL (its text is
// logged here, not sent).
//
// Handlers run concurrently, each with a context that ends at the sender's
// deadline or when the server shuts down. Server events are not part of the
// client contract (Spec leaves them out). HandleServer panics if ev is
// already server-handled on n, if its types cannot be described by a JSON
// Schema, or if n is already mounted.
func HandleServer[In, Out any](n *Namespace, ev Event[In, Out], fn func(ctx context.Context, in In) (Out, error)) {
	n.register(ev.d, "HandleServer")
	d := ev.d
	if _, dup := n.serverHandlers[d.name]; dup {
		n.panicf("server event %s handled twice", d.name)
	}
	if fn == nil {
		n.panicf("server event %s: nil handler", d.name)
	}
	if n.serverHandlers == nil {
		n.serverHandlers = map[string]serverHandler{}
	}
	c := codec[In, Out]{d}
	n.serverHandlers[d.name] = func(ctx context.Context, raw json.RawMessage) (json.RawMessage, error) {
		in, verr := c.payloadJSON(raw)
		if verr != nil {
			return nil, verr
		}
		out, err := fn(ctx, in)
		if err != nil {
			return nil, err
		}
		if d.out == nil {
			return nil, nil
		}
		return c.encodeAnswer(n, out)
	}
}

// EmitServers sends a server → server event to n's HandleServer handlers on
// every other server the adapter reaches (not to this server), and waits
// for their answers until ctx ends (the server's acknowledgement timeout
// when ctx has no deadline). The payload is validated against In's schema
// first, and nothing is sent when that fails (unless outbound validation is
// off; the receiving servers validate it all the same).
//
// It returns the answers of the handlers that succeeded, in arrival order
// (for a NoAck event, one NoAck per server). The error joins the errors
// of the handlers that failed (*Error values, with their codes), a
// NOT_FOUND *Error per server without a handler for ev, and a TIMEOUT
// *Error when some servers did not answer in time. With an adapter that
// reaches no other server (the in-memory one), it returns nothing. It is
// safe for concurrent use.
func EmitServers[In, Out any](ctx context.Context, n *Namespace, ev Event[In, Out], payload In) ([]Out, error) {
	if ev.d == nil {
		return nil, errors.New("rtkit: EmitServers: zero Event")
	}
	if err := n.To().check(); err != nil {
		return nil, err
	}
	if err := ev.d.schemas(); err != nil { // compiled once, shared with HandleServer
		return nil, fmt.Errorf("rtkit: EmitServers: event %s: %w", ev.d.name, err)
	}
	c := codec[In, Out]{ev.d}
	b, err := encodeOutgoing(n, ev.d, payload)
	if err != nil {
		return nil, err
	}
	ctx, cancel := n.srv.withWait(ctx)
	defer cancel()
	var (
		outs     []Out
		errs     []error
		answered int
	)
	take := func(data json.RawMessage, e *Error) {
		answered++
		switch {
		case e != nil:
			errs = append(errs, e)
		case ev.d.out == nil:
			var zero Out
			outs = append(outs, zero)
		default:
			out, verr := c.answerJSON(data)
			if verr != nil {
				errs = append(errs, verr)
			} else {
				outs = append(outs, out)
			}
		}
	}
	servers, err := n.others().ServerSideEmit(ctx, []any{ev.d.name, b}, func(args []any) {
		take(serverAnswer(args))
	})
	if err != nil {
		return nil, errNotReached(err)
	}
	if merr := missing(ctx, servers, answered); merr != nil {
		errs = append(errs, merr)
	}
	return outs, errors.Join(errs...)
}

// serverAnswer reads another server's answer to a server event: rtkit
// answers with an acknowledgement envelope; an answer that is not one (a
// Node.js server's plain acknowledgement) is the data itself.
func serverAnswer(args []any) (json.RawMessage, *Error) {
	raw, err := argJSON(args, 0)
	if err != nil {
		return nil, NewError(CodeValidation, "undecodable answer of another server")
	}
	var env struct {
		Success *bool           `json:"success"`
		Data    json.RawMessage `json:"data"`
		Error   *wireError      `json:"error"`
	}
	if json.Unmarshal(raw, &env) != nil || env.Success == nil {
		return raw, nil
	}
	if *env.Success {
		return env.Data, nil
	}
	if env.Error == nil {
		return nil, NewError(CodeInternal, internalMessage)
	}
	return nil, &Error{Code: env.Error.Code, Message: env.Error.Message, Details: env.Error.Details}
}

// runServerEvent runs this server's handler of another server's event.
func runServerEvent(ctx context.Context, n *Namespace, event string, payload json.RawMessage) (json.RawMessage, *Error) {
	var h serverHandler
	if n != nil {
		h = n.serverHandlers[event]
	}
	if h == nil {
		ns := ""
		if n != nil {
			ns = n.name
		}
		return nil, NewError(CodeNotFound, fmt.Sprintf("no handler of server event %s on %s", event, ns))
	}
	out, err := h(ctx, payload)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			n.srv.log.Error("rtkit: server event handler failed", "namespace", n.name, "event", event, "err", err)
			e = NewError(CodeInternal, internalMessage)
		}
		return nil, e
	}
	return out, nil
}

// serverEventAnswer runs this server's handler of another server's event
// and returns its acknowledgement envelope.
func serverEventAnswer(ctx context.Context, n *Namespace, event string, payload json.RawMessage) json.RawMessage {
	out, e := runServerEvent(ctx, n, event, payload)
	var env []byte
	var err error
	switch {
	case e != nil:
		env, err = json.Marshal(failureEnvelope{Error: e.wire("")})
	case out == nil:
		return successEmpty
	default:
		env = append(append(append(make([]byte, 0, len(successPrefix)+len(out)+1), successPrefix...), out...), '}')
	}
	if err != nil {
		return json.RawMessage(`{"success":false,"error":{"code":"INTERNAL","message":"internal server error"}}`)
	}
	return env
}
