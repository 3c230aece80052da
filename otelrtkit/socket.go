package otelrtkit

import (
	"context"
	"sync/atomic"

	"github.com/rtkit-go/rtkit"
	"go.opentelemetry.io/otel/trace"
)

// socketKey is the context key of a socket's socketState.
type socketKey struct{}

// socketState is what the Observer keeps for one socket, in the context
// HandshakeStart returns (from which the socket's derives): what each
// event of the socket would otherwise look up.
type socketState struct {
	ns *nsSeries
	// traced: the client sent a valid trace context at handshake and the
	// endpoint is not public, so the handshake's span is the parent of
	// the socket's events.
	traced bool
	// root is the socket's context with an empty span context: an event
	// span started from it begins a new trace, and the context Start
	// returns is the handler's as it is (no second context per event).
	// Set by HandshakeEnd when the socket is admitted.
	root atomic.Pointer[context.Context]
}

// rooted sets st.root from the socket's context (final once connection
// middleware has run).
func (st *socketState) rooted(sockCtx context.Context) {
	root := trace.ContextWithSpanContext(sockCtx, trace.SpanContext{})
	st.root.Store(&root)
}

// socketState returns the state HandshakeStart put in ctx, the socket's
// context. A context that does not derive from HandshakeStart's (a
// connection middleware that started afresh) gets a state of its own,
// without root.
func (o *Observer) socketState(ctx context.Context, s *rtkit.Socket) *socketState {
	if st, ok := ctx.Value(socketKey{}).(*socketState); ok {
		return st
	}
	tp, ts := handshakeTrace(s)
	_, client := o.remote(ctx, tp, ts)
	return &socketState{ns: o.namespace(s.Namespace()), traced: client.IsValid() && !o.cfg.public}
}
