package otelrtkit

import (
	"context"

	"github.com/rtkit-go/rtkit"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// remote reads a client's trace context. It returns ctx with the remote
// span context as parent and that span context; the span context is
// invalid when traceparent is empty or malformed.
func (o *Observer) remote(ctx context.Context, traceparent, tracestate string) (context.Context, trace.SpanContext) {
	if traceparent == "" {
		return ctx, trace.SpanContext{}
	}
	c := propagation.MapCarrier{"traceparent": traceparent}
	if tracestate != "" {
		c["tracestate"] = tracestate
	}
	rctx := o.cfg.propagator.Extract(ctx, c)
	sc := trace.SpanContextFromContext(rctx)
	if !sc.IsValid() || sc.Equal(trace.SpanContextFromContext(ctx)) {
		// Nothing extracted: what ctx holds (the handshake's span) is not
		// the client's.
		return ctx, trace.SpanContext{}
	}
	return rctx, sc
}

// consumer is the start option of event spans.
var consumer = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindConsumer)}

// handshakeTrace returns the trace context in a handshake's auth object.
func handshakeTrace(s *rtkit.Socket) (traceparent, tracestate string) {
	auth := s.Handshake().Auth
	traceparent, _ = auth["traceparent"].(string)
	tracestate, _ = auth["tracestate"].(string)
	return traceparent, tracestate
}

// serverFault reports the codes that are the server's failure, not the
// client's: they set the span's status to Error.
func serverFault(c rtkit.Code) bool {
	return c == rtkit.CodeInternal || c == rtkit.CodeTimeout || c == rtkit.CodeUnavailable
}

// ended sets what every span records of an outcome.
func ended(span trace.Span, code rtkit.Code) {
	span.SetAttributes(KeyResultCode.String(resultCode(code)))
	if code == "" {
		return
	}
	span.SetAttributes(semconv.ErrorTypeKey.String(string(code)))
	if serverFault(code) {
		span.SetStatus(codes.Error, string(code))
	}
}

// startEvent starts an event's span. Its parent is, in order: the trace
// context sent with the event; the handshake's span when the client sent
// a trace context at handshake; none (a new trace). The handshake's span
// is linked when it is not the parent. With WithPublicEndpoint the
// client's contexts are links only.
//
// The span's attributes are set once the sampler has decided, and only
// on a span it records: a sampler sees the span's name and kind, and its
// parent, but no attributes (the price of not building them for every
// event a sampler drops).
func (o *Observer) startEvent(ctx context.Context, s *rtkit.Socket, e rtkit.EventObservation) context.Context {
	st := o.socketState(ctx, s)
	name := st.ns.event(metricEvent(e)).spanName
	sockCtx := ctx
	rctx, client := o.remote(ctx, e.Traceparent, e.Tracestate)
	linkHandshake := true
	var span trace.Span
	switch {
	case client.IsValid() && !o.cfg.public:
		ctx, span = o.tracer.Start(rctx, name, consumer...)
	case st.traced:
		linkHandshake = false // the handshake's span is the parent
		ctx, span = o.tracer.Start(ctx, name, consumer...)
	default:
		// A new trace, from the socket's context without the handshake's
		// span (built once per socket, socketState.rooted).
		if root := st.root.Load(); root != nil {
			ctx, span = o.tracer.Start(*root, name, consumer...)
			break
		}
		_, span = o.tracer.Start(context.Background(), name, consumer...)
		ctx = trace.ContextWithSpan(ctx, span)
	}
	if !span.IsRecording() {
		return ctx
	}
	if client.IsValid() && o.cfg.public {
		span.AddLink(trace.Link{SpanContext: client})
	}
	if handshake := trace.SpanContextFromContext(sockCtx); linkHandshake && handshake.IsValid() {
		span.AddLink(trace.Link{SpanContext: handshake})
	}
	span.SetAttributes(messagingSystem, semconv.MessagingOperationTypeProcess,
		semconv.MessagingOperationNameKey.String("process"),
		semconv.MessagingDestinationNameKey.String(s.Namespace()),
		KeyNamespace.String(s.Namespace()), KeyEvent.String(e.Event), KeySocketID.String(s.ID()),
		KeyQueueDepth.Int(e.QueueDepth))
	o.user(span, s)
	return ctx
}

// user sets user.id from the socket's identity, when known and allowed.
func (o *Observer) user(span trace.Span, s *rtkit.Socket) {
	if o.cfg.noUser {
		return
	}
	if id := s.Identity(); id != "" {
		span.SetAttributes(semconv.UserIDKey.String(id))
	}
}

// startHandshake starts a handshake's span, a child of the trace context
// in the client's auth object (client, read into rctx; a link with
// WithPublicEndpoint).
func (o *Observer) startHandshake(ctx context.Context, s *rtkit.Socket, rctx context.Context, client trace.SpanContext) context.Context {
	if client.IsValid() && !o.cfg.public {
		ctx = rctx
	}
	ctx, span := o.tracer.Start(ctx, "connect "+s.Namespace(), server...)
	if !span.IsRecording() {
		return ctx
	}
	if client.IsValid() && o.cfg.public {
		span.AddLink(trace.Link{SpanContext: client})
	}
	span.SetAttributes(messagingSystem, semconv.MessagingDestinationNameKey.String(s.Namespace()),
		KeyNamespace.String(s.Namespace()), KeySocketID.String(s.ID()))
	return ctx
}

// server is the start option of handshake spans.
var server = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)}
