// Package mailbox runs each socket's events one at a time, in arrival
// order, on a pool of goroutines that keep their grown stacks.
package mailbox

import "sync"

// Box runs one socket's events one at a time, in arrival order, on a
// goroutine of Pool that runs it only while there is work. Set Run and
// Pool before the first Push. Its methods are safe for concurrent use.
//
// The server core hands each event to the box from the connection's
// reader, so that (a) the bound on waiting events is checked when an event
// arrives, not when the handler ahead of it is done, and (b)
// acknowledgements the client sends are processed while a handler of the
// same socket runs.
type Box[T any] struct {
	// Run handles one event.
	Run func(T)
	// Pool runs the box's loop.
	Pool *Pool
	// Stamp, when set, is given each event Push queues with the number
	// of events then waiting or running, itself included (its depth),
	// before it is queued: one lock for both.
	Stamp func(ev *T, depth int)

	mu      sync.Mutex
	events  []T
	running bool // a loop goroutine exists
	busy    bool // the loop is running an event
	closed  bool
	// gen is the generation of the current loop: Detach starts a new one,
	// and a loop of an older generation leaves once its event returns.
	gen uint64
}

// Push queues an event. It returns false, and queues nothing, when max
// events are already waiting or running (max ≤ 0: no bound) or the box is
// closed.
func (m *Box[T]) Push(ev T, max int) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	waiting := len(m.events)
	if m.busy {
		waiting++
	}
	if max > 0 && waiting >= max {
		return false
	}
	if m.Stamp != nil {
		m.Stamp(&ev, waiting+1)
	}
	m.events = append(m.events, ev)
	if !m.running {
		m.running = true
		m.Pool.Run(m.loop)
	}
	return true
}

func (m *Box[T]) loop() {
	var zero T
	m.mu.Lock()
	gen := m.gen
	m.mu.Unlock()
	for {
		m.mu.Lock()
		if m.gen != gen {
			m.mu.Unlock()
			return // detached: another loop runs the box now
		}
		if !m.finishLocked() {
			m.mu.Unlock()
			return
		}
		ev := m.events[0]
		m.events[0] = zero
		m.events = m.events[1:]
		m.busy = true
		m.mu.Unlock()
		m.Run(ev)
	}
}

// Claim takes the box's turn for ev when no event is waiting or running
// and the box is open: the caller must then run ev with RunClaimed, on a
// goroutine of its choosing, and events pushed meanwhile wait behind it
// (ev counts against Push's bound as a running event). It returns ev,
// stamped as Push stamps the events it queues, and false when it took
// nothing.
func (m *Box[T]) Claim(ev T) (T, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.running {
		return ev, false
	}
	if m.Stamp != nil {
		e := ev // only this copy escapes
		m.Stamp(&e, 1)
		ev = e
	}
	m.running, m.busy = true, true
	return ev, true
}

// RunClaimed runs ev, for which Claim took the turn, on the caller's
// goroutine; then the events pushed meanwhile, if any, go on on a
// goroutine of Pool. Detach works on ev as on an event of the loop: the
// caller's goroutine then leaves the box when Run returns.
func (m *Box[T]) RunClaimed(ev T) {
	m.mu.Lock()
	gen := m.gen
	m.mu.Unlock()
	m.Run(ev)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.gen != gen {
		return // detached: the box went on without ev
	}
	if m.finishLocked() {
		m.Pool.Run(m.loop)
	}
}

// finishLocked ends the running event's turn (under mu) and reports
// whether events wait to run next; when none do (or the box is closed),
// the box is idle again.
func (m *Box[T]) finishLocked() bool {
	m.busy = false
	if len(m.events) == 0 || m.closed {
		m.running = false
		m.events = nil
		return false
	}
	return true
}

// Detach lets the box go on without the event that is running: its
// waiting events start on another goroutine of Pool at once, and the
// goroutine running the event leaves the box when Run returns. The
// detached event no longer counts against Push's bound.
//
// Call it only while the event to detach is running (before its Run
// returns): detaching is meant for an event whose Run outlives its
// deadline, and the caller must make sure that Run does not return before
// Detach does. It is a no-op when no event is running.
func (m *Box[T]) Detach() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.busy {
		return
	}
	m.gen++
	m.busy = false
	m.running = false
	if len(m.events) > 0 && !m.closed {
		m.running = true
		m.Pool.Run(m.loop)
	}
}

// Len returns how many events wait behind the running one.
func (m *Box[T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events)
}

// Depth returns the number of events waiting or running (a detached
// event no longer counts).
func (m *Box[T]) Depth() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.events)
	if m.busy {
		n++
	}
	return n
}

// Close drops the waiting events; the running one, if any, finishes.
func (m *Box[T]) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.events = nil
}

// Waiting reports whether events are queued behind the running one: a
// handler that writes can leave its write to be combined with theirs.
func (m *Box[T]) Waiting() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events) > 0
}

// Idle reports whether no event is waiting or running.
func (m *Box[T]) Idle() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.running
}
