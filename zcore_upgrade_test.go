package rtkit

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUpgradeWriterForgetsWriterOnceHijacked drives a real HTTP server:
// the wrapper is used for upgrade requests only, passes the connection
// through, and behaves as a hijacked writer afterwards.
func TestUpgradeWriterForgetsWriterOnceHijacked(t *testing.T) {
	type seen struct {
		wrapped    bool
		dropped    bool
		writeErr   error
		hijackErr  error
		headerOK   bool
		hijackConn bool
	}
	got := make(chan seen, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := releaseAfterUpgrade(w, r)
		u, ok := rw.(*upgradeWriter)
		if !ok {
			got <- seen{}
			http.Error(w, "plain", http.StatusTeapot)
			return
		}
		c, brw, err := u.Hijack()
		if err != nil {
			got <- seen{wrapped: true, hijackErr: err}
			return
		}
		defer c.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: close\r\n\r\n")
		_ = brw.Flush()
		s := seen{wrapped: true, hijackConn: c != nil}
		u.mu.Lock()
		s.dropped = u.w == nil
		u.mu.Unlock()
		_, s.writeErr = u.Write([]byte("x"))
		u.WriteHeader(http.StatusOK) // no effect, no panic
		u.Header().Set("X-Test", "1")
		s.headerOK = u.Header().Get("X-Test") == "1"
		_, _, s.hijackErr = u.Hijack()
		got <- s
	}))
	defer ts.Close()

	// A plain request is served with the original writer.
	resp, err := http.Get(ts.URL)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusTeapot, resp.StatusCode)
	assert.False(t, (<-got).wrapped)

	// An upgrade request gets the wrapper.
	conn, err := net.DialTimeout("tcp", ts.Listener.Addr().String(), 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
	require.NoError(t, err)
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Contains(t, line, "101")

	s := <-got
	assert.True(t, s.wrapped)
	assert.True(t, s.hijackConn)
	assert.True(t, s.dropped, "the wrapped writer is forgotten")
	assert.True(t, errors.Is(s.writeErr, http.ErrHijacked), "write after hijack: %v", s.writeErr)
	assert.True(t, s.headerOK, "a detached header works after hijack")
	assert.True(t, errors.Is(s.hijackErr, http.ErrHijacked), "second hijack: %v", s.hijackErr)
}
