package rtkit

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"
)

// How a namespace reaches the other servers (adapter.go): every operation
// does its local part through the core, then asks the namespace adapter
// for the others. Messages of the other servers come back through
// localNamespace (cluster_local.go).

// remoteTimeout bounds one call to the namespace adapter made on behalf of
// an emit or a room operation; the adapter bounds its own network calls
// more tightly.
const remoteTimeout = 5 * time.Second

// remoteLogEvery is the least interval between two logged failures to
// reach the other servers.
const remoteLogEvery = 5 * time.Second

// openRemote joins n to the cluster through the server's adapter.
func (n *Namespace) openRemote(srv *Server) {
	ctx, cancel := context.WithTimeout(srv.baseCtx, remoteTimeout)
	defer cancel()
	ra, err := srv.cfg.adapter.Open(ctx, n.name, &localNamespace{n: n})
	if err != nil {
		n.panicf("adapter: %v", err)
	}
	if ra == nil {
		n.panicf("adapter: Open returned no namespace adapter")
	}
	n.remote = ra
}

// others returns the namespace adapter, or one that reaches nobody before
// Mount.
func (n *Namespace) others() NamespaceAdapter {
	if n.remote == nil {
		return soloNamespace{}
	}
	return n.remote
}

// toOthers calls fn with the namespace adapter, on behalf of an emit or a
// room operation, and logs its failure; nothing happens when n reaches no
// other server (the in-memory adapter), so a lone server pays nothing.
func (n *Namespace) toOthers(op string, fn func(context.Context, NamespaceAdapter) error) {
	ra := n.others()
	if _, solo := ra.(soloNamespace); solo {
		return
	}
	ctx, cancel := context.WithTimeout(n.srv.baseCtx, remoteTimeout)
	defer cancel()
	o := n.srv.obs
	if o == nil {
		n.remoteFailed(op, fn(ctx, ra))
		return
	}
	start := time.Now()
	err := fn(ctx, ra)
	o.Published(ctx, n.name, op, time.Since(start), err)
	n.remoteFailed(op, err)
}

// broadcastAll sends an event to the sockets sel picks on this server and
// on the others.
func (n *Namespace) broadcastAll(sel Selection, event string, payload json.RawMessage) {
	n.core.broadcast(sel.Rooms, sel.Except, event, payload)
	n.broadcastOthers(sel, event, payload)
}

// broadcastOthers sends an event to the sockets sel picks on the other
// servers only.
func (n *Namespace) broadcastOthers(sel Selection, event string, payload json.RawMessage) {
	n.sendArgsOthers(sel, []any{event, payload})
}

// sendArgsOthers sends an event packet made of args to the sockets sel
// picks on the other servers only.
func (n *Namespace) sendArgsOthers(sel Selection, args []any) {
	n.toOthers("broadcast", func(ctx context.Context, ra NamespaceAdapter) error {
		return ra.Broadcast(ctx, Packet{Args: args}, sel)
	})
}

// remoteFailures counts the failures to reach other servers since the
// last one logged; remoteLogged is when that was (unix nanoseconds).
type remoteFailures struct {
	count  atomic.Int64
	logged atomic.Int64
}

// remoteFailed logs a failure to reach the other servers, at most once
// every few seconds per namespace. Local delivery has happened.
func (n *Namespace) remoteFailed(op string, err error) {
	if err == nil {
		return
	}
	f := &n.remoteFails
	c := f.count.Add(1)
	now := time.Now().UnixNano()
	last := f.logged.Load()
	if now-last < int64(remoteLogEvery) || !f.logged.CompareAndSwap(last, now) {
		return
	}
	f.count.Store(0)
	n.srv.log.Warn("rtkit: other servers not reached; this server's sockets are served", "namespace", n.name,
		"op", op, "err", err, "failures", c)
}

// errNotReached wraps the namespace adapter's error for the caller of an
// operation that gathers answers from other servers.
func errNotReached(err error) error {
	return fmt.Errorf("rtkit: other servers not reached: %w", err)
}
