package otelrtkit

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtkit-go/rtkit"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// ScopeName is the instrumentation scope of the meter and tracer.
const ScopeName = "github.com/rtkit-go/rtkit/otelrtkit"

// Option configures an Observer.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	meters     metric.MeterProvider
	tracers    trace.TracerProvider
	propagator propagation.TextMapPropagator
	public     bool
	noUser     bool
}

// WithMeterProvider sets the MeterProvider (default: otel.GetMeterProvider
// at New).
func WithMeterProvider(p metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meters = p })
}

// WithTracerProvider sets the TracerProvider (default:
// otel.GetTracerProvider at New).
func WithTracerProvider(p trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tracers = p })
}

// WithPropagator sets how the trace context clients send is read (default:
// W3C Trace Context, propagation.TraceContext).
func WithPropagator(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c *config) { c.propagator = p })
}

// WithPublicEndpoint makes the trace context clients send a link, never a
// parent: every handshake and event span starts a new trace, linked to
// the client's. Use it when clients are not trusted with your traces (a
// client that sends a sampled traceparent otherwise chooses to have its
// events sampled under a parent-based sampler, and which trace they join).
func WithPublicEndpoint() Option {
	return optionFunc(func(c *config) { c.public = true })
}

// WithoutUserID leaves the user.id attribute (the socket's identity, see
// rtkit.Socket.SetIdentity) off the spans.
func WithoutUserID() Option {
	return optionFunc(func(c *config) { c.noUser = true })
}

// Observer implements rtkit.Observer with OpenTelemetry metrics and
// traces. Create it with New and pass it to one server with
// rtkit.WithObserver. It is safe for concurrent use.
type Observer struct {
	cfg    config
	tracer trace.Tracer
	// tracing is false when the TracerProvider is the API's no-op one:
	// then no span is started for an event whose client sent no trace
	// context (there is none to carry on).
	tracing bool
	m       instruments

	// sets caches attribute sets by their values (attrKey): metric
	// attributes are built once per series, not per event.
	sets sync.Map
	// namespaces holds the per-namespace and per-event series
	// (counters.go).
	namespaces table[string, *nsSeries]
	bytesIn    atomic.Int64

	reg, series metric.Registration
}

var _ rtkit.Observer = (*Observer)(nil)

// New returns an Observer that records on the meter and tracer providers
// of opts. It returns an error only when an instrument cannot be created.
func New(opts ...Option) (*Observer, error) {
	o := &Observer{}
	for _, opt := range opts {
		opt.apply(&o.cfg)
	}
	if o.cfg.meters == nil {
		o.cfg.meters = otel.GetMeterProvider()
	}
	if o.cfg.tracers == nil {
		o.cfg.tracers = otel.GetTracerProvider()
	}
	if o.cfg.propagator == nil {
		o.cfg.propagator = propagation.TraceContext{}
	}
	o.tracer = o.cfg.tracers.Tracer(ScopeName)
	_, off := o.cfg.tracers.(noop.TracerProvider)
	o.tracing = !off
	if err := o.m.init(o.cfg.meters.Meter(ScopeName)); err != nil {
		return nil, err
	}
	m := &o.m
	var err error
	o.series, err = m.meter.RegisterCallback(o.observeSeries, m.consumed, m.acksSent, m.delivered,
		m.replays, m.replayedEntries, m.bytesIn, m.bytesOut)
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Attach registers the instruments that read the server's state (sockets
// connected, adapter health). NewServer calls it.
func (o *Observer) Attach(srv *rtkit.Server) {
	reg, err := o.m.observe(srv)
	if err != nil {
		srv.Logger().Error("otelrtkit: cannot observe the server's health", "err", err)
		return
	}
	o.reg = reg
}

// Close stops reading the server's state. Call it after the server's
// Shutdown when the MeterProvider outlives the server.
func (o *Observer) Close() error {
	var errs []error
	if o.reg != nil {
		errs = append(errs, o.reg.Unregister())
	}
	errs = append(errs, o.m.counters.Unregister(), o.series.Unregister())
	return errors.Join(errs...)
}

// attrKey identifies one attribute set: the values that vary, the kind
// telling which keys they go with.
type attrKey struct {
	kind                     uint8
	namespace, event, v1, v2 string
}

// set returns the cached attribute option for k, building it with build
// the first time.
func (o *Observer) set(k attrKey, build func() []attribute.KeyValue) metric.MeasurementOption {
	if v, ok := o.sets.Load(k); ok {
		return v.(metric.MeasurementOption)
	}
	opt := metric.WithAttributeSet(attribute.NewSet(build()...))
	v, _ := o.sets.LoadOrStore(k, opt)
	return v.(metric.MeasurementOption)
}

// seconds converts d to the float seconds of OTel duration histograms.
func seconds(d time.Duration) float64 { return d.Seconds() }

// background is the context of measurements that have none.
var background = context.Background()
