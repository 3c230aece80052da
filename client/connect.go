package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/rtkit-go/rtkit"
)

// signal is what the Socket.IO client reports to the connection loop.
type signal struct {
	kind   signalKind
	reason string // disconnect
	err    error  // connectError
}

type signalKind int

const (
	sigConnect signalKind = iota
	sigConnectError
	sigDisconnect
)

// send hands s to the connection loop without ever blocking the library's
// goroutine; the loop only needs the latest news, and the buffer is far
// larger than what one attempt produces.
func (c *Client) send(s signal) {
	select {
	case c.sig <- s:
	default:
		c.log.Warn("client: connection signal dropped", "kind", s.kind)
	}
}

// listen registers the listeners that live as long as the client: the
// socket's lifecycle and rtkit's resync event.
func (c *Client) listen() {
	_ = c.raw.On("connect", func(...any) {
		n := c.connects.Add(1)
		info := ConnectInfo{ID: c.raw.Id(), Reconnect: n > 1, Recovered: c.raw.Recovered()}
		// Queued from the library's goroutine, so that it runs before the
		// events (the replay) that follow the connection.
		c.queue.push(func() {
			if c.opts.OnConnect != nil {
				c.opts.OnConnect(info)
			}
		})
		c.send(signal{kind: sigConnect})
	})
	_ = c.raw.On("connect_error", func(args ...any) {
		c.send(signal{kind: sigConnectError, err: connectError(args)})
	})
	_ = c.raw.On("disconnect", func(args ...any) {
		reason, _ := firstString(args)
		if reason == "io client disconnect" {
			return // Close, or an abandoned attempt
		}
		c.queue.push(func() {
			if c.opts.OnDisconnect != nil {
				c.opts.OnDisconnect(reason)
			}
		})
		c.send(signal{kind: sigDisconnect, reason: reason})
	})
	_ = c.raw.On(types.EventName(rtkit.ResyncEvent.Name()), func(args ...any) {
		raw, err := payloadJSON(args)
		var r rtkit.Resync
		if err == nil {
			err = json.Unmarshal(raw, &r)
		}
		c.queue.push(func() {
			if err != nil {
				c.invalid(rtkit.ResyncEvent.Name(), rtkit.Errorf(rtkit.CodeValidation, "undecodable payload: %v", err))
				return
			}
			if c.opts.OnResync != nil {
				c.opts.OnResync(r)
			}
		})
	})
}

// firstString returns args[0] as a string.
func firstString(args []any) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	s, ok := args[0].(string)
	return s, ok
}

// attempt makes one connection attempt with the current credentials.
//
// It works around two faults of the Socket.IO Go client (see the package
// documentation): the manager's transport is opened first and the socket
// connected only once it is up, so that the socket's CONNECT is sent once;
// and an attempt whose transport came up unseen by the manager is abandoned
// at once instead of waiting for the library's timeout.
func (c *Client) attempt(ctx context.Context) error {
	for len(c.sig) > 0 { // news of an earlier connection
		<-c.sig
	}
	c.mu.Lock()
	creds := c.creds
	c.mu.Unlock()
	// The socket is inactive between attempts (abandon), so the library
	// reads these only in the goroutines the next Open starts.
	auth := c.raw.Auth()
	clear(auth)
	maps.Copy(auth, creds.auth())
	setHeaders(c.mopts, creds.header())

	// After a lost connection the socket still listens to the manager and
	// would send its CONNECT as soon as the transport opens, before
	// Connect below sends another: the server closes a connection that
	// connects a namespace twice.
	if c.raw.Active() && !c.raw.Connected() {
		c.abandon()
	}
	deadline := time.Now().Add(c.connectTimeout())
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	m := c.raw.Io()
	opened := make(chan error, 1)
	m.Open(func(err error) {
		select {
		case opened <- err:
		default:
		}
	})
	if err := c.waitOpen(ctx, opened); err != nil {
		c.abandon()
		return err
	}
	c.raw.Connect()
	for {
		select {
		case s := <-c.sig:
			switch s.kind {
			case sigConnect:
				c.setUp(true)
				return nil
			case sigConnectError:
				c.abandon()
				return s.err
			case sigDisconnect:
				c.abandon()
				return fmt.Errorf("client: connection lost while connecting (%s)", s.reason)
			}
		case <-ctx.Done():
			c.abandon()
			if c.ctx.Err() != nil {
				return ErrClosed
			}
			return fmt.Errorf("client: no answer to CONNECT within %v: %w", c.connectTimeout(), ctx.Err())
		case <-c.ctx.Done():
			c.abandon()
			return ErrClosed
		}
	}
}

