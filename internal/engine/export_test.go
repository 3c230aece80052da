package engine

import (
	"context"
	"testing"
	"time"
)

// SetProbeNoopDelay sets how long a GET waits during an answered probe
// before its noop, for tests that need a longer wait than the default to
// observe the GET still waiting; call it before the first connection.
func SetProbeNoopDelay(s *Server, d time.Duration) { s.cfg.probeNoopDelay = d }

// SetLingerTimeout sets how long a websocket closed gracefully waits for
// its client to close its side; call it before the first connection.
func SetLingerTimeout(s *Server, d time.Duration) { s.cfg.lingerTimeout = d }

// ProbeNoopDelay is the default of SetProbeNoopDelay.
const ProbeNoopDelay = probeNoopDelay

// CloseForTest closes s and fails the test when s did not end everything
// it ran within ten seconds.
func CloseForTest(t testing.TB, s *Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Errorf("engine: Close: %v", err)
	}
}

// GetWaiting reports whether a long-polling GET of c is waiting.
func GetWaiting(c *Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.poll.getActive
}
