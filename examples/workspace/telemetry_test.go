package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/rtkittest"
)

const testMetricsToken = "metrics-token-0123456789abcdefghij"

// getMetrics fetches /metrics with the given Authorization header.
func getMetrics(t *testing.T, ta *testApp, authorization string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(waitCtx(t), "GET", ta.URL+"/metrics", nil)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(body)
}

// Without METRICS_TOKEN there is no /metrics: nothing about the server's
// traffic is public by default.
func TestMetricsNotServedByDefault(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	status, body := getMetrics(t, ta, "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.NotContains(t, body, "rtkit_")
	status, _ = getMetrics(t, ta, "Bearer "+testMetricsToken)
	assert.Equal(t, http.StatusNotFound, status)
}

// With METRICS_TOKEN, /metrics answers the holder of the token only, in
// Prometheus format, with the counts of real socket traffic.
func TestMetricsBehindToken(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"METRICS_TOKEN": testMetricsToken})
	ann := signUp(t, ta, "ann@example.com")
	c := ta.sio().Dial(t, "/notifications", withToken(ann.Token))
	_, err := rtkittest.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: "broadcast"})
	require.Nil(t, err)
	_, err = rtkittest.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: "lobby"})
	require.Equal(t, rtkit.CodeForbidden, err.Code)

	for _, bad := range []string{"", "Bearer", "Bearer " + testMetricsToken[:len(testMetricsToken)-1],
		"Bearer " + testMetricsToken + "x", "Basic " + testMetricsToken, testMetricsToken} {
		status, body := getMetrics(t, ta, bad)
		assert.Equal(t, http.StatusUnauthorized, status, "Authorization %q", bad)
		assert.NotContains(t, body, "rtkit_", "Authorization %q", bad)
	}
	var body string
	require.Eventually(t, func() bool {
		var status int
		status, body = getMetrics(t, ta, "Bearer "+testMetricsToken)
		return status == http.StatusOK && strings.Contains(body, `rtkit_result_code="FORBIDDEN"`)
	}, 5*time.Second, 20*time.Millisecond)
	for _, want := range []string{
		`messaging_client_consumed_messages_total{`,
		`rtkit_event="subscribe:channel"`,
		`rtkit_namespace="/notifications"`,
		`rtkit_sockets_connected{`,
		`rtkit_connections_total{`,
		`rtkit_event_duration_seconds_bucket{`,
		`service_name="workspace"`,
	} {
		assert.Contains(t, body, want)
	}
	assert.Contains(t, body, `rtkit_sockets_connected{otel_scope_name="github.com/rtkit-go/rtkit/otelrtkit"`)
}

// otlpReceiver is an OTLP/HTTP trace endpoint: it decodes what it is sent
// and keeps the span names.
type otlpReceiver struct {
	mu    sync.Mutex
	names []string
}

func (r *otlpReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	var msg coltrace.ExportTraceServiceRequest
	if err != nil || req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf" ||
		proto.Unmarshal(body, &msg) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	for _, rs := range msg.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				r.names = append(r.names, s.Name)
			}
		}
	}
	r.mu.Unlock()
	out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (r *otlpReceiver) spans() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.names...)
}

// With the standard OTEL_EXPORTER_OTLP_ENDPOINT, the spans of real
// traffic reach the OTLP endpoint.
func TestTracesSentToOTLP(t *testing.T) {
	rec := &otlpReceiver{}
	col := httptest.NewServer(rec)
	t.Cleanup(col.Close)
	// The exporter reads these from the process environment.
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	ta := startApp(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL})
	require.True(t, ta.cfg.OTLPTraces)
	ann := signUp(t, ta, "ann@example.com")
	c := ta.sio().Dial(t, "/notifications", withToken(ann.Token))
	_, err := rtkittest.Call(waitCtx(t), c, realtime.SubscribeChannel, realtime.ChannelIn{Channel: "broadcast"})
	require.Nil(t, err)

	require.Eventually(t, func() bool {
		names := rec.spans()
		return contains(names, "connect /notifications") && contains(names, "process subscribe:channel")
	}, 10*time.Second, 20*time.Millisecond, "spans received: %v", rec.spans())
	status, _ := getMetrics(t, ta, "Bearer "+testMetricsToken)
	assert.Equal(t, http.StatusNotFound, status, "traces on do not publish the metrics")
}

func contains(ss []string, s string) bool {
	for _, v := range ss {
		if v == s {
			return true
		}
	}
	return false
}
