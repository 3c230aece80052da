package client

import (
	"context"
	"crypto/tls"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/rtkit-go/rtkit"
)

// Options configures Dial. The zero value connects over websocket to
// "/socket.io" without credentials, validates both ways and reconnects
// with the default backoff.
type Options struct {
	// Credentials are sent with the first connection; Refresh replaces
	// them before every reconnection.
	Credentials Credentials
	// Refresh, when set, is called before every reconnection attempt (not
	// before the first connection) and its credentials replace the
	// current ones: a token that expired while the client was away is
	// renewed before the server sees it. With Refresh, the client also
	// reconnects after the server ended its session on purpose ("io server
	// disconnect": an expired or revoked session), under the new
	// credentials. An error counts as a failed attempt: the client backs
	// off and calls Refresh again (see Backoff.MaxAttempts). ctx ends when
	// the client is closed.
	Refresh func(ctx context.Context) (Credentials, error)

	// Path is the Socket.IO endpoint path ("/socket.io" when empty).
	Path string
	// Transports lists the transports in the order they are tried:
	// Websocket (the default, alone) and Polling (HTTP long-polling, which
	// upgrades to websocket when both are listed, as browsers do). While
	// it upgrades, the underlying zishang520 client (v3.0.6) can lose a
	// packet sent at that moment (an event, an acknowledgement), stay on
	// long-polling, or (about one upgrade in a thousand, measured under
	// load) never complete its pause of long-polling and send nothing
	// more: prefer Websocket alone where it can connect.
	Transports []Transport
	// TLS configures https and wss connections (nil: the system's roots).
	TLS *tls.Config
	// ConnectTimeout bounds one connection attempt, from opening the
	// transport to the server's answer to the namespace CONNECT (10 s when
	// zero).
	ConnectTimeout time.Duration

	// Reconnect is the backoff between reconnection attempts after a lost
	// connection; see Backoff for its defaults.
	Reconnect Backoff
	// NoReconnect turns reconnection off: a lost connection ends the
	// client (Done is closed, Err says why).
	NoReconnect bool

	// Validation says which payloads are checked against the events'
	// schemas (ValidateBoth by default).
	Validation Validation

	// OnConnect is called after every connection, the first one included.
	OnConnect func(ConnectInfo)
	// OnDisconnect is called when an established connection is lost,
	// with the reason the Socket.IO client gives ("transport close",
	// "ping timeout", "io server disconnect", …).
	OnDisconnect func(reason string)
	// OnResync is called when the server could not replay what the client
	// missed while it was away ("rtkit:resync"): fetch the current state
	// from the application's API. It runs before any event that follows
	// the resync.
	OnResync func(rtkit.Resync)
	// OnInvalid is called for a server → client event dropped because its
	// payload does not match its schema (incoming validation on).
	OnInvalid func(event string, err *rtkit.Error)

	// Logger receives connection events at debug level and dropped
	// payloads at warn level (slog.Default() when nil).
	Logger *slog.Logger
}

// Credentials authenticate the Socket.IO handshake.
type Credentials struct {
	// Token is sent as the handshake's auth.token (io(url, {auth: {token}})).
	Token string
	// Auth holds further fields of the handshake's auth object.
	Auth map[string]any
	// Header is added to the HTTP requests of the handshake
	// ("Authorization: Bearer …", say).
	Header http.Header
	// Cookies are sent with the handshake's HTTP requests.
	Cookies []*http.Cookie
}

// auth builds the handshake auth object.
func (c Credentials) auth() map[string]any {
	m := make(map[string]any, len(c.Auth)+1)
	for k, v := range c.Auth {
		m[k] = v
	}
	if c.Token != "" {
		m["token"] = c.Token
	}
	return m
}

// header builds the handshake's HTTP headers.
func (c Credentials) header() http.Header {
	h := c.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	for _, ck := range c.Cookies {
		h.Add("Cookie", ck.String())
	}
	return h
}

// Transport is a Socket.IO transport.
type Transport string

// The transports the client speaks.
const (
	Websocket Transport = "websocket"
	Polling   Transport = "polling"
)

// Validation says which payloads a client checks against the events'
// schemas.
type Validation int

const (
	// ValidateBoth checks what the client sends (an invalid payload is
	// refused locally with VALIDATION_ERROR, never sent) and what it
	// receives (an acknowledgement or event that breaks its schema is an
	// error, never handed over).
	ValidateBoth Validation = iota
	// ValidateOutgoing checks only what the client sends.
	ValidateOutgoing
	// ValidateIncoming checks only what the client receives.
	ValidateIncoming
	// ValidateNone checks nothing; the server still validates.
	ValidateNone
)

func (v Validation) outgoing() bool { return v == ValidateBoth || v == ValidateOutgoing }
func (v Validation) incoming() bool { return v == ValidateBoth || v == ValidateIncoming }

// Backoff is an exponential backoff with jitter. The zero value means the
// defaults: 500 ms first, doubling up to 10 s, ±50 % jitter, unlimited
// attempts.
type Backoff struct {
	// Initial is the delay before the first reconnection attempt.
	Initial time.Duration
	// Max bounds the delay.
	Max time.Duration
	// Jitter spreads each delay by up to ±Jitter of itself (0 to 1), so
	// that clients dropped together do not come back together. A negative
	// value turns it off.
	Jitter float64
	// MaxAttempts ends the client after that many failed attempts in a row
	// (0: never).
	MaxAttempts int
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial <= 0 {
		b.Initial = 500 * time.Millisecond
	}
	if b.Max <= 0 {
		b.Max = 10 * time.Second
	}
	if b.Max < b.Initial {
		b.Max = b.Initial
	}
	switch {
	case b.Jitter == 0:
		b.Jitter = 0.5
	case b.Jitter < 0:
		b.Jitter = 0
	case b.Jitter > 1:
		b.Jitter = 1
	}
	return b
}

// Delay returns the wait before attempt n (0 for the first), jitter
// included.
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	d := b.Initial
	for i := 0; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, b.Max)
	if b.Jitter > 0 {
		d = time.Duration(float64(d) * (1 + b.Jitter*(2*rand.Float64()-1)))
	}
	return d
}

// ConnectInfo describes an established connection.
type ConnectInfo struct {
	// ID is the socket id the server assigned.
	ID string
	// Reconnect is false for the first connection.
	Reconnect bool
	// Recovered reports that the server restored the session: same id,
	// same rooms, and every event missed meanwhile replayed. A reconnection
	// that did not recover is followed by OnResync when the server's
	// recovery is on.
	Recovered bool
}
