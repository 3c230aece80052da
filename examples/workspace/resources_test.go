package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/examples/workspace/internal/realtime"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// One client address holds at most CONNECTIONS_PER_ADDRESS connections:
// bare websockets that never join a namespace included, while other
// addresses still get in. (Seen: 20,600 bare websockets from one address
// took every file descriptor; sign-ins timed out for 25 s.)
func TestConnectionsPerAddress(t *testing.T) {
	t.Parallel()
	const max = 10
	ta := startApp(t, map[string]string{"CONNECTIONS_PER_ADDRESS": "10"})
	dialer := &websocket.Dialer{
		NetDial:          (&net.Dialer{LocalAddr: otherAddress, Timeout: 5 * time.Second}).Dial,
		HandshakeTimeout: 5 * time.Second,
	}
	wsURL := "ws" + strings.TrimPrefix(ta.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	var held []*websocket.Conn
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	refused := 0
	for range 3 * max {
		c, res, err := dialer.Dial(wsURL, nil)
		if res != nil {
			_ = res.Body.Close()
		}
		if err != nil {
			refused++
			continue
		}
		held = append(held, c)
	}
	assert.Len(t, held, max, "websockets open from one address")
	assert.Equal(t, 2*max, refused)

	// Another address signs up and connects meanwhile.
	u := signUp(t, ta, "ann@example.com")
	ta.sio().Dial(t, "/notifications", withToken(u.Token))

	// Closed connections give their slots back.
	for _, c := range held {
		_ = c.Close()
	}
	held = nil
	require.Eventually(t, func() bool {
		c, res, err := dialer.Dial(wsURL, nil)
		if res != nil {
			_ = res.Body.Close()
		}
		if err != nil {
			return false
		}
		held = append(held, c)
		return true
	}, 10*time.Second, 50*time.Millisecond, "a new connection once the others closed")
}

// Sockets are limited per user (SOCKETS_PER_USER) and new ones per
// address (SOCKET_CONNECT_RATE_LIMIT) with ratelimit.Connections.
func TestSocketConnectionLimits(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SOCKETS_PER_USER": "2"})
	u := signUp(t, ta, "ann@example.com")
	first := ta.sio().Dial(t, "/notifications", withToken(u.Token))
	ta.sio().Dial(t, "/documents", withToken(u.Token))
	ce := refusal(t, ta, "/documents", withToken(u.Token))
	assert.Equal(t, "TOO_MANY_CONNECTIONS", ce.Code)
	other := signUp(t, ta, "bob@example.com")
	ta.sio().Dial(t, "/documents", withToken(other.Token)) // another user
	first.Close()
	require.Eventually(t, func() bool {
		c, err := ta.sio().TryDial(t, "/documents", withToken(u.Token))
		if c != nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "a slot comes back when a socket goes")

	tb := startApp(t, map[string]string{"SOCKET_CONNECT_RATE_LIMIT": "3/1h"})
	v := signUp(t, tb, "ann@example.com")
	for range 3 {
		tb.sio().Dial(t, "/notifications", withToken(v.Token))
	}
	ce = refusal(t, tb, "/notifications", withToken(v.Token))
	assert.Equal(t, "RATE_LIMITED", ce.Code)
}

// Every phase of an HTTP request is bounded: a slow body, an idle
// keep-alive connection and a client that does not read its response are
// cut off; a websocket, once upgraded, is not. (Seen: slow bodies and
// idle keep-alives held for 72 s and more.)
func TestHTTPTimeouts(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HTTP_READ_TIMEOUT": "1s", "HTTP_WRITE_TIMEOUT": "1s", "HTTP_IDLE_TIMEOUT": "1s"})
	addr := strings.TrimPrefix(ta.URL, "http://")
	// Each check waits up to closeWithin for the server to close; the
	// limits are 1 s, so only a server that never closes fails.
	const closeWithin = 20 * time.Second

	t.Run("slow body", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "POST /api/auth/sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
		require.NoError(t, err)
		stop := make(chan struct{})
		defer close(stop)
		go func() { // one byte every 100 ms, until the server is gone
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := io.WriteString(conn, " "); err != nil {
					return
				}
			}
		}()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(closeWithin)))
		_, err = io.ReadAll(conn) // a 400 "could not read the body", then the close
		assert.False(t, isTimeout(err), "the server still reads a slow body after %v", closeWithin)
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		_, err = io.WriteString(conn, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(closeWithin)))
		_, err = br.ReadByte()
		assert.ErrorIs(t, err, io.EOF, "the server keeps an idle connection open after %v", closeWithin)
	})

	t.Run("unread response", func(t *testing.T) {
		// 3 s, so that the response is usually under way at the deadline.
		ta := startApp(t, map[string]string{"HTTP_WRITE_TIMEOUT": "3s", "DOCUMENT_BYTES_QUOTA": "100000000"})
		u := signUp(t, ta, "reader@example.com")
		big := strings.Repeat("𝄞", 100_000) // 400 kB
		for range 40 {
			require.Equal(t, http.StatusCreated, call(t, "POST", ta.URL+"/api/documents", u.Token, map[string]any{"title": "t", "content": big}).Status)
		}
		conn, err := net.Dial("tcp", strings.TrimPrefix(ta.URL, "http://"))
		require.NoError(t, err)
		defer conn.Close()
		const chunk = 64 << 10
		require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(chunk))
		_, err = io.WriteString(conn, "GET /api/documents?limit=100 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+u.Token+"\r\n\r\n")
		require.NoError(t, err)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(2*time.Minute)))
		res, err := http.ReadResponse(bufio.NewReaderSize(conn, chunk), nil)
		if err != nil {
			// The deadline passed before the first byte went out (the
			// 40 MB take a while to encode under the race detector).
			t.Logf("no response: %v", err)
			assert.False(t, isTimeout(err), "no answer and no close after two minutes")
			return
		}
		// Read at most 64 kB every 50 ms (1.3 MB/s): by its deadline, 3 s
		// after the request, the server can have written what the socket
		// buffers hold (4 MB here) and what was read meanwhile (4 MB), far
		// from the 16 MB of the response. Then it gives up and closes.
		total, buf := 0, make([]byte, chunk)
		for {
			n, err := res.Body.Read(buf)
			total += n
			if err != nil {
				t.Logf("read %d bytes, then: %v", total, err)
				assert.NotErrorIs(t, err, io.EOF, "the whole response arrived: the server waited for a client that does not read")
				assert.False(t, isTimeout(err), "still writing after two minutes")
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		assert.Less(t, total, 16_000_000, "the response was cut off")
	})

	t.Run("websocket outlives the timeouts", func(t *testing.T) {
		u := signUp(t, ta, "ws@example.com")
		c := ta.sio().Dial(t, "/documents", withToken(u.Token))
		time.Sleep(3 * time.Second) // past all three timeouts
		_, werr := rtkittest.Call(ctxFor(t, 10*time.Second), c, realtime.DocumentSubscribe, realtime.DocumentRef{DocumentID: [16]byte{1}})
		require.NotNil(t, werr)
		assert.Equal(t, "NOT_FOUND", string(werr.Code), "the socket still answers")
	})
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
