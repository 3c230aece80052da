package config_test

import (
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/config"
	"github.com/rtkit-go/rtkit/ratelimit"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestDefaults(t *testing.T) {
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	assert.Equal(t, config.Config{
		Port: 3000, SocketIO: true, SocketIOPath: "/socket.io",
		CORSOrigins:     []string{"http://localhost:3000"},
		SocketRateLimit: ratelimit.Limit{Events: 100, Per: time.Minute},
		SessionTTL:      24 * time.Hour, LogLevel: slog.LevelInfo,
		DataDir: "data", NotificationRetention: 720 * time.Hour,
		AdminUI: config.AdminUI{Username: "admin", Path: "/admin-ui"},
		Limits: config.Limits{
			AuthPerAddress:        ratelimit.Limit{Events: 20, Per: time.Minute},
			SignInPerAccount:      ratelimit.Limit{Events: 10, Per: 15 * time.Minute},
			ConnectionsPerAddress: 256,
			SocketConnectRate:     ratelimit.Limit{Events: 120, Per: time.Minute},
			SocketsPerUser:        50, Documents: 100, DocumentBytes: 5_000_000, Notifications: 1000,
		},
		Timeouts: config.Timeouts{Read: 15 * time.Second, Write: time.Minute, Idle: time.Minute},
	}, c)
}

func TestEveryVariable(t *testing.T) {
	c, err := config.Load(env(map[string]string{
		"PORT": "8080", "SOCKET_IO_ENABLED": "false", "SOCKET_IO_PATH": "/rt/",
		"CORS_ORIGINS": "https://app.example, http://LOCALHOST:5173/", "REDIS_URL": "redis://:pw@127.0.0.1:6379/2",
		"SOCKET_RATE_LIMIT": "5/10s", "SESSION_TTL": "90m", "ADMIN_EMAILS": "Root@Example.com, ops@example.com",
		"ADMIN_PASSWORD": "long enough", "LOG_LEVEL": "debug", "SOCKET_IO_CLIENT_JS": "/opt/io.js",
		"AUTH_RATE_LIMIT": "3/1m", "SIGN_IN_ACCOUNT_RATE_LIMIT": "2/1h", "CONNECTIONS_PER_ADDRESS": "9",
		"SOCKET_CONNECT_RATE_LIMIT": "4/1s", "SOCKETS_PER_USER": "5", "DOCUMENT_QUOTA": "6",
		"DOCUMENT_BYTES_QUOTA": "7000", "NOTIFICATION_QUOTA": "8",
		"HTTP_READ_TIMEOUT": "1s", "HTTP_WRITE_TIMEOUT": "2s", "HTTP_IDLE_TIMEOUT": "3s",
	}))
	require.NoError(t, err)
	assert.Equal(t, 8080, c.Port)
	assert.False(t, c.SocketIO)
	assert.Equal(t, "/rt", c.SocketIOPath)
	assert.Equal(t, []string{"https://app.example", "http://localhost:5173"}, c.CORSOrigins)
	assert.Equal(t, "redis://:pw@127.0.0.1:6379/2", c.RedisURL)
	assert.Equal(t, ratelimit.Limit{Events: 5, Per: 10 * time.Second}, c.SocketRateLimit)
	assert.Equal(t, 90*time.Minute, c.SessionTTL)
	assert.Equal(t, []string{"root@example.com", "ops@example.com"}, c.AdminEmails)
	assert.Equal(t, "long enough", c.AdminPassword)
	assert.Equal(t, config.Limits{
		AuthPerAddress: ratelimit.Limit{Events: 3, Per: time.Minute}, SignInPerAccount: ratelimit.Limit{Events: 2, Per: time.Hour},
		ConnectionsPerAddress: 9, SocketConnectRate: ratelimit.Limit{Events: 4, Per: time.Second},
		SocketsPerUser: 5, Documents: 6, DocumentBytes: 7000, Notifications: 8,
	}, c.Limits)
	assert.Equal(t, config.Timeouts{Read: time.Second, Write: 2 * time.Second, Idle: 3 * time.Second}, c.Timeouts)
	assert.Equal(t, slog.LevelDebug, c.LogLevel)
	assert.Equal(t, "/opt/io.js", c.ClientScript)
}

func TestInvalidValuesNameTheVariable(t *testing.T) {
	for name, values := range map[string][]string{
		"PORT":              {"abc", "-1", "70000", "30 00"},
		"LISTEN_FDS":        {"2", "x", "-1"},
		"SOCKET_IO_ENABLED": {"yes please", "2"},
		"SOCKET_IO_PATH":    {"socket.io", "/", "/a b", "/x?y=1", "/api", "/api/io", "/health", "/vendor"},
		"CORS_ORIGINS":      {"*", "localhost:3000", "ftp://x.example", "https://x.example/path", ","},
		"REDIS_URL":         {"localhost:6379", "http://127.0.0.1:6379", "redis://"},
		"SOCKET_RATE_LIMIT": {"100", "0/1m", "-5/1m", "x/1m", "100/", "100/forever", "100/-1s"},
		"SESSION_TTL":       {"tomorrow", "500ms", "0s", "-1h", "24"},
		"ADMIN_EMAILS":      {"root", "a@example.com, not an email", "Root <root@example.com>"},
		"LOG_LEVEL":         {"loud", "verbose"},
		"ADMIN_PASSWORD":    {"short"},
		"AUTH_RATE_LIMIT":   {"many"},
		"DOCUMENT_QUOTA":    {"0", "-1", "x"},
		"HTTP_READ_TIMEOUT": {"1ms", "x"},
		"METRICS_TOKEN":     {"short-secret", "0123456789012345678901234567890"},
	} {
		for _, v := range values {
			_, err := config.Load(env(map[string]string{name: v}))
			require.Error(t, err, "%s=%q", name, v)
			assert.Contains(t, err.Error(), name+"=", "%s=%q", name, v)
		}
	}
}

// Socket activation: LISTEN_FDS=1 for this process, or for no one when
// LISTEN_PID names another (a variable left over in a shell's environment).
func TestListenFDs(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"LISTEN_FDS": "1"}, true},
		{map[string]string{"LISTEN_FDS": "0"}, false},
		{map[string]string{"LISTEN_FDS": "1", "LISTEN_PID": strconv.Itoa(os.Getpid())}, true},
		{map[string]string{"LISTEN_FDS": "1", "LISTEN_PID": strconv.Itoa(os.Getpid() + 1)}, false},
	} {
		c, err := config.Load(env(tc.vars))
		require.NoError(t, err, "%v", tc.vars)
		assert.Equal(t, tc.want, c.InheritedSocket, "%v", tc.vars)
	}
}

