package rtkit_test

import (
	"testing"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/internal/chaos"
)

// TestChaosRecoveryOneNode: the server emits 1..N to a room every 2 ms
// while each official JavaScript client drops its transport at least ten
// times; every client gets every number once, in order, and every
// reconnect is recovered.
func TestChaosRecoveryOneNode(t *testing.T) {
	for _, mode := range chaos.Modes {
		polling := mode.Polling
		t.Run(mode.Name, func(t *testing.T) {
			chaos.Node(t)
			ns := chaos.Namespace()
			ts := startWithNamespace(t, ns)
			cfg := chaos.Default(polling, ts.URL)
			results := chaos.Run(t, cfg, func(n int) error {
				return rtkit.Emit(ns.To("feed"), chaos.TickEvent, chaos.Tick{N: n})
			})
			chaos.Verify(t, cfg, results)
		})
	}
}
