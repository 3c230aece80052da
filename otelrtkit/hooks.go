package otelrtkit

import (
	"context"
	"errors"
	"time"

	"github.com/rtkit-go/rtkit"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// HandshakeStart starts the handshake's span (see the package
// documentation for its parent) and keeps what the socket's events need
// in the context it returns, from which the socket's derives.
func (o *Observer) HandshakeStart(ctx context.Context, s *rtkit.Socket) context.Context {
	st := &socketState{ns: o.namespace(s.Namespace())}
	tp, ts := handshakeTrace(s)
	rctx, client := o.remote(ctx, tp, ts)
	st.traced = client.IsValid() && !o.cfg.public
	if o.tracing || client.IsValid() {
		ctx = o.startHandshake(ctx, s, rctx, client)
	}
	return context.WithValue(ctx, socketKey{}, st)
}

// HandshakeEnd counts the handshake and ends its span.
func (o *Observer) HandshakeEnd(ctx context.Context, s *rtkit.Socket, err *rtkit.Error) {
	var code rtkit.Code
	if err != nil {
		code = err.Code
	}
	ns, rc := s.Namespace(), resultCode(code)
	o.m.connections.add(attrKey{kind: kindConnection, namespace: ns, v1: rc}, 1,
		func() []attribute.KeyValue {
			return []attribute.KeyValue{KeyNamespace.String(ns), KeyResultCode.String(rc)}
		})
	if err == nil && o.tracing {
		if st, ok := ctx.Value(socketKey{}).(*socketState); ok {
			st.rooted(s.Context())
		}
	}
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		o.user(span, s) // connection middleware has run: the identity is known
		ended(span, code)
	}
	span.End()
}

// Disconnected counts the socket's leaving by reason.
func (o *Observer) Disconnected(s *rtkit.Socket, reason string) {
	ns := s.Namespace()
	o.m.disconnections.add(attrKey{kind: kindDisconnect, namespace: ns, v1: reason}, 1,
		func() []attribute.KeyValue {
			return []attribute.KeyValue{KeyNamespace.String(ns), KeyDisconnectReason.String(reason)}
		})
}

// EventStart starts the event's span (see the package documentation for
// its parent). With the API's no-op TracerProvider it does nothing for an
// event without trace context.
func (o *Observer) EventStart(ctx context.Context, s *rtkit.Socket, e rtkit.EventObservation) context.Context {
	if !o.tracing && e.Traceparent == "" {
		return ctx
	}
	return o.startEvent(ctx, s, e)
}

// EventEnd records the event's metrics and ends its span.
func (o *Observer) EventEnd(ctx context.Context, s *rtkit.Socket, e rtkit.EventObservation) {
	ns := o.namespace(s.Namespace())
	entry := ns.event(metricEvent(e))
	series := entry.series(resultCode(e.Code))
	series.consumed.Add(1)
	if e.Acked {
		series.acked.Add(1)
	}
	// Enabled is false for an instrument a View drops: then the SDK's
	// work per measurement is skipped too.
	if o.m.process.Enabled(background) {
		o.m.process.Record(background, seconds(e.Duration), series.record...)
	}
	if e.QueueDepth > 1 && o.m.queueDepth.Enabled(background) {
		o.m.queueDepth.Record(background, int64(e.QueueDepth), ns.record...)
	}
	if e.Code == rtkit.CodeRateLimited {
		o.refused(ns.name, entry.event, e.Refusal)
	}
	if !o.tracing && e.Traceparent == "" {
		return // EventStart started no span
	}
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		if e.Refusal != "" {
			span.SetAttributes(KeyRefusal.String(e.Refusal))
		}
		if e.Panicked {
			span.AddEvent("panic")
		}
		o.user(span, s)
		ended(span, e.Code)
	}
	span.End()
}

// refused counts a RATE_LIMITED answer by cause.
func (o *Observer) refused(ns, ev, refusal string) {
	cause := refusal
	if cause == "" {
		cause = "policy"
	}
	o.m.refusals.add(attrKey{kind: kindRefusal, namespace: ns, event: ev, v1: cause}, 1,
		func() []attribute.KeyValue {
			return []attribute.KeyValue{KeyNamespace.String(ns), KeyEvent.String(ev), KeyRefusal.String(cause)}
		})
}

