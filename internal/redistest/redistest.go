// Package redistest runs a real redis-server for rtkit's tests: one process
// per call, on a free port of 127.0.0.1, without persistence, stopped by its
// PID when the test ends. redis-server binds its port itself, so a port
// found free may be taken before it does: a server that cannot bind is
// started again on another port, and a server is used only once it
// answers with its own PID, never another process's server on that port.
package redistest

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process a test started.
type Server struct {
	t    testing.TB
	port string
	proc *process // nil when stopped
}

// Start starts a redis-server for the test. Without the binary the test is
// skipped, or fails when CI or RTKIT_STRICT is set (./.ci/test.sh installs
// it).
func Start(t testing.TB) *Server {
	t.Helper()
	need(t, "redis-server")
	s := &Server{t: t}
	t.Cleanup(s.Stop)
	for range startTries {
		s.port = freePort(t)
		if s.proc = s.launch(); s.proc != nil {
			return s
		}
	}
	t.Fatalf("redis-server could not bind a free port in %d tries", startTries)
	return nil
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
// until it answers. It fails the test if another process took the port
// while the server was stopped.
func (s *Server) Restart() {
	s.t.Helper()
	if s.proc = s.launch(); s.proc == nil {
		s.t.Fatalf("redis-server could not bind %s again: another process took it", s.Addr())
	}
}

func (s *Server) launch() *process {
	s.t.Helper()
	return launch(s.t, s.Addr(), "--port", s.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--protected-mode", "yes")
}

// Stop kills the process the test started, by its PID, and waits for it.
func (s *Server) Stop() {
	if s.proc == nil {
		return
	}
	s.proc.kill()
	s.proc = nil
}

// Freeze stops the server's process with SIGSTOP, by its PID: its port
// still accepts connections (the kernel completes them) but nothing is
// answered, as from a Redis that hangs. Thaw resumes it; so does the end
// of the test, before Stop.
func (s *Server) Freeze() {
	s.t.Helper()
	if s.proc == nil {
		s.t.Fatal("redistest: Freeze: server stopped")
	}
	if err := s.proc.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("redistest: SIGSTOP: %v", err)
	}
	s.t.Cleanup(s.Thaw)
}

// Thaw resumes a server stopped by Freeze (SIGCONT, by its PID); it does
// nothing to a server that is not frozen.
func (s *Server) Thaw() {
	if s.proc != nil {
		_ = s.proc.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// Client returns a go-redis client of s, closed when the test ends. It is
// created without ContextTimeoutEnabled, so that the tests using it run
// commands through the packages' own bound for such a client
// (internal/redisdeadline, a goroutine per command); tests of a
// Redis that hangs run with both kinds (ForEachDeadlineMode).
func (s *Server) Client(t testing.TB) *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// ForEachDeadlineMode runs f as two subtests, each with a redis-server of
// its own and a client of it: one created with ContextTimeoutEnabled,
// whose commands end at their context's deadline, and one without it,
// whose wait for a reply only its ReadTimeout bounds. Tests of a Redis
// that hangs (Freeze) run against both.
func ForEachDeadlineMode(t *testing.T, f func(t *testing.T, s *Server, rdb *redis.Client)) {
	for _, mode := range []struct {
		name       string
		ctxTimeout bool
	}{{"ContextTimeoutEnabled", true}, {"WithoutContextTimeout", false}} {
		t.Run(mode.name, func(t *testing.T) {
			s := Start(t)
			rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), ContextTimeoutEnabled: mode.ctxTimeout})
			t.Cleanup(func() { _ = rdb.Close() })
			f(t, s, rdb)
		})
	}
}

// HangTimeout is the Timeout option the tests of a Redis that hangs give
// the package under test, and HangBound a sanity bound on what it bounds:
// well above it, well below go-redis's own ReadTimeout (5 s), which bounds
// a command of a client that ignores deadlines. Neither is a speed goal.
const (
	HangTimeout = 300 * time.Millisecond
	HangBound   = 2 * time.Second
)

// FailsWithin runs op, one operation named what, against a Redis that
// hangs (Freeze): the test fails at once unless op returns an error, and
// fails unless op returned within HangBound. It returns op's error.
func FailsWithin(t testing.TB, what string, op func() error) error {
	t.Helper()
	began := time.Now()
	err := op()
	took := time.Since(began)
	if err == nil {
		t.Fatalf("%s succeeded while Redis hangs", what)
	}
	if took >= HangBound {
		t.Errorf("%s took %v: not bounded by the Timeout option (%v), only by go-redis's ReadTimeout", what, took, HangTimeout)
	}
	t.Logf("%s failed after %v: %v", what, took.Round(time.Millisecond), err)
	return err
}
