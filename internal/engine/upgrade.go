package engine

import (
	"time"

	"github.com/gobwas/ws"
)

// Upgrade from long-polling to websocket: the client opens a websocket with
// the session's id and sends a "probe" ping; the server answers "3probe" on
// it, and a GET that waits meanwhile ends with a noop probeNoopDelay later
// (so that the client can pause long-polling); the client's upgrade packet
// then makes the websocket the session's transport, and what was queued
// for long-polling is moved onto it, in order. A probe that does not
// complete within UpgradeTimeout is closed, and the session goes on
// polling: the client learns it from the closed websocket.

// probeNoopDelay is how long a GET waits, while an answered probe awaits
// its upgrade packet, before it ends with a noop (Node's engine.io checks
// every 100 ms). Ending it together with "3probe" would race the client:
// one that pauses long-polling when "3probe" arrives would see its GET end
// while it sets up the pause (the zishang520 Go client, v3.0.6, then never
// completes the pause and sends nothing more), and one that missed
// "3probe" and polls on would send GETs in a busy loop.
const probeNoopDelay = 100 * time.Millisecond

// startProbe makes t the session's upgrade candidate; false when the
// session cannot upgrade now.
func (c *Conn) startProbe(t *wsTransport) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen || c.transport != TransportPolling || c.probe != nil {
		return false
	}
	t.probing = true
	c.probe = t
	c.upgradeTimer = time.AfterFunc(c.srv.cfg.UpgradeTimeout, func() { c.abortProbe(t) })
	return true
}

func (c *Conn) abortProbe(t *wsTransport) {
	c.mu.Lock()
	if c.probe == t {
		c.endProbeLocked()
	}
	c.mu.Unlock()
	t.closeNet()
}

// endProbeLocked forgets the upgrade candidate and its timers (the caller
// closes its websocket or makes it the transport); the session polls on.
func (c *Conn) endProbeLocked() {
	c.probe = nil
	c.poll.probed = false
	c.stopUpgradeTimerLocked()
	c.stopProbeNoopLocked()
}

func (c *Conn) stopUpgradeTimerLocked() {
	if c.upgradeTimer != nil {
		c.upgradeTimer.Stop()
		c.upgradeTimer = nil
	}
}

// probePacket handles a packet on a websocket that is not yet the transport.
func (t *wsTransport) probePacket(p packet) error {
	c := t.c
	switch {
	case p.typ == pktPing && string(p.data) == "probe" && !t.probed:
		t.probed = true
		if err := t.writeDirect(ws.OpText, []byte("3probe")); err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.probe != t {
			return errStop
		}
		c.poll.probed = true
		c.armProbeNoopLocked() // a waiting GET ends with a noop, soon
		return nil
	case p.typ == pktUpgrade && t.probed:
		if !c.completeUpgrade(t) {
			return errStop
		}
		t.probing = false
		if u, ok := c.srv.h.(UpgradeHandler); ok {
			u.OnUpgrade(c)
		}
		return nil
	}
	return errBadProbe
}

// completeUpgrade makes t the session's transport.
func (c *Conn) completeUpgrade(t *wsTransport) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateOpen || c.probe != t {
		return false
	}
	c.endProbeLocked()
	old := c.out
	c.out = nil
	c.transport = TransportWebsocket
	c.ws = t
	if old != nil {
		c.out = outPool.Get().(*[]byte)
		_, _ = decodePayload(*old, nil, func(p packet) error {
			c.appendFrame(p.typ, p.data, p.binary)
			return nil
		})
		*old = (*old)[:0]
		outPool.Put(old)
	}
	c.wakePollLocked() // a GET still waiting ends with a noop
	return true
}

// armProbeNoopLocked schedules the noop that ends a GET waiting during an
// answered probe; one timer at a time, and none without such a GET.
func (c *Conn) armProbeNoopLocked() {
	if !c.poll.probed || !c.poll.getActive || c.poll.noopDue || c.poll.noopTimer != nil {
		return
	}
	var tm *time.Timer
	tm = time.AfterFunc(c.srv.cfg.probeNoopDelay, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		// tm was set under c.mu; a timer stopped (and maybe replaced)
		// after it fired finds itself no longer armed.
		if c.poll.noopTimer == tm {
			c.probeNoopLocked()
		}
	})
	c.poll.noopTimer = tm
}

// probeNoopLocked ends the waiting GET with a noop, when its timer fires.
func (c *Conn) probeNoopLocked() {
	c.poll.noopTimer = nil
	if c.poll.probed && c.poll.getActive {
		c.poll.noopDue = true
		c.wakePollLocked()
	}
}

// stopProbeNoopLocked cancels a scheduled noop, for a GET that ended
// otherwise or a probe that ended.
func (c *Conn) stopProbeNoopLocked() {
	if c.poll.noopTimer != nil {
		c.poll.noopTimer.Stop()
		c.poll.noopTimer = nil
	}
	c.poll.noopDue = false
}
