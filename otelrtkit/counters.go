package otelrtkit

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// counter is a monotonic counter kept in atomics and reported through an
// observable instrument when the metrics are read: an event costs an
// atomic add (and a lookup of its series), not an SDK measurement.
type counter struct {
	inst   metric.Int64ObservableCounter
	series sync.Map // attrKey → *series
}

// series is one attribute set's running total.
type series struct {
	n     atomic.Int64
	attrs metric.ObserveOption
}

// add adds n to the series k, built with build the first time.
func (c *counter) add(k attrKey, n int64, build func() []attribute.KeyValue) {
	if v, ok := c.series.Load(k); ok {
		v.(*series).n.Add(n)
		return
	}
	s := &series{attrs: metric.WithAttributeSet(attribute.NewSet(build()...))}
	v, _ := c.series.LoadOrStore(k, s)
	v.(*series).n.Add(n)
}

// observe reports every series of c.
func (c *counter) observe(obs metric.Observer) {
	c.series.Range(func(_, v any) bool {
		s := v.(*series)
		obs.ObserveInt64(c.inst, s.n.Load(), s.attrs)
		return true
	})
}

// newCounter creates an observable counter.
func newCounter(m metric.Meter, name, unit, desc string) (*counter, error) {
	inst, err := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil {
		return nil, err
	}
	return &counter{inst: inst}, nil
}

// observeCounters is the callback that reports every counter.
func observeCounters(cs []*counter) metric.Callback {
	return func(_ context.Context, obs metric.Observer) error {
		for _, c := range cs {
			c.observe(obs)
		}
		return nil
	}
}

// eventSeries is what one (namespace, event, result code) records: the
// events consumed and acknowledged, and the attributes of its duration.
type eventSeries struct {
	consumed, acked atomic.Int64
	consumedAttrs   metric.ObserveOption
	ackedAttrs      metric.ObserveOption
	record          metric.MeasurementOption
}

// nsSeries is what one namespace records without further attributes.
type nsSeries struct {
	delivered, bytesOut, replays, replayed atomic.Int64
	attrs                                  metric.ObserveOption
	record                                 metric.MeasurementOption
}

// eventKey identifies an eventSeries.
type eventKey struct{ namespace, event, code string }

// event returns the series of k, created the first time.
func (o *Observer) event(k eventKey) *eventSeries {
	if v, ok := o.events.Load(k); ok {
		return v.(*eventSeries)
	}
	// The duration histogram, measured per event, carries the three
	// attributes that vary: the SDK's cost per measurement grows with the
	// number of attributes. The counters, read only at collection, carry
	// the messaging conventions' full set.
	short := attribute.NewSet(KeyNamespace.String(k.namespace), KeyEvent.String(k.event), KeyResultCode.String(k.code))
	s := &eventSeries{
		consumedAttrs: metric.WithAttributeSet(attribute.NewSet(eventAttrs(k.namespace, k.event, k.code)...)),
		record:        metric.WithAttributeSet(short),
		ackedAttrs:    metric.WithAttributeSet(short),
	}
	v, _ := o.events.LoadOrStore(k, s)
	return v.(*eventSeries)
}

// namespace returns the series of ns, created the first time.
func (o *Observer) namespace(ns string) *nsSeries {
	if v, ok := o.namespaces.Load(ns); ok {
		return v.(*nsSeries)
	}
	set := attribute.NewSet(nsAttrs(ns)...)
	v, _ := o.namespaces.LoadOrStore(ns, &nsSeries{attrs: metric.WithAttributeSet(set), record: metric.WithAttributeSet(set)})
	return v.(*nsSeries)
}

// observeSeries reports the event and namespace series.
func (o *Observer) observeSeries(_ context.Context, obs metric.Observer) error {
	m := &o.m
	o.events.Range(func(_, v any) bool {
		s := v.(*eventSeries)
		obs.ObserveInt64(m.consumed, s.consumed.Load(), s.consumedAttrs)
		if n := s.acked.Load(); n > 0 {
			obs.ObserveInt64(m.acksSent, n, s.ackedAttrs)
		}
		return true
	})
	o.namespaces.Range(func(_, v any) bool {
		s := v.(*nsSeries)
		obs.ObserveInt64(m.delivered, s.delivered.Load(), s.attrs)
		obs.ObserveInt64(m.bytesOut, s.bytesOut.Load(), s.attrs)
		obs.ObserveInt64(m.replays, s.replays.Load(), s.attrs)
		obs.ObserveInt64(m.replayedEntries, s.replayed.Load(), s.attrs)
		return true
	})
	obs.ObserveInt64(m.bytesIn, o.bytesIn.Load())
	return nil
}
