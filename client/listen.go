package client

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/rtkit-go/rtkit"
)

// receiver dispatches one event name to its handlers.
type receiver struct {
	mu       sync.Mutex
	handlers []*handler
}

// handler is one typed listener; deliver returns the acknowledgement data
// to send back, if it has one.
type handler struct {
	deliver func(payload json.RawMessage) (ack any, answered bool)
}

// On calls fn with the payload of every ev the server sends, decoded (and,
// with incoming validation, checked: a payload that breaks ev's schema is
// dropped and reported to Options.OnInvalid). Listeners run one at a time,
// in arrival order, on the client's goroutine; fn may Call. It returns a
// function that removes the listener.
//
// With connection state recovery, events sent while the client was away
// are delivered after the reconnection, in order, as if nothing happened.
func On[In, Out any](c *Client, ev rtkit.Event[In, Out], fn func(In)) (remove func()) {
	return c.addHandler(ev.Name(), &handler{deliver: func(p json.RawMessage) (any, bool) {
		if in, ok := decodeIncoming(c, ev, p); ok {
			fn(in)
		}
		return nil, false
	}})
}

// Answer handles ev, an event the server sends with an acknowledgement
// (rtkit.EmitWithAck): fn's Out is sent back (validated against ev's
// acknowledgement schema with outgoing validation). When fn returns an
// error, or its Out breaks the schema, nothing is sent and the server's
// wait ends in TIMEOUT. One Answer per event: the first answer counts.
func Answer[In, Out any](c *Client, ev rtkit.Event[In, Out], fn func(In) (Out, error)) (remove func()) {
	return c.addHandler(ev.Name(), &handler{deliver: func(p json.RawMessage) (any, bool) {
		in, ok := decodeIncoming(c, ev, p)
		if !ok {
			return nil, false
		}
		out, err := fn(in)
		if err != nil {
			c.log.Warn("client: answer refused", "event", ev.Name(), "err", err)
			return nil, false
		}
		b, err := c.encode(ev.Name(), out, ev.ValidateAck)
		if err != nil {
			c.log.Warn("client: answer breaks its schema", "event", ev.Name(), "err", err)
			return nil, false
		}
		arg, err := ev.WireAck(b)
		if err != nil {
			c.log.Warn("client: answer not sendable", "event", ev.Name(), "err", err)
			return nil, false
		}
		return arg, true
	}})
}

// OnError calls fn with the "error" events the server sends when an event
// sent without acknowledgement (Emit) fails: the failed event's name and
// the error.
func OnError(c *Client, fn func(event string, err *rtkit.Error)) (remove func()) {
	return c.addHandler("error", &handler{deliver: func(p json.RawMessage) (any, bool) {
		var w wireError
		if err := json.Unmarshal(p, &w); err != nil || w.Code == "" {
			c.invalid("error", rtkit.Errorf(rtkit.CodeValidation, "not an rtkit error: %s", truncate(p)))
			return nil, false
		}
		fn(w.Event, w.asError())
		return nil, false
	}})
}

// decodeIncoming validates and decodes one payload of ev.
func decodeIncoming[In, Out any](c *Client, ev rtkit.Event[In, Out], p json.RawMessage) (In, bool) {
	var in In
	if c.opts.Validation.incoming() {
		if e := ev.ValidatePayload(p); e != nil {
			c.invalid(ev.Name(), contractError(ev.Name(), "payload", e))
			return in, false
		}
	}
	if len(p) > 0 {
		if err := json.Unmarshal(p, &in); err != nil {
			c.invalid(ev.Name(), rtkit.Errorf(rtkit.CodeValidation, "client: %s: payload does not decode into %T: %v", ev.Name(), in, err))
			return in, false
		}
	}
	return in, true
}

// invalid reports a dropped payload.
func (c *Client) invalid(event string, e *rtkit.Error) {
	c.log.Warn("client: payload dropped", "namespace", c.nsp, "event", event, "err", e)
	if c.opts.OnInvalid != nil {
		c.opts.OnInvalid(event, e)
	}
}

// addHandler adds h to event's receiver, registering the receiver with
// the Socket.IO client the first time.
func (c *Client) addHandler(event string, h *handler) func() {
	c.mu.Lock()
	r, ok := c.receivers[event]
	if !ok {
		r = &receiver{}
		c.receivers[event] = r
	}
	c.mu.Unlock()
	r.mu.Lock()
	r.handlers = append(r.handlers, h)
	r.mu.Unlock()
	if !ok {
		_ = c.raw.On(types.EventName(event), func(args ...any) { c.receive(r, args) })
	}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.handlers = slices.DeleteFunc(r.handlers, func(x *handler) bool { return x == h })
	}
}

// receive runs on the library's goroutine: it takes the payload apart
// and queues the delivery.
func (c *Client) receive(r *receiver, args []any) {
	var ack socket.Ack
	if k := len(args); k > 0 {
		if a, ok := args[k-1].(socket.Ack); ok {
			ack, args = a, args[:k-1]
		}
	}
	payload, err := payloadJSON(args)
	c.queue.push(func() {
		if err != nil {
			c.invalid("", rtkit.Errorf(rtkit.CodeValidation, "client: undecodable payload: %v", err))
			return
		}
		r.mu.Lock()
		hs := slices.Clone(r.handlers)
		r.mu.Unlock()
		for _, h := range hs {
			if data, ok := h.deliver(payload); ok && ack != nil {
				ack([]any{data}, nil)
				ack = nil
			}
		}
	})
}

// payloadJSON returns the payload, the first argument, as JSON. With
// connection state recovery an offset (or a null) follows it; it is the
// Socket.IO client's to keep, not the application's.
func payloadJSON(args []any) (json.RawMessage, error) {
	if len(args) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(plainBinary(args[0]))
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	return b, nil
}

// OnAny calls fn with every event the server sends, by name, with its
// payload as JSON and without validation: for tools that know the contract
// only from a spec (the rtkit command's listen). rtkit's "rtkit:offset"
// bookkeeping is left out; "rtkit:resync" is included (and Options.OnResync
// still runs). Like On, fn runs on the client's goroutine, in arrival
// order. It returns a function that removes the listener.
func (c *Client) OnAny(fn func(event string, payload json.RawMessage)) (remove func()) {
	var removed atomic.Bool
	c.raw.OnAny(func(args ...any) {
		name, ok := firstString(args)
		if !ok || name == offsetEvent || removed.Load() {
			return
		}
		rest := args[1:]
		if k := len(rest); k > 0 {
			if _, isAck := rest[k-1].(socket.Ack); isAck {
				rest = rest[:k-1]
			}
		}
		payload, err := payloadJSON(rest)
		c.queue.push(func() {
			if removed.Load() {
				return
			}
			if err != nil {
				c.invalid(name, rtkit.Errorf(rtkit.CodeValidation, "client: undecodable payload: %v", err))
				return
			}
			fn(name, payload)
		})
	})
	return func() { removed.Store(true) }
}

// offsetEvent moves the client's recovery offset; it carries no payload
// for the application.
const offsetEvent = "rtkit:offset"
