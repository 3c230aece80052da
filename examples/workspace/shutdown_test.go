package main

import (
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGracefulShutdown runs the binary, keeps a socket connected and a
// REST request in flight (its body half sent), sends SIGTERM, and checks
// that the request still completes, the socket is disconnected and the
// process exits with status 0 well within 10 s.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	p := startProc(t, "app", nil)
	u := signUp(t, p.testApp(), "ann@example.com")
	c := p.sio().Dial(t, "/notifications", withToken(u.Token))

	body, feed := io.Pipe()
	req, err := http.NewRequest("POST", p.URL+"/api/documents", body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+u.Token)
	req.Header.Set("Content-Type", "application/json")
	answered := make(chan *http.Response, 1)
	go func() {
		res, err := testHTTP.Do(req)
		if err != nil {
			answered <- nil
			return
		}
		_ = res.Body.Close()
		answered <- res
	}()
	_, err = feed.Write([]byte(`{"title": "written during shutdown", `))
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond) // the server is reading the body

	start := time.Now()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.Eventually(t, func() bool { return !c.Connected() }, 5*time.Second, 10*time.Millisecond,
		"the socket is disconnected")
	time.Sleep(100 * time.Millisecond)
	select {
	case <-p.done:
		t.Fatal("the process exited with a request in flight")
	default:
	}
	_, err = feed.Write([]byte(`"content": "x"}`))
	require.NoError(t, err)
	require.NoError(t, feed.Close())
	res := <-answered
	require.NotNil(t, res, "the in-flight request got an answer")
	assert.Equal(t, http.StatusCreated, res.StatusCode)

	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGTERM")
	}
	assert.Equal(t, 0, p.cmd.ProcessState.ExitCode())
	assert.True(t, p.logged("workspace: stopped cleanly"))
	t.Logf("exit status %d, %v after SIGTERM", p.cmd.ProcessState.ExitCode(), time.Since(start).Round(time.Millisecond))
}

// TestInvalidConfigurationStops checks that the binary refuses to start on
// an invalid variable, naming it.
func TestInvalidConfigurationStops(t *testing.T) {
	t.Parallel()
	out, err := runBinary(t, "SOCKET_RATE_LIMIT=lots", "SESSION_TTL=1ms")
	require.Error(t, err)
	assert.Contains(t, out, "SOCKET_RATE_LIMIT")
	assert.Contains(t, out, "SESSION_TTL")
}

// TestListenFDsWithoutSocketStops checks that LISTEN_FDS=1 without an
// inherited socket stops the binary at start, saying so, instead of
// serving on whatever else descriptor 3 might be.
func TestListenFDsWithoutSocketStops(t *testing.T) {
	t.Parallel()
	out, err := runBinary(t, "LISTEN_FDS=1", "DATA_DIR="+t.TempDir())
	require.Error(t, err)
	assert.Contains(t, out, "workspace: cannot start")
	assert.Contains(t, out, "LISTEN_FDS=1: ")
	assert.NotContains(t, out, "workspace: listening")
}
