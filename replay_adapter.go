package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// How recovery works with the underlying server (see doc.go, "Connection
// state recovery", for the wire details).
//
// The underlying server provides the plumbing: the private session id
// (pid) in CONNECT, the client's last offset in the CONNECT auth, the
// recovered flag, and the calls PersistSession (abnormal disconnect) and
// RestoreSession (reconnect) on the namespace's adapter. Left to itself it
// restores rooms and writes the missed packets while building the socket,
// before authentication runs, and a broadcast between its snapshot and the
// room joins is lost.
//
// replayAdapter wraps the namespace's adapter and takes that over:
//   - every emit rtkit makes goes through the DeliveryLog, which hands the
//     entries back to deliver, one at a time, in offset order; deliver
//     writes them to the local sockets under mu, the delivery lock, and
//     remembers the last one (head);
//   - RestoreSession hands the socket back without rooms and without
//     packets, and notes a pending recovery for its id;
//   - once the handshake passed authentication and the room policies
//     (handshake → joinRooms → prepare), the "connection" hook (recover) joins
//     the allowed rooms and replays (offset, head] from the log, under mu:
//     an entry is either in the replay or delivered live afterwards, never
//     both, never neither;
//   - until then deliver leaves the recovering socket out even where it
//     is already a member (its own id room), so nothing overtakes the
//     replay.
type replayAdapter struct {
	socket.Adapter
	srv   *Server
	plain bool // Adapter is the in-memory one: deliver with localBroadcast

	ns *Namespace // set by bind at Mount; nil for namespaces rtkit does not serve

	opened  atomic.Pointer[openLog] // set once the log is open
	openMu  sync.Mutex              // serializes opening and Close
	retryAt time.Time               // under openMu: no new attempt before
	closed  bool                    // under openMu

	mu         sync.Mutex // the delivery lock
	head       string
	recovering map[socket.SocketId]*pendingRecovery
	waiters    []offsetWaiter        // recoveries waiting for this server to catch up
	notes      map[string]resyncNote // pid → why it could not be recovered

	marked   string        // head when the last offset marker was sent
	stopMark chan struct{} // closed by Close
	markDone chan struct{}

	failures  atomic.Int64
	lastError atomic.Int64 // UnixNano of the last logged store failure
}

// pendingRecovery is a restored session waiting for its handshake to end.
type pendingRecovery struct {
	offset string
	rooms  []string // the session's rooms
	at     time.Time
	// set by prepare, after the connection middleware passed
	join   []string // rooms to join: allowed session rooms and auto-joins
	filter []string // rooms whose missed entries are replayed
	ready  bool
}

type resyncNote struct {
	reason ResyncReason
	at     time.Time
}

// replayBuilder makes each namespace's replayAdapter around the adapter the
// server would use otherwise.
type replayBuilder struct {
	srv   *Server
	inner socket.AdapterConstructor
	plain bool // inner is the underlying server's in-memory adapter
}

func (b *replayBuilder) New(nsp socket.Namespace) socket.Adapter {
	return &replayAdapter{
		Adapter:    b.inner.New(nsp),
		srv:        b.srv,
		plain:      b.plain,
		recovering: map[socket.SocketId]*pendingRecovery{},
		notes:      map[string]resyncNote{},
	}
}

// Timeouts of log operations: an emit or a reconnect never waits longer for
// the store.
const (
	logTimeout      = 2 * time.Second
	pendingLifetime = time.Minute
	sessionGrace    = 300 * time.Millisecond
	// maxRecoveryField bounds the pid and offset a client may send.
	maxRecoveryField = 128
	// maxNotes bounds the resync reasons remembered between a failed
	// restore and the end of its handshake.
	maxNotes    = 10_000
	openRetry   = 5 * time.Second
	offsetEvent = "rtkit:offset"
)

// bind ties the adapter to n. Called by Mount; the log is opened on first
// use (ensure), so that a server that is mounted but never serves (to
// generate its Spec, say) starts no goroutine.
func (a *replayAdapter) bind(n *Namespace) { a.ns = n }

// ensure opens the log and starts the offset markers on first use, and
// returns the log: nil for a namespace rtkit does not serve, after Close,
// or while the log cannot be opened (then it tries again at most every
// few seconds, delivering without the log meanwhile).
func (a *replayAdapter) ensure() NamespaceLog {
	if h := a.opened.Load(); h != nil {
		return h.l
	}
	if a.ns == nil {
		return nil
	}
	a.openMu.Lock()
	defer a.openMu.Unlock()
	if h := a.opened.Load(); h != nil || a.closed || time.Now().Before(a.retryAt) {
		if h != nil {
			return h.l
		}
		return nil
	}
	n := a.ns
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	l, err := n.srv.cfg.deliveryLog.Open(ctx, n.name, a.deliver)
	if err != nil {
		a.retryAt = time.Now().Add(openRetry)
		a.storeFailed("open", err)
		return nil
	}
	a.mu.Lock()
	a.head = l.Head()
	a.marked = a.head
	a.mu.Unlock()
	a.stopMark, a.markDone = make(chan struct{}), make(chan struct{})
	go a.markLoop(markInterval(n.srv.cfg.recovery))
	a.opened.Store(&openLog{l})
	return l
}

