package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// maxFrame bounds one incoming websocket frame: a notification is about
// 230 bytes, so anything near this is a server gone wrong, and the socket
// is dropped (its deliveries then show as missing) rather than buffered.
const maxFrame = 64 << 10

// errNamespaceClosed is what a socket's read loop ends with when the server
// disconnects the namespace or closes the Engine.IO session.
var errNamespaceClosed = errors.New("pairgen: the server closed the socket")

// dialer is shared by every socket: small buffers, since a broadcast's
// frame is small and there are thousands of sockets.
var dialer = websocket.Dialer{ReadBufferSize: 4096, WriteBufferSize: 512, HandshakeTimeout: 10 * time.Second}

// sioConn is one Socket.IO v5 socket on one namespace over an Engine.IO v4
// websocket, speaking only what the /bench contract needs: connect, emit
// without acknowledgement, receive events, answer pings. Incoming events
// are handed over as raw bytes, never JSON-decoded, so that the generator
// spends little of the CPU the servers under test need.
//
// Emit and the read loop may run on different goroutines; the read loop
// is one goroutine.
type sioConn struct {
	ws     *websocket.Conn
	server int // which of the two server URLs it connected to
	evPfx  []byte
	discPf []byte
	rbuf   []byte
	wmu    sync.Mutex // serialises writes: Emit, pongs, Close
	wbuf   []byte
}

// dialSocket opens a websocket to base ("ws://127.0.0.1:PORT"), reads the
// Engine.IO open packet, connects namespace nsp and waits for its CONNECT
// packet, all within ctx.
func dialSocket(ctx context.Context, base, nsp string, server int) (*sioConn, error) {
	ws, resp, err := dialer.DialContext(ctx, base+"/socket.io/?EIO=4&transport=websocket", nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", base, err)
	}
	ws.SetReadLimit(maxFrame)
	c := &sioConn{
		ws:     ws,
		server: server,
		evPfx:  []byte("42" + nsp + ","),
		discPf: []byte("41" + nsp + ","),
		rbuf:   make([]byte, 0, 512),
	}
	if err := c.handshake(ctx, nsp); err != nil {
		_ = ws.Close()
		return nil, fmt.Errorf("%s: %w", base, err)
	}
	return c, nil
}

// handshake reads the open packet and connects the namespace.
func (c *sioConn) handshake(ctx context.Context, nsp string) error {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.ws.SetReadDeadline(dl)
	}
	open, err := c.read()
	if err != nil {
		return fmt.Errorf("waiting for the Engine.IO open packet: %w", err)
	}
	if len(open) == 0 || open[0] != '0' {
		return fmt.Errorf("want an Engine.IO open packet, got %.40q", open)
	}
	if err := c.write([]byte("40" + nsp + ",")); err != nil {
		return err
	}
	ok, refused := []byte("40"+nsp+","), []byte("44"+nsp+",")
	for {
		f, err := c.read()
		if err != nil {
			return fmt.Errorf("waiting for the namespace CONNECT: %w", err)
		}
		switch {
		case bytes.HasPrefix(f, ok):
			return c.ws.SetReadDeadline(time.Time{})
		case bytes.HasPrefix(f, refused):
			return fmt.Errorf("namespace %s refused: %.200s", nsp, f)
		case len(f) == 1 && f[0] == '2':
			if err := c.write([]byte{'3'}); err != nil {
				return err
			}
		}
	}
}

// read returns the next whole frame, in a buffer reused by the next read.
func (c *sioConn) read() ([]byte, error) {
	_, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	b := c.rbuf[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			c.rbuf = b
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (c *sioConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// emit sends event with one JSON argument and no acknowledgement.
func (c *sioConn) emit(event string, arg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := append(c.wbuf[:0], c.evPfx...)
	b = strconv.AppendQuote(append(b, '['), event)
	b = append(append(append(b, ','), arg...), ']')
	c.wbuf = b
	// A server that stops reading must not hold the run past its bounds.
	if err := c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// readLoop hands every event of the namespace (its JSON array, raw) to
// onEvent until the connection fails, is closed, or the server closes the
// socket. onEvent must not keep the slice.
func (c *sioConn) readLoop(onEvent func(server int, event []byte)) error {
	for {
		f, err := c.read()
		if err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(f, c.evPfx):
			onEvent(c.server, f[len(c.evPfx):])
		case len(f) == 1 && f[0] == '2':
			if err := c.write([]byte{'3'}); err != nil {
				return err
			}
		case bytes.HasPrefix(f, c.discPf), len(f) == 1 && f[0] == '1':
			return errNamespaceClosed
		}
	}
}

// close sends a close frame (bounded by a short deadline) and closes the
// connection, which ends its read loop.
func (c *sioConn) close() {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.wmu.Unlock()
	_ = c.ws.Close()
}
