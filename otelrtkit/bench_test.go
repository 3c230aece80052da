package otelrtkit_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// benchObserver returns an observer with metrics read by a manual reader
// and, by mode, no traces (the API's no-op TracerProvider: "metrics") or
// spans sampled never ("never") or always ("always"), batched to an
// exporter that drops them.
func benchObserver(b *testing.B, mode string) *otelrtkit.Observer {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	var tp trace.TracerProvider = noop.NewTracerProvider()
	if mode != "metrics" {
		sampler := sdktrace.NeverSample()
		if mode == "always" {
			sampler = sdktrace.AlwaysSample()
		}
		sdk := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		b.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
		tp = sdk
	}
	obs, err := otelrtkit.New(otelrtkit.WithMeterProvider(mp), otelrtkit.WithTracerProvider(tp))
	if err != nil {
		b.Fatal(err)
	}
	return obs
}

// BenchmarkRoundTrip measures one acknowledged event over a real
// connection on 127.0.0.1 (client and server in this process), without
// an observer and with otelrtkit: metrics without traces, metrics with a
// sampler that records nothing, and metrics with every span recorded
// (batched to an exporter that drops them).
func BenchmarkRoundTrip(b *testing.B) {
	for _, mode := range []string{"off", "metrics", "never", "always"} {
		b.Run("otel="+mode, func(b *testing.B) {
			opts := []rtkit.ServerOption{rtkit.WithLogger(discard()), rtkit.WithTransports(rtkit.WebSocket), rtkit.WithRecovery(0)}
			if mode != "off" {
				opts = append(opts, rtkit.WithObserver(benchObserver(b, mode)))
			}
			ns := rtkit.NewNamespace("/bench")
			rtkit.Handle(ns, evEcho, func(_ context.Context, _ *rtkit.Socket, in Text) (Text, error) { return in, nil })
			srv := rtkit.NewServer(opts...)
			srv.Mount(ns)
			ts := rtkittest.Start(b, srv)
			c := ts.Dial(b, "/bench")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			in := Text{Text: "user:123"}
			b.ReportAllocs()
			for b.Loop() {
				if _, e := rtkittest.Call(ctx, c, evEcho, in); e != nil {
					b.Fatal(e)
				}
			}
		})
	}
}
