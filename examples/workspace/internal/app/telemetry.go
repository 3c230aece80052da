package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/otelrtkit"
)

// telemetry is the application's OpenTelemetry: metrics in Prometheus
// format at /metrics, for whoever holds METRICS_TOKEN, and traces sent to
// the OTLP endpoint the standard OTEL_* variables configure. Neither is on
// by default.
type telemetry struct {
	observer *otelrtkit.Observer // nil when neither is on
	metrics  http.Handler        // nil when /metrics is not served
	stop     []func(context.Context) error
}

// newTelemetry sets up what cfg turns on.
func newTelemetry(cfg config.Config) (*telemetry, error) {
	t := &telemetry{}
	if cfg.MetricsToken == "" && !cfg.OTLPTraces {
		return t, nil
	}
	res, err := resource.Merge(resource.Default(),
		resource.NewSchemaless(semconv.ServiceNameKey.String("workspace")))
	if err != nil {
		res = resource.Default()
	}
	// resource.Default reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES:
	// they win over the name above.
	if env, err := resource.New(context.Background(), resource.WithFromEnv()); err == nil {
		if merged, err := resource.Merge(res, env); err == nil {
			res = merged
		}
	}

	var meters metric.MeterProvider = metricnoop.NewMeterProvider()
	if cfg.MetricsToken != "" {
		reg := promclient.NewRegistry()
		exp, err := prometheus.New(prometheus.WithRegisterer(reg))
		if err != nil {
			return nil, err
		}
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res))
		t.stop = append(t.stop, mp.Shutdown)
		meters = mp
		t.metrics = requireToken(cfg.MetricsToken, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	}

	var tracers trace.TracerProvider = noop.NewTracerProvider()
	if cfg.OTLPTraces {
		// The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, HEADERS,
		// TIMEOUT, …; the SDK reads OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_*.
		exp, err := otlptracehttp.New(context.Background())
		if err != nil {
			t.shutdown(context.Background())
			return nil, err
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		t.stop = append(t.stop, tp.Shutdown)
		tracers = tp
	}
	// Clients are not trusted with the server's traces: their trace
	// context is linked, not continued (otelrtkit.WithPublicEndpoint).
	obs, err := otelrtkit.New(otelrtkit.WithMeterProvider(meters), otelrtkit.WithTracerProvider(tracers),
		otelrtkit.WithPublicEndpoint())
	if err != nil {
		t.shutdown(context.Background())
		return nil, err
	}
	t.observer = obs
	return t, nil
}

// shutdown flushes the spans not yet sent and stops the providers.
func (t *telemetry) shutdown(ctx context.Context) error {
	var errs []error
	if t.observer != nil {
		errs = append(errs, t.observer.Close())
	}
	for i := len(t.stop) - 1; i >= 0; i-- {
		errs = append(errs, t.stop[i](ctx))
	}
	t.stop = nil
	return errors.Join(errs...)
}

// requireToken serves h to requests that carry "Authorization: Bearer
// token", and 401 to any other. The comparison takes the same time
// whatever the guess (both sides hashed first, so the length leaks
// nothing either).
func requireToken(token string, h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		sum := sha256.Sum256([]byte(got))
		if !ok || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token of METRICS_TOKEN", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
