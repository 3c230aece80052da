package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MemoryStore keeps budgets in process memory as token buckets. Idle
// buckets are forgotten once they would be full again.
type MemoryStore struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	calls   int
}

type bucket struct {
	lim      *rate.Limiter
	limit    Limit
	lastUsed time.Time
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{buckets: map[string]*bucket{}}
}

var _ Store = (*MemoryStore)(nil)

// sweepEvery is how many calls pass between sweeps of idle buckets.
const sweepEvery = 4096

// Take implements Store.
func (m *MemoryStore) Take(_ context.Context, key string, limit Limit, n int) (time.Duration, error) {
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.calls%sweepEvery == 0 {
		m.sweep(now)
	}
	b, ok := m.buckets[key]
	if !ok || b.limit != limit {
		b = &bucket{lim: rate.NewLimiter(rate.Every(limit.Per/time.Duration(limit.Events)), limit.burst()), limit: limit}
		m.buckets[key] = b
	}
	b.lastUsed = now
	if n > limit.burst() {
		return limit.Per, nil
	}
	r := b.lim.ReserveN(now, n)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now) // refused: give the tokens back
		return wait, nil
	}
	return 0, nil
}

// sweep drops buckets idle long enough to be full again.
func (m *MemoryStore) sweep(now time.Time) {
	for k, b := range m.buckets {
		if now.Sub(b.lastUsed) > b.limit.Per {
			delete(m.buckets, k)
		}
	}
}

// Len returns the number of buckets held (for tests and metrics).
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}
