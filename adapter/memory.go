package adapter

import (
	"context"

	"github.com/rtkit-go/rtkit"
)

// Memory returns the in-memory adapter: every broadcast stays in this
// process. It is what an rtkit server uses without WithAdapter, and the
// only adapter with connection state recovery (the server picks its
// session-aware form when recovery is on). It is safe for concurrent use.
func Memory() rtkit.Adapter { return memory{} }

type memory struct{}

var _ rtkit.Adapter = memory{}

func (memory) State(context.Context) rtkit.AdapterState {
	return rtkit.AdapterState{Name: "memory", Healthy: true}
}

func (memory) Close(context.Context) error { return nil }
