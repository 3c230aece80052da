package ratelimit

import (
	"log/slog"
	"sync"
	"time"
)

// failureLog logs store failures at most once per second: a down Redis
// would otherwise produce a line per event.
type failureLog struct {
	log  *slog.Logger
	mu   sync.Mutex
	last time.Time
}

func (f *failureLog) storeFailed(msg string, err error, failOpen bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.last) < time.Second {
		return
	}
	f.last = time.Now()
	f.log.Error(msg, "err", err, "failOpen", failOpen)
}
