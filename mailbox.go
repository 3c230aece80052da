package rtkit

import "sync"

// mailbox runs one socket's events one at a time, in arrival order, on a
// goroutine that runs it only while there is work (one of the server's
// workers).
//
// The core hands each event to the mailbox from the connection's reader,
// so that (a) the bound on waiting events is checked when an event
// arrives, not when the handler ahead of it is done, and (b)
// acknowledgements the client sends (EmitWithAck) are processed while a
// handler of the same socket runs.
type mailbox struct {
	mu      sync.Mutex
	events  []incoming
	running bool // a loop goroutine exists
	busy    bool // the loop is running an event
	closed  bool
	run     func(incoming)
	pool    *workers // runs the loop
}

// push queues an event. It returns false, and queues nothing, when max
// events are already waiting or running (max ≤ 0: no bound) or the mailbox
// is closed.
func (m *mailbox) push(ev incoming, max int) bool {
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
	m.events = append(m.events, ev)
	if !m.running {
		m.running = true
		m.pool.run(m.loop)
	}
	return true
}

func (m *mailbox) loop() {
	for {
		m.mu.Lock()
		m.busy = false
		if len(m.events) == 0 || m.closed {
			m.running = false
			m.events = nil
			m.mu.Unlock()
			return
		}
		ev := m.events[0]
		m.events[0] = incoming{}
		m.events = m.events[1:]
		m.busy = true
		m.mu.Unlock()
		m.run(ev)
	}
}

// close drops the waiting events; the running one, if any, finishes.
func (m *mailbox) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.events = nil
}

// idle reports whether no event is waiting or running.
func (m *mailbox) idle() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return !m.running
}
