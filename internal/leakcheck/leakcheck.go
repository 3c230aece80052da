// Package leakcheck runs a package's tests and then checks that they left
// no goroutine behind, as goleak.VerifyTestMain does, with one allowance
// for the Socket.IO library underneath.
//
// That library runs every timer (ping, connect and upgrade deadlines) in a
// goroutine of its own, and some of its close paths can race with a timer
// being armed: the timer is then not cleared but fires later and finds the
// connection gone. Such a goroutine is not leaked, it ends at its deadline
// (at most the ping interval plus the ping timeout, 55 s by default). When
// only such timers remain, Run waits for them up to TimerAllowance; any
// other goroutine, or a timer still there after the allowance, fails the
// run. rtkit's own idle mailbox workers end by themselves in the same
// way, after two seconds, and are waited for alike; so do the engine's
// websocket readers and epoll poller while a connection closed gracefully
// lingers, half closed, until its client closes its side (at most the
// engine's lingerTimeout, 5 s): under load the client's FIN may take
// longer to be read than goleak's own retries last. engine.Server.Close
// itself waits for them, so this allowance only covers connections that
// a test closed while leaving their server open.
package leakcheck

import (
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TimerAllowance is how long Run waits for pending library timers.
const TimerAllowance = 70 * time.Second

const (
	// timerTop is the function a library timer's goroutine waits in.
	timerTop = "github.com/zishang520/socket.io/v3/pkg/utils.SetTimeout.func1"
	// workerTop is where rtkit's idle mailbox workers wait.
	workerTop = "github.com/rtkit-go/rtkit/internal/mailbox.(*Pool).serve"
	// monitorTop is the Go client's network monitor, started when its
	// engine package is imported; it lives as long as the process.
	monitorTop = "github.com/zishang520/socket.io/v3/pkg/utils.SetInterval.func1"
	// engineReader and enginePoller are anywhere in the stacks of the
	// engine's websocket readers and of its epoll poller.
	engineReader = "github.com/rtkit-go/rtkit/internal/engine.(*wsTransport).run"
	enginePoller = "github.com/rtkit-go/rtkit/internal/engine.(*poller).loop"
)

// Main runs the tests with Run and exits with its code.
func Main(m *testing.M, opts ...goleak.Option) {
	os.Exit(Run(m, opts...))
}

// Run runs the tests and, when they pass, checks for goroutines left
// behind (opts are goleak's, added to the allowance above). It returns
// the exit code: the tests' own, or 1 when goroutines were left.
func Run(m *testing.M, opts ...goleak.Option) int {
	code := m.Run()
	if code != 0 {
		return code
	}
	if err := Check(opts...); err != nil {
		fmt.Fprintf(os.Stderr, "leakcheck: goroutines left behind after the tests:\n%v\n", err)
		return 1
	}
	return 0
}

// Check returns nil when no goroutine other than the allowed ones is
// running, waiting up to TimerAllowance while the only ones left are
// library timers, idle workers and lingering websockets.
func Check(opts ...goleak.Option) error {
	base := append([]goleak.Option{goleak.IgnoreTopFunction(monitorTop)}, opts...)
	finite := []goleak.Option{
		goleak.IgnoreTopFunction(timerTop), goleak.IgnoreTopFunction(workerTop),
		goleak.IgnoreAnyFunction(engineReader), goleak.IgnoreAnyFunction(enginePoller),
	}
	start := time.Now()
	for {
		err := goleak.Find(base...)
		if err == nil {
			if waited := time.Since(start); waited > time.Second {
				fmt.Fprintf(os.Stderr, "leakcheck: waited %v for library timers, idle workers or lingering websockets to end\n", waited.Round(time.Second))
			}
			return nil
		}
		if time.Since(start) > TimerAllowance {
			return err
		}
		if goleak.Find(append(base, finite...)...) != nil {
			return err // something that does not end by itself is left
		}
		time.Sleep(500 * time.Millisecond)
	}
}
