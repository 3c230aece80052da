package auth

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRevokerForgets(t *testing.T) {
	rv := &Revoker{Retention: 50 * time.Millisecond}
	rv.remember(Principal{SessionID: "s1"}, "sock-1")
	rv.remember(Principal{SessionID: "s2", ExpiresAt: time.Now().Add(-time.Minute + 20*time.Millisecond)}, "")
	assert.True(t, rv.refuses(Principal{SessionID: "s1"}, ""))
	assert.True(t, rv.refuses(Principal{SessionID: "other"}, "sock-1"), "a recovering socket keeps its id")
	assert.True(t, rv.refuses(Principal{SessionID: "s2"}, ""))
	assert.False(t, rv.refuses(Principal{}, ""))
	var none *Revoker
	assert.False(t, none.refuses(Principal{SessionID: "s1"}, "sock-1"))

	time.Sleep(60 * time.Millisecond)
	assert.False(t, rv.refuses(Principal{SessionID: "s1"}, "sock-1"), "forgotten after the retention")
	assert.False(t, rv.refuses(Principal{SessionID: "s2"}, ""), "forgotten after the session's own expiry")
	rv.remember(Principal{SessionID: "s3"}, "")
	rv.mu.Lock()
	assert.Len(t, rv.sessions, 1, "pruned")
	rv.mu.Unlock()
}
