package rtkit

import (
	"sync"
	"testing"
	"time"
)

// A socket's deadline timer may go off before arm has returned: an event
// on the connection's reader arms it for 1 ms, and a goroutine
// descheduled right after creating the timer can stay so for longer. The
// firing then finds the timer it re-arms. Many sockets' first handlers
// arm at once, with deadlines that fire at once, so that some firings
// overtake their arm.
func TestRunTimerFiringBeforeArmReturns(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				var rt runTimer
				r := &handlerRun{deadline: time.Now().Add(time.Hour)}
				rt.arm(nil, r, 0) // fires at once, and re-arms for the rest of the hour
				rt.disarm(r)
			}
		})
	}
	wg.Wait()
}
