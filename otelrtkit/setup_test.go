package otelrtkit_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
)

// Text is the payload of the test events.
type Text struct {
	Text string `json:"text" jsonschema:"minLength=1"`
}

var (
	evEcho     = rtkit.NewEvent[Text, Text]("echo")
	evBoom     = rtkit.NewEvent[Text, Text]("boom")
	evAsk      = rtkit.NewEvent[Text, Text]("ask")
	evQuestion = rtkit.NewEvent[Text, Text]("question")
	evNote     = rtkit.NewEvent[Text, rtkit.NoAck]("note")
	evHold     = rtkit.NewEvent[Text, Text]("hold")
)

// telemetry is an OTel SDK whose metrics and spans the test reads.
type telemetry struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.InMemoryExporter
	obs    *otelrtkit.Observer
}

func newTelemetry(t *testing.T, sampler sdktrace.Sampler, opts ...otelrtkit.Option) *telemetry {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans), sdktrace.WithSampler(sampler))
	t.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	})
	obs, err := otelrtkit.New(append(opts, otelrtkit.WithMeterProvider(mp), otelrtkit.WithTracerProvider(tp))...)
	require.NoError(t, err)
	return &telemetry{reader: reader, spans: spans, obs: obs}
}

// collect reads every metric now.
func (tm *telemetry) collect(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, tm.reader.Collect(context.Background(), &rm))
	return rm
}

// find returns the metric called name, if recorded.
func find(rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// matches reports whether set holds every attribute of want.
func matches(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		v, ok := set.Value(kv.Key)
		if !ok || v != kv.Value {
			return false
		}
	}
	return true
}

// sum adds up the data points of the counter or gauge name that carry
// want; it fails the test for any other kind of metric.
func (tm *telemetry) sum(t *testing.T, name string, want ...attribute.KeyValue) int64 {
	t.Helper()
	m, ok := find(tm.collect(t), name)
	if !ok {
		return 0
	}
	var total int64
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				total += p.Value
			}
		}
	case metricdata.Gauge[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				total += p.Value
			}
		}
	default:
		t.Fatalf("%s is a %T", name, m.Data)
	}
	return total
}

// histogram returns the count and sum of the histogram name's data points
// that carry want.
func (tm *telemetry) histogram(t *testing.T, name string, want ...attribute.KeyValue) (count uint64, sum float64) {
	t.Helper()
	m, ok := find(tm.collect(t), name)
	if !ok {
		return 0, 0
	}
	switch d := m.Data.(type) {
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				count += p.Count
				sum += p.Sum
			}
		}
	case metricdata.Histogram[int64]:
		for _, p := range d.DataPoints {
			if matches(p.Attributes, want) {
				count += p.Count
				sum += float64(p.Sum)
			}
		}
	default:
		t.Fatalf("%s is a %T", name, m.Data)
	}
	return count, sum
}

// eventually waits until the counter name with want reaches n: the server
// records an event once its answer is sent, so the client may see the
// answer first.
func (tm *telemetry) eventually(t *testing.T, n int64, name string, want ...attribute.KeyValue) {
	t.Helper()
	if !assert.Eventually(t, func() bool { return tm.sum(t, name, want...) >= n }, 5*time.Second, 5*time.Millisecond,
		"%s %v should reach %d", name, want, n) {
		m, _ := find(tm.collect(t), name)
		t.Fatalf("%s: %+v", name, m.Data)
	}
	require.Equal(t, n, tm.sum(t, name, want...), "%s %v", name, want)
}

// span waits for the one ended span called name that satisfies keep.
func (tm *telemetry) span(t *testing.T, name string, keep func(tracetest.SpanStub) bool) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	require.Eventually(t, func() bool {
		found = found[:0]
		for _, s := range tm.spans.GetSpans() {
			if s.Name == name && (keep == nil || keep(s)) {
				found = append(found, s)
			}
		}
		return len(found) > 0
	}, 5*time.Second, 5*time.Millisecond, "no span %q", name)
	require.Len(t, found, 1, "spans %q", name)
	return found[0]
}

// attr returns the value of key on s ("" when absent).
func attr(s tracetest.SpanStub, key attribute.Key) string {
	for _, kv := range s.Attributes {
		if kv.Key == key {
			return kv.Value.String()
		}
	}
	return ""
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func ctx5(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// testNamespace handles the events of every case: echo (emits a note
// with the handler's context), boom (panics), ask (waits for the
// client's answer to question), hold (waits for release). A client
// whose auth says deny is refused; one whose auth names a user gets it
// as its identity.
func testNamespace(release <-chan struct{}, started chan<- struct{}) *rtkit.Namespace {
	ns := rtkit.NewNamespace("/ot", rtkit.WithConnectFunc(func(ctx context.Context, s *rtkit.Socket) (context.Context, error) {
		if deny, _ := s.Handshake().Auth["deny"].(bool); deny {
			return nil, rtkit.NewError(rtkit.CodeUnauthorized, "denied")
		}
		if u, _ := s.Handshake().Auth["user"].(string); u != "" {
			s.SetIdentity(u)
		}
		return ctx, nil
	}))
	rtkit.Emits(ns, evNote)
	rtkit.Emits(ns, evQuestion)
	rtkit.Handle(ns, evEcho, func(ctx context.Context, s *rtkit.Socket, in Text) (Text, error) {
		if err := rtkit.EmitContext(ctx, s, evNote, Text{Text: "note:" + in.Text}); err != nil {
			return Text{}, err
		}
		return in, nil
	})
	rtkit.Handle(ns, evBoom, func(context.Context, *rtkit.Socket, Text) (Text, error) {
		panic("boom")
	})
	rtkit.Handle(ns, evAsk, func(ctx context.Context, s *rtkit.Socket, in Text) (Text, error) {
		ctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		return rtkit.EmitWithAck(ctx, s, evQuestion, in)
	})
	rtkit.Handle(ns, evHold, func(ctx context.Context, _ *rtkit.Socket, in Text) (Text, error) {
		started <- struct{}{}
		select {
		case <-release:
			return in, nil
		case <-ctx.Done():
			return Text{}, errors.New("gone")
		}
	})
	return ns
}