// waitOpen waits for the manager's transport to open.
func (c *Client) waitOpen(ctx context.Context, opened <-chan error) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	var stuckSince time.Time
	for {
		select {
		case err := <-opened:
			if err != nil {
				return fmt.Errorf("client: connection failed: %w", err)
			}
			return nil
		case <-ctx.Done():
			return fmt.Errorf("client: no transport within %v: %w", c.connectTimeout(), ctx.Err())
		case <-c.ctx.Done():
			return ErrClosed
		case <-tick.C:
			// The Go client subscribes to its transport's "open" after
			// starting it and can miss it: the transport is then open while
			// the manager waits for nothing.
			if e := c.raw.Io().Engine(); e != nil && e.ReadyState() == "open" {
				if stuckSince.IsZero() {
					stuckSince = time.Now()
				} else if time.Since(stuckSince) > 200*time.Millisecond {
					return errors.New("client: the Socket.IO client missed its transport's open event")
				}
			}
		}
	}
}

// abandon drops a failed attempt: the socket stops listening to the
// manager and the manager closes its transport and clears its timers, so
// that the next attempt starts clean (and sends a single CONNECT). The
// socket keeps its session (pid, offset).
func (c *Client) abandon() {
	c.raw.Disconnect()
}

// setUp records whether the client is connected.
func (c *Client) setUp(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.up:
		if !up {
			c.up = make(chan struct{})
		}
	default:
		if up {
			close(c.up)
		}
	}
}

// run is the connection loop: it waits for the connection to drop and
// reconnects, until the client ends.
func (c *Client) run() {
	defer c.loop.Done()
	for {
		var reason string
		select {
		case <-c.ctx.Done():
			return
		case s := <-c.sig:
			if s.kind != sigDisconnect {
				continue
			}
			reason = s.reason
		}
		c.setUp(false)
		c.log.Debug("client: disconnected", "namespace", c.nsp, "reason", reason)
		switch {
		case reason == "io server disconnect" && c.opts.Refresh == nil:
			// The server ended the session on purpose: the same
			// credentials would not be welcome again.
			c.end(ErrServerDisconnect)
			return
		case c.opts.NoReconnect:
			c.end(fmt.Errorf("client: connection lost (%s) and reconnection is off", reason))
			return
		}
		if err := c.reconnect(); err != nil {
			c.end(err)
			return
		}
	}
}

// reconnect tries until a connection is up, the client ends, a refusal
// cannot be cured by new credentials, or the attempts run out.
func (c *Client) reconnect() error {
	b := c.opts.Reconnect
	for n := 0; ; n++ {
		if b.MaxAttempts > 0 && n >= b.MaxAttempts {
			return fmt.Errorf("client: gave up after %d reconnection attempts", n)
		}
		if !sleep(c.ctx, b.Delay(n)) {
			return ErrClosed
		}
		if c.opts.Refresh != nil {
			creds, err := c.opts.Refresh(c.ctx)
			if err != nil {
				c.log.Warn("client: refreshing credentials failed", "namespace", c.nsp, "err", err)
				continue
			}
			c.mu.Lock()
			c.creds = creds
			c.mu.Unlock()
		}
		err := c.attempt(c.ctx)
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrClosed) {
			return err
		}
		var ce *ConnectError
		if errors.As(err, &ce) && c.opts.Refresh == nil {
			return err // the same credentials would be refused again
		}
		c.log.Debug("client: reconnection attempt failed", "namespace", c.nsp, "attempt", n+1, "err", err)
	}
}
