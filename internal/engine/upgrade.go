package engine

import (
	"time"

	"github.com/gobwas/ws"
)

// Upgrade from long-polling to websocket: the client opens a websocket with
// the session's id and sends a "probe" ping; the server answers "3probe" on
// it and ends any waiting GET with a noop; the client's upgrade packet then
// makes the websocket the session's transport, and what was queued for
// long-polling is moved onto it, in order. A probe that does not complete
// within UpgradeTimeout is closed, and the session goes on polling.

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
		c.probe = nil
		c.poll.probed = false
		c.upgradeTimer = nil
	}
	c.mu.Unlock()
	t.closeNet()
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
		c.wakePollLocked() // a waiting GET ends with a noop
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
	c.probe = nil
	c.stopUpgradeTimerLocked()
	c.poll.probed = false
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
