package rtkit

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// pending returns the restored session waiting for s's handshake, nil if
// there is none (rooms are then joined the usual way).
func (a *recovery) pending(sid string) *pendingRecovery {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.recovering[sid]
}

// prepare runs in the handshake, after the connection middleware passed:
// it records the rooms the recovered socket joins and those whose missed
// entries it gets, and leaves both to recover.
func (a *recovery) prepare(p *pendingRecovery, join, filter []string) {
	a.mu.Lock()
	p.join, p.filter, p.ready = join, filter, true
	a.mu.Unlock()
}

// connected runs when s is registered with its namespace and its client
// has the CONNECT packet, before any other hook. A recovered socket joins
// its rooms and gets what it missed; a client that asked to recover and
// could not is told to resync.
func (a *recovery) connected(s *Socket) {
	if a.ensure() == nil {
		return
	}
	sid := s.ID()
	a.mu.Lock()
	p := a.recovering[sid]
	a.mu.Unlock()
	if p != nil && p.ready && s.raw.recovered() {
		a.recover(s, p)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.recovering, sid)
	if pid, _ := s.hs.Auth["pid"].(string); pid != "" {
		reason := ResyncUnknownSession
		if n, ok := a.notes[pid]; ok {
			reason = n.reason
			delete(a.notes, pid)
		}
		a.resync(s, reason)
	}
	// A fresh socket gets nothing extra: its first event gives the client
	// its first offset. (A client that loses its connection before that
	// is told to resync.)
}

// recover replays what the recovered socket missed. With a shared log the
// client may come from a server that delivered further than this one: its
// offset is then after this server's head, and the entries in between
// would reach it twice (live here, after having reached it there). The
// socket stays out of deliveries until this server has delivered the
// client's offset itself (normally within milliseconds), then joins its
// rooms and gets the replay.
func (a *recovery) recover(s *Socket, p *pendingRecovery) {
	sid := s.ID()
	behind, err := a.behind(s.ctx, p.offset)
	if err == nil && behind {
		caught := make(chan struct{})
		a.mu.Lock()
		a.waiters = append(a.waiters, offsetWaiter{offset: p.offset, caught: caught})
		a.mu.Unlock()
		// The offset may have been delivered before the waiter was in place.
		if behind, err = a.behind(s.ctx, p.offset); err == nil && behind {
			t := time.NewTimer(catchUpWait)
			select {
			case <-caught:
				behind = false
			case <-t.C:
			case <-s.ctx.Done():
			}
			t.Stop()
		}
		a.mu.Lock()
		a.waiters = slices.DeleteFunc(a.waiters, func(w offsetWaiter) bool { return w.caught == caught })
		a.mu.Unlock()
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.recovering, sid)
	switch {
	case err != nil:
		a.storeFailed("catch up", err)
		a.joinAndResync(s, p)
	case behind:
		a.storeFailed("catch up", errors.New("this server's delivery lags the client's offset"))
		a.joinAndResync(s, p)
	default:
		a.replay(s, p)
	}
}

// offsetWaiter is a recovery waiting for this server to deliver offset.
type offsetWaiter struct {
	offset string
	caught chan struct{}
}

// How long a recovery waits for this server to deliver up to the client's
// offset.
const catchUpWait = 2 * time.Second

// behind reports whether replayable entries after this server's head lead
// up to offset. It does not hold mu.
func (a *recovery) behind(ctx context.Context, offset string) (bool, error) {
	a.mu.Lock()
	head := a.head
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, logTimeout)
	defer cancel()
	found := false
	err := a.opened.Load().l.Range(ctx, head, offset, func(LogEntry) error {
		found = true
		return errStopRange
	})
	if errors.Is(err, errStopRange) || errors.Is(err, ErrLogGap) {
		err = nil // a gap shows in the replay itself
	}
	return found, err
}

var errStopRange = errors.New("stop")

// joinAndResync gives up on the replay: the socket joins its rooms and is
// told to resync. mu held.
func (a *recovery) joinAndResync(s *Socket, p *pendingRecovery) {
	s.raw.join(p.join...)
	a.resync(s, ResyncWindowExceeded)
}

// replay joins the recovered socket's rooms and writes the entries it
// missed. mu held: no entry is delivered meanwhile.
func (a *recovery) replay(s *Socket, p *pendingRecovery) {
	s.raw.join(p.join...)
	ctx, cancel := context.WithTimeout(s.ctx, logTimeout)
	defer cancel()
	last := p.offset
	sent := 0
	err := a.opened.Load().l.Range(ctx, p.offset, a.head, func(e LogEntry) error {
		if concerns(e, p.filter) {
			a.write(s, a.wireArgs(e))
			last = e.Offset
			sent++
		}
		return nil
	})
	if o := a.n.srv.obs; o != nil {
		o.Replayed(s, sent)
	}
	switch {
	case err != nil:
		if !errors.Is(err, ErrLogGap) {
			a.storeFailed("replay", err)
		}
		a.resync(s, ResyncWindowExceeded)
	case last != a.head:
		// Move the client's offset to the head: what it skipped did not
		// concern it, and an old offset would soon fall out of the window.
		a.write(s, []any{offsetEvent, a.head})
	}
}

// concerns reports whether a socket in rooms was a recipient of e.
func concerns(e LogEntry, rooms []string) bool {
	for _, r := range e.Except {
		if slices.Contains(rooms, r) {
			return false
		}
	}
	if len(e.Rooms) == 0 {
		return true
	}
	for _, r := range e.Rooms {
		if slices.Contains(rooms, r) {
			return true
		}
	}
	return false
}

// resync sends ResyncEvent, with the log's head as its offset: the client
// resumes from there. mu held.
func (a *recovery) resync(s *Socket, r ResyncReason) {
	b, _ := json.Marshal(Resync{Reason: r})
	a.write(s, []any{ResyncEvent.Name(), json.RawMessage(b), a.head})
	if o := a.n.srv.obs; o != nil {
		o.Resynced(s, r)
	}
	a.n.srv.log.Debug("rtkit: socket told to resync", "namespace", a.n.name, "socket", s.ID(), "reason", r)
}

// write sends an event packet to one socket, outside the log.
func (a *recovery) write(s *Socket, args []any) { s.raw.send(args) }

// recoveryLog decides whether recovery is on, and with which log: the
// configured one or a memory log; behind a cluster adapter only a shared
// log will do.
func recoveryLog(cfg *serverConfig) (off bool, l DeliveryLog) {
	if cfg.recoveryOff {
		return true, nil
	}
	l = cfg.deliveryLog
	if l == nil {
		l = NewMemoryLog(MemoryLogOptions{})
	}
	if m, ok := l.(*memoryLog); ok {
		l = m.withMaxAge(cfg.recovery + markInterval(cfg.recovery))
	}
	if clusterAdapter(cfg.adapter) && !l.Shared() {
		// A log of this process only would replay to a client that
		// reconnects elsewhere what it got, or miss what other servers
		// emitted: recovery cannot be lossless, so it is off, loudly.
		const msg = "rtkit: connection state recovery is OFF: behind a cluster adapter it needs a delivery log " +
			"every server shares (WithDeliveryLog(redislog.New(…))); turn it off explicitly with WithRecovery(0)"
		if cfg.recoverySet || cfg.deliveryLog != nil {
			cfg.logger.Error(msg, "asked", true)
		} else {
			cfg.logger.Warn(msg, "asked", false)
		}
		return true, nil
	}
	return false, l
}
