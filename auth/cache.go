package auth

import (
	"sync"
	"time"
)

// ttlCache remembers principals for a short time, keyed by a digest of the
// credentials. It is bounded: when full, expired entries go first, then
// arbitrary ones. Safe for concurrent use.
type ttlCache struct {
	ttl time.Duration
	max int

	mu sync.Mutex
	m  map[string]cacheEntry
}

type cacheEntry struct {
	p     Principal
	until time.Time
}

func newTTLCache(ttl time.Duration, maxEntries int) *ttlCache {
	return &ttlCache{ttl: ttl, max: maxEntries, m: map[string]cacheEntry{}}
}

func (c *ttlCache) get(key string, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return Principal{}, false
	}
	if !now.Before(e.until) {
		delete(c.m, key)
		return Principal{}, false
	}
	return e.p, true
}

// put stores p until the TTL passes or p expires, whichever comes first.
func (c *ttlCache) put(key string, p Principal, now time.Time) {
	until := now.Add(c.ttl)
	if !p.ExpiresAt.IsZero() && p.ExpiresAt.Before(until) {
		until = p.ExpiresAt
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		c.evictLocked(now)
	}
	c.m[key] = cacheEntry{p: p, until: until}
}

// evictLocked makes room: expired entries go first, then arbitrary ones,
// down to seven eighths of the bound, so that the puts that follow do not
// each sweep the whole map again. c.mu is held.
func (c *ttlCache) evictLocked(now time.Time) {
	for k, e := range c.m {
		if !now.Before(e.until) {
			delete(c.m, k)
		}
	}
	target := min(c.max-1, c.max-c.max/8)
	for k := range c.m {
		if len(c.m) <= target {
			break
		}
		delete(c.m, k)
	}
}

// forget drops the entry of key, if any.
func (c *ttlCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}
