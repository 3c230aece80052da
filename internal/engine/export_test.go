package engine

import "time"

// SetProbeNoopDelay sets how long a GET waits during an answered probe
// before its noop, for tests that need a longer wait than the default to
// observe the GET still waiting; call it before the first connection.
func SetProbeNoopDelay(s *Server, d time.Duration) { s.cfg.probeNoopDelay = d }

// ProbeNoopDelay is the default of SetProbeNoopDelay.
const ProbeNoopDelay = probeNoopDelay

// GetWaiting reports whether a long-polling GET of c is waiting.
func GetWaiting(c *Conn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.poll.getActive
}
