package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// localNamespace is what the other servers ask of one namespace of this
// server, through the adapter (rtkit.LocalNamespace). Servers of a cluster
// trust each other (see LocalNamespace): joins and disconnections are the
// server's decisions, as with Rooms; events are still checked against the
// namespace's declarations.
type localNamespace struct{ n *Namespace }

var _ LocalNamespace = (*localNamespace)(nil)

// mounted reports whether the namespace can act: it is mounted, and the
// server is not closed.
func (l *localNamespace) mounted() bool {
	return l.n.core != nil && l.n.srv != nil && !l.n.srv.closed.Load()
}

func (l *localNamespace) Deliver(p Packet, sel Selection) {
	if !l.mounted() || len(p.Args) == 0 {
		return
	}
	if _, ok := p.Args[0].(string); !ok {
		l.n.srv.log.Warn("rtkit: packet of another server without an event name dropped", "namespace", l.n.name)
		return
	}
	a := l.n.recovery
	if a == nil {
		l.n.core.deliver(sel.Rooms, sel.Except, p.Args)
		return
	}
	if sel.Logged && a.sharedOpen() {
		return // the shared delivery log brings it
	}
	a.deliverTransient(sel.Rooms, sel.Except, p.Args)
}

func (l *localNamespace) Join(sel Selection, rooms []string) {
	if l.mounted() {
		l.n.core.socketsJoin(sel.Rooms, sel.Except, rooms)
	}
}

func (l *localNamespace) Leave(sel Selection, rooms []string) {
	if l.mounted() {
		l.n.core.socketsLeave(sel.Rooms, sel.Except, rooms)
	}
}

func (l *localNamespace) Disconnect(sel Selection, closeConn bool) {
	if !l.mounted() {
		return
	}
	if sel.Logged {
		if a := l.n.recovery; a != nil && a.sharedOpen() {
			return // the shared delivery log brings it, after the emits before it
		}
	}
	for _, s := range l.n.localMatches(sel.Rooms, sel.Except) {
		s.disconnectNow()
		if closeConn {
			s.raw.drop(time.Now())
		}
	}
}

func (l *localNamespace) Sockets(sel Selection) []RemoteSocket {
	if !l.mounted() {
		return nil
	}
	ss := l.n.localMatches(sel.Rooms, sel.Except)
	out := make([]RemoteSocket, 0, len(ss))
	for _, s := range ss {
		out = append(out, RemoteSocket{
			ID: s.ID(), Rooms: s.Rooms(), Address: s.hs.RemoteAddr, Query: s.hs.Query, Connected: s.hs.Time,
			Transport: s.Transport(), ClientID: s.ClientID(),
		})
	}
	return out
}

func (l *localNamespace) ServerEvent(ctx context.Context, args []any, ack func([]any)) {
	n := l.n
	if !l.mounted() || len(args) == 0 {
		return
	}
	event, _ := args[0].(string)
	payload, err := argJSON(args, 1)
	if event == "" || err != nil {
		n.srv.log.Warn("rtkit: undecodable server event from another server", "namespace", n.name, "err", err)
		return
	}
	if !n.srv.takeRemoteWork() {
		n.srv.log.Warn("rtkit: too many requests from other servers; one dropped", "op", "server event", "namespace", n.name)
		return
	}
	go func() {
		defer n.srv.doneRemoteWork()
		ctx, cancel := n.srv.remoteWorkCtx(ctx)
		defer cancel()
		env := serverEventAnswer(ctx, n, event, payload)
		if ack != nil {
			ack([]any{env})
		}
	}()
}

