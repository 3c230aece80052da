package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	engine "github.com/zishang520/socket.io/clients/engine/v3"
	sioc "github.com/zishang520/socket.io/clients/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/rawclient"
)

// Client is a connection to one namespace of an rtkit server that
// reconnects by itself. Its methods, Call, Emit and the listener functions
// are safe for concurrent use; callbacks (listeners and the Options hooks)
// run one at a time, in arrival order, on the client's own goroutine.
type Client struct {
	opts Options
	log  *slog.Logger
	nsp  string

	mopts *sioc.Options
	raw   *sioc.Socket

	ctx    context.Context // ends with the client
	cancel context.CancelFunc
	sig    chan signal // library → connection loop
	queue  *queue
	loop   sync.WaitGroup

	connects atomic.Int64 // connections so far

	mu        sync.Mutex
	creds     Credentials
	up        chan struct{} // closed while connected
	done      chan struct{} // closed when the client ends
	err       error         // why it ended
	receivers map[string]*receiver
	closeOnce sync.Once
}

func init() {
	rawclient.Socket = func(c any) *sioc.Socket { return c.(*Client).raw }
}

// Errors a Client returns.
var (
	// ErrClosed: the client was closed with Close.
	ErrClosed = errors.New("client: closed")
	// ErrServerDisconnect: the server disconnected the socket on purpose
	// (a revoked session, say); without Options.Refresh the client does
	// not reconnect.
	ErrServerDisconnect = errors.New("client: disconnected by the server")
	// ErrContract: the server sent a payload or an acknowledgement that
	// does not match the event's schema (incoming validation on).
	ErrContract = errors.New("client: the server broke the event's contract")
)

// Dial connects to the namespace named by rawURL's path
// ("http://127.0.0.1:3000/notifications"; "/" when it has none; ws and wss
// schemes are accepted too, and the query is sent with the handshake). It
// returns once the server accepted the connection: a refusal is returned at
// once as a *ConnectError, other failures (the server is not up yet, a
// timeout) are retried with Options.Reconnect's backoff until ctx ends.
//
// The client then reconnects by itself (unless Options.NoReconnect) and
// recovers its session, so that events sent meanwhile are replayed, until
// Close.
func Dial(ctx context.Context, rawURL string, opts Options) (*Client, error) {
	base, nsp, query, err := splitURL(rawURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		opts: opts, nsp: nsp, log: opts.Logger, creds: opts.Credentials,
		sig: make(chan signal, 16), up: make(chan struct{}), done: make(chan struct{}),
		receivers: map[string]*receiver{},
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.mopts = c.managerOptions(query)
	m := sioc.NewManager(base, c.mopts)
	c.raw = m.Socket(nsp, c.mopts)
	c.queue = newQueue()
	c.listen()

	for n := 0; ; n++ {
		err := c.attempt(ctx)
		if err == nil {
			break
		}
		var ce *ConnectError
		if errors.As(err, &ce) || ctx.Err() != nil {
			c.shutdown(err)
			return nil, err
		}
		c.log.Debug("client: connection attempt failed", "url", rawURL, "err", err)
		if !sleep(ctx, c.opts.Reconnect.Delay(n)) {
			c.shutdown(ctx.Err())
			return nil, fmt.Errorf("client: dial %s: %w (last attempt: %v)", rawURL, ctx.Err(), err)
		}
	}
	c.loop.Add(1)
	go c.run()
	return c, nil
}

// splitURL separates the server's base URL, the namespace and the query.
func splitURL(rawURL string) (base, nsp string, query url.Values, err error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", nil, fmt.Errorf("client: %w", err)
	}
	switch u.Scheme {
	case "http", "https":
	case "ws":
		u.Scheme = "http"
	case "wss":
		u.Scheme = "https"
	default:
		return "", "", nil, fmt.Errorf("client: %q: want an http, https, ws or wss URL", rawURL)
	}
	if u.Host == "" {
		return "", "", nil, fmt.Errorf("client: %q has no host", rawURL)
	}
	nsp = u.Path
	if nsp == "" {
		nsp = "/"
	}
	return u.Scheme + "://" + u.Host, nsp, u.Query(), nil
}

