package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// How recovery works (see doc.go, "Connection state recovery", for the
// wire details).
//
// The core provides the plumbing: the private session id (pid) in
// CONNECT, the client's last offset in the CONNECT auth, the recovered
// flag, and the calls persist (abnormal disconnect) and restore
// (reconnect). recovery does the rest, in rtkit's own terms:
//   - every emit rtkit makes goes through the DeliveryLog (emit), which
//     hands the entries back to deliver, one at a time, in offset order;
//     deliver writes them to the local sockets under mu, the delivery lock,
//     and remembers the last one (head);
//   - restore hands the socket back without rooms and without packets, and
//     notes a pending recovery for its id;
//   - once the handshake passed authentication and the room policies
//     (admit → joinRooms → prepare), connected joins the allowed rooms and
//     replays (offset, head] from the log, under mu: an entry is either in
//     the replay or delivered live afterwards, never both, never neither;
//   - until then deliver leaves the recovering socket out even where it is
//     already a member (its own id room), so nothing overtakes the replay.
type recovery struct {
	n *Namespace

	opened  atomic.Pointer[openLog] // set once the log is open
	openMu  sync.Mutex              // serializes opening and close
	retryAt time.Time               // under openMu: no new attempt before
	closed  bool                    // under openMu

	mu         sync.Mutex // the delivery lock
	head       string
	recovering map[string]*pendingRecovery // socket id →
	waiters    []offsetWaiter              // recoveries waiting for this server to catch up
	notes      map[string]resyncNote       // pid → why it could not be recovered

	marked   string        // head when the last offset marker was sent
	stopMark chan struct{} // closed by close
	markDone chan struct{}

	failures  atomic.Int64
	lastError atomic.Int64 // UnixNano of the last logged store failure
}

// pendingRecovery is a restored session waiting for its handshake to end.
type pendingRecovery struct {
	offset  string
	rooms   []string // the session's rooms
	pid     string
	session LogSession // as taken, put back if another identity asked
	at      time.Time
	// set by prepare, after the connection middleware passed
	join   []string // rooms to join: allowed session rooms and auto-joins
	filter []string // rooms whose missed entries are replayed
	ready  bool
}

type resyncNote struct {
	reason ResyncReason
	at     time.Time
}

