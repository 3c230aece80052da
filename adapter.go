package rtkit

import "context"

// Adapter delivers broadcasts between the sockets of one or more server
// processes. The default keeps everything in memory (one process, with
// connection state recovery); package adapter provides Redis ones.
//
// The interface holds only what every adapter offers; how an adapter
// delivers is between it and the server core (package adapter's Redis
// adapters run on the default core only, until rtkit's own adapter
// interface replaces theirs). An adapter that also implements ServerLink
// lets the servers ask each other (EmitWithAcks, Rooms.Count, …).
//
// Implementations must be safe for concurrent use.
type Adapter interface {
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

func (memoryAdapter) State(context.Context) AdapterState {
	return AdapterState{Name: "memory", Healthy: true}
}
func (memoryAdapter) Close(context.Context) error { return nil }
