// Package config reads the workspace application's configuration from the
// environment.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rtkit-go/rtkit/ratelimit"
)

// Config is the application's configuration. Load fills it from the
// environment; the zero value is not meaningful.
type Config struct {
	// Port is the TCP port the HTTP server listens on (PORT, 3000).
	Port int
	// InheritedSocket is set by socket activation (LISTEN_FDS=1, from
	// systemd or from a parent process that holds the port, as the tests
	// do): the HTTP server serves on the listening socket inherited as
	// file descriptor 3, and Port is ignored. LISTEN_PID, when set, must
	// be this process (otherwise the variables were meant for another one
	// and are ignored).
	InheritedSocket bool
	// SocketIO serves the Socket.IO namespaces (SOCKET_IO_ENABLED, true);
	// false serves the REST API only.
	SocketIO bool
	// SocketIOPath is the Socket.IO endpoint's path (SOCKET_IO_PATH,
	// "/socket.io").
	SocketIOPath string
	// CORSOrigins are the origins allowed to call the API and connect
	// (CORS_ORIGINS, comma-separated, "http://localhost:3000").
	CORSOrigins []string
	// RedisURL selects the Redis adapter, delivery log and rate-limit
	// budgets when set (REDIS_URL); empty means in memory.
	RedisURL string
	// DataDir holds the SQLite database (DATA_DIR, "data"), created at
	// start; unused with DatabaseURL.
	DataDir string
	// DatabaseURL selects PostgreSQL (DATABASE_URL, postgres://…); empty
	// means SQLite in DataDir.
	DatabaseURL string
	// NotificationRetention is how long a notification its user read is
	// kept (NOTIFICATION_RETENTION, "720h").
	NotificationRetention time.Duration
	// SocketRateLimit limits the events of each socket (SOCKET_RATE_LIMIT,
	// "100/1m").
	SocketRateLimit ratelimit.Limit
	// SessionTTL is how long a session lasts after sign-in (SESSION_TTL,
	// "24h").
	SessionTTL time.Duration
	// AdminEmails are the emails, lower-cased, of the admin accounts the
	// application creates at start (ADMIN_EMAILS, comma-separated). A
	// sign-up never gets the role "admin", whatever its address.
	AdminEmails []string
	// AdminPassword is the password the admin accounts are created with
	// (ADMIN_PASSWORD, 8 to 128 characters); required with AdminEmails.
	AdminPassword string
	// Limits bounds what one client or user may use.
	Limits Limits
	// Timeouts are the HTTP server's.
	Timeouts Timeouts
	// LogLevel is the least level logged (LOG_LEVEL: debug, info, warn or
	// error; "info").
	LogLevel slog.Level
	// MetricsToken, when set (METRICS_TOKEN, at least 32 characters),
	// serves the metrics at /metrics in Prometheus format to requests
	// with "Authorization: Bearer <token>"; unset, /metrics is not served.
	MetricsToken string
	// OTLPTraces is set when the standard OTEL_EXPORTER_OTLP_ENDPOINT or
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT names an endpoint (and neither
	// OTEL_SDK_DISABLED=true nor OTEL_TRACES_EXPORTER=none): the traces
	// are sent there over OTLP/HTTP.
	OTLPTraces bool
	// ClientScript is an explicit path to socket.io.min.js
	// (SOCKET_IO_CLIENT_JS); empty means the default locations.
	ClientScript string
	// AdminUI configures the Socket.IO Admin UI (ADMIN_UI_*, off).
	AdminUI AdminUI
}

// Limits bound what one client address or one user may use (see the
// README's "Limits"). Zero values are not meaningful: Load sets defaults.
type Limits struct {
	// AuthPerAddress limits sign-ups and sign-ins per client address
	// (AUTH_RATE_LIMIT, "20/1m").
	AuthPerAddress ratelimit.Limit
	// SignInPerAccount limits sign-ins per account, from every address
	// together (SIGN_IN_ACCOUNT_RATE_LIMIT, "10/15m").
	SignInPerAccount ratelimit.Limit
	// ConnectionsPerAddress bounds the TCP connections one client
	// address may hold open (CONNECTIONS_PER_ADDRESS, 256).
	ConnectionsPerAddress int
	// SocketConnectRate limits new Socket.IO connections per client
	// address (SOCKET_CONNECT_RATE_LIMIT, "120/1m").
	SocketConnectRate ratelimit.Limit
	// SocketsPerUser bounds the sockets one user may have open at once
	// (SOCKETS_PER_USER, 50).
	SocketsPerUser int
	// Documents bounds the documents per user (DOCUMENT_QUOTA, 100).
	Documents int
	// DocumentBytes bounds the bytes of titles and contents per user
	// (DOCUMENT_BYTES_QUOTA, 5000000).
	DocumentBytes int64
	// Notifications bounds the notifications stored per user
	// (NOTIFICATION_QUOTA, 1000).
	Notifications int
}

// Timeouts are the HTTP server's timeouts.
type Timeouts struct {
	// Read bounds reading a request, headers and body (HTTP_READ_TIMEOUT,
	// 15s); the headers get at most 5 s of it.
	Read time.Duration
	// Write bounds writing a response, from the end of the request's
	// headers (HTTP_WRITE_TIMEOUT, 60s). It must exceed Socket.IO's
	// long-polling wait (the 25 s ping interval).
	Write time.Duration
	// Idle bounds how long a keep-alive connection waits for its next
	// request (HTTP_IDLE_TIMEOUT, 60s).
	Idle time.Duration
}

// Load reads the configuration through getenv (os.Getenv in main). An
// unset or empty variable takes its default; an invalid one is an error
// that names it. Every invalid variable is reported, joined.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		Port:                  3000,
		SocketIO:              true,
		SocketIOPath:          "/socket.io",
		CORSOrigins:           []string{"http://localhost:3000"},
		SocketRateLimit:       ratelimit.Limit{Events: 100, Per: time.Minute},
		SessionTTL:            24 * time.Hour,
		LogLevel:              slog.LevelInfo,
		DataDir:               "data",
		NotificationRetention: 30 * 24 * time.Hour,
		Limits: Limits{
			AuthPerAddress:        ratelimit.Limit{Events: 20, Per: time.Minute},
			SignInPerAccount:      ratelimit.Limit{Events: 10, Per: 15 * time.Minute},
			ConnectionsPerAddress: 256,
			SocketConnectRate:     ratelimit.Limit{Events: 120, Per: time.Minute},
			SocketsPerUser:        50,
			Documents:             100,
			DocumentBytes:         5_000_000,
			Notifications:         1000,
		},
		Timeouts: Timeouts{Read: 15 * time.Second, Write: 60 * time.Second, Idle: 60 * time.Second},
	}
	var errs []error
	var err error
	for _, v := range variables {
		value := strings.TrimSpace(getenv(v.name))
		if value == "" {
			continue
		}
		if err := v.parse(value, &c); err != nil {
			shown := redact(value)
			if strings.HasSuffix(v.name, "PASSWORD") || strings.HasSuffix(v.name, "TOKEN") {
				shown = "…"
			}
			errs = append(errs, fmt.Errorf("%s=%q: %w", v.name, shown, err))
		}
	}
	if pid := strings.TrimSpace(getenv("LISTEN_PID")); c.InheritedSocket && pid != "" && pid != strconv.Itoa(os.Getpid()) {
		c.InheritedSocket = false
	}
	c.OTLPTraces, err = otlpTraces(getenv)
	if err != nil {
		errs = append(errs, err)
	}
	admin, err := loadAdminUI(getenv, c.SocketIO)
	if err != nil {
		errs = append(errs, err)
	}
	c.AdminUI = admin
	if len(c.AdminEmails) > 0 && c.AdminPassword == "" {
		errs = append(errs, errors.New("ADMIN_PASSWORD: required with ADMIN_EMAILS (the admin accounts are created with it)"))
	}
	return c, errors.Join(errs...)
}

