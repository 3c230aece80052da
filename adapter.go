package rtkit

import (
	"context"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// Adapter delivers broadcasts between the sockets of one or more server
// processes. The default keeps everything in memory (one process, with
// connection state recovery); package adapter provides Redis ones.
//
// Implementations must be safe for concurrent use.
type Adapter interface {
	// Constructor returns what the Socket.IO server uses to build the
	// adapter of each namespace.
	Constructor() socket.AdapterConstructor
	// State reports whether the adapter can deliver across processes now.
	State(ctx context.Context) AdapterState
	// Close releases the adapter's resources (connections, goroutines). The
	// server calls it last in Shutdown.
	Close(ctx context.Context) error
}

// AdapterState is an adapter's health as reported by Server.Health.
type AdapterState struct {
	// Name identifies the adapter ("memory", "redis-sharded", …).
	Name string `json:"name"`
	// Healthy is false while the adapter cannot deliver to other processes.
	Healthy bool `json:"healthy"`
	// Detail says what is wrong when Healthy is false.
	Detail string `json:"detail,omitempty"`
}

// memoryAdapter is the default: the Socket.IO server's own in-memory
// adapter (session-aware when recovery is on).
type memoryAdapter struct{}

func (memoryAdapter) Constructor() socket.AdapterConstructor { return nil }
func (memoryAdapter) State(context.Context) AdapterState {
	return AdapterState{Name: "memory", Healthy: true}
}
func (memoryAdapter) Close(context.Context) error { return nil }
