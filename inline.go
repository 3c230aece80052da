package rtkit

import "time"

// Events run on the connection's reader. A client that waits for each
// acknowledgement before it sends its next event finds its socket's
// mailbox idle every time: handing the event to a worker goroutine then
// only adds a goroutine switch and a channel operation to each round trip
// (measured: see docs/performance.md, 2026-12-06 "inline events"). Such an
// event runs instead on the goroutine of the connection's reader, once the
// reader has delivered its batch and written its output, before it reads
// again (engine.Conn.RunAfterBatch).
//
// What the mailbox promises still holds:
//
//   - order: the event takes the mailbox's turn (mailbox.Box.Claim), so
//     that events that arrive meanwhile wait behind it and run, in order,
//     on a worker once it is done;
//   - the bound on waiting events: it counts as the running event;
//   - deadlines, panics, the observer: the event goes through dispatch as
//     on a worker;
//   - input while the handler runs: the reader does not read while it
//     runs the handler, so whatever depends on the client hands the
//     reading over to a new goroutine (engine.Conn.HandOver) — an
//     acknowledgement the server waits for, at once (nSocket.emitAck),
//     and anything else inlineHandOver after the handler started, by the
//     socket's deadline timer (deadline.go): a handler that blocks holds
//     up its connection's input (other events, acknowledgements, pongs, a
//     disconnect) for that long at most. The goroutine that ran the
//     handler then leaves the connection.
//
// Only events whose handler has a deadline run inline: the deadline's
// timer is what hands the reading over. The reader's first batch after it
// starts never runs an event (see engine.Conn.RunAfterBatch).

// inlineHandOver is how long an event may run on its connection's reader
// before another goroutine takes over the reading: far above what a
// handler that does not wait needs, short enough that a handler that waits
// holds up its connection's input no more than a scheduling delay would.
const inlineHandOver = time.Millisecond

// runInline runs ev on the connection's reader if the socket's mailbox is
// idle and the event's handler has a deadline; false when ev must go
// through the mailbox instead. The caller is the reader.
func (n *Namespace) runInline(s *Socket, ev incoming) bool {
	var d *eventDesc
	if ev.entry != nil {
		d = ev.entry.info.desc
	}
	if n.srv.handlerTimeout(d) <= 0 {
		return false
	}
	ev, ok := s.box.Claim(ev)
	if !ok {
		return false
	}
	sl := s.inlined
	if sl == nil { // the socket's first event on the reader
		sl = new(inlineSlot)
		sl.run = func() {
			ev := sl.ev
			sl.ev = incoming{}
			s.box.RunClaimed(ev)
		}
		s.inlined = sl
	}
	sl.ev = ev
	sl.ev.inline = true
	if !s.raw.runAfter(sl.run) {
		// The reader cannot take it: a worker runs it, as Push would have.
		sl.ev.inline = false
		n.srv.workers.Run(sl.run)
	}
	return true
}

// inlineSlot holds the event runInline claimed the mailbox's turn for,
// until run runs it (on the reader, or on a worker when the reader cannot
// take it), instead of a closure made per event: a socket has one claimed
// event at most, and nothing but its run touches the slot until the turn
// ends. A socket gets its slot with its first event on the reader; an idle
// one has none.
type inlineSlot struct {
	ev  incoming
	run func()
}
