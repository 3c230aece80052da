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
	// record is the duration's option, a slice so that Record's variadic
	// argument is not allocated per call.
	record []metric.RecordOption
}

// eventEntry is what one (namespace, event) shares: its span name and
// its series by result code.
type eventEntry struct {
	ns, event string
	spanName  string
	ok        *eventSeries // the series of successes, the common case
	codes     table[string, *eventSeries]
}

// nsSeries is what one namespace records without further attributes,
// and its events.
type nsSeries struct {
	name                                   string
	delivered, bytesOut, replays, replayed atomic.Int64
	attrs                                  metric.ObserveOption
	record                                 []metric.RecordOption
	events                                 table[string, *eventEntry]
}

// namespace returns the series of ns, created the first time.
func (o *Observer) namespace(ns string) *nsSeries {
	if v, ok := o.namespaces.load(ns); ok {
		return v
	}
	return o.namespaces.add(ns, func() *nsSeries {
		set := metric.WithAttributeSet(attribute.NewSet(nsAttrs(ns)...))
		return &nsSeries{name: ns, attrs: set, record: []metric.RecordOption{set}}
	})
}

// event returns the entry of event (a metric event name: declared, or
// OtherEvent) in n, created the first time.
func (n *nsSeries) event(event string) *eventEntry {
	if v, ok := n.events.load(event); ok {
		return v
	}
	return n.events.add(event, func() *eventEntry {
		e := &eventEntry{ns: n.name, event: event, spanName: "process " + event}
		e.ok = newEventSeries(n.name, event, ResultOK)
		return e
	})
}

// series returns the series of the result code rc, created the first
// time.
func (e *eventEntry) series(rc string) *eventSeries {
	if rc == ResultOK {
		return e.ok
	}
	if v, ok := e.codes.load(rc); ok {
		return v
	}
	return e.codes.add(rc, func() *eventSeries { return newEventSeries(e.ns, e.event, rc) })
}

// newEventSeries builds the attribute sets of a series.
func newEventSeries(ns, event, code string) *eventSeries {
	// The duration histogram, measured per event, carries the three
	// attributes that vary: the SDK's cost per measurement grows with the
	// number of attributes. The counters, read only at collection, carry
	// the messaging conventions' full set.
	short := metric.WithAttributeSet(attribute.NewSet(KeyNamespace.String(ns), KeyEvent.String(event), KeyResultCode.String(code)))
	return &eventSeries{
		consumedAttrs: metric.WithAttributeSet(attribute.NewSet(eventAttrs(ns, event, code)...)),
		record:        []metric.RecordOption{short},
		ackedAttrs:    short,
	}
}

// observeSeries reports the event and namespace series.
func (o *Observer) observeSeries(_ context.Context, obs metric.Observer) error {
	m := &o.m
	report := func(s *eventSeries) {
		obs.ObserveInt64(m.consumed, s.consumed.Load(), s.consumedAttrs)
		if n := s.acked.Load(); n > 0 {
			obs.ObserveInt64(m.acksSent, n, s.ackedAttrs)
		}
	}
	o.namespaces.each(func(s *nsSeries) {
		obs.ObserveInt64(m.delivered, s.delivered.Load(), s.attrs)
		obs.ObserveInt64(m.bytesOut, s.bytesOut.Load(), s.attrs)
		obs.ObserveInt64(m.replays, s.replays.Load(), s.attrs)
		obs.ObserveInt64(m.replayedEntries, s.replayed.Load(), s.attrs)
		s.events.each(func(e *eventEntry) {
			if e.ok.consumed.Load() > 0 {
				report(e.ok)
			}
			e.codes.each(report)
		})
	})
	obs.ObserveInt64(m.bytesIn, o.bytesIn.Load())
	return nil
}
