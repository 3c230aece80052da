package rtkittest

import (
	"time"

	eioc "github.com/zishang520/socket.io/clients/engine/v3"
)

// upgradeWait bounds awaitUpgrade. An upgrade normally completes within
// milliseconds; a client that missed the server's "3probe" (the third
// race below) would otherwise be held until the server closes the probe
// at its UpgradeTimeout (10 s by default), and what happens to the
// session then depends on that client's state. After upgradeWait the
// client is returned as it is, still long-polling.
const upgradeWait = 3 * time.Second

// awaitUpgrade waits until a client that connected over long-polling has
// upgraded to websocket, or its upgrade attempt failed, or upgradeWait
// passed; it reports false when the client is stuck in the second race
// below, for good. The zishang520 engine client (v3.0.6) is not safe to
// use while it switches transports, from any goroutine but its own:
//
//   - Socket.Flush checks that no upgrade is under way, then hands the
//     packets to the current transport; when the upgrade began in between,
//     the polling transport is pausing and Transport.Send discards them (an
//     event, or its acknowledgement, is lost without an error);
//   - polling.Pause checks for a poll or a write in flight, then listens
//     for its end: when it ends in between, the pause never completes and
//     the client sends nothing more, on either transport. rtkit's engine
//     ends a GET waiting at the probe 100 ms after "3probe", not with it,
//     but a GET that output ends, or a POST, can still end at that moment
//     (measured with Dial under load: about 1 in 1,000 clients);
//   - _probe sends "2probe" on the websocket, then listens for the answer:
//     when "3probe" arrives in between, the client never upgrades (it
//     polls on, and the server closes the probe at its UpgradeTimeout;
//     the client then goes on polling).
//
// A test that sends only after the upgrade is not exposed to the first
// and third; Connect replaces a client stuck in the second.
func (c *Client) awaitUpgrade() bool {
	e := c.Raw().Io().Engine()
	if e == nil {
		return true
	}
	failed := make(chan struct{}, 1)
	_ = e.Once("upgradeError", func(...any) {
		select {
		case failed <- struct{}{}:
		default:
		}
	})
	deadline := time.NewTimer(upgradeWait)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if t := e.Transport(); t != nil && t.Name() == "websocket" && !e.Upgrading() {
			return true
		}
		select {
		case <-failed:
			return true
		case <-deadline.C:
			t := e.Transport()
			stuck := e.Upgrading() && t != nil && t.Name() == "polling" && t.ReadyState() == eioc.TransportStatePausing
			return !stuck
		case <-tick.C:
		}
	}
}
