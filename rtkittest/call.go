package rtkittest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/client"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Envelope is the acknowledgement envelope rtkit answers events with.
type Envelope struct {
	Success bool            `json:"success"`
	Data    json.RawMessage `json:"data,omitempty"`
	Error   *WireError      `json:"error,omitempty"`
}

// WireError is an error as it travels: in an Envelope, or as the payload of
// the "error" event (then Event names the failed event).
type WireError struct {
	Code         rtkit.Code          `json:"code"`
	Message      string              `json:"message"`
	Event        string              `json:"event,omitempty"`
	Details      []rtkit.ErrorDetail `json:"details,omitempty"`
	RetryAfterMs int64               `json:"retryAfterMs,omitempty"`
}

// AsError converts w into the *rtkit.Error it was made from: code,
// message, details and retry delay (retryAfterMs).
func (w *WireError) AsError() *rtkit.Error {
	return &rtkit.Error{Code: w.Code, Message: w.Message, Details: w.Details,
		RetryAfter: time.Duration(w.RetryAfterMs) * time.Millisecond}
}

// Call emits ev with payload in and waits for the acknowledgement: the
// typed data on success, or the server's error (package client's Call,
// without its validation: the server's is under test). When ctx ends first
// it returns a TIMEOUT error; a reply that is not an rtkit envelope, or a
// connection lost before the answer, is an INTERNAL error describing it.
func Call[In, Out any](ctx context.Context, c *Client, ev rtkit.Event[In, Out], in In) (Out, *rtkit.Error) {
	out, err := client.Call(ctx, c.c, ev, in)
	if err == nil {
		return out, nil
	}
	var e *rtkit.Error
	switch {
	case errors.Is(err, client.ErrContract):
		return out, rtkit.Errorf(rtkit.CodeInternal, "rtkittest: %v", err)
	case errors.As(err, &e):
		return out, e
	default:
		return out, rtkit.Errorf(rtkit.CodeInternal, "rtkittest: no acknowledgement: %v", err)
	}
}

// CallRaw emits event with args as they are (any JSON-encodable values,
// []byte for binary attachments) and waits for the acknowledgement
// envelope. Tests use it to send what a typed client never would.
func CallRaw(ctx context.Context, c *Client, event string, args ...any) (*Envelope, *rtkit.Error) {
	type answer struct {
		args []any
		err  error
	}
	reply := make(chan answer, 1)
	ack := socket.Ack(func(a []any, err error) {
		select {
		case reply <- answer{a, err}:
		default:
		}
	})
	if err := c.Raw().Emit(event, append(args, ack)...); err != nil {
		return nil, rtkit.Errorf(rtkit.CodeInternal, "rtkittest: emit: %v", err)
	}
	select {
	case r := <-reply:
		if r.err != nil {
			// The Go client fails pending acknowledgements when its
			// connection drops.
			return nil, rtkit.Errorf(rtkit.CodeInternal, "rtkittest: no acknowledgement: %v", r.err)
		}
		a := r.args
		if len(a) == 0 {
			return nil, rtkit.NewError(rtkit.CodeInternal, "rtkittest: empty acknowledgement")
		}
		var env Envelope
		if err := roundTrip(a[0], &env); err != nil {
			return nil, rtkit.Errorf(rtkit.CodeInternal, "rtkittest: acknowledgement is not an envelope: %v", err)
		}
		return &env, nil
	case <-ctx.Done():
		return nil, rtkit.NewError(rtkit.CodeTimeout, "rtkittest: no acknowledgement before the deadline")
	}
}

// Send emits ev without asking for an acknowledgement, as a client that
// passes no callback does. Failures then arrive as the "error" event: see
// ListenErrors.
func Send[In, Out any](c *Client, ev rtkit.Event[In, Out], in In) error {
	arg, err := wire(in, ev.WirePayload)
	if err != nil {
		return err
	}
	return c.Raw().Emit(ev.Name(), arg)
}

// wire encodes v as a Socket.IO client sends it: its JSON, with Binary
// values as attachments (see rtkit.Event.WirePayload).
func wire(v any, convert func([]byte) (any, error)) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return convert(b)
}

// roundTrip decodes v, as the Go client delivers it, into into. Binary
// attachments become []byte first, which encoding/json carries as base64
// into an rtkit.Binary (or []byte) field.
func roundTrip(v any, into any) error {
	b, err := json.Marshal(plainValue(v))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

// Inbox collects the emissions of one server → client event, decoded.
type Inbox[T any] struct {
	ch chan Received[T]
}

// Received is one emission: the decoded payload, or why it did not decode.
type Received[T any] struct {
	Value T
	Err   error
}

// Next waits for the next emission.
func (b *Inbox[T]) Next(ctx context.Context) (T, error) {
	select {
	case r := <-b.ch:
		return r.Value, r.Err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("rtkittest: nothing received: %w", ctx.Err())
	}
}

// Len returns how many emissions are waiting to be read.
func (b *Inbox[T]) Len() int { return len(b.ch) }

// inboxSize bounds what an Inbox buffers; beyond it, emissions are dropped
// and Next reports it.
const inboxSize = 4096

func listen[T any](c *Client, event string, answer func(T) (any, bool)) *Inbox[T] {
	b := &Inbox[T]{ch: make(chan Received[T], inboxSize)}
	var mu sync.Mutex
	_ = c.Raw().On(types.EventName(event), func(args ...any) {
		mu.Lock()
		defer mu.Unlock()
		var ack socket.Ack
		if k := len(args); k > 0 {
			if a, ok := args[k-1].(socket.Ack); ok {
				ack, args = a, args[:k-1]
			}
		}
		var r Received[T]
		if len(args) == 0 {
			r.Err = fmt.Errorf("rtkittest: %s arrived without payload", event)
		} else {
			// With connection state recovery on, a trailing offset string
			// follows the payload: only args[0] is the payload.
			r.Err = roundTrip(args[0], &r.Value)
		}
		if ack != nil && answer != nil && r.Err == nil {
			if v, ok := answer(r.Value); ok {
				ack([]any{v}, nil)
			}
		}
		select {
		case b.ch <- r:
		default:
		}
	})
	return b
}

// Listen starts collecting ev's emissions to c. Call it before whatever
// triggers them.
func Listen[In, Out any](c *Client, ev rtkit.Event[In, Out]) *Inbox[In] {
	return listen[In](c, ev.Name(), nil)
}

// Answer starts collecting ev's emissions to c and acknowledges each with
// fn's result, as a client answering EmitWithAck does.
func Answer[In, Out any](c *Client, ev rtkit.Event[In, Out], fn func(In) Out) *Inbox[In] {
	return listen[In](c, ev.Name(), func(in In) (any, bool) {
		arg, err := wire(fn(in), ev.WireAck)
		return arg, err == nil
	})
}

// ListenErrors collects the "error" events rtkit sends when an event sent
// without acknowledgement fails.
func ListenErrors(c *Client) *Inbox[WireError] {
	return listen[WireError](c, "error", nil)
}

// plainValue turns the Go client's binary values into []byte, in place, at
// any depth of []any and map[string]any.
func plainValue(v any) any {
	switch x := v.(type) {
	case types.BufferInterface:
		return x.Bytes()
	case []any:
		for i, e := range x {
			x[i] = plainValue(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = plainValue(e)
		}
	}
	return v
}