// variable is one environment variable and how it sets the Config.
type variable struct {
	name  string
	parse func(v string, c *Config) error
}

var variables = []variable{
	{"PORT", func(v string, c *Config) error {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			return errors.New("want a port number from 0 to 65535")
		}
		c.Port = p
		return nil
	}},
	{"LISTEN_FDS", func(v string, c *Config) error {
		switch v {
		case "0":
		case "1":
			c.InheritedSocket = true
		default:
			return errors.New("want 1: the application serves one socket")
		}
		return nil
	}},
	{"SOCKET_IO_ENABLED", func(v string, c *Config) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("want true or false")
		}
		c.SocketIO = b
		return nil
	}},
	{"SOCKET_IO_PATH", func(v string, c *Config) (err error) {
		c.SocketIOPath, err = parsePath(v)
		return err
	}},
	{"CORS_ORIGINS", func(v string, c *Config) (err error) {
		c.CORSOrigins, err = parseOrigins(v)
		return err
	}},
	{"REDIS_URL", func(v string, c *Config) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return errors.New("want redis://[user:password@]host:port[/db] or rediss://…")
		}
		c.RedisURL = v
		return nil
	}},
	{"METRICS_TOKEN", func(v string, c *Config) error {
		if len(v) < minMetricsToken {
			return fmt.Errorf("want at least %d characters (a random token, not a password)", minMetricsToken)
		}
		c.MetricsToken = v
		return nil
	}},
	{"DATA_DIR", func(v string, c *Config) error {
		c.DataDir = v
		return nil
	}},
	{"DATABASE_URL", func(v string, c *Config) error {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return errors.New("want postgres://user:password@host:port/database")
		}
		c.DatabaseURL = v
		return nil
	}},
	{"NOTIFICATION_RETENTION", func(v string, c *Config) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return errors.New("want a duration of at least 1m, such as 720h")
		}
		c.NotificationRetention = d
		return nil
	}},
	{"SOCKET_RATE_LIMIT", func(v string, c *Config) (err error) {
		c.SocketRateLimit, err = ParseLimit(v)
		return err
	}},
	{"SESSION_TTL", func(v string, c *Config) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			return errors.New("want a duration of at least 1s, such as 24h or 90m")
		}
		c.SessionTTL = d
		return nil
	}},
	{"ADMIN_EMAILS", func(v string, c *Config) (err error) {
		c.AdminEmails, err = parseEmails(v)
		return err
	}},
	{"ADMIN_PASSWORD", func(v string, c *Config) error {
		if n := utf8.RuneCountInString(v); n < 8 || n > 128 {
			return errors.New("want 8 to 128 characters")
		}
		c.AdminPassword = v
		return nil
	}},
	{"AUTH_RATE_LIMIT", func(v string, c *Config) (err error) {
		c.Limits.AuthPerAddress, err = ParseLimit(v)
		return err
	}},
	{"SIGN_IN_ACCOUNT_RATE_LIMIT", func(v string, c *Config) (err error) {
		c.Limits.SignInPerAccount, err = ParseLimit(v)
		return err
	}},
	{"CONNECTIONS_PER_ADDRESS", func(v string, c *Config) (err error) {
		c.Limits.ConnectionsPerAddress, err = positive(v)
		return err
	}},
	{"SOCKET_CONNECT_RATE_LIMIT", func(v string, c *Config) (err error) {
		c.Limits.SocketConnectRate, err = ParseLimit(v)
		return err
	}},
	{"SOCKETS_PER_USER", func(v string, c *Config) (err error) {
		c.Limits.SocketsPerUser, err = positive(v)
		return err
	}},
	{"DOCUMENT_QUOTA", func(v string, c *Config) (err error) {
		c.Limits.Documents, err = positive(v)
		return err
	}},
	{"DOCUMENT_BYTES_QUOTA", func(v string, c *Config) error {
		n, err := positive(v)
		c.Limits.DocumentBytes = int64(n)
		return err
	}},
	{"NOTIFICATION_QUOTA", func(v string, c *Config) (err error) {
		c.Limits.Notifications, err = positive(v)
		return err
	}},
	{"HTTP_READ_TIMEOUT", func(v string, c *Config) (err error) {
		c.Timeouts.Read, err = timeout(v)
		return err
	}},
	{"HTTP_WRITE_TIMEOUT", func(v string, c *Config) (err error) {
		c.Timeouts.Write, err = timeout(v)
		return err
	}},
	{"HTTP_IDLE_TIMEOUT", func(v string, c *Config) (err error) {
		c.Timeouts.Idle, err = timeout(v)
		return err
	}},
	{"LOG_LEVEL", func(v string, c *Config) error {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return errors.New("want debug, info, warn or error")
		}
		return nil
	}},
	{"SOCKET_IO_CLIENT_JS", func(v string, c *Config) error {
		c.ClientScript = v
		return nil
	}},
}