func newRecovery(n *Namespace) *recovery {
	return &recovery{n: n, recovering: map[string]*pendingRecovery{}, notes: map[string]resyncNote{}}
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

// ensure opens the log and starts the offset markers on first use (so
// that a server that is mounted but never serves, to generate its Spec,
// say, starts no goroutine), and returns the log: nil after close,
// or while the log cannot be opened (then it tries again at most every
// few seconds, delivering without the log meanwhile).
func (a *recovery) ensure() NamespaceLog {
	if h := a.opened.Load(); h != nil {
		return h.l
	}
	a.openMu.Lock()
	defer a.openMu.Unlock()
	if h := a.opened.Load(); h != nil || a.closed || time.Now().Before(a.retryAt) {
		if h != nil {
			return h.l
		}
		return nil
	}
	n := a.n
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
func (a *recovery) markLoop(every time.Duration) {
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
func (a *recovery) mark() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.head == a.marked {
		return
	}
	a.marked = a.head
	except := make([]string, 0, len(a.recovering))
	for sid := range a.recovering {
		except = append(except, sid)
	}
	a.n.core.deliver(nil, except, []any{offsetEvent, a.head})
}

// close stops the offset markers and closes the log; nothing is opened
// after it.
func (a *recovery) close() {
	a.openMu.Lock()
	a.closed = true // never opens after this
	a.openMu.Unlock()
	if h := a.opened.Load(); h != nil {
		close(a.stopMark)
		<-a.markDone
		_ = h.l.Close()
	}
}

// emit appends an emit to the log, which delivers it (here and on every
// server sharing the log). With others set, the other servers also get it
// through the adapter, marked Logged: rtkit servers reading the same log
// skip that copy, other peers (Node.js servers) deliver it. emit returns
// false when the log is not open: the caller delivers without it. When
// the store fails, the emit is delivered without the log (best effort: a
// recovering client then holds an offset the log does not know, and is
// told to resync).
func (a *recovery) emit(rooms, except []string, d *eventDesc, payload json.RawMessage, others bool) bool {
	l := a.ensure()
	if l == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	e := LogEntry{Rooms: rooms, Except: except, Event: d.name, Payload: payload, Transient: d.transient}
	sel := Selection{Rooms: rooms, Except: except}
	switch err := a.append(ctx, l, e); {
	case err != nil:
		a.storeFailed("append", err)
		_ = a.n.sendEvent(rooms, except, nil, d, payload)
	case others:
		sel.Logged = true
		a.n.sendOthers(sel, d, payload)
	}
	return true
}

// append appends e to l, timed for the server's Observer.
func (a *recovery) append(ctx context.Context, l NamespaceLog, e LogEntry) error {
	o := a.n.srv.obs
	if o == nil {
		return l.Append(ctx, e)
	}
	start := time.Now()
	err := l.Append(ctx, e)
	o.Published(ctx, a.n.name, "log_append", time.Since(start), err)
	return err
}

// disconnect appends a Disconnect entry for the sockets rooms and except
// select, on every server that reads the log, so that it reaches them after
// the events emitted before it. It reports false when there is no log or
// the log failed: the caller then disconnects without it.
func (a *recovery) disconnect(rooms, except []string) bool {
	l := a.ensure()
	if l == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	e := LogEntry{Rooms: rooms, Except: except, Transient: true, Disconnect: true}
	if err := a.append(ctx, l, e); err != nil {
		a.storeFailed("append", err)
		return false
	}
	// Servers that do not read the log (Node.js peers) disconnect theirs
	// through the adapter.
	sel := Selection{Rooms: rooms, Except: except, Logged: true}
	a.n.toOthers("disconnect", func(ctx context.Context, ra NamespaceAdapter) error {
		return ra.DisconnectSockets(ctx, sel, false)
	})
	return true
}

// deliver writes one entry to this server's sockets. The log calls it one
// entry at a time, in offset order.
func (a *recovery) deliver(e LogEntry) {
	if e.Disconnect {
		// The entries before this one are in the sockets' output already;
		// the disconnection queues behind them. It runs on its own
		// goroutine: disconnect hooks may emit, and a log may deliver
		// from inside Append.
		a.n.core.each(e.Rooms, e.Except, func(id string) {
			if v, ok := a.n.sockets.Load(id); ok {
				go v.(*Socket).disconnectNow()
			}
		})
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	except := e.Except
	if len(a.recovering) > 0 {
		except = slices.Clone(except)
		for sid := range a.recovering {
			except = append(except, sid) // the replay delivers it
		}
	}
	a.n.core.deliver(e.Rooms, except, a.wireArgs(e))
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

// wireArgs is wireArgs(e) with the payload's Binary values as attachments.
func (a *recovery) wireArgs(e LogEntry) []any {
	args := wireArgs(e)
	args[1] = a.n.emitted(e.Event, e.Payload)
	return args
}

// persist keeps the session of a socket that lost its connection: its
// id, rooms (without its own id room) and owner, under its private id.
func (a *recovery) persist(pid, sid, owner string, rooms []string) {
	log := a.ensure()
	if log == nil {
		return
	}
	ls := LogSession{SocketID: sid, Owner: owner}
	for _, r := range rooms {
		if r != sid {
			ls.Rooms = append(ls.Rooms, r)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	if err := log.SaveSession(ctx, pid, ls, a.n.srv.cfg.recovery); err != nil {
		a.storeFailed("save session", err)
	}
}

// restore finds the session of a reconnecting client and returns its
// socket id, without rooms and without missed events: they are restored
// once the connection middleware has passed (connected). When the session
// cannot be recovered it returns false, and notes why for the resync
// event.
func (a *recovery) restore(pid, offset string) (sid string, ok bool) {
	log := a.ensure()
	if log == nil {
		return "", false
	}
	if len(pid) > maxRecoveryField || len(offset) > maxRecoveryField {
		return "", false // not ours: unknown session
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	ls, ok, err := log.TakeSession(ctx, pid)
	// A client that reconnects at once, to another server, can overtake
	// the old server's handling of the lost connection, which is when the
	// session is saved: give it a moment.
	for wait := time.Now().Add(sessionGrace); err == nil && !ok && time.Now().Before(wait); {
		time.Sleep(sessionGrace / 10)
		ls, ok, err = log.TakeSession(ctx, pid)
	}
	if err != nil {
		a.storeFailed("take session", err)
		a.note(pid, ResyncWindowExceeded)
		return "", false
	}
	if !ok {
		return "", false // unknown_session, the default reason
	}
	if err := log.Range(ctx, offset, "", nil); err != nil {
		if !errors.Is(err, ErrLogGap) {
			a.storeFailed("check offset", err)
		}
		a.note(pid, ResyncWindowExceeded)
		return "", false
	}
	a.mu.Lock()
	a.sweep()
	a.recovering[ls.SocketID] = &pendingRecovery{offset: offset, rooms: ls.Rooms, pid: pid, session: ls, at: time.Now()}
	a.mu.Unlock()
	return ls.SocketID, true
}

// note remembers why pid could not be recovered, for the resync event
// (unknown_session when nothing is noted). Notes of handshakes that never
// finish are swept after a minute, and their number is bounded.
func (a *recovery) note(pid string, r ResyncReason) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sweep()
	if len(a.notes) < maxNotes {
		a.notes[pid] = resyncNote{reason: r, at: time.Now()}
	}
}

// sweep forgets recoveries and notes whose handshake never finished. mu
// held.
func (a *recovery) sweep() {
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

// refused runs once the connection middleware of a recovering socket has
// passed. When the socket's identity does not own the session it asked
// for, the pending recovery is dropped and returned, for giveBack once the
// socket is abandoned; otherwise it returns nil.
func (a *recovery) refused(s *Socket) *pendingRecovery {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.recovering[s.ID()]
	switch {
	case p == nil && s.raw.recovered():
		// Its pending recovery was swept: the owner cannot be checked.
		return &pendingRecovery{}
	case p == nil || p.session.Owner == s.Identity():
		return nil
	}
	delete(a.recovering, s.ID())
	a.n.srv.log.Warn("rtkit: recovery refused: the session belongs to another identity",
		"namespace", a.n.name, "remote", s.hs.RemoteAddr)
	return p
}

// giveBack saves a refused session again, untouched, for its owner.
func (a *recovery) giveBack(p *pendingRecovery) {
	log := a.ensure()
	if log == nil || p.pid == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), logTimeout)
	defer cancel()
	if err := log.SaveSession(ctx, p.pid, p.session, a.n.srv.cfg.recovery); err != nil {
		a.storeFailed("save session", err)
	}
}

// abandon forgets the pending recovery of a socket whose handshake failed.
func (a *recovery) abandon(sid string) {
	a.mu.Lock()
	delete(a.recovering, sid)
	a.mu.Unlock()
}

// storeFailed logs a failure of the store, at most once every few seconds.
func (a *recovery) storeFailed(op string, err error) {
	n := a.failures.Add(1)
	now := time.Now().UnixNano()
	last := a.lastError.Load()
	if now-last < int64(5*time.Second) || !a.lastError.CompareAndSwap(last, now) {
		return
	}
	a.failures.Store(0)
	a.n.srv.log.Error("rtkit: delivery log failed; delivering without it", "namespace", a.n.name,
		"op", op, "err", err, "failures", n)
}
