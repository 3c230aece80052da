package otelrtkit

import (
	"context"

	"github.com/rtkit-go/rtkit"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Attribute keys of rtkit's own (doc.go lists them with the instruments).
const (
	KeyNamespace        = attribute.Key("rtkit.namespace")
	KeyEvent            = attribute.Key("rtkit.event")
	KeyResultCode       = attribute.Key("rtkit.result_code")
	KeySocketID         = attribute.Key("rtkit.socket.id")
	KeyEmitTarget       = attribute.Key("rtkit.emit.target")
	KeyAckResult        = attribute.Key("rtkit.ack.result")
	KeyRefusal          = attribute.Key("rtkit.refusal")
	KeyResyncReason     = attribute.Key("rtkit.resync.reason")
	KeyDisconnectReason = attribute.Key("rtkit.disconnect.reason")
	KeyAdapterOperation = attribute.Key("rtkit.adapter.operation")
	KeyAdapterName      = attribute.Key("rtkit.adapter.name")
	KeyQueueDepth       = attribute.Key("rtkit.queue.depth")
)

// ResultOK is the rtkit.result_code of a success.
const ResultOK = "OK"

// OtherEvent stands for every event name no handler is declared for, in
// metric attributes and span names (clients choose those names).
const OtherEvent = "_OTHER"

// messagingSystem is the messaging.system of every span and messaging metric.
var messagingSystem = semconv.MessagingSystemKey.String("socket.io")

// instruments are the Observer's metrics. Counters are kept in atomics
// and read through observable instruments (counters.go); histograms are
// the SDK's.
type instruments struct {
	meter          metric.Meter
	connected      metric.Int64ObservableUpDownCounter
	adapterHealthy metric.Int64ObservableGauge
	process        metric.Float64Histogram
	queueDepth     metric.Int64Histogram
	publish        metric.Float64Histogram

	// Counters with attributes beyond the namespace and the event.
	connections, disconnections, acksAwaited, sent, refusals, resyncs *counter
	// Counters of the event and namespace series (Observer.observeSeries).
	consumed, acksSent, delivered, replays, replayedEntries, bytesIn, bytesOut metric.Int64ObservableCounter

	counters metric.Registration
}

// durationBuckets are the semantic conventions' advice for durations in
// seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

func (m *instruments) init(meter metric.Meter) error {
	m.meter = meter
	var errs []error
	count := func(c **counter, name, unit, desc string) {
		var err error
		*c, err = newCounter(meter, name, unit, desc)
		errs = append(errs, err)
	}
	count(&m.connections, "rtkit.connections", "{connection}", "Namespace handshakes, by result code (OK or the connect_error's code).")
	count(&m.disconnections, "rtkit.disconnections", "{socket}", "Sockets that left, by Socket.IO reason.")
	count(&m.acksAwaited, "rtkit.acks.awaited", "{ack}", "EmitWithAck waits, by result (ok, timeout, disconnected, invalid, error).")
	count(&m.sent, "messaging.client.sent.messages", "{message}", "Emits, by namespace, event and target (one per Emit, whatever the recipients).")
	count(&m.refusals, "rtkit.ratelimit.refusals", "{event}", "Events answered RATE_LIMITED, by cause (queue_full, server_busy, policy).")
	count(&m.resyncs, "rtkit.recovery.resyncs", "{socket}", "rtkit:resync events sent, by reason.")
	observable := func(c *metric.Int64ObservableCounter, name, unit, desc string) {
		var err error
		*c, err = meter.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		errs = append(errs, err)
	}
	observable(&m.consumed, "messaging.client.consumed.messages", "{message}", "Events received from clients, by namespace, event and result code.")
	observable(&m.acksSent, "rtkit.acks.sent", "{ack}", "Acknowledgements sent to clients, by namespace, event and result code.")
	observable(&m.delivered, "rtkit.messages.delivered", "{message}", "Packets queued for clients, one per recipient.")
	observable(&m.replays, "rtkit.recovery.replays", "{replay}", "Recovered sockets sent what they missed.")
	observable(&m.replayedEntries, "rtkit.recovery.replayed_entries", "{message}", "Delivery log entries replayed to recovered sockets.")
	observable(&m.bytesIn, "rtkit.bytes.received", "By", "Socket.IO packet bytes received from clients (rtkit's own core).")
	observable(&m.bytesOut, "rtkit.bytes.sent", "By", "Socket.IO packet bytes queued for clients, per recipient (rtkit's own core).")
	var err error
	m.connected, err = meter.Int64ObservableUpDownCounter("rtkit.sockets.connected",
		metric.WithUnit("{socket}"), metric.WithDescription("Sockets connected, per namespace."))
	errs = append(errs, err)
	m.adapterHealthy, err = meter.Int64ObservableGauge("rtkit.adapter.healthy",
		metric.WithUnit("1"), metric.WithDescription("1 while the adapter can deliver to other processes, else 0."))
	errs = append(errs, err)
	m.process, err = meter.Float64Histogram("rtkit.event.duration",
		metric.WithUnit("s"), metric.WithDescription("Time from taking an event off the socket's queue to its answer, by namespace, event and result code."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	errs = append(errs, err)
	m.queueDepth, err = meter.Int64Histogram("rtkit.socket.queue.depth",
		metric.WithUnit("{event}"), metric.WithDescription("A socket's events waiting or running when one arrives behind others, itself included."),
		metric.WithExplicitBucketBoundaries(2, 4, 8, 16, 32, 64, 128, 256))
	errs = append(errs, err)
	m.publish, err = meter.Float64Histogram("rtkit.adapter.publish.duration",
		metric.WithUnit("s"), metric.WithDescription("Writes towards other processes (delivery log appends, Publisher publishes)."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	errs = append(errs, err)
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	cs := []*counter{m.connections, m.disconnections, m.acksAwaited, m.sent, m.refusals, m.resyncs}
	insts := make([]metric.Observable, len(cs))
	for i, c := range cs {
		insts[i] = c.inst
	}
	m.counters, err = meter.RegisterCallback(observeCounters(cs), insts...)
	return err
}

// observe registers the callback of the instruments that read srv.
func (m *instruments) observe(srv *rtkit.Server) (metric.Registration, error) {
	return m.meter.RegisterCallback(func(ctx context.Context, obs metric.Observer) error {
		h := srv.Health(ctx)
		for ns, n := range h.Sockets {
			obs.ObserveInt64(m.connected, int64(n), metric.WithAttributes(KeyNamespace.String(ns)))
		}
		healthy := int64(0)
		if h.Adapter.Healthy {
			healthy = 1
		}
		obs.ObserveInt64(m.adapterHealthy, healthy, metric.WithAttributes(KeyAdapterName.String(h.Adapter.Name)))
		return nil
	}, m.connected, m.adapterHealthy)
}

// Kinds of attrKey.
const (
	kindConnection uint8 = iota
	kindDisconnect
	kindAckAwaited
	kindEmit
	kindRefusal
	kindResync
	kindPublish
)

func nsAttrs(ns string) []attribute.KeyValue { return []attribute.KeyValue{KeyNamespace.String(ns)} }

// eventAttrs are the attributes of consumed messages and process
// durations.
func eventAttrs(ns, event, code string) []attribute.KeyValue {
	kv := []attribute.KeyValue{messagingSystem, semconv.MessagingOperationTypeProcess,
		semconv.MessagingOperationNameKey.String("process"), semconv.MessagingDestinationNameKey.String(ns),
		KeyNamespace.String(ns), KeyEvent.String(event), KeyResultCode.String(code)}
	if code != ResultOK {
		kv = append(kv, semconv.ErrorTypeKey.String(code))
	}
	return kv
}

// metricEvent is the event name metrics carry: declared names only.
func metricEvent(e rtkit.EventObservation) string {
	if e.Declared {
		return e.Event
	}
	return OtherEvent
}

// resultCode is the rtkit.result_code of code.
func resultCode(code rtkit.Code) string {
	if code == "" {
		return ResultOK
	}
	return string(code)
}