// openLog holds an opened log, for the atomic pointer.
type openLog struct{ l NamespaceLog }

// markInterval is how often connected clients' offsets are moved to the
// head: a quarter of the recovery window, so that a client that received
// nothing for a while still holds an offset the log keeps (the memory log
// keeps entries for the window plus this interval).
func markInterval(window time.Duration) time.Duration { return max(window/4, 10*time.Millisecond) }

// markLoop sends the offset marker until Close.
func (a *replayAdapter) markLoop(every time.Duration) {
	defer close(a.markDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			a.mark()
		case <-a.stopMark:
			return
		}
	}
}

// mark sends every socket of this server the head as its offset, when
// entries were delivered since the last time: an event "rtkit:offset"
// whose only argument is the offset. Every entry up to the head was
// written to the sockets before it, so the client holds them all.
func (a *replayAdapter) mark() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.head == a.marked {
		return
	}
	a.marked = a.head
	except := types.NewSet[socket.Room]()
	for sid := range a.recovering {
		except.Add(socket.Room(sid))
	}
	a.direct(&parser.Packet{Type: parser.EVENT, Data: []any{offsetEvent, a.head}},
		&socket.BroadcastOptions{Rooms: types.NewSet[socket.Room](), Except: except,
			Flags: &socket.BroadcastFlags{Local: true}})
}

// Close closes the log, then the wrapped adapter.
func (a *replayAdapter) Close() {
	a.openMu.Lock()
	a.closed = true // never opens after this
	a.openMu.Unlock()
	if h := a.opened.Load(); h != nil {
		close(a.stopMark)
		<-a.markDone
		_ = h.l.Close()
	}
	a.Adapter.Close()
}