// ParseLimit parses "N/D": N events (a positive integer) per D, a Go
// duration ("100/1m", "5/10s") or a bare unit meaning one of it ("100/m").
func ParseLimit(s string) (ratelimit.Limit, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return ratelimit.Limit{}, errors.New(`want events/duration, such as "100/1m"`)
	}
	events, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || events <= 0 {
		return ratelimit.Limit{}, errors.New("the number of events must be a positive integer")
	}
	per = strings.TrimSpace(per)
	switch per {
	case "s", "m", "h":
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return ratelimit.Limit{}, errors.New(`the period must be a positive duration, such as "1m" or "10s"`)
	}
	return ratelimit.Limit{Events: events, Per: d}, nil
}

// positive parses a positive integer.
func positive(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, errors.New("want a positive integer")
	}
	return n, nil
}

// timeout parses a Go duration of at least 100ms.
func timeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 100*time.Millisecond {
		return 0, errors.New("want a duration of at least 100ms, such as 15s")
	}
	return d, nil
}

// parsePath checks a Socket.IO path: absolute, no query, no spaces.
func parsePath(v string) (string, error) {
	if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, "?# \t") || strings.Contains(v, "//") {
		return "", errors.New(`want an absolute path such as "/socket.io"`)
	}
	p := strings.TrimSuffix(v, "/")
	if p == "" {
		return "", errors.New(`the path cannot be "/": the REST API and the page live there`)
	}
	if p == "/api" || strings.HasPrefix(p, "/api/") || p == "/health" || p == "/vendor" || strings.HasPrefix(p, "/vendor/") {
		return "", errors.New("the path collides with the REST API, /health or /vendor")
	}
	return p, nil
}

