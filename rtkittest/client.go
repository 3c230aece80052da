package rtkittest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	sioc "github.com/zishang520/socket.io/clients/socket/v3"

	"github.com/rtkit-go/rtkit/client"
	"github.com/rtkit-go/rtkit/internal/rawclient"
)

// Client is a typed client (package client) connected to one namespace,
// with what tests need besides: raw access, refusals as values. Its
// methods are safe for concurrent use.
type Client struct {
	c *client.Client
}

// DialOption configures Dial.
type DialOption func(*client.Options)

// WithAuth sets the handshake auth object (the client's io(url, {auth})).
func WithAuth(auth map[string]any) DialOption {
	return func(o *client.Options) { o.Credentials.Auth = auth }
}

// WithHeader adds HTTP headers to the handshake request.
func WithHeader(h http.Header) DialOption {
	return func(o *client.Options) {
		if o.Credentials.Header == nil {
			o.Credentials.Header = http.Header{}
		}
		for k, vs := range h {
			for _, v := range vs {
				o.Credentials.Header.Add(k, v)
			}
		}
	}
}

// WithPolling makes the client start with HTTP long-polling and upgrade,
// as browsers do; the default is websocket only. The connection is made
// over long-polling (the server sees it connect with that transport), and
// Dial returns once the client has upgraded to websocket, or its upgrade
// attempt has ended without, or after 3 s still long-polling: the
// zishang520 client (v3.0.6) can lose a packet it sends while it switches
// transports (see awaitUpgrade). A client that its library left stuck in
// the upgrade (it would never send anything again) is closed and dialled
// anew, up to three times: the server then sees one more connection and
// disconnection for it.
func WithPolling() DialOption {
	return func(o *client.Options) { o.Transports = []client.Transport{client.Polling, client.Websocket} }
}

// WithReconnection lets the client reconnect on its own after a dropped
// connection (off by default), retrying quickly, and recover its session.
func WithReconnection() DialOption {
	return func(o *client.Options) {
		o.NoReconnect = false
		o.Reconnect = client.Backoff{Initial: 50 * time.Millisecond, Max: 200 * time.Millisecond}
	}
}

// ConnectError is the refusal a server sent as connect_error.
type ConnectError struct {
	Message string
	// Code is data.code, rtkit's error code ("UNAUTHORIZED", …).
	Code string
}

// Error implements the error interface.
func (e *ConnectError) Error() string {
	return fmt.Sprintf("rtkittest: connection refused: %s (%s)", e.Message, e.Code)
}

// Dial connects to namespace on s and fails the test if the connection is
// refused or cannot be made. The client is closed when the test ends.
func (s *Server) Dial(tb testing.TB, namespace string, opts ...DialOption) *Client {
	tb.Helper()
	c, err := s.TryDial(tb, namespace, opts...)
	if err != nil {
		tb.Fatalf("rtkittest: dial %s: %v", namespace, err)
	}
	return c
}

// TryDial is Dial that returns the refusal instead of failing the test: a
// *ConnectError when the server sent connect_error.
func (s *Server) TryDial(tb testing.TB, namespace string, opts ...DialOption) (*Client, error) {
	tb.Helper()
	c, err := s.Connect(namespace, opts...)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(c.Close)
	return c, nil
}

// dialWait bounds a connection: attempts the Socket.IO client loses track
// of are retried within it.
const dialWait = 25 * time.Second

// Connect is TryDial for code that has no testing.TB (Example functions,
// programs): the caller closes the client.
func (s *Server) Connect(namespace string, opts ...DialOption) (*Client, error) {
	o := client.Options{
		NoReconnect: true,
		// Tests send what a typed client never would: the server's own
		// validation is under test.
		Validation: client.ValidateNone,
		Reconnect:  client.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond},
		Logger:     slog.New(slog.DiscardHandler),
	}
	if p := s.socketPath(); p != "/socket.io/" {
		o.Path = strings.TrimSuffix(p, "/")
	}
	for _, f := range opts {
		f(&o)
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialWait)
	defer cancel()
	upgrades := slices.Contains(o.Transports, client.Polling) && slices.Contains(o.Transports, client.Websocket)
	for attempt := 1; ; attempt++ {
		c, err := client.Dial(ctx, s.URL+namespace, o)
		var ce *client.ConnectError
		if errors.As(err, &ce) {
			return nil, &ConnectError{Message: ce.Message, Code: string(ce.Code)}
		}
		if err != nil {
			return nil, fmt.Errorf("rtkittest: %w", err)
		}
		cl := &Client{c: c}
		if !upgrades || cl.awaitUpgrade() {
			return cl, nil
		}
		cl.Close()
		if attempt == maxStuckDials {
			return nil, fmt.Errorf("rtkittest: the client stalled in its upgrade to websocket %d times", attempt)
		}
	}
}

// maxStuckDials bounds the dials of a client that stalls in its upgrade.
const maxStuckDials = 3

// Typed returns the typed client underneath, for client.Call, client.On
// and the rest of package client.
func (c *Client) Typed() *client.Client { return c.c }

// Raw returns the underlying zishang520 client socket, for what the typed
// helpers do not cover (raw emits, the library's own events).
func (c *Client) Raw() *sioc.Socket { return rawclient.Socket(c.c) }

// ID returns the socket id the server assigned.
func (c *Client) ID() string { return c.c.ID() }

// Connected reports whether the client is connected now.
func (c *Client) Connected() bool { return c.c.Connected() }

// DropTransport closes the underlying connection as a network failure
// would, so that a client dialled WithReconnection reconnects and can
// recover its session.
func (c *Client) DropTransport() { c.c.DropTransport() }

// Close disconnects the client and waits for its goroutines. It is safe to
// call more than once.
func (c *Client) Close() { _ = c.c.Close() }