// Broadcast sends rtkit's emits through the log; anything else (packets
// with an acknowledgement, volatile or local ones) goes straight to the
// wrapped adapter.
func (a *replayAdapter) Broadcast(p *parser.Packet, opts *socket.BroadcastOptions) {
	e, ok := a.entry(p, opts)
	if !ok {
		a.direct(p, opts)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	if err := a.opened.Load().l.Append(ctx, e); err != nil {
		// Best effort: deliver without the log. A recovering client then
		// gets an offset the log does not know, and is told to resync.
		a.storeFailed("append", err)
		a.direct(p, opts)
	}
}

// direct broadcasts p without the log, through the wrapped adapter: to
// every server for a cluster adapter, unless opts has the Local flag (the
// log's deliveries and the offset markers), to this server's sockets only.
func (a *replayAdapter) direct(p *parser.Packet, opts *socket.BroadcastOptions) {
	if a.plain {
		localBroadcast(a.Adapter, p, opts)
		return
	}
	a.Adapter.Broadcast(p, opts)
}

// entry turns an emit rtkit made into a log entry.
func (a *replayAdapter) entry(p *parser.Packet, opts *socket.BroadcastOptions) (LogEntry, bool) {
	if p.Type != parser.EVENT || p.Id != nil || a.ensure() == nil {
		return LogEntry{}, false
	}
	if opts != nil && opts.Flags != nil && (opts.Flags.Volatile || opts.Flags.Local) {
		return LogEntry{}, false
	}
	data, ok := p.Data.([]any)
	if !ok || len(data) != 2 {
		return LogEntry{}, false
	}
	name, _ := data[0].(string)
	payload, ok := data[1].(json.RawMessage)
	d := a.ns.emits[name]
	if !ok || d == nil {
		return LogEntry{}, false
	}
	e := LogEntry{Event: name, Payload: payload, Transient: d.transient}
	if opts != nil {
		e.Rooms = roomStrings(opts.Rooms)
		e.Except = roomStrings(opts.Except)
	}
	return e, true
}

func roomStrings(s *types.Set[socket.Room]) []string {
	if s == nil || s.Len() == 0 {
		return nil
	}
	keys := s.Keys()
	out := make([]string, len(keys))
	for i, r := range keys {
		out[i] = string(r)
	}
	return out
}

func roomSet(rooms []string) *types.Set[socket.Room] {
	s := types.NewSet[socket.Room]()
	for _, r := range rooms {
		s.Add(socket.Room(r))
	}
	return s
}

// deliver writes one entry to this server's sockets. The log calls it one
// entry at a time, in offset order.
func (a *replayAdapter) deliver(e LogEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	except := roomSet(e.Except)
	for sid := range a.recovering {
		except.Add(socket.Room(sid)) // the replay delivers it
	}
	a.direct(&parser.Packet{Type: parser.EVENT, Data: wireArgs(e)}, &socket.BroadcastOptions{
		Rooms:  roomSet(e.Rooms),
		Except: except,
		Flags:  &socket.BroadcastFlags{Local: true},
	})
	if e.Offset != "" {
		a.head = e.Offset
		for i := 0; i < len(a.waiters); i++ {
			if a.waiters[i].offset == e.Offset {
				close(a.waiters[i].caught)
				a.waiters = slices.Delete(a.waiters, i, i+1)
				i--
			}
		}
	}
}

// wireArgs is an entry as the client receives it: the event name, the
// payload and, last, the offset the client sends back on reconnect. A
// transient entry has no offset; if its payload is a JSON string a null
// follows it, or the client would take the payload for an offset.
func wireArgs(e LogEntry) []any {
	switch {
	case !e.Transient:
		return []any{e.Event, e.Payload, e.Offset}
	case len(e.Payload) > 0 && e.Payload[0] == '"':
		return []any{e.Event, e.Payload, nil}
	default:
		return []any{e.Event, e.Payload}
	}
}

// PersistSession keeps the session of a socket that lost its connection.
func (a *replayAdapter) PersistSession(s *socket.SessionToPersist) {
	log := a.ensure()
	if s == nil || log == nil {
		return
	}
	ls := LogSession{SocketID: string(s.Sid)}
	if s.Rooms != nil {
		for _, r := range s.Rooms.Keys() {
			if socket.SocketId(r) != s.Sid {
				ls.Rooms = append(ls.Rooms, string(r))
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	if err := log.SaveSession(ctx, string(s.Pid), ls, a.srv.cfg.recovery); err != nil {
		a.storeFailed("save session", err)
	}
}

// RestoreSession finds the session of a reconnecting client. It returns it
// without rooms and without missed packets: they are restored once the
// connection middleware has passed (recover). When the session cannot be
// recovered it returns nil, and notes why for the resync event.
func (a *replayAdapter) RestoreSession(pid socket.PrivateSessionId, offset string) (*socket.Session, error) {
	log := a.ensure()
	if log == nil {
		return nil, nil
	}
	if len(pid) > maxRecoveryField || len(offset) > maxRecoveryField {
		return nil, nil // not ours: unknown session
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	ls, ok, err := log.TakeSession(ctx, string(pid))
	// A client that reconnects at once, to another server, can overtake
	// the old server's handling of the lost connection, which is when the
	// session is saved: give it a moment.
	for wait := time.Now().Add(sessionGrace); err == nil && !ok && time.Now().Before(wait); {
		time.Sleep(sessionGrace / 10)
		ls, ok, err = log.TakeSession(ctx, string(pid))
	}
	if err != nil {
		a.storeFailed("take session", err)
		a.note(string(pid), ResyncWindowExceeded)
		return nil, nil
	}
	if !ok {
		return nil, nil // unknown_session, the default reason
	}
	if err := log.Range(ctx, offset, "", nil); err != nil {
		if !errors.Is(err, ErrLogGap) {
			a.storeFailed("check offset", err)
		}
		a.note(string(pid), ResyncWindowExceeded)
		return nil, nil
	}
	sid := socket.SocketId(ls.SocketID)
	a.mu.Lock()
	a.sweep()
	a.recovering[sid] = &pendingRecovery{offset: offset, rooms: ls.Rooms, at: time.Now()}
	a.mu.Unlock()
	return &socket.Session{SessionToPersist: &socket.SessionToPersist{
		Sid: sid, Pid: pid, Rooms: types.NewSet[socket.Room](),
	}}, nil
}

// note remembers why pid could not be recovered, for the resync event
// (unknown_session when nothing is noted). Notes of handshakes that never
// finish are swept after a minute, and their number is bounded.
func (a *replayAdapter) note(pid string, r ResyncReason) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweep()
	if len(a.notes) < maxNotes {
		a.notes[pid] = resyncNote{reason: r, at: time.Now()}
	}
}

// sweep forgets recoveries and notes whose handshake never finished. mu
// held.
func (a *replayAdapter) sweep() {
	limit := time.Now().Add(-pendingLifetime)
	for sid, p := range a.recovering {
		if p.at.Before(limit) {
			delete(a.recovering, sid)
		}
	}
	for pid, n := range a.notes {
		if n.at.Before(limit) {
			delete(a.notes, pid)
		}
	}
}

// abandon forgets the pending recovery of a socket whose handshake failed.
func (a *replayAdapter) abandon(sid socket.SocketId) {
	a.mu.Lock()
	delete(a.recovering, sid)
	a.mu.Unlock()
}

// storeFailed logs a failure of the store, at most once every few seconds.
func (a *replayAdapter) storeFailed(op string, err error) {
	n := a.failures.Add(1)
	now := time.Now().UnixNano()
	last := a.lastError.Load()
	if now-last < int64(5*time.Second) || !a.lastError.CompareAndSwap(last, now) {
		return
	}
	a.failures.Store(0)
	name := ""
	if a.ns != nil {
		name = a.ns.name
	}
	a.srv.log.Error("rtkit: delivery log failed; delivering without it", "namespace", name,
		"op", op, "err", err, "failures", n)
}