// parseOrigins checks a comma-separated list of origins: scheme://host[:port]
// without path, or "*" alone.
func parseOrigins(v string) ([]string, error) {
	var out []string
	for o := range strings.SplitSeq(v, ",") {
		o = strings.TrimSuffix(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		if o == "*" {
			return nil, errors.New(`"*" is not allowed: cookies are sent with credentials, list the origins`)
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
			return nil, fmt.Errorf("%q is not an origin such as https://app.example or http://localhost:3000", o)
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	if len(out) == 0 {
		return nil, errors.New("no origin given")
	}
	return out, nil
}

// parseEmails checks a comma-separated list of email addresses.
func parseEmails(v string) ([]string, error) {
	var out []string
	for e := range strings.SplitSeq(v, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" {
			continue
		}
		if !ValidEmail(e) {
			return nil, fmt.Errorf("%q is not an email address", e)
		}
		out = append(out, e)
	}
	return out, nil
}

// ValidEmail reports whether s is a plain email address (local@domain,
// without a display name), at most 254 bytes long.
func ValidEmail(s string) bool {
	if len(s) > 254 || !strings.Contains(s, "@") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return domain != "" && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// redact hides the password of a URL-looking value (REDIS_URL, say) in
// error messages; other values are returned as they are.
func redact(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return v
	}
	return u.Redacted()
}

// minMetricsToken is the shortest METRICS_TOKEN accepted.
const minMetricsToken = 32

// otlpTraces reports whether the OTEL_* variables send traces to an OTLP
// endpoint. Only OTLP over HTTP (protobuf) is built in: another protocol is
// an error rather than silence.
func otlpTraces(getenv func(string) string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false, nil
	}
	switch strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")) {
	case "", "otlp":
	case "none":
		return false, nil
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER=%q: only otlp (or none) is built in", getenv("OTEL_TRACES_EXPORTER"))
	}
	if strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) == "" &&
		strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) == "" {
		return false, nil
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := strings.TrimSpace(getenv(name)); p != "" {
			if p != "http/protobuf" {
				return false, fmt.Errorf("%s=%q: only http/protobuf is built in", name, p)
			}
			break
		}
	}
	return true, nil
}
