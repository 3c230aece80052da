package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShortSoak is the soak in small: 300 sockets, mixed workload for 5 s,
// server in this process. The verdict must pass.
func TestShortSoak(t *testing.T) {
	raiseFileLimit()
	var out strings.Builder
	ok, err := runSoak(context.Background(), config{sockets: 300, duration: 5 * time.Second, sample: time.Second,
		every: time.Second, inProcess: true}, &out)
	t.Log("\n" + out.String())
	require.NoError(t, err)
	assert.True(t, ok, "verdict")
}

// TestConnectionStorm opens 1,000 connections at once, without and with a
// per-address limit on new connections: every one is accepted or refused
// with the documented code, and the server serves a new client right
// after and lets every socket go.
func TestConnectionStorm(t *testing.T) {
	raiseFileLimit()
	for _, limit := range []int{0, 100} {
		tg, err := startTarget(config{inProcess: true, newConnsPerSecond: limit})
		require.NoError(t, err)
		var out strings.Builder
		ok, err := stormCheck(context.Background(), tg, 1000, &out)
		t.Log(out.String())
		require.NoError(t, err)
		assert.True(t, ok, "verdict with limit %d", limit)
		if limit > 0 {
			assert.Contains(t, out.String(), "refused with RATE_LIMITED")
		}
		require.NoError(t, tg.stop())
	}
}
