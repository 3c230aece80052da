// Package redistest runs a real redis-server for rtkit's tests: one process
// per call, on a free port of 127.0.0.1, without persistence, stopped by its
// PID when the test ends.
package redistest

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Server is a redis-server process a test started.
type Server struct {
	t    testing.TB
	port string
	cmd  *exec.Cmd
}

// Start starts a redis-server for the test. Without the binary the test is
// skipped, or fails when CI or RTKIT_STRICT is set (./.ci/test.sh installs
// it).
func Start(t testing.TB) *Server {
	t.Helper()
	need(t, "redis-server")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	s := &Server{t: t, port: port}
	s.Restart()
	t.Cleanup(s.Stop)
	return s
}

// need skips the test unless every binary is on PATH, or fails it when CI
// or RTKIT_STRICT is set (./.ci/test.sh installs them).
func need(t testing.TB, bins ...string) {
	t.Helper()
	for _, bin := range bins {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" || os.Getenv("RTKIT_STRICT") != "" {
				t.Fatalf("%s is required (./.ci/test.sh installs it)", bin)
			}
			t.Skipf("needs %s (./.ci/test.sh installs it)", bin)
		}
	}
}

// Addr returns "127.0.0.1:PORT".
func (s *Server) Addr() string { return "127.0.0.1:" + s.port }

// URL returns "redis://127.0.0.1:PORT".
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Restart starts the server again on the same port (after Stop) and waits
// until it answers.
func (s *Server) Restart() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", "--port", s.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes")
	require.NoError(s.t, s.cmd.Start())
	waitUp(s.t, s.Addr())
}

// waitUp waits until the redis-server at addr answers.
func waitUp(t testing.TB, addr string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer func() { _ = rdb.Close() }()
	require.Eventually(t, func() bool { return rdb.Ping(context.Background()).Err() == nil },
		5*time.Second, 20*time.Millisecond, "redis-server %s did not start", addr)
}

// Stop kills the process the test started, by its PID, and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Client returns a go-redis client of s, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}
