package rtkit

import (
	"context"
	"encoding/json"
)

// Request is one incoming event as event middleware sees it: before the
// payload has been validated, so that cheap checks (rate limits,
// permissions) run before expensive ones.
type Request struct {
	// Event describes the event; Event.Declared is false for unknown events.
	Event *EventInfo
	// Payload is the payload as decoded from the wire, not yet validated.
	// Middleware must not modify it.
	Payload any
	// HasAck reports whether the client asked for an acknowledgement.
	HasAck bool

	raw bool // a raw handler's request (HandleRaw)

	args []any // the payload arguments the client sent (raw handlers take them all)
	// raw handlers' acknowledgement arguments (HandleRaw)
	rawOut []any
}

// HandlerFunc is the untyped form every typed handler is wrapped into. It
// returns the encoded acknowledgement data (nil for NoAck) or an error; an
// error that is not an *Error reaches the client as INTERNAL.
type HandlerFunc func(ctx context.Context, s *Socket, req *Request) (json.RawMessage, error)

// Middleware wraps the handling of every event of a namespace, declared or
// not. It may answer on its own by returning an error without calling next.
// Middleware runs on the socket's event queue: events of one socket pass
// through it one at a time, in order.
type Middleware func(next HandlerFunc) HandlerFunc

// ConnectFunc runs at handshake, before a socket is connected. It returns
// the context the socket's handlers will see (add values to it, such as the
// authenticated principal) or an error to refuse the connection. An *Error
// reaches the client as connect_error {message, data: {code}}; any other
// error as INTERNAL with a generic message.
type ConnectFunc func(ctx context.Context, s *Socket) (context.Context, error)

// chain composes middleware so that mws[0] runs first.
func chain(h HandlerFunc, mws []Middleware) HandlerFunc {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