func TestInvalidValuesAllReported(t *testing.T) {
	_, err := config.Load(env(map[string]string{"PORT": "x", "LOG_LEVEL": "x", "REDIS_URL": "redis://user:secret@"}))
	require.Error(t, err)
	for _, name := range []string{"PORT", "LOG_LEVEL", "REDIS_URL"} {
		assert.Contains(t, err.Error(), name)
	}
	assert.NotContains(t, err.Error(), "secret", "passwords are not echoed")
}

func TestAdminEmailsNeedAPassword(t *testing.T) {
	_, err := config.Load(env(map[string]string{"ADMIN_EMAILS": "root@example.com"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ADMIN_PASSWORD")
	_, err = config.Load(env(map[string]string{"ADMIN_EMAILS": "root@example.com", "ADMIN_PASSWORD": "secret"}))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret", "the password is not echoed")
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]ratelimit.Limit{
		"100/1m":  {Events: 100, Per: time.Minute},
		"100/m":   {Events: 100, Per: time.Minute},
		" 7 / 2s": {Events: 7, Per: 2 * time.Second},
		"1/h":     {Events: 1, Per: time.Hour},
	} {
		got, err := config.ParseLimit(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestMetricsTokenIsNotEchoed(t *testing.T) {
	_, err := config.Load(env(map[string]string{"METRICS_TOKEN": "secret-but-short"}))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
	c, err := config.Load(env(map[string]string{"METRICS_TOKEN": "0123456789abcdef0123456789abcdef"}))
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef0123456789abcdef", c.MetricsToken)
}

func TestOTLPTraces(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
		err  string
	}{
		{env: nil},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, want: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, want: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_TRACES_EXPORTER": "none"}},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, want: true},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
			err: "OTEL_EXPORTER_OTLP_PROTOCOL"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
			"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, err: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, err: "OTEL_TRACES_EXPORTER"},
	} {
		c, err := config.Load(env(tc.env))
		if tc.err != "" {
			require.Error(t, err, "%v", tc.env)
			assert.Contains(t, err.Error(), tc.err)
			continue
		}
		require.NoError(t, err, "%v", tc.env)
		assert.Equal(t, tc.want, c.OTLPTraces, "%v", tc.env)
	}
}
