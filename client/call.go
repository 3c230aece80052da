package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/rtkit-go/rtkit"
)

// Call sends ev with payload in and waits for the server's acknowledgement:
// the decoded Out on success, the server's *rtkit.Error (code, message,
// details, retry-after) on failure. Other errors:
//
//   - in breaks ev's schema (outgoing validation): a VALIDATION_ERROR
//     *rtkit.Error, and nothing is sent;
//   - ctx ends first: a TIMEOUT *rtkit.Error that wraps ctx.Err();
//   - the answer breaks the contract (incoming validation): an *rtkit.Error
//     VALIDATION_ERROR wrapping ErrContract;
//   - the connection drops before the answer: rtkit.ErrDisconnected (the
//     server may or may not have handled the event; Call does not resend);
//   - the client ended: Err's error.
//
// While the client reconnects, Call waits for the connection (bounded by
// ctx). Pass a ctx with a deadline: a server that never answers is only
// noticed by it. A Call that gave up still holds a small entry in the
// Socket.IO client's table of pending acknowledgements until the answer
// arrives or the connection ends.
func Call[In, Out any](ctx context.Context, c *Client, ev rtkit.Event[In, Out], in In) (Out, error) {
	var out Out
	payload, err := c.encode(ev.Name(), in, ev.ValidatePayload)
	if err != nil {
		return out, err
	}
	arg, err := ev.WirePayload(payload)
	if err != nil {
		return out, rtkit.Errorf(rtkit.CodeValidation, "client: %s: %v", ev.Name(), err)
	}
	data, err := c.call(ctx, ev.Name(), arg)
	if err != nil {
		return out, err
	}
	if c.opts.Validation.incoming() {
		if e := ev.ValidateAck(data); e != nil {
			return out, contractError(ev.Name(), "acknowledgement", e)
		}
	}
	if len(data) > 0 && string(data) != "null" {
		if err := json.Unmarshal(data, &out); err != nil {
			return out, rtkit.Errorf(rtkit.CodeValidation, "client: %s: acknowledgement does not decode into %T: %v", ev.Name(), out, err).WithCause(ErrContract)
		}
	}
	return out, nil
}

// Emit sends ev with payload in without asking for an acknowledgement. A
// failure on the server then arrives as the "error" event (see OnError).
// While the client reconnects, the event is buffered and sent once the
// connection is back; it is lost if the client ends first.
func Emit[In, Out any](c *Client, ev rtkit.Event[In, Out], in In) error {
	payload, err := c.encode(ev.Name(), in, ev.ValidatePayload)
	if err != nil {
		return err
	}
	arg, err := ev.WirePayload(payload)
	if err != nil {
		return rtkit.Errorf(rtkit.CodeValidation, "client: %s: %v", ev.Name(), err)
	}
	if err := c.Err(); err != nil {
		return err
	}
	return c.raw.Emit(ev.Name(), arg)
}

// encode marshals a payload and, with outgoing validation, checks it.
func (c *Client) encode(event string, v any, validate func([]byte) *rtkit.Error) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, rtkit.Errorf(rtkit.CodeValidation, "client: %s: payload does not encode: %v", event, err)
	}
	if c.opts.Validation.outgoing() {
		if e := validate(b); e != nil {
			return nil, e
		}
	}
	return b, nil
}

// contractError reports what the server sent against ev's schema.
func contractError(event, what string, e *rtkit.Error) *rtkit.Error {
	return &rtkit.Error{Code: rtkit.CodeValidation, Message: fmt.Sprintf("client: %s: the server's %s breaks its schema", event, what),
		Details: e.Details}
}

// CallJSON sends event with a payload given as JSON and returns the
// acknowledgement's data as JSON, without schemas: for tools that know the
// contract only from a spec (the rtkit command). Errors are Call's.
func (c *Client) CallJSON(ctx context.Context, event string, payload json.RawMessage) (json.RawMessage, error) {
	if payload == nil {
		return c.call(ctx, event, nil)
	}
	return c.call(ctx, event, payload)
}

// call emits and waits for the envelope. payload is what WirePayload
// returns, or nil for none.
func (c *Client) call(ctx context.Context, event string, payload any) (json.RawMessage, error) {
	if err := c.waitUp(ctx); err != nil {
		return nil, err
	}
	type answer struct {
		args []any
		err  error
	}
	reply := make(chan answer, 1)
	ack := socket.Ack(func(args []any, err error) {
		select {
		case reply <- answer{args, err}:
		default:
		}
	})
	var args []any
	if payload != nil {
		args = append(args, payload)
	}
	if err := c.raw.Emit(event, append(args, ack)...); err != nil {
		return nil, fmt.Errorf("client: %s: %w", event, err)
	}
	select {
	case r := <-reply:
		if r.err != nil {
			// The library fails pending acknowledgements when the
			// connection drops.
			return nil, fmt.Errorf("client: %s: %w (%v)", event, rtkit.ErrDisconnected, r.err)
		}
		return decodeAck(r.args)
	case <-ctx.Done():
		return nil, timeoutError(ctx, event+": no acknowledgement")
	case <-c.done:
		return nil, c.Err()
	}
}

// AsError returns err as an *rtkit.Error: itself, the *rtkit.Error in its
// chain, or an INTERNAL one carrying its text, for code that switches on
// the error code whatever happened.
func AsError(err error) *rtkit.Error {
	if err == nil {
		return nil
	}
	var e *rtkit.Error
	if errors.As(err, &e) {
		return e
	}
	return rtkit.NewError(rtkit.CodeInternal, err.Error()).WithCause(err)
}
