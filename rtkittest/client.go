package rtkittest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	sioc "github.com/zishang520/socket.io/clients/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Client is a Socket.IO client connected to one namespace. Its methods are
// safe for concurrent use.
type Client struct {
	raw  *sioc.Socket
	once sync.Once
}

// DialOption configures Dial.
type DialOption func(*sioc.Options)

// WithAuth sets the handshake auth object (the client's io(url, {auth})).
func WithAuth(auth map[string]any) DialOption {
	return func(o *sioc.Options) { o.SetAuth(auth) }
}

// WithHeader adds HTTP headers to the handshake request.
func WithHeader(h http.Header) DialOption {
	return func(o *sioc.Options) { o.SetExtraHeaders(h) }
}

// WithPolling makes the client start with HTTP long-polling and upgrade,
// as browsers do; the default is websocket only.
func WithPolling() DialOption {
	return func(o *sioc.Options) {
		o.SetTransports(types.NewSet(sioc.Polling, sioc.WebSocket))
	}
}

// WithReconnection lets the client reconnect on its own after a dropped
// connection (off by default), retrying quickly.
func WithReconnection() DialOption {
	return func(o *sioc.Options) {
		o.SetReconnection(true)
		o.SetReconnectionDelay(50)
		o.SetReconnectionDelayMax(200)
		// A reconnection attempt the Go client loses track of (it can miss
		// its transport's open event) is abandoned and retried after this.
		o.SetTimeout(time.Second)
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
// refused or takes more than 5 seconds. The client is closed when the test
// ends.
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

// Connect is TryDial for code that has no testing.TB (Example functions,
// programs): the caller closes the client.
func (s *Server) Connect(namespace string, opts ...DialOption) (*Client, error) {
	// The Go client sometimes misses its own transport's "open" event (it
	// subscribes after the websocket is already up) and then never sends
	// its CONNECT. Nothing reached the namespace then, so dialling again
	// is invisible to the server under test.
	var err error
	for range dialAttempts {
		var c *Client
		var silent bool
		c, silent, err = s.dialOnce(namespace, opts)
		if err == nil || !silent {
			return c, err
		}
	}
	return nil, err
}

const (
	dialAttempts = 8
	dialWait     = 3 * time.Second
)

// dialOnce makes one connection attempt. silent reports that the client
// library lost track of its own connection and nothing reached the
// namespace.
//
// The manager is opened first and the socket connected only once the
// transport is up: the Go client, asked to do both at once, can send a
// second CONNECT for the same socket, which the server answers by closing
// the connection.
func (s *Server) dialOnce(namespace string, opts []DialOption) (c *Client, silent bool, err error) {
	o := sioc.DefaultOptions()
	o.SetTransports(types.NewSet(sioc.WebSocket))
	o.SetForceNew(true)
	o.SetReconnection(false)
	o.SetTimeout(dialWait + 2*time.Second) // our own wait decides first
	o.SetAutoConnect(false)
	if p := s.socketPath(); p != "/socket.io/" {
		o.SetPath(strings.TrimSuffix(p, "/"))
	}
	for _, f := range opts {
		f(o)
	}
	deadline := time.Now().Add(dialWait)

	m := sioc.NewManager(s.URL, o)
	opened := make(chan error, 1)
	m.Open(func(err error) {
		select {
		case opened <- err:
		default:
		}
	})
	if err, silent := waitOpen(m, opened, deadline); err != nil {
		// Disconnecting the manager's only socket closes the manager and
		// clears its timers.
		m.Socket(namespace, o).Disconnect()
		return nil, silent, err
	}

	raw := m.Socket(namespace, o)
	c = &Client{raw: raw}
	result := make(chan error, 1)
	report := func(err error) {
		select {
		case result <- err:
		default:
		}
	}
	_ = raw.Once("connect", func(...any) { report(nil) })
	_ = raw.Once("connect_error", func(args ...any) { report(connectError(args)) })
	raw.Connect()
	select {
	case err := <-result:
		if err != nil {
			c.Close()
			return nil, false, err
		}
		return c, false, nil
	case <-time.After(time.Until(deadline)):
		c.Close()
		return nil, false, fmt.Errorf("rtkittest: no connect within %v", dialWait)
	}
}

// waitOpen waits for the manager's transport. The Go client sometimes
// misses its own transport's "open" event (it subscribes after the
// websocket is already up): that attempt is abandoned at once, as silent.
func waitOpen(m *sioc.Manager, opened <-chan error, deadline time.Time) (err error, silent bool) {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var stuckSince time.Time
	for {
		select {
		case err := <-opened:
			if err != nil {
				return fmt.Errorf("rtkittest: connection failed: %w", err), false
			}
			return nil, false
		case <-tick.C:
			if time.Now().After(deadline) {
				return fmt.Errorf("rtkittest: no connection within %v", dialWait), true
			}
			if e := m.Engine(); e != nil && e.ReadyState() == "open" {
				if stuckSince.IsZero() {
					stuckSince = time.Now()
				} else if time.Since(stuckSince) > 100*time.Millisecond {
					return errors.New("rtkittest: the client missed its transport's open event"), true
				}
			}
		}
	}
}

// connectError turns the connect_error arguments into a *ConnectError
// when the server sent rtkit's coded form.
func connectError(args []any) error {
	var err error = errors.New("rtkittest: connect_error without detail")
	if len(args) > 0 {
		if e, ok := args[0].(error); ok {
			err = e
		}
	}
	var xe *types.ExtendedError
	if errors.As(err, &xe) {
		ce := &ConnectError{Message: xe.Message}
		if m, ok := xe.Data.(map[string]any); ok {
			ce.Code, _ = m["code"].(string)
		}
		return ce
	}
	return err
}

// Raw returns the underlying zishang520 client socket, for what the typed
// helpers do not cover (raw emits, dropping the transport).
func (c *Client) Raw() *sioc.Socket { return c.raw }

// ID returns the socket id the server assigned.
func (c *Client) ID() string { return c.raw.Id() }

// Connected reports whether the client is connected now.
func (c *Client) Connected() bool { return c.raw.Connected() }

// DropTransport closes the underlying connection as a network failure
// would, so that a client dialled WithReconnection reconnects and can
// recover its session.
func (c *Client) DropTransport() {
	if e := c.raw.Io().Engine(); e != nil {
		e.Close()
	}
}

// Close disconnects the client. It is safe to call more than once.
func (c *Client) Close() {
	c.once.Do(func() {
		c.raw.Disconnect()
	})
}
