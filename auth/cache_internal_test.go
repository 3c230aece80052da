package auth

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTTLCache(t *testing.T) {
	now := time.Now()
	c := newTTLCache(time.Minute, 3)
	c.put("a", Principal{UserID: "a"}, now)
	c.put("soon", Principal{UserID: "s", ExpiresAt: now.Add(time.Second)}, now)
	p, ok := c.get("a", now.Add(59*time.Second))
	assert.True(t, ok)
	assert.Equal(t, "a", p.UserID)
	_, ok = c.get("a", now.Add(time.Minute))
	assert.False(t, ok, "gone after the TTL")
	_, ok = c.get("soon", now.Add(time.Second))
	assert.False(t, ok, "gone when the session expires, before the TTL")

	for i := range 10 {
		c.put(fmt.Sprint(i), Principal{UserID: "x"}, now)
		assert.LessOrEqual(t, len(c.m), 3, "bounded")
	}
	_, ok = c.get("9", now)
	assert.True(t, ok, "the newest entry is kept")
}

func TestTTLCacheEvictsInBatches(t *testing.T) {
	now := time.Now()
	c := newTTLCache(time.Minute, 16)
	for i := range 16 {
		c.put(fmt.Sprint(i), Principal{UserID: "x"}, now)
	}
	c.put("new", Principal{UserID: "n"}, now)
	assert.Len(t, c.m, 15, "a full cache frees an eighth of its room at once")
	_, ok := c.get("new", now)
	assert.True(t, ok)
	c.put("next", Principal{UserID: "n"}, now)
	assert.Len(t, c.m, 16, "the next put needs no eviction")
}