// managerOptions translates Options for the Socket.IO client. Its own
// reconnection stays off: the client reconnects the same socket itself, so
// that credentials can change in between and the session (pid, offset)
// carries over.
func (c *Client) managerOptions(query url.Values) *sioc.Options {
	o := sioc.DefaultOptions()
	ts := types.NewSet[engine.TransportCtor]()
	if len(c.opts.Transports) == 0 {
		ts.Add(sioc.WebSocket)
	}
	for _, t := range c.opts.Transports {
		switch t {
		case Polling:
			ts.Add(sioc.Polling)
		default:
			ts.Add(sioc.WebSocket)
		}
	}
	o.SetTransports(ts)
	o.SetForceNew(true)
	o.SetReconnection(false)
	o.SetAutoConnect(false)
	// The client's own deadline (connectTimeout) decides first; the
	// library's is a backstop that clears the manager's state.
	o.SetTimeout(c.connectTimeout() + 2*time.Second)
	path := c.opts.Path
	if path == "" {
		path = "/socket.io"
	}
	o.SetPath(strings.TrimSuffix(path, "/"))
	if c.opts.TLS != nil {
		o.SetTLSClientConfig(c.opts.TLS)
	}
	if len(query) > 0 {
		o.SetQuery(query)
	}
	o.SetAuth(c.creds.auth())
	setHeaders(o, c.creds.header())
	return o
}

// setHeaders sets the handshake's HTTP headers. Polling requests also ask
// for their connection to be closed: the Go client gives every polling
// transport an HTTP client of its own that keeps idle connections (and
// their goroutines) for the life of the process, and never closes it.
func setHeaders(o *sioc.Options, h http.Header) {
	o.SetExtraHeaders(h)
	ph := h.Clone()
	ph.Set("Connection", "close")
	po := engine.DefaultSocketOptions()
	po.SetExtraHeaders(ph)
	o.SetTransportOptions(map[string]engine.SocketOptionsInterface{"polling": po})
}

func (c *Client) connectTimeout() time.Duration {
	if c.opts.ConnectTimeout > 0 {
		return c.opts.ConnectTimeout
	}
	return 10 * time.Second
}

// ID returns the socket id the server assigned ("" while disconnected).
func (c *Client) ID() string { return c.raw.Id() }

// Connected reports whether the client is connected now.
func (c *Client) Connected() bool { return c.raw.Connected() }

// Recovered reports whether the last connection recovered the session.
func (c *Client) Recovered() bool { return c.raw.Recovered() }

// Done is closed when the client ends: Close, a refusal while
// reconnecting, a server disconnect, or the last reconnection attempt.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the client ended (ErrClosed after Close), nil while it
// runs.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// DropTransport closes the underlying connection as a network failure
// would; the client reconnects and recovers its session as after a real
// one. For tests and demonstrations.
func (c *Client) DropTransport() {
	if e := c.raw.Io().Engine(); e != nil {
		e.Close()
	}
}

// Close disconnects, stops reconnecting and waits for the client's
// goroutines: when it returns, no callback runs any more. One thing may
// outlive it, with the polling transport only: an HTTP long-poll the
// Socket.IO client has in flight (it gives its requests no context) ends
// when the server answers it — at once with a server that answers pending
// polls of a closed session, at its ping timeout with one that does not
// (the zishang520 server, when Close races with the upgrade to websocket).
// Close must not be called from a callback (use go c.Close() there). It is
// safe to call more than once and returns nil.
func (c *Client) Close() error {
	c.shutdown(ErrClosed)
	return nil
}

// shutdown ends the client with err and waits for its goroutines.
func (c *Client) shutdown(err error) {
	c.closeOnce.Do(func() {
		c.end(err)
		c.raw.Disconnect()
		c.loop.Wait()
		c.queue.stop()
	})
}

// end records why the client ends and wakes everything that waits on it.
func (c *Client) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = err
	close(c.done)
	c.cancel()
}

// waitUp waits until the client is connected.
func (c *Client) waitUp(ctx context.Context) error {
	c.mu.Lock()
	up, done := c.up, c.done
	c.mu.Unlock()
	select {
	case <-up:
		return nil
	case <-done:
		return c.Err()
	case <-ctx.Done():
		return timeoutError(ctx, "no connection")
	}
}

// timeoutError is the TIMEOUT *rtkit.Error for a context that ended; it
// wraps the context's error.
func timeoutError(ctx context.Context, what string) error {
	return rtkit.Errorf(rtkit.CodeTimeout, "client: %s before the deadline", what).WithCause(ctx.Err())
}

// sleep waits d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
