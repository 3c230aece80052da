package auth_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adapter"
	"github.com/rtkit-go/rtkit/auth"
	"github.com/rtkit-go/rtkit/internal/redistest"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// TestRevocationReachesOtherServers: two servers share a Redis adapter; a
// user signed out on server A loses the sockets held on server B too, and
// other users keep theirs.
func TestRevocationReachesOtherServers(t *testing.T) {
	r := redistest.Start(t)
	serve := func() *rtkittest.Server {
		srv := rtkit.NewServer(rtkit.WithLogger(slog.New(slog.DiscardHandler)),
			rtkit.WithAdapter(adapter.Redis(r.Client(t), adapter.Options{Prefix: t.Name()})),
			auth.Required(team()))
		srv.Mount(whoNamespace("/a"))
		return rtkittest.Start(t, srv)
	}
	a, b := serve(), serve()
	onB := b.Dial(t, "/a", token("alice-1"))
	bobOnB := b.Dial(t, "/a", token("bob"))
	registered(t, onB, bobOnB)
	gone := disconnected(onB)

	rv := &auth.Revoker{}
	assert.Equal(t, 0, rv.RevokeUser(a.RT, "u1"), "alice has no socket on server A")
	select {
	case reason := <-gone:
		assert.Equal(t, "io server disconnect", reason)
	case <-time.After(5 * time.Second):
		t.Fatal("the revocation on A did not reach alice's socket on B")
	}
	require.True(t, bobOnB.Connected())
	assert.Equal(t, "u2", whoami(t, bobOnB).UserID, "other users are untouched")
}
