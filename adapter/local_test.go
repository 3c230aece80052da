package adapter_test

import (
	"context"
	"time"

	"github.com/rtkit-go/rtkit"
)

// recorder is a LocalNamespace standing for the rtkit server's side of a
// namespace in the tests of the adapter alone: it records what other
// servers ask, and answers as rtkit does (one acknowledgement envelope).
type recorder struct {
	calls   chan call
	sockets []rtkit.RemoteSocket
}

// call is one request of another server.
type call struct {
	op    string // deliver, join, leave, disconnect, event, acks
	args  []any
	sel   rtkit.Selection
	rooms []string
	close bool
}

func newRecorder(sockets ...rtkit.RemoteSocket) *recorder {
	return &recorder{calls: make(chan call, 256), sockets: sockets}
}

func (r *recorder) next(d time.Duration) (call, bool) {
	select {
	case c := <-r.calls:
		return c, true
	case <-time.After(d):
		return call{}, false
	}
}

func (r *recorder) Deliver(p rtkit.Packet, sel rtkit.Selection) {
	r.calls <- call{op: "deliver", args: p.Args, sel: sel}
}

func (r *recorder) Join(sel rtkit.Selection, rooms []string) {
	r.calls <- call{op: "join", sel: sel, rooms: rooms}
}

func (r *recorder) Leave(sel rtkit.Selection, rooms []string) {
	r.calls <- call{op: "leave", sel: sel, rooms: rooms}
}

func (r *recorder) Disconnect(sel rtkit.Selection, closeConn bool) {
	r.calls <- call{op: "disconnect", sel: sel, close: closeConn}
}

func (r *recorder) Sockets(rtkit.Selection) []rtkit.RemoteSocket { return r.sockets }

func (r *recorder) ServerEvent(_ context.Context, args []any, ack func([]any)) {
	r.calls <- call{op: "event", args: args}
	if ack != nil {
		go ack([]any{map[string]any{"success": true, "data": map[string]any{"pid": 1}}})
	}
}

func (r *recorder) BroadcastWithAck(_ context.Context, p rtkit.Packet, sel rtkit.Selection, onCount func(int), onAnswer func(rtkit.AckAnswer)) {
	r.calls <- call{op: "acks", args: p.Args, sel: sel}
	go func() {
		onCount(1)
		onAnswer(rtkit.AckAnswer{Socket: "rtkit-1", Args: []any{map[string]any{"n": 7}}})
	}()
}
