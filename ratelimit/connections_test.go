package ratelimit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/ratelimit"
	"github.com/rtkit-go/rtkit/rtkittest"
)

func TestConcurrentConnectionsPerAddress(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Connections(ratelimit.ConnConfig{PerAddress: 2})))
	a := ts.Dial(t, "/rl")
	ts.Dial(t, "/rl")
	_, err := ts.TryDial(t, "/rl")
	var ce *rtkittest.ConnectError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "TOO_MANY_CONNECTIONS", ce.Code)

	a.Close()
	require.Eventually(t, func() bool {
		c, err := ts.TryDial(t, "/rl")
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 3*time.Second, 20*time.Millisecond, "a closed socket frees its slot")
}

func TestConcurrentConnectionsPerUser(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Connections(ratelimit.ConnConfig{PerUser: 1, UserKey: userFromAuth})))
	ts.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "ada"}))
	_, err := ts.TryDial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "ada"}))
	var ce *rtkittest.ConnectError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "TOO_MANY_CONNECTIONS", ce.Code)
	ts.Dial(t, "/rl", rtkittest.WithAuth(map[string]any{"user": "bob"}))
}

func TestNewConnectionsPerAddress(t *testing.T) {
	ts := start(t, newNamespace(ratelimit.Connections(ratelimit.ConnConfig{NewPerAddress: ratelimit.PerMinute(3)})))
	for range 3 {
		ts.Dial(t, "/rl").Close()
	}
	_, err := ts.TryDial(t, "/rl")
	var ce *rtkittest.ConnectError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "RATE_LIMITED", ce.Code)
}
