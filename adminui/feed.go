package adminui

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtkit-go/rtkit"
)

// The live updates (development mode): what happens to this server's
// sockets, queued by the hooks and sent every flushDelay to the UIs
// connected here and, while a UI connected to another server watches, to
// the other servers, which hand them to their UIs. The queue is bounded in
// updates and bytes: a burst beyond the bound is dropped (and logged),
// and the UI catches up with the next socket list, two seconds later at
// most.

// Bounds of the live updates.
const (
	// flushDelay is how long an update waits for others to share its
	// batch.
	flushDelay = 100 * time.Millisecond
	// maxBatch and maxBatchBytes bound one batch: 2,000 updates and
	// 1.25 MiB a second at most, towards each UI.
	maxBatch      = 200
	maxBatchBytes = 128 << 10
	// maxUpdateBytes bounds one update (a room name, an event's
	// arguments): a bigger one is not sent live.
	maxUpdateBytes = 16 << 10
	// remoteLease is how long a statistics request from another server
	// (sent every two seconds while a UI is connected there) keeps this
	// server sending its updates to the others.
	remoteLease = 3 * reportEvery
)

// update is one live update: an event of the admin namespace with its
// arguments, as the UI reads them.
type update struct {
	Event string `json:"event" jsonschema:"enum=socket_connected,enum=socket_updated,enum=socket_disconnected,enum=room_joined,enum=room_left,enum=event_received,enum=event_sent"`
	Args  []any  `json:"args" jsonschema:"maxItems=5"`
}

// updateBatch carries one server's updates to the others.
type updateBatch struct {
	Updates []update `json:"updates" jsonschema:"maxItems=200"`
}

// updatesEvent is the server event that carries them.
var updatesEvent = rtkit.NewEvent[updateBatch, rtkit.NoAck]("adminui:updates",
	rtkit.Summary("Live updates of a server's sockets, for the Admin UIs connected to the others"))

// feed queues and sends the live updates of one Admin.
type feed struct {
	a *Admin
	// remoteUntil is when the last request of another server's UI lapses
	// (Unix nanoseconds).
	remoteUntil atomic.Int64
	// full is set while the batch is at its bound: the hooks drop their
	// updates without building them (a broadcast to many sockets reports
	// each of them).
	full atomic.Bool

	mu        sync.Mutex
	pending   []update
	bytes     int
	scheduled bool // a flush is due or running
	// dropped counts the updates dropped since the last flush.
	dropped atomic.Int64
}

// watchedElsewhere reports whether a UI connected to another server
// watches this one.
func (f *feed) watchedElsewhere() bool { return time.Now().UnixNano() < f.remoteUntil.Load() }

// drop counts an update the batch has no room for.
func (f *feed) drop() { f.dropped.Add(1) }

// push queues an update, or drops it when the batch is full.
func (f *feed) push(event string, args ...any) {
	if f.full.Load() {
		f.drop()
		return
	}
	size := weigh(args, maxUpdateBytes)
	f.mu.Lock()
	defer f.mu.Unlock()
	if size > maxUpdateBytes || len(f.pending) >= maxBatch || f.bytes+size > maxBatchBytes {
		f.drop()
		f.full.Store(len(f.pending) >= maxBatch || f.bytes >= maxBatchBytes-maxUpdateBytes)
		return
	}
	f.pending = append(f.pending, update{Event: event, Args: args})
	f.bytes += size
	if !f.scheduled {
		f.scheduled = true
		time.AfterFunc(flushDelay, f.flush)
	}
}

// flush sends the queued updates; one flush runs at a time, and updates
// queued meanwhile wait for the next.
func (f *feed) flush() {
	f.mu.Lock()
	batch := f.pending
	f.pending, f.bytes = nil, 0
	f.full.Store(false)
	f.mu.Unlock()
	dropped := f.dropped.Swap(0)
	defer func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if len(f.pending) > 0 || f.dropped.Load() > 0 {
			time.AfterFunc(flushDelay, f.flush)
		} else {
			f.scheduled = false
		}
	}()
	log := f.a.ns.Server().Logger()
	if dropped > 0 {
		log.Debug("adminui: live updates dropped (over the bound); the next socket list has them", "dropped", dropped)
	}
	if len(batch) == 0 {
		return
	}
	f.a.deliver(batch)
	if f.watchedElsewhere() {
		ctx, cancel := context.WithTimeout(context.Background(), askWait)
		defer cancel()
		if _, err := rtkit.EmitServers(ctx, f.a.ns, updatesEvent, updateBatch{Updates: batch}); err != nil {
			log.Debug("adminui: some servers took no live updates", "err", err)
		}
	}
}

// deliver hands updates to the UIs connected to this server.
func (a *Admin) deliver(batch []update) {
	if !a.loop.active() {
		return
	}
	for _, u := range batch {
		if err := rtkit.EmitRaw(a.ns, u.Event, u.Args...); err != nil {
			return // shut down
		}
	}
}

// weigh estimates the encoded size of v, and stops counting past limit.
func weigh(v any, limit int) int {
	switch v := v.(type) {
	case string:
		return len(v) + 2
	case json.RawMessage:
		return len(v)
	case []byte:
		return len(v)
	case []any:
		n := 2
		for _, e := range v {
			if n += weigh(e, limit-n) + 1; n > limit {
				return n
			}
		}
		return n
	case map[string]any:
		n := 2
		for k, e := range v {
			if n += len(k) + 4 + weigh(e, limit-n); n > limit {
				return n
			}
		}
		return n
	case wireSocket:
		n := 256 + len(v.ID) + len(v.Nsp) + len(v.Handshake.Address)
		for _, r := range v.Rooms {
			if n += len(r) + 3; n > limit {
				return n
			}
		}
		return n
	}
	return 16
}
