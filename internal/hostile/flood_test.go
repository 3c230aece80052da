package hostile_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit/internal/hostile"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestFloodIsLimited floods the server with acknowledged events from one
// socket and unacknowledged ones from another: the first gets an answer
// for every event (RATE_LIMITED beyond the budget), the second at most one
// "error" per wait, and a bystander's latency stays low throughout.
func TestFloodIsLimited(t *testing.T) {
	s := start(t, func(c *hostile.Config) { c.EventsPerSecond = 10; c.DisconnectAfter = 1000 })
	bystander := s.dial(t, user())

	acked, _ := s.join(t)
	silent, _ := s.join(t)
	for i := 1; i <= 200; i++ {
		acked.Send(fmt.Sprintf(`42/app,%d["echo",{"text":"x"}]`, i))
		silent.Send(`42/app,["echo",{"text":"x"}]`)
	}
	limited, ok := 0, 0
	for limited+ok < 200 {
		f := acked.Read()
		if strings.HasPrefix(f, "43/app,") {
			switch code := ackCode(t, f[strings.Index(f, "["):]); code {
			case "":
				ok++
			case "RATE_LIMITED":
				limited++
			default:
				t.Fatalf("unexpected code %s", code)
			}
		}
	}
	errs := 0
	for {
		f, err := silent.TryRead(time.Second)
		if err != nil {
			break
		}
		if strings.Contains(f, `"error"`) {
			errs++
		}
	}
	t.Logf("acked flood of 200: %d served, %d RATE_LIMITED; unacked flood of 200: %d error events", ok, limited, errs)
	assert.GreaterOrEqual(t, ok, 10, "the burst is served")
	assert.LessOrEqual(t, ok, 12, "the burst is bounded by the limit")
	assert.GreaterOrEqual(t, errs, 1, "a client without acks is told to wait")
	assert.LessOrEqual(t, errs, 2, "a client without acks is told once per wait")

	begin := time.Now()
	s.healthy(t, bystander)
	assert.Less(t, time.Since(begin), 3*time.Second, "the bystander is served without delay")
}

// TestFloodEndsInDisconnection keeps sending past the limit, one event at
// a time: after the configured run of refusals the socket is disconnected.
func TestFloodEndsInDisconnection(t *testing.T) {
	s := start(t, func(c *hostile.Config) { c.EventsPerSecond = 5; c.DisconnectAfter = 30 })
	c, _ := s.join(t)
	limited := 0
	for i := 1; i <= 100; i++ {
		c.Send(fmt.Sprintf(`42/app,%d["echo",{"text":"x"}]`, i))
		f, err := c.TryRead(3 * time.Second)
		for err == nil && !strings.HasPrefix(f, "43/app,") && !strings.HasPrefix(f, "41/app,") {
			f, err = c.TryRead(3 * time.Second)
		}
		if err != nil || strings.HasPrefix(f, "41/app,") {
			break
		}
		if ackCode(t, f[strings.Index(f, "["):]) == "RATE_LIMITED" {
			limited++
		}
	}
	t.Logf("disconnected after %d refusals", limited)
	assert.InDelta(t, 30, limited, 1, "disconnected after the configured run of refusals")
}

// TestConnectionStormFromOneAddress opens connections as fast as one
// address can with the per-address limit on: the excess is refused with
// RATE_LIMITED, and the server goes on serving.
func TestConnectionStormFromOneAddress(t *testing.T) {
	s := start(t, func(c *hostile.Config) { c.NewConnsPerSecond = 20 })
	accepted, limited := 0, 0
	begin := time.Now()
	for range 60 {
		c, err := s.TryDial(t, hostile.Namespace, rtkittest.WithAuth(map[string]any{"token": token(user())}))
		if err != nil {
			var ce *rtkittest.ConnectError
			require.ErrorAs(t, err, &ce)
			require.Equal(t, "RATE_LIMITED", ce.Code)
			limited++
			continue
		}
		accepted++
		c.Close()
	}
	elapsed := time.Since(begin)
	t.Logf("60 connections in %v: %d accepted, %d RATE_LIMITED", elapsed.Round(time.Millisecond), accepted, limited)
	// A burst of 20, then 20 a second: no more than that gets in, however
	// long the dials took; and at least the burst does.
	allowed := 20 + int(20*elapsed.Seconds()) + 1
	assert.LessOrEqual(t, accepted, allowed, "at most the burst and the refill are accepted")
	assert.Equal(t, 60, accepted+limited)
	assert.GreaterOrEqual(t, accepted, 15)
	if elapsed < time.Second {
		assert.GreaterOrEqual(t, limited, 19, "within a second, most of the excess is refused")
	}
}
