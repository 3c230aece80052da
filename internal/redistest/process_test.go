package redistest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A redis-server whose port another server holds exits; launch reports it
// rather than take the other server, which answers on that port, for its
// own.
func TestLaunchRefusesAnotherProcessServer(t *testing.T) {
	other := Start(t)
	p := launch(t, other.Addr(), "--port", other.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if p != nil {
		p.kill()
	}
	require.Nil(t, p, "the second server could not bind the port")
	assert.NoError(t, other.Client(t).Ping(t.Context()).Err(), "the first one still serves")
}

// Stop and Restart keep the port.
func TestRestartKeepsThePort(t *testing.T) {
	s := Start(t)
	addr := s.Addr()
	s.Stop()
	s.Restart()
	assert.Equal(t, addr, s.Addr())
	assert.NoError(t, s.Client(t).Ping(t.Context()).Err())
}
