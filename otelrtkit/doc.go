// Package otelrtkit instruments an rtkit server with OpenTelemetry metrics
// and traces, through the rtkit.Observer seam:
//
//	obs, err := otelrtkit.New() // the global MeterProvider and TracerProvider
//	if err != nil { … }
//	srv := rtkit.NewServer(rtkit.WithObserver(obs))
//
// It uses the OpenTelemetry API only: the application chooses the SDK, the
// exporters (Prometheus, OTLP, …) and the sampler, and passes its providers
// with WithMeterProvider and WithTracerProvider. One Observer serves one
// server.
//
// # Traces
//
// A span per namespace handshake and per handled event, named after the
// OpenTelemetry messaging conventions ("{operation} {destination}"):
//
//	span                 kind      when
//	connect {namespace}  server    a client joins a namespace (connection middleware inside it)
//	process {event}      consumer  an event, from leaving the socket's queue to its answer;
//	                               {event} is "_OTHER" for an undeclared name
//	send {event}         producer  an emit made with rtkit.EmitContext(ctx, …), or an
//	                               rtkit.EmitWithAck wait, under a handler's ctx
//
// Attributes: messaging.system ("socket.io"), messaging.destination.name
// (the namespace), messaging.operation.type and messaging.operation.name,
// rtkit.namespace, rtkit.event (the name as sent, at most 128 bytes),
// rtkit.socket.id, user.id (the socket's identity, rtkit.Socket.SetIdentity,
// set by package auth; WithoutUserID leaves it out), rtkit.result_code
// ("OK" or the error code the client got) and error.type (the code, on
// failure). INTERNAL, TIMEOUT and UNAVAILABLE set the span status to Error;
// the client's mistakes (VALIDATION_ERROR, RATE_LIMITED, …) do not. A
// handler that panicked has a "panic" span event. An event refused before
// its handler ran carries rtkit.refusal.
//
// Trace context from the client (W3C traceparent and tracestate, or what
// WithPropagator reads):
//
//   - at handshake, in the auth object: io(url, {auth: {traceparent}}). The
//     handshake's span is its child.
//   - per event, as a trailing argument after the payload:
//     socket.emit("doc:save", payload, {traceparent}, ack). rtkit removes
//     that argument (an object holding a "traceparent" string, optionally a
//     "tracestate" string, and nothing else) before middleware and
//     handlers see the arguments. The event's span is its child.
//
// An event's span has as parent its own trace context if sent; otherwise
// the handshake's span if the client sent a trace context at handshake (the
// browser's trace goes on through the connection); otherwise none: each
// event starts a trace, so that a socket open for hours is not one endless
// trace. The handshake's span is linked whenever it is not the parent.
// With WithPublicEndpoint the client's trace context is only ever a link:
// on an endpoint open to anyone, a client would otherwise choose which
// trace its events join and, under a parent-based sampler, have them all
// sampled. A malformed traceparent is ignored.
//
// # Metrics
//
// Names follow the messaging semantic conventions where they define one;
// the rest are rtkit's own, under "rtkit.". Every metric carries
// rtkit.namespace. Event names in metrics are declared names only: an
// undeclared name counts as "_OTHER", so that clients cannot create series.
//
//	name                                type            unit        attributes beyond rtkit.namespace
//	rtkit.sockets.connected             updowncounter*  {socket}
//	rtkit.connections                   counter         {connection} rtkit.result_code (OK or the connect_error code)
//	rtkit.disconnections                counter         {socket}    rtkit.disconnect.reason
//	messaging.client.consumed.messages  counter         {message}   rtkit.event, rtkit.result_code, error.type, messaging.*
//	rtkit.event.duration                histogram       s           rtkit.event, rtkit.result_code (from leaving the queue to the answer)
//	rtkit.acks.sent                     counter         {ack}       rtkit.event
//	rtkit.acks.awaited                  counter         {ack}       rtkit.event, rtkit.ack.result (ok, timeout, disconnected, invalid, error)
//	messaging.client.sent.messages      counter         {message}   rtkit.event, rtkit.emit.target (socket, rooms, namespace, remote), error.type, messaging.*
//	rtkit.messages.delivered            counter         {message}   (one per recipient)
//	rtkit.socket.queue.depth            histogram       {event}     (depth on arrival, the event included)
//	rtkit.ratelimit.refusals            counter         {event}     rtkit.event, rtkit.refusal (queue_full, server_busy, policy)
//	rtkit.recovery.replays              counter         {replay}
//	rtkit.recovery.replayed_entries     counter         {message}
//	rtkit.recovery.resyncs              counter         {socket}    rtkit.resync.reason
//	rtkit.adapter.publish.duration      histogram       s           rtkit.adapter.operation (log_append, broadcast, join, leave, disconnect, publish), error.type
//	rtkit.adapter.healthy               gauge*          1           rtkit.adapter.name (no rtkit.namespace)
//	rtkit.bytes.received                counter         By          (no rtkit.namespace)
//	rtkit.bytes.sent                    counter         By
//
// (*) observed when the metrics are read, from rtkit.Server.Health.
// "policy" refusals are RATE_LIMITED answers from middleware such as
// package ratelimit; queue_full and server_busy come from
// rtkit.WithMaxPending and rtkit.WithMaxConcurrentHandlers. Bytes are
// Socket.IO packet bytes (Engine.IO framing excluded); deliveries through
// a cluster adapter of package adapter are not counted by
// rtkit.messages.delivered.
//
// # Cost
//
// A server without an Observer pays a nil check per hook. With this
// package, an event costs a few atomic counter updates, two histogram
// records (its duration, and the depth of its socket's queue when it
// arrived behind others) and, with an SDK TracerProvider, a span: a
// sampler that records nothing still makes the SDK create a
// non-recording span and a context for it. What otelrtkit adds to the
// SDK's work allocates nothing: attribute sets and option slices are
// built once per series, and series, span names and the socket's state
// are found without locks. Span attributes are set after the sampler's
// decision, on recorded spans only: a sampler sees the span's name, kind
// and parent, not its attributes.
//
// To spend less per event: give WithTracerProvider the API's no-op
// provider (noop.NewTracerProvider) where traces are not wanted (no span
// is then started for an event without trace context), and drop the
// histograms you do not need with a View (sdkmetric.AggregationDrop): a
// dropped instrument is not recorded at all. docs/performance.md has the
// measured figures.
package otelrtkit
