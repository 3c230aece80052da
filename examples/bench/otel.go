package main

import (
	"context"
	"fmt"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/otelrtkit"
)

// observer returns the server option of the -otel flag, for measuring what
// instrumentation costs:
//
//   - "off": no observer (the default);
//   - "noop": an observer that does nothing (what the seam itself costs);
//   - "metrics": metrics on (aggregated in memory, read by nobody), no
//     tracer provider (the API's no-op tracer);
//   - "never": metrics on (aggregated in memory, read by nobody) and
//     traces with a sampler that records nothing;
//   - "always": metrics on and every span recorded and handed to a batch
//     processor whose exporter drops it (the cost of an export over the
//     network not included).
//
// It returns the option (nil for "off") and a function that stops the
// providers.
func observer(mode string) (rtkit.ServerOption, func(), error) {
	var sampler sdktrace.Sampler
	tracing := true
	switch mode {
	case "", "off":
		return nil, func() {}, nil
	case "noop":
		return rtkit.WithObserver(noopObserver{}), func() {}, nil
	case "metrics":
		tracing = false
	case "never":
		sampler = sdktrace.NeverSample()
	case "always":
		sampler = sdktrace.AlwaysSample()
	default:
		return nil, nil, fmt.Errorf("-otel: %q is not off, noop, metrics, never or always", mode)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	var tp trace.TracerProvider = noop.NewTracerProvider()
	stopTraces := func(context.Context) error { return nil }
	if tracing {
		sdk := sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler),
			sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		tp, stopTraces = sdk, sdk.Shutdown
	}
	obs, err := otelrtkit.New(otelrtkit.WithMeterProvider(mp), otelrtkit.WithTracerProvider(tp))
	if err != nil {
		return nil, nil, err
	}
	stop := func() {
		_ = obs.Close()
		_ = stopTraces(context.Background())
		_ = mp.Shutdown(context.Background())
	}
	return rtkit.WithObserver(obs), stop, nil
}

// noopObserver observes nothing: with it, the server pays what calling an
// Observer costs, and no more.
type noopObserver struct{}

func (noopObserver) Attach(*rtkit.Server) {}
func (noopObserver) HandshakeStart(ctx context.Context, _ *rtkit.Socket) context.Context {
	return ctx
}
func (noopObserver) HandshakeEnd(context.Context, *rtkit.Socket, *rtkit.Error) {}
func (noopObserver) Disconnected(*rtkit.Socket, string)                        {}
func (noopObserver) EventStart(ctx context.Context, _ *rtkit.Socket, _ rtkit.EventObservation) context.Context {
	return ctx
}
func (noopObserver) EventEnd(context.Context, *rtkit.Socket, rtkit.EventObservation) {}
func (noopObserver) Emitted(context.Context, rtkit.EmitObservation)                  {}
func (noopObserver) AckAwaited(context.Context, *rtkit.Socket, string, time.Duration, error) {
}
func (noopObserver) Sent(string, int, int)                                           {}
func (noopObserver) Received(int)                                                    {}
func (noopObserver) Replayed(*rtkit.Socket, int)                                     {}
func (noopObserver) Resynced(*rtkit.Socket, rtkit.ResyncReason)                      {}
func (noopObserver) Published(context.Context, string, string, time.Duration, error) {}
