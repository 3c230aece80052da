package otelrtkit_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// A server instrumented with OpenTelemetry: one event over 127.0.0.1,
// then the metrics as an exporter would read them. A real application
// passes the MeterProvider of its exporter (Prometheus, OTLP) instead of
// a ManualReader's.
func Example() {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(context.Background()) }()
	obs, err := otelrtkit.New(otelrtkit.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}

	greet := rtkit.NewEvent[Text, Text]("greet")
	ns := rtkit.NewNamespace("/chat")
	rtkit.Handle(ns, greet, func(_ context.Context, _ *rtkit.Socket, in Text) (Text, error) {
		return Text{Text: "hello " + in.Text}, nil
	})
	srv := rtkit.NewServer(rtkit.WithObserver(obs), rtkit.WithLogger(discard()))
	srv.Mount(ns)
	ts, err := rtkittest.NewServer(srv)
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	c, err := ts.Connect("/chat")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, e := rtkittest.Call(ctx, c, greet, Text{Text: "ada"})
	if e != nil {
		log.Fatal(e)
	}
	fmt.Println(out.Text)

	// The event is recorded once its answer is sent.
	for range 500 {
		if countOf(reader, "messaging.client.consumed.messages") > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Println("consumed:", countOf(reader, "messaging.client.consumed.messages"))
	fmt.Println("connected:", countOf(reader, "rtkit.sockets.connected"))
	// Output:
	// hello ada
	// consumed: 1
	// connected: 1
}

// countOf sums the int64 data points of the metric called name.
func countOf(r *sdkmetric.ManualReader, name string) int64 {
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		log.Fatal(err)
	}
	m, ok := find(rm, name)
	if !ok {
		return 0
	}
	var total int64
	if s, ok := m.Data.(metricdata.Sum[int64]); ok {
		for _, p := range s.DataPoints {
			if matches(p.Attributes, []attribute.KeyValue{otelrtkit.KeyNamespace.String("/chat")}) {
				total += p.Value
			}
		}
	}
	return total
}