func (l *localNamespace) BroadcastWithAck(ctx context.Context, p Packet, sel Selection, onCount func(int), onAnswer func(AckAnswer)) {
	n := l.n
	if !l.mounted() {
		onCount(0)
		return
	}
	var ss []*Socket
	event, payload, err := relayedEmit(n, p)
	if err != nil {
		n.srv.log.Warn("rtkit: another server's acknowledged emit refused", "namespace", n.name, "event", event, "err", err)
	} else {
		ss = n.localMatches(sel.Rooms, sel.Except)
	}
	onCount(len(ss))
	if len(ss) == 0 {
		return
	}
	if !n.srv.takeRemoteWork() {
		n.srv.log.Warn("rtkit: too many requests from other servers; one dropped", "op", "acks", "namespace", n.name)
		return
	}
	ctx, cancel := n.srv.remoteWorkCtx(ctx)
	context.AfterFunc(ctx, n.srv.doneRemoteWork) // once, when all answered or the requester's wait ends
	var (
		mu        sync.Mutex
		remaining atomic.Int64
	)
	remaining.Store(int64(len(ss)))
	emitAcks(ss, event, payload, func(s *Socket, v any, gone bool) {
		defer func() {
			if remaining.Add(-1) == 0 {
				cancel()
			}
		}()
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil {
			return // the requester stopped waiting
		}
		a := AckAnswer{Socket: s.ID(), Gone: gone}
		if !gone {
			a.Args = []any{v}
		}
		onAnswer(a)
	})
}

// relayedEmit checks an acknowledged emit another server asks this one to
// make: the event must be declared here with an acknowledgement, and the
// payload must match its schema (whoever reaches the adapter's transport
// is not trusted to have validated it).
func relayedEmit(n *Namespace, p Packet) (string, json.RawMessage, error) {
	if len(p.Args) == 0 {
		return "", nil, errors.New("packet without an event name")
	}
	event, _ := p.Args[0].(string)
	d := n.emits[event]
	if d == nil || d.out == nil {
		return event, nil, errors.New("event not declared here with an acknowledgement")
	}
	payload, err := argJSON(p.Args, 1)
	if err != nil {
		return event, nil, err
	}
	if e := checkJSON(d.in, payload); e != nil {
		return event, nil, e
	}
	return event, payload, nil
}

// argJSON returns args[i] as encoded JSON ("null" when absent).
func argJSON(args []any, i int) (json.RawMessage, error) {
	if i >= len(args) {
		return json.RawMessage("null"), nil
	}
	switch v := args[i].(type) {
	case json.RawMessage:
		if !json.Valid(v) {
			return nil, errors.New("invalid JSON argument")
		}
		return v, nil
	case []byte:
		return nil, errors.New("binary argument where JSON was expected")
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("unencodable argument: %w", err)
		}
		return b, nil
	}
}

// recoveringExcept returns except plus the sockets recovering their
// session: what the replay will bring them must not overtake it. mu held.
func (a *recovery) recoveringExcept(except []string) []string {
	if len(a.recovering) == 0 {
		return except
	}
	except = slices.Clone(except)
	for sid := range a.recovering {
		except = append(except, sid)
	}
	return except
}

// sharedOpen reports whether the namespace delivers from a shared delivery
// log: what other servers mark Logged reaches it from there. It opens the
// log on first use.
func (a *recovery) sharedOpen() bool {
	return a.ensure() != nil && a.n.srv.cfg.deliveryLog.Shared()
}

// deliverTransient writes an event packet of another server to this
// server's sockets that rooms and except select, in order with the log's
// deliveries, never logged. A trailing string argument gets a null after
// it, or the client would take it for an offset.
func (a *recovery) deliverTransient(rooms, except []string, args []any) {
	if isOffsetLike(args[len(args)-1]) {
		args = append(slices.Clip(args), nil)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n.core.deliver(rooms, a.recoveringExcept(except), args)
}

// isOffsetLike reports whether a client with recovery on would take v, as
// the last argument of an event, for an offset: a string.
func isOffsetLike(v any) bool {
	switch v := v.(type) {
	case string:
		return true
	case json.RawMessage:
		return len(v) > 0 && v[0] == '"'
	}
	return false
}

// takeRemoteWork reserves room for work asked by another server; it
// reports false beyond maxLinkWork at once (the request is dropped, its
// requester times out). doneRemoteWork releases it.
func (s *Server) takeRemoteWork() bool {
	select {
	case s.linkSem <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *Server) doneRemoteWork() { <-s.linkSem }

// remoteWorkCtx is the context of work asked by another server: it ends
// at the requester's deadline (at most maxLinkWait away), when ctx ends,
// or when the server shuts down.
func (s *Server) remoteWorkCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	wait := maxLinkWait
	if d, ok := ctx.Deadline(); ok {
		wait = min(time.Until(d), maxLinkWait)
	}
	c, cancel := context.WithTimeout(s.baseCtx, wait)
	stop := context.AfterFunc(ctx, cancel)
	return c, func() { stop(); cancel() }
}
