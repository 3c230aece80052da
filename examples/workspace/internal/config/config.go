// Package config reads the workspace application's configuration from the
// environment.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rtkit-go/rtkit/ratelimit"
)

// Config is the application's configuration. Load fills it from the
// environment; the zero value is not meaningful.
type Config struct {
	// Port is the TCP port the HTTP server listens on (PORT, 3000).
	Port int
	// SocketIO serves the Socket.IO namespaces (SOCKET_IO_ENABLED, true);
	// false serves the REST API only.
	SocketIO bool
	// SocketIOPath is the Socket.IO endpoint's path (SOCKET_IO_PATH,
	// "/socket.io").
	SocketIOPath string
	// CORSOrigins are the origins allowed to call the API and connect
	// (CORS_ORIGINS, comma-separated, "http://localhost:3000").
	CORSOrigins []string
	// RedisURL selects the Redis adapter and Redis-backed stores when set
	// (REDIS_URL); empty means in memory.
	RedisURL string
	// SocketRateLimit limits the events of each socket (SOCKET_RATE_LIMIT,
	// "100/1m").
	SocketRateLimit ratelimit.Limit
	// SessionTTL is how long a session lasts after sign-in (SESSION_TTL,
	// "24h").
	SessionTTL time.Duration
	// AdminEmails are the emails, lower-cased, whose users get the role
	// "admin" (ADMIN_EMAILS, comma-separated).
	AdminEmails []string
	// LogLevel is the least level logged (LOG_LEVEL: debug, info, warn or
	// error; "info").
	LogLevel slog.Level
	// ClientScript is an explicit path to socket.io.min.js
	// (SOCKET_IO_CLIENT_JS); empty means the default locations.
	ClientScript string
}

// IsAdmin reports whether email is one of AdminEmails (case-insensitive).
func (c Config) IsAdmin(email string) bool {
	return slices.Contains(c.AdminEmails, strings.ToLower(strings.TrimSpace(email)))
}

// Load reads the configuration through getenv (os.Getenv in main). An
// unset or empty variable takes its default; an invalid one is an error
// that names it. Every invalid variable is reported, joined.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		Port:            3000,
		SocketIO:        true,
		SocketIOPath:    "/socket.io",
		CORSOrigins:     []string{"http://localhost:3000"},
		SocketRateLimit: ratelimit.Limit{Events: 100, Per: time.Minute},
		SessionTTL:      24 * time.Hour,
		LogLevel:        slog.LevelInfo,
	}
	var errs []error
	for _, v := range variables {
		value := strings.TrimSpace(getenv(v.name))
		if value == "" {
			continue
		}
		if err := v.parse(value, &c); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", v.name, redact(value), err))
		}
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