// Emitted counts the emit and, inside a traced handler (ctx from
// EmitContext), records a send span under the handler's.
func (o *Observer) Emitted(ctx context.Context, e rtkit.EmitObservation) {
	errType := ""
	if e.Err != nil {
		errType = errorType(e.Err)
	}
	o.m.sent.add(attrKey{kind: kindEmit, namespace: e.Namespace, event: e.Event, v1: e.Target, v2: errType}, 1,
		func() []attribute.KeyValue {
			kv := []attribute.KeyValue{messagingSystem, semconv.MessagingOperationTypeSend,
				semconv.MessagingOperationNameKey.String("send"), semconv.MessagingDestinationNameKey.String(e.Namespace),
				KeyNamespace.String(e.Namespace), KeyEvent.String(e.Event), KeyEmitTarget.String(e.Target)}
			if errType != "" {
				kv = append(kv, semconv.ErrorTypeKey.String(errType))
			}
			return kv
		})
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	_, span := o.tracer.Start(ctx, "send "+e.Event, trace.WithSpanKind(trace.SpanKindProducer))
	if span.IsRecording() {
		span.SetAttributes(messagingSystem, semconv.MessagingOperationTypeSend,
			semconv.MessagingDestinationNameKey.String(e.Namespace), KeyNamespace.String(e.Namespace),
			KeyEvent.String(e.Event), KeyEmitTarget.String(e.Target))
		if e.Err != nil {
			span.SetAttributes(semconv.ErrorTypeKey.String(errType))
			span.SetStatus(codes.Error, e.Err.Error())
		}
	}
	span.End()
}

// errorType is the error.type of an emit's or a wait's error: its rtkit
// code, or "_OTHER".
func errorType(err error) string {
	var e *rtkit.Error
	if errors.As(err, &e) {
		return string(e.Code)
	}
	return "_OTHER"
}

// AckAwaited counts the wait by result and, inside a traced handler,
// records it as a send span.
func (o *Observer) AckAwaited(ctx context.Context, s *rtkit.Socket, event string, took time.Duration, err error) {
	result := ackResult(err)
	ns := s.Namespace()
	o.m.acksAwaited.add(attrKey{kind: kindAckAwaited, namespace: ns, event: event, v1: result}, 1,
		func() []attribute.KeyValue {
			return []attribute.KeyValue{KeyNamespace.String(ns), KeyEvent.String(event), KeyAckResult.String(result)}
		})
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	end := time.Now()
	_, span := o.tracer.Start(ctx, "send "+event, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithTimestamp(end.Add(-took)))
	if span.IsRecording() {
		span.SetAttributes(messagingSystem, semconv.MessagingOperationTypeSend,
			semconv.MessagingDestinationNameKey.String(ns), KeyNamespace.String(ns), KeyEvent.String(event),
			KeySocketID.String(s.ID()), KeyAckResult.String(result))
		if err != nil {
			span.SetAttributes(semconv.ErrorTypeKey.String(errorType(err)))
			if result == "timeout" || result == "error" {
				span.SetStatus(codes.Error, result)
			}
		}
	}
	span.End(trace.WithTimestamp(end))
}

// ackResult names an EmitWithAck outcome.
func ackResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case rtkit.CodeOf(err) == rtkit.CodeTimeout:
		return "timeout"
	case errors.Is(err, rtkit.ErrDisconnected):
		return "disconnected"
	case rtkit.CodeOf(err) == rtkit.CodeValidation:
		return "invalid"
	}
	return "error"
}

// Sent counts delivered packets and their bytes.
func (o *Observer) Sent(namespace string, messages, bytes int) {
	s := o.namespace(namespace)
	s.delivered.Add(int64(messages))
	s.bytesOut.Add(int64(bytes))
}

// Received counts the bytes clients sent.
func (o *Observer) Received(bytes int) { o.bytesIn.Add(int64(bytes)) }

// Replayed counts a replay and its entries.
func (o *Observer) Replayed(s *rtkit.Socket, entries int) {
	ns := o.namespace(s.Namespace())
	ns.replays.Add(1)
	ns.replayed.Add(int64(entries))
}

// Resynced counts a resync by reason.
func (o *Observer) Resynced(s *rtkit.Socket, reason rtkit.ResyncReason) {
	ns := s.Namespace()
	o.m.resyncs.add(attrKey{kind: kindResync, namespace: ns, v1: string(reason)}, 1,
		func() []attribute.KeyValue {
			return []attribute.KeyValue{KeyNamespace.String(ns), KeyResyncReason.String(string(reason))}
		})
}

// Published records the duration of a write towards other processes.
func (o *Observer) Published(_ context.Context, namespace, operation string, took time.Duration, err error) {
	errType := ""
	if err != nil {
		errType = "_OTHER"
	}
	o.m.publish.Record(background, seconds(took), o.set(attrKey{kind: kindPublish, namespace: namespace, event: operation, v1: errType},
		func() []attribute.KeyValue {
			kv := []attribute.KeyValue{KeyNamespace.String(namespace), KeyAdapterOperation.String(operation)}
			if errType != "" {
				kv = append(kv, semconv.ErrorTypeKey.String(errType))
			}
			return kv
		}))
}
