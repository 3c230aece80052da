package main

import (
	"context"
	"sync/atomic"
	"time"
)

// lagMeter measures how late a 100 ms ticker fires in this process: a
// process starved of CPU (a busy machine, a low priority) shows it as lag,
// and a lag near the ping timeout explains lost connections.
type lagMeter struct {
	worst atomic.Int64 // nanoseconds, since the last take
}

// run measures until ctx ends.
func (l *lagMeter) run(ctx context.Context) {
	const every = 100 * time.Millisecond
	t := time.NewTicker(every)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if late := int64(now.Sub(last) - every); late > l.worst.Load() {
				l.worst.Store(late)
			}
			last = now
		}
	}
}

// take returns the worst lag since the last call and starts again.
func (l *lagMeter) take() time.Duration { return time.Duration(l.worst.Swap(0)) }
